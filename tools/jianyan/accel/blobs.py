"""Signed blobs: the file format of the caches (the load cache, the findings cache, the snapshots and
their duplication index), so that what the work tree holds is never taken on trust.

A blob (``write_blob``): a header (MAGIC, the payload's length, a keyed BLAKE2b of a label, the length
and the payload) and ``marshal(obj)``. The key is this machine's (where.cache_key), so a blob copied from
another machine or edited, even with a digest recomputed, is not taken; the label says what the blob
is (which snapshot, which part), so a genuine blob moved to another place is not taken either. marshal
is only ever given bytes that this machine signed. A blob is written to a temporary file and renamed
(fsutil.atomic_file): concurrent runs never see half a file.
"""
from __future__ import annotations

import hashlib
import hmac
import marshal
import os
from pathlib import Path
from typing import Iterable

from jianyan.core.fsutil import NotRegular, atomic_file, open_regular, read_exactly
from jianyan.campaign.where import cache_key, discard

MAGIC = b"jianyan-blob-1\0\0"
_HEAD = len(MAGIC) + 8 + 32
MAX_BLOB = 1 << 30  # larger is damage: a load shard of 100 000 files holds about 10 MB, a finding about 300 B
LIST_PIECE = 4096  # items of a long list marshalled at a time (``write_blob(large=True)``)


def _signer(key: bytes, label: str, size: int):
    """The hash that, fed the payload of ``size`` bytes, gives its signature."""
    h = hashlib.blake2b(key=key, digest_size=32, person=b"jianyan-blob")
    h.update(label.encode("utf-8", "surrogatepass") + b"\0")
    h.update(size.to_bytes(8, "little"))
    return h


def _sign(key: bytes, label: str, payload: bytes) -> bytes:
    h = _signer(key, label, len(payload))
    h.update(payload)
    return h.digest()


def read_blob(path: Path, label: str, limit: int = MAX_BLOB):
    """What ``write_blob`` stored at ``path`` under ``label``; None when it is missing, and also (after
    ``where.discard``: removed, with a note) when it is not a regular file, too large, damaged or not
    signed with this machine's key. Never reads more than the header says, nor more than ``limit``."""
    key = cache_key()
    if key is None:
        return None
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        return None
    except (OSError, NotRegular):
        discard(path)
        return None
    try:
        size = os.fstat(fd).st_size
        head = read_exactly(fd, _HEAD) if _HEAD <= size <= limit else b""
        length = int.from_bytes(head[len(MAGIC):len(MAGIC) + 8], "little") if head else -1
        if head[:len(MAGIC)] == MAGIC and length == size - _HEAD:
            payload = read_exactly(fd, length, _HEAD)
            if hmac.compare_digest(head[-32:], _sign(key, label, payload)):
                return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    finally:
        os.close(fd)
    discard(path)
    return None


def write_blob(path: Path, obj, label: str, large: bool = False) -> None:
    """``obj`` (marshal-able) signed under ``label`` to ``path``, atomically (fsutil.atomic_file);
    ValueError when there is no key to sign with. ``large``: ``obj`` (tuples, dicts, long lists; a findings
    table, ``Findings.to_marshal``) is written in pieces, never held whole in its marshal form (the quality
    findings of 100 000 drafts: 60 MB at once); its marshal form is made twice (once to know its size)."""
    key = cache_key()
    if key is None:
        raise ValueError("no cache key")
    if large:
        write_pieces(path, _pieces(obj), label, size=sum(map(len, _pieces(obj))))
    else:
        write_pieces(path, [marshal.dumps(obj)], label)



def _pieces(obj):
    """``marshal.dumps(obj, 2)``, in pieces: version 2 has no back-references, so pieces made apart join up
    (an object met twice is written, and read back, once each time; a container holding itself is not
    supported); bytes are given as they are, not copied. Hand-written because marshal has no incremental
    writer; its format is CPython's Python/marshal.c."""
    kind = type(obj)
    if kind is tuple or (kind is list and len(obj) <= LIST_PIECE):
        yield (b"(" if kind is tuple else b"[") + len(obj).to_bytes(4, "little")
        for value in obj:
            yield from _pieces(value)
    elif kind is list:
        yield b"[" + len(obj).to_bytes(4, "little")
        for a in range(0, len(obj), LIST_PIECE):
            yield marshal.dumps(obj[a:a + LIST_PIECE], 2)[5:]  # the items, without their own list's head
    elif kind is bytes:
        yield bytes_head(len(obj))
        yield obj
    elif kind is dict:
        yield b"{"
        for key, value in obj.items():
            yield from _pieces(key)
            yield from _pieces(value)
        yield b"0"
    else:
        yield marshal.dumps(obj, 2)


def write_pieces(path: Path, pieces: Iterable, label: str, size: int | None = None) -> None:
    """``write_blob`` of the object whose marshal form is the concatenation of ``pieces`` (bytes-like), each
    written as it comes: with ``size`` (their total length) given, ``pieces`` may be an iterator, so a large
    part is never held whole (``bytes_head``); ValueError when they are not of that size."""
    key = cache_key()
    if key is None:
        raise ValueError("no cache key")
    if size is None:
        pieces = list(pieces)
        size = sum(map(len, pieces))
    h = _signer(key, label, size)
    with atomic_file(path, durable=False) as fh:
        fh.write(MAGIC + size.to_bytes(8, "little") + bytes(32))  # the signature, once known, over the zeros
        n = 0
        for piece in pieces:
            h.update(piece)
            fh.write(piece)
            n += len(piece)
        if n != size:
            raise ValueError("a blob's pieces are not of the size given")
        fh.seek(len(MAGIC) + 8)
        fh.write(h.digest())


def bytes_head(n: int) -> bytes:
    """The head of the marshal form of ``n`` bytes (under 2 GB), which the bytes then follow (``write_pieces``)."""
    return b"s" + n.to_bytes(4, "little")

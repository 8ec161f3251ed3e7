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

from jianyan.fsutil import NotRegular, atomic_file, open_regular, read_exactly
from jianyan.campaign.where import cache_key, discard

MAGIC = b"jianyan-blob-1\0\0"
_HEAD = len(MAGIC) + 8 + 32
MAX_BLOB = 1 << 30  # larger is damage: a load shard of 100 000 files holds about 10 MB, a finding about 300 B


def _sign(key: bytes, label: str, payload: bytes, *more: bytes) -> bytes:
    """The signature of the payload ``payload`` (followed by ``more``, when it is given in pieces)."""
    h = hashlib.blake2b(key=key, digest_size=32, person=b"jianyan-blob")
    h.update(label.encode("utf-8", "surrogatepass") + b"\0")
    h.update((len(payload) + sum(map(len, more))).to_bytes(8, "little"))
    for piece in (payload, *more):
        h.update(piece)
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


def write_blob(path: Path, obj, label: str) -> None:
    """``obj`` (marshal-able) signed under ``label`` to ``path``, atomically (fsutil.atomic_file);
    ValueError when there is no key to sign with."""
    key = cache_key()
    if key is None:
        raise ValueError("no cache key")
    write_pieces(path, [marshal.dumps(obj)], label)


def write_pieces(path: Path, pieces: list, label: str) -> None:
    """``write_blob`` of the object whose marshal form is the concatenation of ``pieces`` (bytes-like): a large
    part is signed and written as it is, not copied (``bytes_piece``)."""
    key = cache_key()
    if key is None:
        raise ValueError("no cache key")
    size = sum(map(len, pieces))
    with atomic_file(path, durable=False) as fh:
        fh.write(MAGIC + size.to_bytes(8, "little") + _sign(key, label, *pieces))
        for piece in pieces:
            fh.write(piece)


def bytes_piece(data) -> bytes:
    """The head of the marshal form of ``data`` (bytes-like, under 2 GB), which ``data`` itself then follows:
    [head, data] as pieces of ``write_pieces`` store ``bytes(data)``."""
    return b"s" + len(data).to_bytes(4, "little")

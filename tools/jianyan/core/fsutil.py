"""Atomic file writing (the tool's one atomic writer, documents and caches alike); bounded reading of
the files the tool wrote itself.

The caches under .jianyan-cache/ sit in the work tree, where a pull request or a restored CI cache can
put anything: a symlink to /dev/zero (read without end), a FIFO (an open that never returns), a
folder, a file of many GB. ``open_regular`` opens without following a final symlink and without
blocking, and accepts a regular file only; ``read_regular`` then reads at most a given size. The
standard library has the pieces (``O_NOFOLLOW``, ``O_NONBLOCK``, ``fstat``) but no call that puts them
together, hence these few lines.
"""
from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegular(ValueError):
    """A path that should hold a file the tool wrote holds something else (or too much)."""


def open_regular(path: Path, *, follow: bool = False) -> int:
    """A read-only descriptor of the regular file at ``path``. FileNotFoundError when nothing is there;
    NotRegular (or OSError: a symlink when ``follow`` is off) for anything else. Never blocks."""
    flags = _FLAGS & ~(getattr(os, "O_NOFOLLOW", 0) if follow else 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{path} is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_exactly(fd: int, size: int, offset: int = 0) -> bytes:
    """``size`` bytes of ``fd`` from ``offset``; NotRegular when the file is shorter."""
    parts, got = [], 0
    while got < size:
        part = os.pread(fd, size - got, offset + got)
        if not part:
            raise NotRegular("file shorter than expected")
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def read_regular(path: Path, limit: int, *, follow: bool = False) -> bytes:
    """The whole regular file at ``path`` when it holds at most ``limit`` bytes (see ``open_regular``)."""
    fd = open_regular(path, follow=follow)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise NotRegular(f"{path}: {size} bytes, more than {limit}")
        return read_exactly(fd, size)
    finally:
        os.close(fd)


def process_alive(pid: str | int) -> bool | None:
    """Whether the process whose id is written ``pid`` still runs; None when ``pid`` is not a process id
    as this tool writes one (ASCII digits, in range). Scratch folders named by their run's pid outlive
    a killed run, and the next run removes those whose process is gone — and nothing else."""
    pid = str(pid)
    if not (pid.isascii() and pid.isdecimal()) or not 0 < int(pid) < 2 ** 31:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # a live process of another user
    return True


@contextmanager
def atomic_file(path: Path, *, exclusive: bool = False, mode: int = 0o644, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into, put in place when the block ends without an
    error (a temporary file beside it, renamed: readers never see half a file) and removed otherwise.

    With ``exclusive`` the rename fails with FileExistsError instead of replacing an existing file.
    ``durable``: the content is on disk (fsync) before the rename; a cache, rebuilt when lost, does
    without (a cold check writes many shards).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # lazy: tempfile loads shutil, random and hashlib; a command that writes nothing starts without them
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            os.link(tmp, path)  # fails if path exists: never overwrite a user's file
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes | str, *, exclusive: bool = False, mode: int = 0o644,
                 durable: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through ``atomic_file``, which says what the options do."""
    with atomic_file(path, exclusive=exclusive, mode=mode, durable=durable) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)

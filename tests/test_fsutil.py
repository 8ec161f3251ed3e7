"""fsutil.atomic_file / write_atomic: the one atomic writer (documents and caches)."""
from __future__ import annotations

import pytest

from jianyan.core.fsutil import atomic_file, write_atomic


def test_the_file_appears_whole_and_only_when_the_block_ends(tmp_path):
    path = tmp_path / "sub" / "a.bin"
    with atomic_file(path, durable=False) as fh:
        fh.write(b"first part ")
        assert not path.exists()  # nothing in place while it is written
        fh.write(b"second part")
    assert path.read_bytes() == b"first part second part"
    assert [p.name for p in path.parent.iterdir()] == ["a.bin"]  # no temporary file left


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    write_atomic(path, "旧内容")
    with pytest.raises(RuntimeError):
        with atomic_file(path) as fh:
            fh.write(b"half")
            raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "旧内容"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_exclusive_never_replaces_an_existing_file(tmp_path):
    path = tmp_path / "a.md"
    write_atomic(path, "用户的文件", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(path, "覆盖", exclusive=True)
    assert path.read_text(encoding="utf-8") == "用户的文件"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_the_mode_is_set(tmp_path):
    write_atomic(tmp_path / "key", b"k" * 32, mode=0o600)
    write_atomic(tmp_path / "page.html", "<p></p>")
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "page.html").stat().st_mode & 0o777 == 0o644

"""The on-disk pieces a pull-request check reads instead of the whole corpus: fenced search in the
stored index and key lookup in the feature cache give what the in-memory versions give."""
from __future__ import annotations

import numpy as np
import pytest

from jianyan.dup.index import cache as C
from jianyan.dup import features as F
from jianyan.dup.index import stored as S
from jianyan.dup.index.stored import FENCE, StoredIndex


@pytest.mark.parametrize("n", [0, 1, FENCE - 1, FENCE, FENCE + 1, 5 * FENCE + 17])
def test_fenced_search_equals_searchsorted(n):
    rng = np.random.default_rng(n)
    arr = np.sort(rng.integers(0, 3 * n + 10, size=n).astype(np.uint64))  # many repeated values
    probe = StoredIndex.__new__(StoredIndex)
    probe.fp = arr
    probe.fences = {"fp": arr[::FENCE].copy()}
    probe.step = FENCE
    values = np.unique(np.concatenate([rng.integers(0, 3 * n + 12, size=200).astype(np.uint64),
                                       arr[::FENCE], arr[-1:] if n else arr, np.array([0], dtype=np.uint64)]))
    lo, hi = probe._search("fp", values)
    assert lo.tolist() == np.searchsorted(arr, values, side="left").tolist()
    assert hi.tolist() == np.searchsorted(arr, values, side="right").tolist()


def _features(seed: int) -> F.Features:
    rng = np.random.default_rng(seed)
    n = 12
    starts = np.arange(n, dtype=np.int32) * 2
    return F.Features(starts, starts + 2, rng.integers(1, 2**63, size=n).astype(np.uint64), np.zeros(n, bool),
                      rng.integers(0, 2**32, size=F.PERMS).astype(np.uint32),
                      rng.integers(1, 2**63, size=3).astype(np.uint64), np.arange(3, dtype=np.int32))


def test_feature_cache_lookup_by_search_equals_lookup_by_dictionary(tmp_path, monkeypatch):
    (tmp_path / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    keys = [C.content_key(f"文本{i}", True) for i in range(300)]
    first = C.Store(tmp_path)
    for i, k in enumerate(keys[:200]):
        first.put(k, _features(i))
    first.save()
    second = C.Store(tmp_path)
    for i, k in enumerate(keys[200:], 200):
        second.put(k, _features(i))
    second.save()  # two shards
    monkeypatch.setattr(C, "DICT_AFTER", 10**9)
    searched = C.Store(tmp_path)
    absent = C.content_key("不在缓存中", True)
    assert absent not in searched and searched.get(absent) is None
    for i in (0, 57, 199, 200, 299):
        got = searched.get(keys[i])
        assert got is not None and got.sig.tolist() == _features(i).sig.tolist()
    assert searched._where is None  # no dictionary was needed
    monkeypatch.setattr(C, "DICT_AFTER", 0)
    by_dict = C.Store(tmp_path)
    assert all(by_dict.get(k).sig.tolist() == searched.get(k).sig.tolist() for k in keys)
    assert by_dict._where is not None and len(by_dict.where) == 300


def test_index_file_blocks_are_read_and_checked_only_when_asked_for(tmp_path, capsys):
    """A stored index file is read block by block, each checked against its signed digest when first
    needed: values gathered anywhere equal the file's; a block changed on disk is refused when read (the
    snapshot holding it is discarded) and never changes an answer that does not read it."""
    snap = tmp_path / ".jianyan-cache" / "snapshot-v0" / "abc"
    snap.mkdir(parents=True)
    path = snap / "fp.bin"
    values = np.random.default_rng(7).integers(0, 2**63, size=10 * S.BLOCK // 8 + 100).astype("<u8")
    values.tofile(path)
    size, digests = S._block_digests(path)
    assert size == path.stat().st_size and len(digests) == 16 * 11
    table = S._Table(S._File(path, size, digests, snap), "<u8", len(values))
    idx = np.array([[0, 5, len(values) - 1], [S.BLOCK // 8 + 3, 17, 0]])
    assert table[idx].tolist() == values[idx].tolist()
    assert table[3] == values[3] and table[40:700].tolist() == values[40:700].tolist()
    assert table.file.done.tolist() == [True, True] + [False] * 8 + [True]  # the blocks of the values read
    data = bytearray(path.read_bytes())
    data[6 * S.BLOCK + 5] ^= 0x5A  # block 6: never read below
    path.write_bytes(bytes(data))
    fresh = S._Table(S._File(path, size, digests, snap), "<u8", len(values))
    assert fresh[idx].tolist() == values[idx].tolist() and snap.is_dir()
    with pytest.raises(S.DamagedIndex):
        fresh[6 * S.BLOCK // 8 + 1]
    assert not snap.exists() and "已损坏或不可信" in capsys.readouterr().err
    assert not fresh.file.done[6]  # refused: asked again, refused again
    with pytest.raises(S.DamagedIndex):
        fresh[6 * S.BLOCK // 8 + 1]
    with pytest.raises(ValueError):  # another size: refused at once
        S._File(path, size - 8, digests[:-16], None)


@pytest.mark.parametrize("key", [slice(None, None, -1), slice(900, 10, -7), slice(3, None, 5)])
def test_a_reversed_or_strided_slice_of_a_stored_table_reads_its_blocks(tmp_path, key):
    values, table = _stored(tmp_path)
    assert table[key].tolist() == values[key].tolist()


def test_a_mask_of_a_stored_table_reads_the_blocks_of_the_values_it_picks(tmp_path):
    values, table = _stored(tmp_path)
    mask = np.zeros(len(values), dtype=bool)
    mask[[1, S.BLOCK // 8 * 4 + 2, len(values) - 1]] = True
    assert table[mask].tolist() == values[mask].tolist()
    with pytest.raises(TypeError):
        table[np.array([1.5])]


def _stored(tmp_path):
    path = tmp_path / "t.bin"
    values = np.random.default_rng(3).integers(0, 2**63, size=5 * S.BLOCK // 8 + 7).astype("<u8")
    values.tofile(path)
    return values, S._Table(S._File(path, *S._block_digests(path), None), "<u8", len(values))


def test_a_stored_index_opened_reads_none_of_its_tables(tmp_path):
    """The tables of a stored index stay unread when the index takes them (only the memmaps of an index
    built or opened in a worker are turned into plain arrays): a check of a change reads a few blocks."""
    from jianyan.dup.index.engine import Index
    path = tmp_path / "fp.bin"
    values = np.arange(4 * S.BLOCK // 8, dtype="<u8")
    values.tofile(path)
    size, digests = S._block_digests(path)
    tables = {name: S._Table(S._File(path, size, digests, None), "<u8", len(values))
              for name in ("band_keys", "band_doc", "fp", "fp_doc")}
    index = Index.__new__(Index)
    index._use(tables)
    assert index.fp is tables["fp"] and not any(t.file.done.any() for t in tables.values())
    mapped = np.memmap(path, dtype="<u8", mode="r")
    index._use({name: mapped for name in tables})
    assert type(index.fp) is np.ndarray and index.tables["fp"] is mapped

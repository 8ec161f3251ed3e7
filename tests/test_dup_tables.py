"""The index's tables sorted out of core (dup/tables.py) equal the same tables sorted in memory."""
from __future__ import annotations

import numpy as np
import pytest

from jianyan.dup.index import tables
from jianyan.dup.index.tables import FENCE, Writer, open_tables, release, runs_by_doc, sort_rows


def _pieces(keys, docs, size):
    for a in range(0, len(keys), size):
        yield keys[a:a + size], docs[a:a + size]


@pytest.fixture
def small_parts(monkeypatch):
    """Partitions of 1000 rows: a 20 000-row table is sorted in about 32 pieces."""
    monkeypatch.setattr(tables, "PART_ROWS", 1000)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 777)


@pytest.mark.parametrize("unique", [True, False])
def test_sorted_table_equals_in_memory_sort(tmp_path, small_parts, unique):
    rng = np.random.default_rng(7)
    n_docs = 300
    # repeated keys (stock phrases) and repeated (key, doc) pairs, spread over the whole 64-bit range
    pool = rng.integers(0, 2**64 - 1, size=5000, dtype=np.uint64)
    keys = pool[rng.integers(0, len(pool), size=20000)]
    docs = rng.integers(0, n_docs, size=20000).astype(np.int32)
    out = Writer(tmp_path)
    sort_rows(out, _pieces(keys, docs, 3001), len(keys), 64, values="t_doc", keys="t", runs="t", unique=unique)
    runs_by_doc(out, "t", n_docs)
    out.close()
    got = open_tables(tmp_path)

    order = np.lexsort((docs, keys))
    k, d = keys[order], docs[order]
    if unique:
        keep = np.ones(len(k), dtype=bool)
        keep[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
        k, d = k[keep], d[keep]
    assert np.array_equal(got["t"], k) and np.array_equal(got["t_doc"], d)
    assert np.array_equal(got["t_fence"], k[::FENCE])
    # each text's rows in table order: the run of its key (first row, length)
    lo = np.searchsorted(k, k, side="left")
    df = np.searchsorted(k, k, side="right") - lo
    rows = np.argsort(d, kind="stable")
    assert np.array_equal(got["t_lo"], lo[rows]) and np.array_equal(got["t_df"], df[rows])
    assert np.array_equal(got["t_ptr"], np.concatenate(([0], np.cumsum(np.bincount(d, minlength=n_docs)))))
    assert not {"t_group", "t_start"} & set(got)  # steps of the build, dropped
    release(got.values())  # pages given back: the values read again are the same
    assert np.array_equal(got["t"], k)
    assert not list(tmp_path.glob(".*")), "partition files left behind"


def test_empty_table(tmp_path):
    out = Writer(tmp_path)
    sort_rows(out, iter(()), 0, 64, values="t_doc", keys="t", runs="t", unique=True)
    runs_by_doc(out, "t", 0)
    out.close()
    got = open_tables(tmp_path)
    assert len(got["t"]) == len(got["t_doc"]) == len(got["t_lo"]) == len(got["t_df"]) == 0
    assert got["t_ptr"].tolist() == [0]


def test_damaged_table_is_refused(tmp_path):
    out = Writer(tmp_path)
    out.append("a", np.arange(10, dtype=np.int32))
    out.close()
    with open(tmp_path / "a.bin", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ValueError):
        open_tables(tmp_path)


def test_index_in_partitions_finds_the_same_candidates(campaign, tmp_path, monkeypatch):
    """An index of the sample campaign built in tiny partitions: same tables, same candidates."""
    from jianyan.dup.index.engine import Index, build, campaign_entries
    from jianyan.campaign.load import load_campaign
    entries = campaign_entries(load_campaign(campaign))
    whole = build(entries, None, 20)
    store = whole.feats.store
    monkeypatch.setattr(tables, "PART_ROWS", 200)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 150)
    parts = Index(entries, store, 20, folder=tmp_path / "t")
    assert len(parts.fp) > 1000  # really spread over several partitions
    for name, arr in whole.tables.items():
        assert np.array_equal(arr, parts.tables[name]), name
    for i in range(len(entries)):
        (a, common_a), (b, common_b) = (x.candidates_of(i, x.feats[i], lambda j: j == i) for x in (parts, whole))
        assert a == b and np.array_equal(common_a, common_b)

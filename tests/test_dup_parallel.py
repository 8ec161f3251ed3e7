"""Features computed over forked workers that write the cache themselves, the warm-up that overlaps
reading the repository, and the index's search-free candidates for its own entries."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from jianyan.dup.analysis import Analysis
from jianyan.dup.index import cache as C
from jianyan.dup import features as F
from jianyan.dup.index import parallel as P
from jianyan.campaign.load import load_campaign

from conftest import run_cli
from helpers.items import body_of, near_copy, write_item

FIELDS = ("starts", "ends", "hashes", "quoted", "sig", "fp_hash", "fp_pos")


def same(a: F.Features, b: F.Features) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def bodies(root: Path) -> dict[bytes, str]:
    out = {}
    for path in sorted((root / "submissions").rglob("*.md")):
        body = body_of(path)
        out[C.content_key(body, True)] = body
    return out


@pytest.fixture
def forking(monkeypatch):
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no fork on this system")  # the code then computes in one process (tested below)
    monkeypatch.setattr(P, "PARALLEL_MIN", 1)


def test_warmup_workers_write_every_submissions_features_into_the_cache(campaign, forking):
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    warm = P.Warmup(campaign, sorted((campaign / "submissions").rglob("*.md")), processes=2)
    assert len(warm.workers) == 2
    warm.wait()
    store = C.Store(campaign)
    assert len(store.shards) == 2 and not store.new  # one shard a worker, nothing passed back
    texts = bodies(campaign)
    for key, body in texts.items():
        assert key in store and same(store.get(key), P.compute(body, True))
    # a second warm-up finds them all cached: its workers write nothing
    P.Warmup(campaign, sorted((campaign / "submissions").rglob("*.md")), processes=2).wait()
    assert len(C.Store(campaign).shards) == 2


def test_fill_over_workers_equals_one_process(campaign, forking):
    texts = bodies(campaign)
    todo = {k: (b, True) for k, b in texts.items()}
    serial = C.Store(None)
    P.fill(serial, todo, None, processes=1)
    forked = C.Store(None)  # no cache folder: the workers write to a scratch folder, removed at once
    P.fill(forked, todo, None, processes=2)
    assert len(forked.shards) == 2 and not forked.new and len(serial.new) == len(todo)
    assert not forked.shards[0].folder.exists()
    for key in todo:
        assert same(forked.get(key), serial.get(key))


def test_a_failing_worker_leaves_only_work_for_the_parent(campaign, forking, monkeypatch, capfd):
    def boom(texts):
        raise MemoryError("worker out of memory")

    monkeypatch.setattr(P, "compute_all", boom)  # the workers fail; the parent computes text by text
    texts = bodies(campaign)
    store = C.Store(None)
    P.fill(store, {k: (b, True) for k, b in texts.items()}, None, processes=2)
    assert all(same(store.get(k), P.compute(b, True)) for k, b in texts.items())
    assert "Traceback" not in capfd.readouterr().err


def test_candidates_of_an_own_entry_equal_the_searched_candidates(campaign):
    write_item(campaign, "2021-minjin-901", near_copy(campaign))
    index = Analysis.run(load_campaign(campaign), root=campaign).index
    assert len(index.entries) > 30
    for i in range(len(index.entries)):
        own, own_common = index.candidates_of(i, index.feats[i], lambda j: j == i)
        searched, common = index.candidates(index.feats[i], lambda j: j == i)
        assert own == searched and own_common.tolist() == common.tolist()
    copy = next(i for i, e in enumerate(index.entries) if e.id == "2021-minjin-901")
    assert any(index.entries[j].id == "2021-minge-001" for j in index.candidates_of(copy, index.feats[copy], lambda j: j == copy)[0])


@pytest.mark.e2e  # a cold process: the warm-up loads jieba while the files are read
def test_a_cold_check_with_the_warmup_reports_what_a_check_without_caches_does(campaign, cli):
    """80 submissions (the warm-up starts at 64): the same findings, and the cache written by workers.
    The cold process is the point; the check without caches it is compared with runs in this one."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no workers are started")
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    sources = [body_of(p) for p in sorted((campaign / "submissions").rglob("*.md"))]
    for k in range(55):
        body = sources[k % len(sources)]
        cut = len(body) // 3 + k  # a third left out: partial copies, some flagged, some not
        write_item(campaign, f"2021-minjin-{500 + k:03d}", body[cut:] + f"\n\n补充第{k}条。\n", date="2021-05-01")
    assert len(list((campaign / "submissions").rglob("*.md"))) >= 80
    warm = run_cli(campaign, "check", "--format", "json")
    plain = cli(campaign, "check", "--format", "json", env={"JIANYAN_CACHE": "0"})
    assert warm.code == plain.code and warm.out == plain.out, warm
    assert any(f["code"].startswith("dup.") for f in json.loads(warm.out))
    shards = list((campaign / ".jianyan-cache" / C.FOLDER).glob("*.keys.npy"))
    assert len(shards) >= 2  # one a worker


def test_no_feature_cache_where_caches_are_off(campaign, cli):
    """Where .jianyan-cache/ is not git-ignored it would show up as a change: nothing is written
    there, by the duplication check either; JIANYAN_CACHE=0 switches the caches off everywhere."""
    assert cli(campaign, "check").code in (0, 1)
    assert not (campaign / ".jianyan-cache").exists()
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    assert cli(campaign, "check", env={"JIANYAN_CACHE": "0"}).code in (0, 1)
    assert not (campaign / ".jianyan-cache").exists()
    old = campaign / ".jianyan-cache" / "dup-v1"  # a cache of an earlier layout: removed, not kept for ever
    old.mkdir(parents=True)
    (old / "a.keys.npy").write_bytes(b"")
    assert cli(campaign, "check").code in (0, 1)
    assert (campaign / ".jianyan-cache" / C.FOLDER).is_dir() and not old.exists()


# --- the cache's shards: one record a text, read with pread, merged record by record -------------

def test_shards_give_back_the_features_written_and_merge_without_change(campaign, monkeypatch):
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    texts = bodies(campaign)
    feats = {k: P.compute(b, True) for k, b in texts.items()}
    keys = sorted(feats)
    store = C.Store(campaign)
    for i, k in enumerate(keys):  # one shard a text
        store.put(k, feats[k])
        store.save()
        store = C.Store(campaign)
        assert len(store.shards) == i + 1
    for k in keys:
        got = store.get(k)
        assert same(got, feats[k]) and got.sig.shape == (F.PERMS,) and got.quoted.dtype == bool
    # many keys located at once: the shard and row of each, -1 for a key in no shard
    asked = keys[::-1] + [b"y" * 16]
    shard, row = store.locate(asked)
    assert shard[-1] == -1 and (shard[:-1] >= 0).all()
    assert all(same(store.shards[s].features(r), feats[k]) for k, s, r in zip(asked[:-1], shard.tolist(), row.tolist()))
    # beyond MAX_SHARDS they are merged into one shard, keeping only the texts still in use
    monkeypatch.setattr(C, "MAX_SHARDS", 2)
    extra = P.compute("另一段完全不同的文字，讲的是乡村振兴。", True)
    store.put(b"x" * 16, extra)
    store.save(used=set(keys[1:]) | {b"x" * 16})
    merged = C.Store(campaign)
    assert len(merged.shards) == 1 and keys[0] not in merged
    assert all(same(merged.get(k), feats[k]) for k in keys[1:]) and same(merged.get(b"x" * 16), extra)
    assert not list((campaign / ".jianyan-cache" / C.FOLDER).glob(".*"))  # no temporary files left


def test_a_damaged_shard_is_a_cache_miss(campaign):
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    body = next(iter(bodies(campaign).values()))
    store = C.Store(campaign)
    key = C.content_key(body, True)
    store.put(key, P.compute(body, True))
    store.save()
    data = next((campaign / ".jianyan-cache" / C.FOLDER).glob("*.data.bin"))
    data.write_bytes(data.read_bytes()[:-8])  # cut short
    assert key not in C.Store(campaign)


# --- query workers: forked, or fresh processes that open the index's files -------------------------

def _results(analysis, **kw):
    out = []
    for res in analysis.results(analysis.queries(), **kw):
        out.append((res.entry.id, [(m.entry.id, rel, round(m.pair.similarity, 6), m.pair.spans) for m, rel in res.matches],
                    res.figures))
    return out


def test_query_workers_fresh_or_forked_answer_as_one_process(campaign, forking, monkeypatch):
    from jianyan.accel import pools
    from jianyan.dup.index import queries
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    write_item(campaign, "2021-minjin-901", near_copy(campaign))
    analysis = Analysis.run(load_campaign(campaign), root=campaign)
    alone = _results(analysis, processes=1)
    assert any(m for _, m, _ in alone)  # the near copy is found
    started = []
    imap = pools.imap
    monkeypatch.setattr(pools, "imap", lambda *a, **kw: started.append(kw.get("fresh")) or imap(*a, **kw))
    monkeypatch.setattr(queries, "PARALLEL_QUERIES", 1)
    assert _results(analysis, processes=2) == alone and started == [None]  # forked
    monkeypatch.setattr(queries, "FRESH_WORKERS_MIN", 1)
    state = analysis.index.worker_state()
    assert state is not None and Path(state[0]).is_dir()
    assert _results(analysis, processes=2) == alone and started == [None, [queries.__name__]]  # fresh processes
    folder = analysis.index.folder
    del analysis, state
    import gc
    gc.collect()
    assert not folder.exists()  # the scratch tables go with the index


def test_a_scratch_folder_left_by_a_killed_run_is_removed(campaign):
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    stale = campaign / ".jianyan-cache" / "index-999999999-abc"
    stale.mkdir(parents=True)
    Analysis.run(load_campaign(campaign), root=campaign)
    assert not stale.exists()

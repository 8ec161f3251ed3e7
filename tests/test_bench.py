"""A tiny run of the benchmark code (`make bench` itself is not part of the test suite): the groups of
measures on the clean corpus as processes; what the drafts corpus adds (its items, their findings,
its measures' names) in this process, the warm measures being the same code on both corpora. The load
group is two more measures of the same kind (a check, the cache folder it wipes first): that folder
is asserted in this process instead."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks import bench
from conftest import invoke

# every group but load (see above) and issue (not measured in a smoke run)
SMOKE_GROUPS = tuple(g for g in bench.GROUPS if g not in ("load", "issue"))


@pytest.mark.e2e
def test_bench_smoke_run_writes_results(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--smoke", "--corpora", "clean",
                           "--only", ",".join(SMOKE_GROUPS), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    m = res["metrics"]
    for key in ("floor_jieba_init", "raw_jieba_2proc_40", "cold_check_dup_40", "pr_check_dup_40"):
        assert m[key]["seconds"] > 0 and m[key]["peak_mb"] > 0, key
    assert m["cold_check_dup_40"]["planted_found"] == m["cold_check_dup_40"]["planted"] > 0
    assert m["pr_check_dup_40"]["pr_dup_findings"] >= 1  # the PR copies an item
    assert res["baselines"]["40"]["difflib"]["planted_found"] >= 1
    assert res["accuracy"]["document"]["recall"] >= 0.95
    assert "floor_jieba_init" in proc.stdout and "准确率" in proc.stdout
    # the warm plain checks, each beside a run of the floor
    for key in ("warm_check_40", "warm_check_edit_40"):
        assert m[key]["seconds"] > 0 and m[key]["floor_seconds"] > 0 and m[key]["ratio_to"] == "floor_jieba_init", key
    assert res["corpora"] == {"clean": list(SMOKE_GROUPS)}


def test_the_drafts_corpus_carries_two_findings_an_item_more_than_the_clean_one(tmp_path):
    """The smoke run's two corpora as it generates them (40 items from the sample's passages, committed),
    each checked as its main branch is: the drafts' findings per item at least two above the clean
    corpus's; their measures are keyed apart."""
    passages = bench._sample_passages()
    per_item = {}
    for corpus in bench.CORPORA:
        folder = tmp_path / corpus
        bench.generate(folder, 40, None, passages=passages, drafts=corpus == "drafts")
        bench.commit_main(folder)
        res = invoke(folder, "check", "--format", "json", "--no-progress")
        assert res.code in (0, 1), res
        per_item[corpus] = len(json.loads(res.out)) / 40
        # the folders the benchmark wipes before its cold measures (load group, cold group) are the caches'
        cache = folder / ".jianyan-cache"
        assert (cache / f"load-v{bench._load_format()}").is_dir() and (cache / bench._dup_folder()).is_dir()
    assert per_item["drafts"] >= per_item["clean"] + 2, per_item
    assert bench.metric("warm_check", 40, "drafts") == "warm_check_drafts_40" != bench.metric("warm_check", 40)


def test_drafts_carry_three_to_five_slips(tmp_path):
    """Each item of the drafts corpus gets 3 to 5 slips; the clean corpus is what it was."""
    import random

    rng = random.Random(1)
    picks = [bench.draft_slips(rng) for _ in range(200)]
    assert all(3 <= len(p) <= 5 and len(set(p)) == len(p) for p in picks)
    assert {name for p in picks for name in p} == {*bench.SLIPS, "unknown_member"}
    body = bench.structured(bench.Chain([["经济", "发展", "，", "社会", "进步", "。"] * 40]), random.Random(2), 900)
    for name, slip in bench.SLIPS.items():
        assert slip(body, random.Random(3)) != body, name
    clean, drafts = tmp_path / "clean", tmp_path / "drafts"
    bench.generate(clean, 12, None, passages=["正文，第一句。第二句，完。"])
    bench.generate(drafts, 12, None, passages=["正文，第一句。第二句，完。"], drafts=True)
    assert sorted(p.name for p in clean.rglob("*.md")) != sorted(p.name for p in drafts.rglob("*.md"))

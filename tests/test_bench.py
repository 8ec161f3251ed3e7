"""A tiny run of the benchmark code (`make bench` itself is not part of the test suite)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def test_bench_smoke_run_writes_results(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--smoke", "--out", str(out)],
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

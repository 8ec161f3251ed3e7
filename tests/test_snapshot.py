"""A check from a stored check of main (snapshot.py) gives exactly what a full check gives.

Each case changes the sample campaign on a branch the way a pull request would, then runs
`jianyan check --base main` twice: with the snapshot main's check stored (reading only the changed
files and those depending on them), and with every cache off (reading everything). The two outputs
must be identical, byte for byte. The plain cases do the same for the plain `jianyan check` staff run
all day, on a work tree changed since main's check (nothing committed)."""
from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_campaign, invoke
from gitrepo import git

from jianyan.campaign.where import SNAPSHOT_DIR
from jianyan.core.findings import Findings

A = "submissions/2021/minge/2021-minge-001.md"          # adopted in 2021-001
B = "submissions/2021/jiusan/2021-jiusan-001.md"        # adopted in 2021-003
SERIES_ROOT = "submissions/2021/jingji/2021-jingji-001.md"  # 2021-jingji-003 names it in `related`
SERIES_NEXT = "submissions/2021/jingji/2021-jingji-003.md"
ISSUE = "issues/2021/003.md"
FEEDBACK = "feedback/2021/2021-jiusan-001.yaml"
LOADER_WARNED = "submissions/2021/gsl/2021-gsl-001.md"  # unchanged on every branch
LATER = "submissions/2021/qufu/2021-qufu-001.md"        # dated after A
WARNED = "submissions/2021/binzhou/2021-binzhou-001.md"  # a warning on a file no branch changes


def _edit(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _body(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8").split("\n---\n", 1)[1]


def _new_item(root: Path, ident: str, body: str, extra: str = "") -> None:
    unit = ident.split("-")[1]
    path = root / "submissions" / "2021" / unit / f"{ident}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nid: {ident}\ntitle: 关于进一步做好有关工作的建议\nsubmitter: 某单位\nunit: {unit}\n"
                    f"topic: 1\nkind: suggestion\nstatus: submitted\ndate: 2021-04-20\n{extra}---\n{body}",
                    encoding="utf-8")


CASES = {
    "body_edit": lambda r: _edit(r, A, "目前沿黄9市之间", "目前沿黄9市之间确实非常"),
    "same_id_as_unchanged": lambda r: _edit(r, B, "id: 2021-jiusan-001", "id: 2021-minge-001"),
    "delete_series_root": lambda r: (r / SERIES_ROOT).unlink(),
    "series_root_later_date": lambda r: _edit(r, SERIES_ROOT, "date: 2021-", "date: 2022-"),
    "issue_drops_an_item": lambda r: _edit(r, ISSUE, "items: [2021-jiusan-001, ", "items: ["),
    "feedback_other_item": lambda r: _edit(r, FEEDBACK, "2021-jiusan-001", "2021-minge-001"),
    "rename_item": lambda r: (r / A).rename(r / "submissions/2021/minge/2021-minge-099.md"),
    "broken_yaml": lambda r: _edit(r, B, "status: adopted", "status: [adopted"),
    "near_copy_added": lambda r: _new_item(r, "2021-jinan-031", _body(r, A).replace("的", "之", 3)),
    "new_item_in_series": lambda r: _new_item(r, "2021-jingji-031", _body(r, SERIES_NEXT)[:200] + "\n",
                                              "related: [2021-jingji-001, 2021-minge-099]\n"),
    "registry_change_runs_full": lambda r: _edit(r, "schema/settings.yaml", "campaign:", "# 改动\ncampaign:"),
}


@pytest.fixture(scope="module")
def main_repo(tmp_path_factory) -> Path:
    """The sample campaign committed on main, checked once so that its snapshot is stored."""
    root = copy_campaign(tmp_path_factory.mktemp("snap") / "c")
    (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    _edit(root, LOADER_WARNED, "\ntitle:", "\nurgent: no\ntitle:")  # a finding of the reader (schema.invalid)
    _edit(root, WARNED, "\n---\n", "\n---\n近年来，随着经济社会的快速发展，")  # quality.opening
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    stale = root / ".jianyan-cache" / "snapshot-v3" / "0123abcd"  # snapshots of an earlier format
    stale.mkdir(parents=True)
    res = invoke(root, "check", "--format", "json")
    assert res.code in (0, 1), res
    assert list((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/meta.bin")), "main's check stored no snapshot"
    assert not stale.parent.exists(), "an old format's snapshots were kept"
    (root.parent / "main-findings.json").write_text(res.out, encoding="utf-8")
    return root


def _branch(main_repo: Path, dest: Path, change) -> Path:
    shutil.copytree(main_repo, dest, symlinks=True)
    git(dest, "checkout", "-q", "-b", "pr")
    change(dest)
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "pr")
    return dest


@pytest.mark.parametrize("case", sorted(CASES))
def test_snapshot_check_equals_full_check(cli, main_repo, tmp_path, case):
    root = _branch(main_repo, tmp_path / "pr", CASES[case])
    for every in ([], ["--all"]):  # what the change is about (the default), and everything
        quick = cli(root, "check", "--base", "main", "--format", "json", "--progress", *every)
        full = cli(root, "check", "--base", "main", "--format", "json", *every, env={"JIANYAN_CACHE": "0"})
        assert quick.code == full.code, (quick, full)
        assert quick.out == full.out
        assert quick.err.count("另有") == full.err.count("另有")
        used = "增量检查" in quick.err
        assert used == (case != "registry_change_runs_full"), quick.err
    # each case changes what is reported (else it would not exercise the partial path's re-checking)
    main = json.loads((main_repo.parent / "main-findings.json").read_text(encoding="utf-8"))
    assert json.loads(quick.out) != main


def test_a_pr_check_lists_what_the_change_is_about(cli, main_repo, tmp_path):
    """By default a check of a change lists the findings on the changed files and those depending on them,
    and every error; the other warnings are counted in one line. --all lists everything."""
    root = _branch(main_repo, tmp_path / "pr", CASES["delete_series_root"])
    every = cli(root, "check", "--base", "main", "--format", "json", "--all")
    focus = cli(root, "check", "--base", "main", "--format", "json")
    assert "另有" not in every.err and focus.code == every.code
    shown, every = focus.json(), every.json()
    about = {SERIES_ROOT, SERIES_NEXT}  # deleted, and names it in `related`
    assert shown == [f for f in every if f["path"] in about or f["severity"] == "error"]
    assert any(f["path"] == SERIES_NEXT and f["code"] == "ref.unknown_related" for f in shown)
    left = [f for f in every if f not in shown]
    assert left, "the sample has warnings on files the change leaves alone"
    warnings = sum(f["severity"] == "warning" for f in left)
    files = len({f["path"] for f in left})
    assert f"另有 {warnings} 个警告" in focus.err and f"不受改动影响的 {files} 个文件上" in focus.err, focus.err
    text = cli(root, "check", "--base", "main")
    assert text.out.count("\n") == len(shown) and "加 --all 列出全部" in text.err


@pytest.mark.parametrize("case", ["body_edit", "issue_drops_an_item", "delete_series_root"])
def test_a_pr_check_lists_from_the_brief_without_the_stored_findings(cli, main_repo, tmp_path, case):
    """What a check of a change lists by default, and its counts, come from brief.bin: with main's final.bin
    gone the output is the same as a full check's (text, with the summary and the left-out line)."""
    root = _branch(main_repo, tmp_path / "pr", CASES[case])
    finals = list((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/final.bin"))
    assert finals and all((f.parent / "brief.bin").is_file() for f in finals)
    for f in finals:
        f.unlink()
    quick = cli(root, "check", "--base", "main", "--progress")
    full = cli(root, "check", "--base", "main", env={"JIANYAN_CACHE": "0"})
    assert "增量检查" in quick.err and quick.code == full.code
    assert quick.out == full.out
    assert [x for x in quick.err.splitlines() if x.startswith(("检查了", "另有"))] == full.err.splitlines()[-2:]
    assert "另有" in full.err


# a family or a category: each resolved through the family table, each taken from the snapshot by family
@pytest.mark.parametrize("only", [["dup"], ["quality", "pii"], ["ref"], ["schema"], ["status", "yaml"]])
def test_only_some_families_from_the_snapshot_equals_full(cli, main_repo, tmp_path, only):
    root = _branch(main_repo, tmp_path / "pr", CASES["near_copy_added"])
    args = [a for name in only for a in ("--only", name)]
    quick = cli(root, "check", "--base", "main", "--format", "json", "--progress", *args)
    full = cli(root, "check", "--base", "main", "--format", "json", *args, env={"JIANYAN_CACHE": "0"})
    assert "增量检查" in quick.err
    assert quick.out == full.out and quick.code == full.code
    # the reader's finding on an unchanged file comes from the snapshot, whatever families ran
    assert (LOADER_WARNED, "schema.invalid") in {(f["path"], f["code"]) for f in quick.json()}


def test_dependants_are_read_and_findings_follow_the_change(cli, main_repo, tmp_path):
    """Deleting the first item of a series: the unchanged follow-up is read again and now names the gap."""
    root = _branch(main_repo, tmp_path / "pr", CASES["delete_series_root"])
    res = cli(root, "check", "--base", "main", "--format", "json", "--progress")
    m = re.search(r"读取改动的 (\d+) 篇和受影响的 (\d+) 篇", res.err)
    assert m and int(m[2]) >= 1, res.err
    codes = {(f["path"], f["code"]) for f in res.json()}
    assert (SERIES_NEXT, "ref.unknown_related") in codes
    assert any(c == "workflow.deleted" for _, c in codes)


def test_near_copy_found_against_the_stored_index(cli, main_repo, tmp_path):
    root = _branch(main_repo, tmp_path / "pr", CASES["near_copy_added"])
    res = cli(root, "check", "--base", "main", "--format", "json", "--progress")
    assert "增量检查" in res.err
    dup = [f for f in res.json() if f["code"] == "dup.near_duplicate"]
    assert dup and dup[0]["severity"] == "error" and "2021-minge-001" in dup[0]["message"]
    assert dup[0]["path"] == "submissions/2021/jinan/2021-jinan-031.md"


def test_no_snapshot_of_a_dirty_work_tree(cli, tmp_path):
    root = copy_campaign(tmp_path / "c")
    (root / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    _edit(root, A, "目前", "目前确实")
    res = cli(root, "check", "--format", "json")
    assert res.code in (0, 1), res
    assert not list((root / ".jianyan-cache").glob(f"{SNAPSHOT_DIR}/*/meta.bin"))


def test_the_file_list_takes_the_documents_digests_from_the_load(main_repo, monkeypatch):
    """A snapshot's file list (``_manifest``) has each file's digest; those of the submissions and issues are
    the loader's, taken as it read them: only the other files (feedback records) are read again."""
    import hashlib
    from jianyan.accel import snapshot
    from jianyan.accel.loadcache import load_fast
    campaign = load_fast(main_repo, cache=False, lean=True)
    read_again: list[str] = []
    real = snapshot._read_digest
    monkeypatch.setattr(snapshot, "_read_digest", lambda root, path: read_again.append(path) or real(root, path))
    manifest = snapshot._manifest(campaign)
    docs = {d.path for d in [*campaign.submissions, *campaign.issues]}
    assert docs and docs <= set(manifest)
    for path, (size, mtime, digest) in manifest.items():
        assert digest == hashlib.blake2b((main_repo / path).read_bytes(), digest_size=16).digest(), path
    assert read_again and not docs & set(read_again)


def test_a_check_of_a_change_with_nothing_to_compare_stores_its_snapshot(main_repo, tmp_path):
    """A check of a change that changes no submission (no snapshot to start from) compares nothing: its
    snapshot is still stored, the duplication index written after the warm-up, not beside it."""
    root = _branch(main_repo, tmp_path / "pr", lambda r: _edit(r, ISSUE, "items: [2021-jiusan-001, ", "items: ["))
    shutil.rmtree(root / ".jianyan-cache")
    res = invoke(root, "check", "--base", "main", "--format", "json")
    assert res.code in (0, 1), res
    head = git(root, "rev-parse", "HEAD").stdout.strip()
    assert (root / ".jianyan-cache" / SNAPSHOT_DIR / head / "dup" / "info.bin").is_file()
    assert not list((root / ".jianyan-cache" / SNAPSHOT_DIR).glob(".*"))  # no scratch folder left


def test_no_snapshot_when_its_index_writer_fails(main_repo, tmp_path, monkeypatch):
    """The duplication index is written by a forked process while the rest of the snapshot is: when that
    process fails, no snapshot is stored (nor half of one) and the check's output is as before."""
    from jianyan.dup.index import stored
    root = tmp_path / "c"
    shutil.copytree(main_repo, root, symlinks=True)
    shutil.rmtree(root / ".jianyan-cache" / SNAPSHOT_DIR)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(stored, "save_index", broken)
    res = invoke(root, "check", "--format", "json")
    assert res.out == (main_repo.parent / "main-findings.json").read_text(encoding="utf-8")
    assert not list((root / ".jianyan-cache" / SNAPSHOT_DIR).iterdir())


def test_a_new_day_reads_the_date_dependent_items_again(cli, main_repo, tmp_path):
    """Findings that depend on the date (an urgent item's waiting time, a date after today) are not
    taken from a snapshot stored on another day."""
    from jianyan.accel import snapshot
    from jianyan.accel.blobs import write_blob
    root = tmp_path / "pr"
    shutil.copytree(main_repo, root, symlinks=True)
    meta_file = next((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/meta.bin"))
    signed_as = snapshot.label(meta_file.parent.name, "", "meta")
    meta = snapshot._unblob(meta_file, signed_as)
    git(root, "checkout", "-q", "-b", "pr")
    CASES["body_edit"](root)
    same_day = cli(root, "check", "--base", "main", "--format", "json", "--progress")
    meta["day"] = "2000-01-01"
    meta["timely"] = [SERIES_NEXT]
    meta_file.unlink()
    write_blob(meta_file, meta, signed_as)
    other_day = cli(root, "check", "--base", "main", "--format", "json", "--progress")
    full = cli(root, "check", "--base", "main", "--format", "json", env={"JIANYAN_CACHE": "0"})
    assert "受影响的 0 篇" in same_day.err and "受影响的 1 篇" in other_day.err, (same_day.err, other_day.err)
    assert other_day.out == same_day.out == full.out


@pytest.mark.parametrize("dates, urgent, timely", [
    ({}, False, False),
    ({"date": 3}, False, True),
    ({"review": 3}, False, True),  # a review dated after the day: schema.future_date until that day
    ({"committee_review": 3}, False, True),
    ({}, True, True),  # an urgent item's waiting time grows every day
])
def test_the_items_whose_findings_depend_on_the_day(dates, urgent, timely):
    from types import SimpleNamespace

    from jianyan.accel.snapshot import _timely
    day = dt.date(2021, 5, 1)

    def on(key):
        return day + dt.timedelta(days=dates[key]) if key in dates else day - dt.timedelta(days=9)

    review = SimpleNamespace(date=on("review"))
    committee = SimpleNamespace(date=on("committee_review"))
    model = SimpleNamespace(date=on("date"), review=review, committee_review=committee, urgent=urgent)
    assert _timely(model, day) is timely


# --- the plain check ------------------------------------------------------------------------------

def _touch(root: Path, rel: str) -> None:
    """The same bytes written again (a checkout, an editor saving unchanged): only the time changes."""
    path = root / rel
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))


PLAIN_CASES = {
    **CASES,
    "nothing": lambda r: None,
    "touched_only": lambda r: _touch(r, A),
    # an unchanged, later item now copies A: its duplication findings change though its file did not
    "earlier_item_copies_a_later_one": lambda r: _edit(r, A, _body(r, A), _body(r, LATER).replace("的", "之", 3)),
    "issue_edited": lambda r: _edit(r, ISSUE, "## ", "## 修改后的", 1),
}
UNCHANGED = {"nothing", "touched_only"}


def _work_tree(main_repo: Path, dest: Path, change) -> Path:
    """A copy of main with ``change`` made in its work tree (not committed)."""
    shutil.copytree(main_repo, dest, symlinks=True)
    change(dest)
    return dest


def _plain(cli, root: Path, *args: str):
    """A plain check from main's snapshot and one with every cache off; they must agree byte for byte."""
    quick = cli(root, "check", "--format", "json", "--progress", *args)
    full = cli(root, "check", "--format", "json", *args, env={"JIANYAN_CACHE": "0"})
    assert quick.code == full.code, (quick, full)
    assert quick.out == full.out
    return quick


@pytest.mark.parametrize("case", sorted(PLAIN_CASES))
def test_plain_check_equals_full_check(cli, main_repo, tmp_path, case):
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES[case])
    quick = _plain(cli, root)
    path = "没有改动" if "没有改动" in quick.err else "增量检查" if "增量检查" in quick.err else "full"
    assert path == ("没有改动" if case in UNCHANGED else "full" if case == "registry_change_runs_full" else "增量检查"), \
        quick.err
    if case in UNCHANGED:
        assert quick.out == (main_repo.parent / "main-findings.json").read_text(encoding="utf-8")
    again = cli(root, "check", "--format", "json", "--progress")  # the same work tree once more
    assert again.out == quick.out


@pytest.mark.parametrize("case", ["nothing", "body_edit", "earlier_item_copies_a_later_one", "issue_edited",
                                  "delete_series_root"])
def test_plain_check_prints_the_stored_rows(cli, main_repo, tmp_path, case):
    """A plain check printing json or text takes the rows of the files left as they were from the snapshot as
    printed (out-json.bin, out-text.bin), not from its findings: with main's final.bin gone the output, the
    summary and the exit code are a full check's, and the snapshot is still there (never found damaged)."""
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES[case])
    finals = list((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/final.bin"))
    assert finals
    for f in finals:
        f.unlink()
    for fmt in ("json", "text"):
        quick = cli(root, "check", "--format", fmt, "--no-progress")
        full = cli(root, "check", "--format", fmt, "--no-progress", env={"JIANYAN_CACHE": "0"})
        assert (quick.code, quick.out, quick.err) == (full.code, full.out, full.err)
        assert all(f.parent.is_dir() for f in finals)


@pytest.mark.parametrize("case", ["nothing", "near_copy_added", "delete_series_root"])
def test_plain_check_counts_the_files_as_a_full_check(cli, main_repo, tmp_path, case):
    """The text format's summary line (files checked, errors, warnings) too."""
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES[case])
    quick = cli(root, "check", "--no-progress")
    full = cli(root, "check", "--no-progress", env={"JIANYAN_CACHE": "0"})
    assert (quick.code, quick.out, quick.err) == (full.code, full.out, full.err)
    assert "检查了" in quick.err


def test_plain_check_reads_the_unchanged_items_whose_copies_change(cli, main_repo, tmp_path):
    """A's text becomes a light copy of a later item's: that unchanged item is read again and is
    reported as the copy (the earlier text is the original)."""
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES["earlier_item_copies_a_later_one"])
    res = _plain(cli, root)
    m = re.search(r"读取改动的 1 篇和受影响的 (\d+) 篇", res.err)
    assert m and int(m[1]) >= 1, res.err
    dup = [f for f in res.json() if f["code"] == "dup.near_duplicate"]
    assert [f["path"] for f in dup] == [LATER] and "2021-minge-001" in dup[0]["message"]


def test_plain_check_after_a_copy_goes_away(cli, main_repo, tmp_path):
    """The snapshot of a commit where an item copies another; the copy is rewritten in the work tree:
    its finding goes, and the original's findings stay what a full check says."""
    root = _work_tree(main_repo, tmp_path / "work", CASES["near_copy_added"])
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "a copy")
    stored = cli(root, "check", "--format", "json")
    assert "dup.near_duplicate" in stored.out
    _edit(root, "submissions/2021/jinan/2021-jinan-031.md", _body(root, "submissions/2021/jinan/2021-jinan-031.md"),
          _body(root, SERIES_NEXT).replace("的", "之", 2))
    res = _plain(cli, root)
    assert "增量检查" in res.err
    assert not any(f["path"].endswith("2021-jinan-031.md") and f["code"].startswith("dup.")
                   and "2021-minge-001" in f["message"] for f in res.json())


@pytest.mark.parametrize("args", [["--only", "dup"], ["--only", "quality", "--only", "schema"],
                                  ["submissions/2021/minge"], [A, LATER]])
def test_plain_check_of_some_families_or_paths_equals_full(cli, main_repo, tmp_path, args):
    for case in ("nothing", "earlier_item_copies_a_later_one"):
        root = _work_tree(main_repo, tmp_path / case, PLAIN_CASES[case])
        res = _plain(cli, root, *args)
        assert "没有改动" in res.err or "增量检查" in res.err, res.err


def test_plain_check_on_a_new_day_reads_the_date_dependent_items_again(cli, main_repo, tmp_path):
    from jianyan.accel import snapshot
    from jianyan.accel.blobs import write_blob
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES["nothing"])
    meta_file = next((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/meta.bin"))
    signed_as = snapshot.label(meta_file.parent.name, "", "meta")
    meta = snapshot._unblob(meta_file, signed_as)
    meta["day"], meta["timely"] = "2000-01-01", [SERIES_NEXT]
    meta_file.unlink()
    write_blob(meta_file, meta, signed_as)
    res = _plain(cli, root)
    assert "读取改动的 0 篇和受影响的 1 篇" in res.err, res.err


def test_plain_check_sees_a_git_ignored_file_change(cli, tmp_path):
    """Content files git does not track are checked all the same: the snapshot's manifest, not git,
    says what changed."""
    root = copy_campaign(tmp_path / "c")
    hidden = "submissions/2021/minge/2021-minge-050.md"
    (root / ".gitignore").write_text(f"build/\n.jianyan-cache/\n{hidden}\n", encoding="utf-8")
    _new_item(root, "2021-minge-050", "正文。\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    assert cli(root, "check", "--format", "json").code in (0, 1)
    _edit(root, hidden, "正文。", "正文,电话 0531-86012345。")
    res = _plain(cli, root)
    assert "增量检查" in res.err and hidden in res.out


def test_plain_check_without_the_duplication_features(cli, main_repo, tmp_path):
    """The feature cache deleted after main's check: the stored index cannot answer, a full check does."""
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES["earlier_item_copies_a_later_one"])
    for folder in (root / ".jianyan-cache").glob("dup-v*"):
        shutil.rmtree(folder)
    _plain(cli, root)


def test_unchanged_plain_check_loads_no_check(main_repo, tmp_path):
    """Nothing changed: the stored findings are reported without the checks, numpy or jieba."""
    root = _work_tree(main_repo, tmp_path / "work", PLAIN_CASES["nothing"])
    probe = ("import sys, pathlib; from jianyan.accel import pipeline; r = pipeline.check(pathlib.Path('.'));"
             "print(len(r.findings), sorted(m for m in ('jianyan.checks', 'numpy', 'jieba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True).stdout
    main = json.loads((main_repo.parent / "main-findings.json").read_text(encoding="utf-8"))
    assert out.split(" ", 1) == [str(len(main)), "[]\n"]


def _odd_name(root: Path) -> None:
    """A copy of an item under a file name that is not UTF-8 (byte 0xff): its path is not text."""
    src = root / WARNED
    dest = os.fsencode(src.parent) + b"/2021-binzhou-\xff.md"
    with open(dest, "wb") as fh:
        fh.write(src.read_bytes())


@pytest.mark.parametrize("committed", [False, True])
def test_plain_check_with_a_file_name_that_is_not_utf8(main_repo, tmp_path, committed):
    """Such a name after the snapshot (this run's rows cannot go among the stored UTF-8 rows), or in the
    commit the snapshot was made of (its json and text rows are not stored): the findings are printed the
    usual way (no stored rows spliced with mis-encoded bytes), and the snapshot is never called damaged."""
    from jianyan.accel import pipeline
    root = _work_tree(main_repo, tmp_path / "work", _odd_name)
    if committed:
        git(root, "add", "-A")
        git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "odd name")
        pipeline.check(root, fmt="json")  # the snapshot of this commit
        _edit(root, A, "目前沿黄9市之间", "目前沿黄9市之间确实")
    snaps = sorted((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/meta.bin"))
    notes: list[str] = []
    got = pipeline.check(root, fmt="json", say=notes.append)
    assert got.output is None and any("\udcff" in p for p in Findings.of(got.findings).paths)
    assert not [n for n in notes if "已损坏或不可信" in n]
    assert all(p.is_file() for p in snaps), "the snapshot was discarded"


@pytest.mark.parametrize("base", [None, "main"])
def test_a_check_as_of_a_day_before_the_snapshot_equals_a_full_check(main_repo, tmp_path, monkeypatch, base):
    """A snapshot knows which findings depend on the day only for days after its own (items dated later
    than it); checked as of an earlier day, items dated in between are in the future: a full check."""
    from jianyan.accel import pipeline
    root = _work_tree(main_repo, tmp_path / "work", CASES["body_edit"])
    if base:
        git(root, "checkout", "-q", "-b", "pr")
        git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qam", "pr")
    day = dt.date(2021, 3, 20)

    def findings() -> list[tuple]:
        got = pipeline.check(root, base=base, today=day)
        return [(f.path, f.code, f.line, f.message) for f in Findings.of(got.findings)]

    quick = findings()
    monkeypatch.setenv("JIANYAN_CACHE", "0")
    full = findings()
    assert any(code == "schema.future_date" for _, code, _, _ in full)
    assert quick == full


def test_a_blob_written_in_pieces_is_the_blob_of_the_object(tmp_path, monkeypatch):
    """out-<fmt>.bin's body is streamed into its blob (blobs.write_pieces), never held whole: what is read
    back is the object, signed under its label; pieces not of the size announced are refused."""
    import marshal
    from jianyan.accel import blobs
    monkeypatch.setattr(blobs, "cache_key", lambda: b"k" * 32)
    body, at = "一行\n".encode() * 1000, b"\x00\x01"
    head, tail = b"{" + marshal.dumps("body") + blobs.bytes_head(len(body)), marshal.dumps("at") + marshal.dumps(at) + b"0"
    pieces = (body[k:k + 999] for k in range(0, len(body), 999))
    blobs.write_pieces(tmp_path / "a.bin", iter([head, *pieces, tail]), "x", size=len(head) + len(body) + len(tail))
    assert blobs.read_blob(tmp_path / "a.bin", "x") == {"body": body, "at": at}
    assert blobs.read_blob(tmp_path / "a.bin", "y") is None  # signed under its label
    with pytest.raises(ValueError):
        blobs.write_pieces(tmp_path / "c.bin", iter([head, tail]), "x", size=len(head) + len(body) + len(tail))
    assert not (tmp_path / "c.bin").exists()


def test_a_large_blob_written_in_pieces_reads_back_the_same(tmp_path, monkeypatch):
    """``write_blob(large=True)`` writes a findings table (and the dicts around it) in pieces of marshal's
    version 2: what is read back is what was written, list by list, whatever the pieces' size."""
    import random

    from jianyan.accel import blobs
    from jianyan.core.findings import Findings, error, warning
    monkeypatch.setattr(blobs, "cache_key", lambda: b"k" * 32)
    monkeypatch.setattr(blobs, "LIST_PIECE", 3)
    rng = random.Random(5)
    table = Findings.of([(error if rng.random() < 0.3 else warning)(
        f"submissions/2021/x{rng.randrange(9)}.md", rng.randrange(1, 99) if rng.random() < 0.9 else None,
        f"quality.c{rng.randrange(4)}", f"第{rng.randrange(30)}处“{chr(0x4E00 + rng.randrange(999))}”😀")
        for _ in range(200)])
    value = ("context", {"paths": [f"p{i}" for i in range(10)], "keys": [bytes([i]) * 16 for i in range(10)],
                         "ends": b"\x01\x02", "table": table.to_marshal(), "none": None, "n": -2**40, "x": 1.5,
                         "nested": [(k, {"a": [k] * 4}, frozenset({k})) for k in range(9)]})
    blobs.write_blob(tmp_path / "t.bin", value, "label", large=True)
    got = blobs.read_blob(tmp_path / "t.bin", "label")
    assert got == value and b"".join(blobs._pieces(value)) == marshal.dumps(value, 2)
    assert Findings.from_marshal(got[1]["table"]) == table
    assert blobs.read_blob(tmp_path / "t.bin", "another label") is None  # still signed for its label

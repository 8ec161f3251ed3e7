"""Turnaround (办理时效) from the git log: stats and the circular against figures the test works out again
from a small campaign's history with plain git commands (git log, git show) and its own working-day count."""
from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from gitrepo import ISSUE_DISPATCH, ISSUE_REVIEW, ISSUE_SIGNOFF, ROOT, env, issue, submission
from helpers.workdays import Days

A, B = "submissions/2021/minge/2021-minge-001.md", "submissions/2021/gsl/2021-gsl-001.md"
ISSUE, RECORD = "issues/2021/001.md", "feedback/2021/2021-minge-001.yaml"
EMAILS = {"孙某某": "sunmm@sdzx.example", "钱某": "qianm@sdzx.example", "周某": "zhoum@sdzx.example",
          "民革山东省委会": "minge@sdzx.example", "省工商联": "gsl@sdzx.example"}


def review(by: str, day: str, reason: str = "") -> str:
    return f"review:\n  by: {by}\n  date: {day}\n" + (f"  reason: {reason}\n" if reason else "")


def record(state: str) -> str:
    done = "    closed: 2021-06-15\n    result: 已出台实施办法。\n" if state == "done" else ""
    return ("item: 2021-minge-001\ninstructions:\n  - leader: 凌某某\n    title: 副省长\n    date: 2021-05-11\n"
            "    kind: directive\n    text: 请省财政厅研究办理。\n    departments: [省财政厅]\n"
            "handling:\n  - department: 省财政厅\n    assigned: 2021-05-12\n    deadline: 2021-06-30\n"
            f"    state: {state}\n{done}")


# (day, author, files written): the campaign's life, one commit each
STEPS = [
    ("2021-04-19", "民革山东省委会", {A: submission("2021-minge-001", "submitted", date="2021-04-19")}),
    ("2021-04-19", "省工商联", {B: submission("2021-gsl-001", "submitted", unit="gsl", submitter="省工商联",
                                              date="2021-04-19")}),
    ("2021-04-23", "孙某某", {A: submission("2021-minge-001", "accepted", date="2021-04-19",
                                           extra=review("孙某某", "2021-04-23"))}),
    ("2021-04-27", "钱某", {B: submission("2021-gsl-001", "returned", unit="gsl", submitter="省工商联", date="2021-04-19",
                                        extra=review("钱某", "2021-04-27", "duplicate"))}),
    ("2021-04-28", "省工商联", {B: submission("2021-gsl-001", "submitted", unit="gsl", submitter="省工商联",
                                              date="2021-04-28")}),
    ("2021-05-06", "孙某某", {ISSUE: issue("draft")}),
    ("2021-05-07", "孙某某", {B: submission("2021-gsl-001", "accepted", unit="gsl", submitter="省工商联",
                                           date="2021-04-28", extra=review("孙某某", "2021-05-07"))}),
    ("2021-05-07", "孙某某", {ISSUE: issue("reviewed", extra=ISSUE_REVIEW)}),
    ("2021-05-08", "孙某某", {ISSUE: issue("signed", extra=ISSUE_REVIEW + ISSUE_SIGNOFF),
                             A: submission("2021-minge-001", "adopted", date="2021-04-19",
                                           extra=review("孙某某", "2021-04-23") + "adopted_in: 2021-001\n")}),
    ("2021-05-10", "周某", {ISSUE: issue("dispatched", extra=ISSUE_REVIEW + ISSUE_SIGNOFF + ISSUE_DISPATCH)}),
    ("2021-05-12", "周某", {RECORD: record("in_progress")}),
    ("2021-06-15", "周某", {RECORD: record("done")}),
]


def git(root: Path, *args: str, day: str | None = None) -> str:
    extra = {"GIT_AUTHOR_DATE": f"{day}T10:00:00+08:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00+08:00"} if day else {}
    return subprocess.run(["git", *args], cwd=root, env={**env(), **extra}, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("turnaround") / "campaign"
    shutil.copytree(ROOT / "schema", root / "schema")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=孙某某", "-c", "user.email=sunmm@sdzx.example", "commit", "-qm", "活动设置", day="2021-02-22")
    for day, who, files in STEPS:
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        git(root, "add", "-A")
        git(root, "-c", f"user.name={who}", "-c", f"user.email={EMAILS[who]}", "commit", "-qm", f"{who} {day}", day=day)
    return root


# --- the test's own reading of the history ---------------------------------------------------------

def versions(root: Path, rel: str) -> list[tuple[dt.date, str, str]]:
    """(day, author e-mail, text) of each commit of ``rel``, oldest first: git log and git show."""
    out = []
    for line in git(root, "log", "--reverse", "--format=%H %ad %ae", "--date=short", "--", rel).splitlines():
        sha, day, email = line.split()
        out.append((dt.date.fromisoformat(day), email, git(root, "show", f"{sha}:{rel}")))
    return out


def status(text: str) -> str:
    return re.search(r"^status: (\w+)", text, re.M).group(1)


def recomputed(root: Path) -> dict[str, list[tuple[str, int, str | None]]]:
    """measure → [(item, working days, reviewer)] from the history alone."""
    days = Days(root)
    names = {v: k for k, v in EMAILS.items()}
    out: dict[str, list] = {"submit_to_review": [], "review_to_adopt": [], "dispatch_to_instruction": [],
                            "instruction_to_done": []}
    for rel in (A, B):
        item = Path(rel).stem
        previous, submitted, accepted = None, None, None
        for day, email, text in versions(root, rel):
            now = status(text)
            if now == "submitted" and previous != "submitted":
                submitted = day
            if previous == "submitted" and now in ("accepted", "returned", "rejected"):
                out["submit_to_review"].append((item, days.between(submitted, day), names[email]))
            if now == "accepted" and previous != "accepted":
                accepted = day
            if now == "adopted" and previous == "accepted":
                out["review_to_adopt"].append((item, days.between(accepted, day), None))
            previous = now
    issue_versions = versions(root, ISSUE)
    dispatched = next(d for (_, _, before), (d, _, t) in zip(issue_versions, issue_versions[1:])
                      if status(t) == "dispatched" and status(before) != "dispatched")
    record_versions = versions(root, RECORD)
    instructed = next(d for d, _, t in record_versions if "kind: directive" in t)
    done = next(d for d, _, t in record_versions if "state: done" in t)
    out["dispatch_to_instruction"].append(("2021-minge-001", days.between(dispatched, instructed), None))
    out["instruction_to_done"].append(("2021-minge-001", days.between(instructed, done), None))
    return out


def nearest_rank_90(values: list[int]) -> int:
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


# --- the tests ------------------------------------------------------------------------------------

def test_stats_turnaround_matches_the_git_log(cli, repo):
    res = cli(repo, "stats", "--format", "json", "--as-of", "2021-12-31")
    assert res.code == 0, res
    got = res.json()["turnaround"]
    want = recomputed(repo)
    assert got["unit"] == "working" and got["source"] == "git"
    for key, cases in want.items():
        m = got["measures"][key]
        values = [d for _, d, _ in cases]
        assert sorted((i["item"], i["days"]) for i in m["items"]) == sorted((i, d) for i, d, _ in cases), key
        assert (m["count"], m["median"], m["p90"]) == (len(values), statistics.median(values), nearest_rank_90(values))
    review = got["measures"]["submit_to_review"]
    for who in {r for _, _, r in want["submit_to_review"]}:
        mine = [d for _, d, r in want["submit_to_review"] if r == who]
        assert review["by_reviewer"][who]["count"] == len(mine)
        assert review["by_reviewer"][who]["median"] == statistics.median(mine)
    assert set(review["by_unit"]) == {"minge", "gsl"}
    target = 5  # schema/settings.yaml deadlines.review
    values = [d for _, d, _ in want["submit_to_review"]]
    assert review["target"] == target
    assert review["within"] == round(sum(1 for d in values if d <= target) / len(values), 4)
    # 批示→办结 without a settings target: the share done by the record's own deadline (2021-06-30)
    done = got["measures"]["instruction_to_done"]
    deadline = dt.date.fromisoformat(re.search(r"deadline: (\S+)", versions(repo, RECORD)[-1][2]).group(1))
    assert done["target"] is None and done["within"] == (1.0 if want["instruction_to_done"] and
                                                          dt.date(2021, 6, 15) <= deadline else 0.0)
    # the history's dates, not the files': gsl-001's second review is 4 working days across 劳动节
    assert sorted(d for i, d, _ in want["submit_to_review"] if i == "2021-gsl-001") == [4, 7]


def test_only_steps_ended_by_the_day_count(cli, repo):
    got = cli(repo, "stats", "--format", "json", "--as-of", "2021-05-09").json()["turnaround"]["measures"]
    assert got["submit_to_review"]["count"] == 3 and got["review_to_adopt"]["count"] == 1
    assert got["dispatch_to_instruction"]["count"] == 0 and got["instruction_to_done"]["count"] == 0
    text = cli(repo, "stats", "--as-of", "2021-05-09").out
    assert "办理时效（按 git 提交记录的日期" in text and "报送→审核" in text and "报送→批示" not in text


def test_circular_shows_turnaround_with_a_chart(cli, repo):
    res = cli(repo, "circular", "--as-of", "2021-06-30")
    assert res.code == 0, res
    folder = next((repo / "build/circular").iterdir())
    md = (folder / "circular.md").read_text(encoding="utf-8")
    want = recomputed(repo)
    assert "### （六）办理时效" in md
    for key, label in (("submit_to_review", "报送→审核"), ("instruction_to_done", "批示→办结")):
        values = [d for _, d, _ in want[key]]
        assert f"{label}{len(values)}件，中位数{statistics.median(values):g}个工作日" in md
    assert "| 民革山东省委会 |" in md and "审核人：孙某某审核2件" in md
    assert "5个工作日内完成的占66.7%" in md and "在办理时限内办结的占100.0%" in md
    svg = (folder / "charts/turnaround.svg").read_text(encoding="utf-8")
    assert "办理时效" in svg and "报送→审核" in svg


def test_no_history_no_turnaround(cli, tmp_path):
    root = tmp_path / "c"
    for part in ("schema", "submissions", "issues", "feedback"):
        shutil.copytree(ROOT / part, root / part)
    data = cli(root, "stats", "--format", "json").json()["turnaround"]
    assert all(m["count"] == 0 for m in data["measures"].values())
    assert "办理时效" not in cli(root, "stats").out


def test_a_step_dated_before_the_one_it_follows_gives_no_figure(campaign):
    """An item added as submitted by a commit of 10 May and reviewed by a commit dated 27 April (backdated,
    or rebased): the step counted 0 working days and stats said 5 个工作日内 100%."""
    from jianyan.campaign.load import load_campaign
    from jianyan.tracking.turnaround import History, Version, intervals
    d = dt.date.fromisoformat
    history = History(submissions={
        "2021-qufu-001": [Version(d("2021-05-10"), "qufu@sdzx.example", "曲阜", "2021-qufu-001", "submitted"),
                          Version(d("2021-04-27"), "qianm@sdzx.example", "钱某", "2021-qufu-001", "accepted")],
        "2021-minge-002": [Version(d("2021-04-13"), "minge@sdzx.example", "民革", "2021-minge-002", "submitted"),
                           Version(d("2021-04-20"), "sunmm@sdzx.example", "孙某某", "2021-minge-002", "accepted")]})
    steps = intervals(load_campaign(campaign), history)
    assert [(i.measure, i.item, i.days, i.reviewer) for i in steps] == [
        ("submit_to_review", "2021-minge-002", 5, "孙某某")]  # 14, 15, 16, 19, 20 April

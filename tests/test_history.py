"""`jianyan history <id>`: a sample item's whole path from draft to adoption, built as a git history here."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gitrepo import ROOT, Repo, git, issue, keygen, signers_line

SAMPLE = "submissions/2021/minge/2021-minge-001.md"
FIRST_NAME = "submissions/2021/minge/黄河生态补偿.md"


def version(sample: str, status: str) -> str:
    """The sample item as it stood at ``status``: decision records only from the step that adds them."""
    head, sep, body = sample.partition("\n---\n")
    head = re.sub(r"^status: .*$", f"status: {status}", head, flags=re.M)
    head = re.sub(r"^(review|committee_review):\n(?:  .*\n?)+", "", head + "\n", flags=re.M).rstrip("\n")
    head = re.sub(r"^adopted_in: .*\n?", "", head + "\n", flags=re.M).rstrip("\n")
    if status in ("accepted", "adopted"):
        head += "\nreview:\n  by: 孙某某\n  date: 2021-03-01"
    if status == "adopted":
        head += "\nadopted_in: 2021-001"
    return head + sep + body


@pytest.fixture
def history_repo(tmp_path: Path) -> Repo:
    """Draft under a Chinese file name → moved and submitted → accepted (reviewed) → adopted (signed commit)."""
    root = tmp_path / "campaign"
    shutil.copytree(ROOT / "schema", root / "schema")
    repo = Repo(root)
    sample = (ROOT / SAMPLE).read_text(encoding="utf-8")
    key, pub = keygen(tmp_path / "keys", "wangmm")
    repo.write(".jianyan/allowed_signers", signers_line("wangmm@sdzx.example", pub))
    git(root, "init", "-q", "-b", "main")
    repo.commit("初始化活动仓库")
    repo.write(FIRST_NAME, version(sample, "draft"))
    repo.commit("民革山东省委会起草信息", who="民革山东省委会")
    repo.git("mv", FIRST_NAME, SAMPLE)
    repo.write(SAMPLE, version(sample, "submitted"))
    repo.commit("报送 2021-minge-001", who="民革山东省委会")
    repo.write(SAMPLE, version(sample, "accepted"))
    repo.commit("审核通过 2021-minge-001\n\nReviewed-by: 孙某某 <sunmm@sdzx.example>")
    repo.write("issues/2021/001.md", issue("signed", extra="review:\n  by: 李某某\n  date: 2021-03-04\n"
                                                "signoff:\n  by: 王某某\n  date: 2021-03-05\n"))
    repo.write(SAMPLE, version(sample, "adopted"))
    repo.commit("签发第1期，2021-minge-001 已采用\n\nSigned-off-by: 王某某 <wangmm@sdzx.example>",
                who="王某某", key=key)
    return repo


def test_history_shows_the_whole_path(cli, history_repo):
    res = cli(history_repo.path, "history", "2021-minge-001")
    assert res.code == 0, res
    out = res.out
    assert out.startswith("建言信息 2021-minge-001《")
    assert f"文件：{SAMPLE}　当前状态：已采用（adopted）" in out
    assert "共 4 次提交改动" in out
    steps = [ln.strip() for ln in out.splitlines() if ln.startswith("   ") and not ln.strip().startswith(("说明", "签名"))]
    assert steps[0] == "新建；状态：草稿（draft）"
    assert steps[1] == f"移动/改名；{FIRST_NAME} → {SAMPLE}；状态：草稿（draft） → 已报送（submitted）"
    assert steps[2] == "状态：已报送（submitted） → 审核通过（accepted）；改动字段：review"
    assert steps[3] == "Reviewed-by: 孙某某 <sunmm@sdzx.example>"
    assert steps[4] == "状态：审核通过（accepted） → 已采用（adopted）；改动字段：adopted_in"
    assert steps[5] == "Signed-off-by: 王某某 <wangmm@sdzx.example>"
    assert "作者 民革山东省委会 <minge@sdzx.example>" in out
    signatures = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("签名：")]
    assert signatures == ["签名：未签名"] * 3 + ["签名：有效签名（wangmm@sdzx.example）"]
    assert "未提交的改动" not in out


def test_history_json(cli, history_repo):
    res = cli(history_repo.path, "history", "2021-minge-001", "--format", "json")
    assert res.code == 0, res
    data = res.json()
    assert data["id"] == "2021-minge-001" and data["status"] == "adopted" and data["path"] == SAMPLE
    events = data["events"]
    assert [(e["change"], e["status_from"], e["status_to"]) for e in events] == [
        ("added", None, "draft"), ("renamed", "draft", "submitted"),
        ("modified", "submitted", "accepted"), ("modified", "accepted", "adopted")]
    assert events[1]["old_path"] == FIRST_NAME
    assert events[2]["trailers"] == [{"key": "Reviewed-by", "value": "孙某某 <sunmm@sdzx.example>"}]
    assert events[2]["person"] == "孙某某" and events[2]["author_email"] == "sunmm@sdzx.example"
    assert events[3]["signature"] == {"state": "G", "label": "有效签名", "signer": "wangmm@sdzx.example"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", e["commit"]) for e in events)
    assert res.out == cli(history_repo.path, "history", "2021-minge-001", "--format", "json").out  # deterministic


def test_history_of_an_issue_and_uncommitted_change(cli, history_repo):
    history_repo.edit("issues/2021/001.md", "status: signed", "status: dispatched")
    res = cli(history_repo.path, "history", "2021-001")
    assert res.code == 0, res
    assert res.out.startswith("专刊 2021-001")
    assert "新建；状态：已签发（signed）" in res.out
    assert "工作区中此文件有尚未提交的改动" in res.out


def test_history_of_a_deleted_item_comes_from_git(cli, history_repo):
    (history_repo.path / SAMPLE).unlink()
    history_repo.commit("误删")
    res = cli(history_repo.path, "history", "2021-minge-001")
    assert res.code == 0, res
    assert "当前状态：文件已删除" in res.out and "删除；状态：已采用（adopted） → （无）" in res.out


def test_history_errors_are_clear(cli, history_repo, tmp_path):
    res = cli(history_repo.path, "history", "2021-minge-999")
    assert res.code == 2 and "找不到编号为 2021-minge-999" in res.err
    plain = tmp_path / "plain"
    shutil.copytree(ROOT / "schema", plain / "schema")
    res = cli(plain, "history", "2021-minge-001")
    assert res.code == 2 and "不是 git 仓库" in res.err and "Traceback" not in res.err

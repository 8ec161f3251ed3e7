"""`jianyan issue new/review/sign/dispatch/list`: numbering, skeletons, minimal front-matter edits."""
from __future__ import annotations

from pathlib import Path


def read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def test_new_drafts_next_issue_from_oldest_unused_accepted_item(campaign, cli):
    result = cli(campaign, "issue", "new", "--date", "2021-04-06")
    assert result.code == 0, result
    assert result.out.strip() == "issues/2021/006.md"
    text = read(campaign, "issues/2021/006.md")
    assert "id: 2021-006\n" in text and "number: 6\n" in text and "total: 6" in text
    assert "status: draft" in text and "editor: " in text
    # 005 uses nongye-001, qingdao-002 and zhigong-001; the oldest remaining accepted item is next
    item = text.split("items: [")[1].split("]")[0]
    assert item not in ("2021-nongye-001", "2021-qingdao-002", "2021-zhigong-001")
    sub = next((campaign / "submissions").rglob(f"{item}.md")).read_text(encoding="utf-8")
    assert "status: accepted" in sub
    title = sub.split("title: ")[1].split("\n")[0]
    body = text.split("\n---\n", 1)[1]
    assert body.startswith("## ") and title.removeprefix("关于").removesuffix("的建议") in body
    assert body.rstrip().endswith("）")  # the source line, e.g. （台盟山东省委会）
    check = cli(campaign, "check", "--only", "issue", "--format", "json")
    assert not [f for f in check.json() if f["path"] == "issues/2021/006.md" and f["severity"] == "error"], check.out


def test_new_with_chosen_items_and_never_reuses_a_number(campaign, cli):
    (campaign / "issues/2021/005.md").unlink()  # a deleted issue's number is not given out again …
    (campaign / "issues/2021/007.md").write_text("not even front matter\n", encoding="utf-8")  # … nor a broken file's
    result = cli(campaign, "issue", "new", "--date", "2021-04-06", "--item", "2021-dezhou-001",
                 "--item", "2021-taimeng-001")
    assert result.code == 0, result
    assert result.out.strip() == "issues/2021/008.md"
    text = read(campaign, "issues/2021/008.md")
    assert "items: [2021-dezhou-001, 2021-taimeng-001]" in text and "total: 5" in text
    assert text.count("\n## ") == 2


def test_new_refuses_items_not_accepted_or_already_used(campaign, cli):
    before = sorted(p.name for p in (campaign / "issues/2021").iterdir())
    result = cli(campaign, "issue", "new", "--date", "2021-04-06", "--item", "2021-minge-001",
                 "--item", "2021-zhigong-001", "--item", "2021-nosuch-001")
    assert result.code == 2
    assert "2021-minge-001：状态是 adopted" in result.err
    assert "2021-zhigong-001：已编入第 2021-005 期" in result.err
    assert "2021-nosuch-001：没有这条信息" in result.err
    assert sorted(p.name for p in (campaign / "issues/2021").iterdir()) == before


def test_review_sign_dispatch_edit_only_the_needed_lines(campaign, cli):
    issue = campaign / "issues/2021/005.md"
    original = issue.read_text(encoding="utf-8")
    # a comment and CRLF line endings the user wrote must survive
    issue.write_bytes(original.replace("editor: 孙某某\n", "editor: 孙某某  # 责任编辑\n").replace("\n", "\r\n")
                      .encode("utf-8"))
    subs = {i: next((campaign / "submissions").rglob(f"{i}.md"))
            for i in ("2021-nongye-001", "2021-qingdao-002", "2021-zhigong-001")}
    sub_before = {i: p.read_text(encoding="utf-8") for i, p in subs.items()}

    wrong = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert wrong.code == 2 and "须先到“已审改”" in wrong.err
    wrong = cli(campaign, "issue", "review", "2021-005", "--by", "孙某某", "--date", "2021-03-29")
    assert wrong.code == 2 and "不是研究室主任" in wrong.err

    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    result = cli(campaign, "issue", "sign", "2021-5", "--by", "wangmm", "--date", "2021-03-30")
    assert result.code == 0, result
    assert cli(campaign, "issue", "dispatch", "2021-005", "--by", "周某", "--date", "2021-03-30").code == 0

    after = issue.read_bytes().decode("utf-8")
    assert "\r\n" in after and "\n" not in after.replace("\r\n", "")
    assert "editor: 孙某某  # 责任编辑\r\n" in after
    assert "status: dispatched\r\n" in after
    assert "review:\r\n  by: 李某某\r\n  date: 2021-03-29\r\n" in after
    assert "signoff:\r\n  by: 王某某\r\n  date: 2021-03-30\r\n" in after
    assert "dispatch:\r\n  by: 周某\r\n  date: 2021-03-30\r\n" in after
    # the body is untouched
    assert after.split("\r\n---\r\n", 1)[1] == original.split("\n---\n", 1)[1].replace("\n", "\r\n")
    for ident, path in subs.items():
        now = path.read_text(encoding="utf-8")
        old = sub_before[ident]
        assert "status: adopted\n" in now and "adopted_in: 2021-005\n" in now
        # only those two lines differ
        removed = set(old.splitlines()) - set(now.splitlines())
        added = set(now.splitlines()) - set(old.splitlines())
        assert removed == {"status: accepted"} and added == {"status: adopted", "adopted_in: 2021-005"}, ident
    check = cli(campaign, "check", "--format", "json")
    problems = [f for f in check.json() if f["severity"] == "error"]
    assert not problems, problems


def test_sign_changes_nothing_when_an_item_cannot_be_adopted(campaign, cli):
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    issue_before = read(campaign, "issues/2021/005.md")
    zhigong = next((campaign / "submissions").rglob("2021-zhigong-001.md"))
    zhigong.write_text(zhigong.read_text(encoding="utf-8").replace("status: accepted", "status: withdrawn"),
                       encoding="utf-8")
    nongye = next((campaign / "submissions").rglob("2021-nongye-001.md"))
    nongye_before = nongye.read_text(encoding="utf-8")
    result = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert result.code == 2
    assert "2021-zhigong-001.md：状态是 withdrawn" in result.err and "所有文件均未改动" in result.err
    assert read(campaign, "issues/2021/005.md") == issue_before
    assert nongye.read_text(encoding="utf-8") == nongye_before


def test_dry_run_and_list(campaign, cli):
    before = read(campaign, "issues/2021/005.md")
    result = cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--dry-run")
    assert result.code == 0 and "issues/2021/005.md: 状态改为 reviewed" in result.out
    assert read(campaign, "issues/2021/005.md") == before
    listing = cli(campaign, "issue", "list")
    assert listing.code == 0
    assert "2021-004  第4期（总第4期）  2021-03-23  已签发" in listing.out


def test_build_unknown_issue_is_a_clear_error(campaign, cli):
    result = cli(campaign, "issue", "build", "2021-099", "--no-pdf")
    assert result.code == 2 and "没有第 2021-099 期" in result.err and "Traceback" not in result.err
    result = cli(campaign, "issue", "build", "第五期", "--no-pdf")
    assert result.code == 2 and "格式不对" in result.err


def test_build_without_number_refuses_when_the_newest_issue_file_is_broken(campaign, cli):
    # 006 is the newest file but its front matter is unreadable: do not fall back to 005 silently.
    (campaign / "issues/2021/006.md").write_text("---\nid: 2021-006\nnumber: [\n---\n正文\n", encoding="utf-8")
    result = cli(campaign, "issue", "build", "--no-pdf")
    assert result.code == 2, result
    assert "issues/2021/006.md" in result.err and "jianyan check" in result.err
    assert "2021-005" in result.err and "Traceback" not in result.err  # how to name an issue instead
    assert not (campaign / "build/issues").exists()
    # naming an issue explicitly still works
    named = cli(campaign, "issue", "build", "2021-005", "--no-pdf", "--format", "md")
    assert named.code == 0, named

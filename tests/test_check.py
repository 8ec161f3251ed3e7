"""`jianyan check` end to end: the installed CLI on a temporary copy of the repository."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers.items import item_text


def write(campaign: Path, rel: str, text: str) -> Path:
    path = campaign / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


NEW = "submissions/2021/minge/2021-minge-901.md"


def findings_for(result, path=NEW):
    return [(f["code"], f["line"]) for f in result.json() if f["path"] == path]


def test_sample_campaign_passes(campaign, cli):
    r = cli(campaign, "check")
    assert r.code == 0, r
    assert "没有发现问题" in r.err or "0 个错误" in r.err


def test_json_output_shape(campaign, cli):
    write(campaign, NEW, item_text(topic="9"))
    r = cli(campaign, "check", "--format", "json")
    assert r.code == 1
    rows = r.json()
    bad = [x for x in rows if x["path"] == NEW]
    assert bad and set(bad[0]) == {"path", "line", "column", "severity", "code", "message"}
    assert bad[0]["code"] == "ref.unknown_topic" and bad[0]["line"] == 6 and bad[0]["severity"] == "error"


def test_text_output_is_one_finding_a_line(campaign, cli):
    write(campaign, NEW, item_text(unit="mingee"))
    r = cli(campaign, "check", NEW)
    assert r.code == 1
    lines = r.out.strip().split("\n")
    assert any(ln.startswith(f"{NEW}:5:") and ln.endswith("[ref.unknown_unit]") and "minge" in ln for ln in lines), r


def test_only_given_paths_are_reported(campaign, cli):
    write(campaign, NEW, item_text(topic="9"))
    r = cli(campaign, "check", "submissions/2021/jinan", "--format", "json")
    assert r.code == 0 and r.json() == []


def test_the_summary_counts_the_files_under_the_given_paths(campaign, cli):
    folder = campaign / "submissions/2021/minge"
    n = sum(1 for p in folder.iterdir() if p.is_file())
    assert 1 < n < 10
    assert cli(campaign, "check", "submissions/2021/minge").err.startswith(f"检查了 {n} 个文件")
    one = cli(campaign, "check", "submissions/2021/minge/2021-minge-001.md")
    assert one.err.startswith("检查了 1 个文件")
    everything = cli(campaign, "check")  # the whole campaign: its submissions and issues
    total = sum(1 for _ in (campaign / "submissions").rglob("*.md")) + sum(1 for _ in (campaign / "issues").rglob("*.md"))
    assert everything.err.startswith(f"检查了 {total} 个文件")


@pytest.mark.parametrize("changes,expected", [
    ({"status": "approved"}, ("schema.invalid", 8)),
    ({"date": "2021-3-10"}, ("schema.invalid", 9)),
    ({"date": "2021-02-30"}, ("schema.invalid", 9)),
    ({"topic": "九"}, ("schema.invalid", 6)),
    ({"标题": "重复"}, ("schema.unknown_key", 3)),
    ({"titel": "拼错"}, ("schema.unknown_key", 3)),
    ({"public": "no"}, ("schema.invalid", 3)),
    ({"id": "2021-minge-91"}, ("schema.invalid", 2)),
])
def test_schema_findings_at_key_lines(campaign, cli, changes, expected):
    write(campaign, NEW, item_text(**changes))
    r = cli(campaign, "check", "--format", "json")
    assert expected in findings_for(r), r


def test_unknown_key_messages_give_the_fix(campaign, cli):
    write(campaign, NEW, item_text(**{"标题": "x", "titel": "y"}))
    msgs = [f["message"] for f in cli(campaign, "check", "--format", "json").json() if f["path"] == NEW]
    assert any("请写成英文“title”" in m for m in msgs)
    assert any("是不是“title”" in m for m in msgs)


def test_missing_required_key(campaign, cli):
    text = item_text().replace("unit: minge\n", "")
    write(campaign, NEW, text)
    r = cli(campaign, "check", "--format", "json")
    f = [x for x in r.json() if x["path"] == NEW and x["code"] == "schema.missing"]
    assert f and "unit" in f[0]["message"]


def test_path_must_match_id(campaign, cli):
    write(campaign, "submissions/2021/minge/wrong-name.md", item_text())
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.path", 2) in findings_for(r, "submissions/2021/minge/wrong-name.md")


def test_id_unit_and_folder(campaign, cli):
    write(campaign, "submissions/2021/jinan/2021-minge-901.md", item_text())
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.path", 2) in findings_for(r, "submissions/2021/jinan/2021-minge-901.md")


def test_duplicate_id_reported_on_both_files(campaign, cli):
    write(campaign, NEW, item_text())
    write(campaign, "submissions/2021/minge/copy.md", item_text())
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.duplicate_id", 2) in findings_for(r)
    assert ("ref.duplicate_id", 2) in findings_for(r, "submissions/2021/minge/copy.md")


def test_unknown_files_are_errors(campaign, cli):
    write(campaign, "submissions/2021/minge/notes.txt", "随手记")
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.unknown_file", None) in findings_for(r, "submissions/2021/minge/notes.txt")
    assert r.code == 1


def test_status_rules(campaign, cli):
    write(campaign, NEW, item_text(status="rejected"))
    r = cli(campaign, "check", "--format", "json")
    assert ("schema.needs_review", 8) in findings_for(r)
    rejected = item_text(status="rejected").replace("---\n黄河", "review:\n  by: 孙某某\n  date: 2021-03-12\n---\n黄河")
    write(campaign, NEW, rejected)
    r = cli(campaign, "check", "--format", "json")
    assert ("schema.needs_reason", 10) in findings_for(r)


def test_member_item_needs_committee_review_before_accepted(campaign, cli):
    rel = "submissions/2021/jingji/2021-jingji-901.md"
    text = (item_text(status="accepted", unit="jingji", id="2021-jingji-901", submitter="刘某某")
            .replace("---\n黄河", "review:\n  by: 孙某某\n  date: 2021-03-12\n---\n黄河"))
    write(campaign, rel, text)
    r = cli(campaign, "check", "--format", "json")
    assert ("schema.needs_committee_review", 8) in findings_for(r, rel)


def test_adopted_needs_its_issue(campaign, cli):
    text = item_text(status="adopted").replace("---\n黄河", "review:\n  by: 孙某某\n  date: 2021-03-12\n---\n黄河")
    write(campaign, NEW, text)
    r = cli(campaign, "check", "--format", "json")
    assert ("schema.needs_adopted_in", 8) in findings_for(r)
    write(campaign, NEW, text.replace("review:", "adopted_in: 2021-099\nreview:"))
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.unknown_issue", 10) in findings_for(r)


def test_reviewer_must_hold_the_role(campaign, cli):
    text = item_text(status="accepted").replace("---\n黄河", "review:\n  by: 周某\n  date: 2021-03-12\n---\n黄河")
    write(campaign, NEW, text)
    r = cli(campaign, "check", "--format", "json")
    assert ("ref.wrong_role", 11) in findings_for(r)


def test_lengths(campaign, cli):
    write(campaign, NEW, item_text(title="关于" + "很长" * 30 + "的建议", body="太短。"))
    r = cli(campaign, "check", "--format", "json")
    got = findings_for(r)
    assert ("length.title", 3) in got and ("length.body_min", 11) in got
    # A draft gets warnings only.
    write(campaign, NEW, item_text(status="draft", body="太短。"))
    rows = [f for f in cli(campaign, "check", "--format", "json").json() if f["path"] == NEW]
    assert rows and all(f["severity"] == "warning" for f in rows if f["code"].startswith("length."))


def test_broken_files_do_not_stop_the_others(campaign, cli):
    write(campaign, "submissions/2021/minge/2021-minge-902.md", "标题：没有文件头\n")
    write(campaign, "submissions/2021/minge/2021-minge-903.md", "---\nid: x\n")
    (campaign / "submissions/2021/minge/2021-minge-904.md").write_bytes(item_text().encode("gbk"))
    write(campaign, NEW, item_text(topic="9"))
    r = cli(campaign, "check", "--format", "json")
    assert r.code == 1 and "Traceback" not in r.err
    got = {(f["path"].rsplit("/", 1)[1], f["code"]) for f in r.json()}
    assert {("2021-minge-902.md", "yaml.no_front_matter"), ("2021-minge-903.md", "yaml.unclosed"),
            ("2021-minge-904.md", "encoding.not_utf8"), ("2021-minge-901.md", "ref.unknown_topic")} <= got


def test_huge_file_rejected_quickly(campaign, cli):
    write(campaign, NEW, item_text(body="大段粘贴的材料。" * 700_000))  # about 5 MB
    start = time.monotonic()
    r = cli(campaign, "check", "--format", "json")
    assert time.monotonic() - start < 60  # seconds, not minutes (a generous bound for a slow CI)
    assert ("length.file_too_large", None) in findings_for(r)


def test_exit_2_on_usage_errors(campaign, cli, tmp_path):
    assert cli(campaign, "check", "--format", "xml").code == 2
    r = cli(tmp_path, "check")
    assert r.code == 2 and "schema/settings.yaml" in r.err and "Traceback" not in r.err
    assert cli(campaign, "check", "no/such/path").code == 2


def test_github_format_annotations_and_summary(campaign, cli, tmp_path):
    write(campaign, NEW, item_text(topic="9"))
    summary = tmp_path / "summary.md"
    r = cli(campaign, "check", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert f"::error file={NEW},line=6," in r.out
    assert f"{NEW}:6:" in r.out  # plain text too, for Gitea which shows no annotations
    assert "ref.unknown_topic" in summary.read_text(encoding="utf-8")


def test_gitlab_and_sarif_formats(campaign, cli):
    write(campaign, NEW, item_text(topic="9"))
    gl = json.loads(cli(campaign, "check", "--format", "gitlab").out)
    row = next(x for x in gl if x["location"]["path"] == NEW)
    assert row["check_name"] == "ref.unknown_topic" and row["location"]["lines"]["begin"] == 6
    assert row["severity"] == "major" and len(row["fingerprint"]) == 32
    sarif = json.loads(cli(campaign, "check", "--format", "sarif").out)
    res = sarif["runs"][0]["results"]
    assert any(x["ruleId"] == "ref.unknown_topic" and
               x["locations"][0]["physicalLocation"]["region"]["startLine"] == 6 for x in res)


def test_fingerprint_ignores_numbers_that_change_by_themselves():
    from jianyan.core.findings import warning
    from jianyan.render.output import fingerprint
    day1 = warning("feedback/2021/a.yaml", 16, "schema.overdue", "省科技厅 办理时限已过（已逾期 12 天）")
    day2 = warning("feedback/2021/a.yaml", 16, "schema.overdue", "省科技厅 办理时限已过（已逾期 13 天）")
    other = warning("feedback/2021/a.yaml", 16, "schema.overdue", "省财政厅 办理时限已过（已逾期 12 天）")
    assert fingerprint(day1) == fingerprint(day2) != fingerprint(other)


def test_a_broken_registry_does_not_switch_off_the_other_checks(campaign, cli):
    (campaign / "schema/reasons.yaml").write_text("reasons: [\n", encoding="utf-8")
    write(campaign, NEW, item_text(unit="mingee", topic="9"))
    r = cli(campaign, "check", "--format", "json")
    got = {(f["path"], f["code"]) for f in r.json()}
    assert ("schema/reasons.yaml", "yaml.syntax") in got
    assert {(NEW, "ref.unknown_unit"), (NEW, "ref.unknown_topic"), (NEW, "ref.id_unit")} <= got
    # Items that give a reason are not all flagged for "unknown reason" because of the broken file.
    assert not [f for f in r.json() if f["code"] == "ref.unknown_reason"]


def test_an_invalid_issue_file_does_not_cascade(campaign, cli):
    path = campaign / "issues/2021/002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2021-03-12", "date: 2021-3-12", 1),
                    encoding="utf-8")
    rows = cli(campaign, "check", "--format", "json").json()
    assert [(f["path"], f["code"]) for f in rows if f["severity"] == "error"] == [("issues/2021/002.md", "schema.invalid")]


def test_an_empty_base_is_a_plain_check(campaign, cli):
    """`check --base ""` (a CI variable left empty) is a plain check, exit 0, as it always was."""
    plain = cli(campaign, "check", "--format", "json")
    empty = cli(campaign, "check", "--format", "json", "--base", "")
    assert (empty.code, empty.out) == (plain.code, plain.out) == (0, plain.out)

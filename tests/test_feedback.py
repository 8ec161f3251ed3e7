"""Feedback records (批示/办理): checks, the spreadsheet import, and the feedback letters."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import yaml

from conftest import copy_campaign
from helpers.campaigns import other_campaign

RECORD = "feedback/2021/2021-minge-001.yaml"


def load_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def records(root: Path) -> dict[str, dict]:
    return {p.relative_to(root).as_posix(): load_yaml(p) for p in sorted((root / "feedback").rglob("*.yaml"))}


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "feedback").rglob("*"))
            if p.is_file()}


def findings(cli, root, *codes):
    result = cli(root, "check", "--only", "feedback", "--format", "json")
    return [f for f in result.json() if not codes or f["code"] in codes]


def test_sample_records_have_no_errors_and_no_overdue_tasks(campaign, cli):
    found = findings(cli, campaign)
    assert [f for f in found if f["severity"] == "error"] == []
    today = dt.date.today()
    expected = {(path, h["department"]) for path, rec in records(campaign).items() for h in rec.get("handling", [])
                if h.get("state") != "done" and dt.date.fromisoformat(h["deadline"]) < today}
    assert {(f["path"]) for f in found if f["code"] == "schema.overdue"} == {p for p, _ in expected}


def reopen(campaign: Path, rel: str, department: str) -> None:
    """In the test's copy, undo a task's closing: drop its 100% entry, state, closed date and result."""
    path = campaign / rel
    head, task = path.read_text(encoding="utf-8").split(f"  - department: {department}\n", 1)
    task, sep, rest = task.partition("\n  - department: ")
    if not sep:
        task, sep, rest = task.partition("\nforwarded:")
    lines = task.split("\n")
    cut = next(i for i, ln in enumerate(lines) if ln.strip() == "percent: 100") - 1
    path.write_text(head + f"  - department: {department}\n" + "\n".join(lines[:cut]) + sep + rest, encoding="utf-8")


def test_an_open_task_past_its_deadline_is_warned_as_overdue(campaign, cli):
    rel = "feedback/2021/2021-minmeng-001.yaml"
    reopen(campaign, rel, "省财政厅")
    overdue = [f for f in findings(cli, campaign) if f["code"] == "schema.overdue"]
    assert [(f["path"], f["severity"]) for f in overdue] == [(rel, "warning")]
    assert "省财政厅" in overdue[0]["message"] and "2021-06-30" in overdue[0]["message"]
    # Counted up to the campaign's end (it is over), in working days, by hand: July 22, August 22, September 22
    # (中秋 20–21 off; Sat 18 and Sun 26 worked), October 17 (1–7 off; Sat 9 worked), November 22, December 23
    assert "截至 2021-12-31 已逾期 128 个工作日" in overdue[0]["message"]


def edit(root: Path, rel: str, old: str, new: str) -> int:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def test_date_before_dispatch_is_an_error_at_its_line(campaign, cli):
    line = edit(campaign, RECORD, "date: 2021-03-09", "date: 2021-03-01")
    [f] = findings(cli, campaign, "schema.before_dispatch")
    assert (f["path"], f["line"], f["severity"]) == (RECORD, line, "error")
    assert "2021-03-05" in f["message"]  # the dispatch date of issue 2021-001


def test_progress_going_backwards_is_an_error(campaign, cli):
    line = edit(campaign, RECORD, "percent: 60", "percent: 10")
    [f] = findings(cli, campaign, "schema.progress_backwards")
    assert (f["path"], f["line"]) == (RECORD, line)
    assert "20%" in f["message"] and "10%" in f["message"]


def test_item_must_be_adopted_in_a_dispatched_issue(campaign, cli):
    (campaign / "feedback/2021/2021-dezhou-001.yaml").write_text("item: 2021-dezhou-001\n", encoding="utf-8")
    (campaign / "feedback/2021/2021-zibo-001.yaml").write_text("item: 2021-zibo-001\n", encoding="utf-8")
    found = {f["path"]: f for f in findings(cli, campaign) if f["severity"] == "error"}
    assert found["feedback/2021/2021-dezhou-001.yaml"]["code"] == "ref.not_adopted"
    assert found["feedback/2021/2021-zibo-001.yaml"]["code"] == "ref.not_dispatched"  # issue 004 is only signed


def test_bad_yaml_and_unknown_keys_are_reported_with_lines(campaign, cli):
    line = edit(campaign, RECORD, "    kind: directive", "    kind: directive\n    leadr: 某某")
    found = findings(cli, campaign, "schema.unknown_key")
    assert [(f["path"], f["line"]) for f in found] == [(RECORD, line + 1)]  # the line after "kind"
    assert "leader" in found[0]["message"]


# --- import -----------------------------------------------------------------------------

def open_tasks(root: Path) -> list[tuple[str, str]]:
    return [(rec["item"], h["department"]) for rec in records(root).values() for h in rec.get("handling", [])
            if h.get("state") != "done"]


def test_template_lists_every_open_task(campaign, cli, tmp_path):
    from openpyxl import load_workbook
    out = tmp_path / "进展表.xlsx"
    result = cli(campaign, "feedback", "template", str(out))
    assert result.code == 0, result
    ws = load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["信息编号", "信息标题", "承办单位"] and "办理进度(%)" in header
    rows = [(r[0], r[2]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(rows) == sorted(open_tasks(campaign))
    again = cli(campaign, "feedback", "template", str(out))
    assert again.code == 2 and "不会覆盖" in again.err


def fill(campaign, cli, tmp_path, rows_by_key: dict, name="进展表.xlsx") -> Path:
    from openpyxl import load_workbook
    out = tmp_path / name
    assert cli(campaign, "feedback", "template", str(out)).code == 0
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[2].value)
        for col, value in rows_by_key.get(key, {}).items():
            row[header.index(col)].value = value
    wb.save(out)
    return out


def test_import_appends_progress_and_keeps_the_rest_of_the_file(campaign, cli, tmp_path):
    reopen(campaign, RECORD, "省生态环境厅")
    reopen(campaign, "feedback/2021/2021-jingji-001.yaml", "省发展改革委")
    before = (campaign / RECORD).read_text(encoding="utf-8")
    sheet = fill(campaign, cli, tmp_path, {
        ("2021-minge-001", "省生态环境厅"): {"进展日期": "2021-06-20", "办理进度(%)": 100, "进展情况": "监测数据已接入省级平台",
                                        "办理状态": "已办结", "办理结果": "沿黄交界断面自动监测数据全部接入省级平台，按月公布考核结果。"},
        ("2021-jingji-001", "省发展改革委"): {"进展日期": dt.date(2021, 6, 10), "办理进度(%)": 70, "进展情况": "断供风险清单报省政府"},
    })
    result = cli(campaign, "feedback", "import", str(sheet))
    assert result.code == 0, result
    assert set(result.out.split()) == {RECORD, "feedback/2021/2021-jingji-001.yaml"}
    after = (campaign / RECORD).read_text(encoding="utf-8")
    # every line the user wrote is still there, in order (comments included)
    lines = iter(after.split("\n"))
    assert all(any(x == y for y in lines) for x in before.split("\n"))
    rec = load_yaml(campaign / RECORD)
    h = next(h for h in rec["handling"] if h["department"] == "省生态环境厅")
    assert h["progress"][-1] == {"date": "2021-06-20", "percent": "100", "note": "监测数据已接入省级平台",
                                 "source": f"{sheet.name} 第 {_row_of(sheet, '2021-minge-001', '省生态环境厅')} 行"}
    assert (h["state"], h["closed"]) == ("done", "2021-06-20")
    assert [f for f in findings(cli, campaign) if f["severity"] == "error"] == []


def _row_of(sheet: Path, item: str, dept: str) -> int:
    from openpyxl import load_workbook
    ws = load_workbook(sheet).worksheets[0]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == item and r[2].value == dept)


def test_one_bad_row_changes_nothing_and_names_the_row(campaign, cli, tmp_path):
    reopen(campaign, RECORD, "省生态环境厅")
    reopen(campaign, "feedback/2021/2021-jingji-001.yaml", "省发展改革委")
    before = snapshot(campaign)
    sheet = fill(campaign, cli, tmp_path, {
        ("2021-minge-001", "省生态环境厅"): {"进展日期": "2021-06-20", "办理进度(%)": 80, "进展情况": "正在联调"},
        ("2021-jingji-001", "省发展改革委"): {"进展日期": "2021-06-10", "办理进度(%)": 30, "进展情况": "进度写错了"},
    })
    bad = _row_of(sheet, "2021-jingji-001", "省发展改革委")
    result = cli(campaign, "feedback", "import", str(sheet))
    assert result.code == 1
    assert f"第 {bad} 行" in result.err and "40%" in result.err and "倒退" in result.err
    assert "没有任何改动" in result.err
    assert snapshot(campaign) == before


def test_csv_import_reports_every_bad_row(campaign, cli, tmp_path):
    reopen(campaign, RECORD, "省生态环境厅")
    reopen(campaign, "feedback/2021/2021-minmeng-001.yaml", "省科技厅")
    reopen(campaign, "feedback/2021/2021-minmeng-001.yaml", "省财政厅")
    before = snapshot(campaign)
    sheet = tmp_path / "进展.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["信息编号", "承办单位", "进展日期", "办理进度(%)", "进展情况", "办理状态"])
        w.writerow(["2021-minge-001", "省生态环境厅", "2021/6/20", "90%", "联调完成", "办理中"])
        w.writerow(["2021-minge-001", "省环保厅", "2021-06-20", "90", "单位名写错", ""])
        w.writerow(["2021-minmeng-001", "省科技厅", "2021-06-31", "70", "日期不存在", ""])
        w.writerow(["2021-minmeng-001", "省财政厅", "2021-06-01", "70", "状态写错", "完成"])
    result = cli(campaign, "feedback", "import", str(sheet))
    assert result.code == 1
    for row, word in ((3, "省环保厅"), (4, "2021-06-31"), (5, "完成")):
        assert any(f"第 {row} 行" in line and word in line for line in result.err.splitlines()), result.err
    assert "第 2 行" not in result.err
    assert snapshot(campaign) == before
    sheet.write_text("信息编号,承办单位,进展日期,办理进度(%),进展情况\n"
                     "2021-minge-001,省生态环境厅,2021/6/20,90%,联调完成\n", encoding="utf-8")
    ok = cli(campaign, "feedback", "import", str(sheet))
    assert ok.code == 0, ok
    assert load_yaml(campaign / RECORD)["handling"][1]["progress"][-1]["percent"] == "90"


# --- feedback letters -------------------------------------------------------------------

def test_feedback_letters_tell_each_unit_and_member_what_became_of_their_items(campaign, cli):
    result = cli(campaign, "feedback", "--from", "2021-02-22", "--to", "2021-06-30")
    assert result.code == 0, result
    folder = campaign / "build/feedback/2021-02-22_2021-06-30"
    items = [yaml.load((p.read_text(encoding="utf-8")).split("---\n", 2)[1], Loader=yaml.BaseLoader)
             for p in sorted((campaign / "submissions").rglob("*.md"))]
    items = [i for i in items if i["status"] != "draft" and "2021-02-22" <= i["date"] <= "2021-06-30"]
    units = {i["unit"] for i in items}
    assert {p.name for p in folder.glob("unit-*.md")} == {f"unit-{u}.md" for u in units}
    reasons = {r["code"]: r["label"] for r in yaml.safe_load((campaign / "schema/reasons.yaml").read_text())["reasons"]}
    recs = {r["item"]: r for r in records(campaign).values()}
    for unit in units:
        text = (folder / f"unit-{unit}.md").read_text(encoding="utf-8")
        mine = [i for i in items if i["unit"] == unit]
        assert f"共报送建言信息{len(mine)}条" in text
        for i in mine:
            assert i["title"] in text
            if i["status"] in ("rejected", "returned"):
                assert reasons[i["review"]["reason"]] in text
            for ins in recs.get(i["id"], {}).get("instructions", []):
                assert f"{ins['leader']}{ins['title']}" in text
                if "text" in ins:
                    assert ins["text"] in text
    # members: the committee items' authors
    jingji = next(i for i in items if i["id"] == "2021-jingji-001")
    for name in jingji["submitter"]:
        letter = (folder / f"member-{name}.md").read_text(encoding="utf-8")
        assert letter.split("# ", 1)[1].splitlines()[3] == f"{name}委员："  # after the letterhead, the title
        assert jingji["title"] in letter and "省发展改革委" in letter
    assert (folder / f"unit-{next(iter(units))}.docx").stat().st_size > 5000


def test_feedback_for_one_unit_in_word_reads_like_a_letter(campaign, cli):
    from docx import Document
    result = cli(campaign, "feedback", "--unit", "gsl", "--to", "2021-06-30")
    assert result.code == 0, result
    assert len(result.out.split()) == 3
    # without --from the period starts at the campaign's start (settings.start), named so in the folder
    doc = Document(campaign / "build/feedback/2021-02-22_2021-06-30/unit-gsl.docx")
    paras = [p.text for p in doc.paragraphs if p.text]
    assert paras.pop(0) == "政协山东省委员会办公厅"  # the 信函's letterhead (issue 20)
    assert paras[0] == "关于“为七个求突破建言”活动\n信息采用和办理情况的反馈"  # broken between words, balanced
    assert paras[1] == "省工商联："
    assert paras[2].startswith("感谢贵单位对“为七个求突破建言”活动的支持。2021年2月22日至2021年6月30日，贵单位共报送")
    assert paras[-1] == "2021年6月30日"
    assert any("陆某某省委副书记于2021年3月8日批示" in p for p in paras)
    assert any("已于2021年4月28日办结" in p for p in paras)
    unknown = cli(campaign, "feedback", "--unit", "nosuch")
    assert unknown.code == 2 and "未登记" in unknown.err


def test_feedback_letter_names_the_campaign_s_own_number_of_topics(tmp_path, cli):
    root = other_campaign(copy_campaign(tmp_path / "campaign"))
    result = cli(root, "feedback", "--unit", "gsl", "--to", "2021-06-30")
    assert result.code == 0, result
    letter = (root / "build/feedback/2021-02-22_2021-06-30/unit-gsl.md").read_text(encoding="utf-8")
    assert "希望贵单位继续围绕活动确定的三个重点选题" in letter
    assert "七个" not in letter


def test_an_instruction_without_handling_is_said_only_as_recorded(tmp_path, cli):
    """A 批示 with no handling record: the letter names the departments the record gives, and says
    nothing of a hand-over when the record names none (an affirmative 批示), as it says 阅示 for a 圈阅."""
    root = copy_campaign(tmp_path / "c")
    path = root / "feedback/2021/2021-minmeng-001.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record.pop("handling")
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    letter = root / "build/feedback/2021-02-22_2021-06-30/unit-minmeng.md"
    assert cli(root, "feedback", "--from", "2021-02-22", "--to", "2021-06-30").code == 0
    assert "批示已转省科技厅、省财政厅研究办理，办理情况将另行反馈。" in letter.read_text(encoding="utf-8")
    instruction = record["instructions"][0]
    instruction.update(kind="affirmative", departments=[])
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli(root, "feedback", "--from", "2021-02-22", "--to", "2021-06-30").code == 0
    text = letter.read_text(encoding="utf-8")
    assert "转有关部门" not in text and "研究办理" not in text and "省领导已作出批示。" in text

"""The campaign's period (settings start, end): `new` and `import` date an item inside it or stop and write
nothing; `check` reports dates and ids outside it; schema/calendar.yaml is checked for the campaign's years."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx

BODY = ("黄河流域生态补偿机制运行以来，上下游之间的补偿标准偏低、资金来源单一的问题逐步显现，"
        "部分地市保护成本远高于所得补偿，基层积极性受到影响。") * 3


def files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "submissions").rglob("*") if p.is_file())


def word_file(path: Path, date_line: str | None = None) -> Path:
    d = docx.Document()
    d.add_paragraph("关于完善黄河流域生态补偿机制的建议")
    d.add_paragraph("报送单位：民革山东省委会")
    d.add_paragraph("选题：1")
    if date_line:
        d.add_paragraph(date_line)
    d.add_paragraph(BODY)
    d.save(path)
    return path


def set_settings(root: Path, old: str, new: str) -> None:
    path = root / "schema/settings.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NEW = ("new", "--unit", "minge", "--submitter", "民革山东省委会", "--topic", "3", "--kind", "suggestion",
       "--title", "关于破解中小企业融资难题的建议")


def test_new_after_the_campaign_asks_for_a_date_and_writes_nothing(campaign, cli):
    before = files(campaign)
    today = dt.date.today()
    assert today > dt.date(2021, 12, 31)  # the sample campaign ended; this test runs later
    r = cli(campaign, *NEW)
    assert r.code == 2 and r.out == ""
    assert f"今天（{today}）不在本次活动期间（2021-02-22 至 2021-12-31）" in r.err and "--date" in r.err
    r = cli(campaign, *NEW, "--date", "2022-01-04")
    assert r.code == 2 and "--date 2022-01-04 不在本次活动期间" in r.err
    assert files(campaign) == before
    r = cli(campaign, *NEW, "--date", "2021-12-31")
    assert r.code == 0 and r.out.startswith("submissions/2021/minge/2021-minge-"), r


def test_new_defaults_to_today_while_the_campaign_runs(campaign, cli):
    set_settings(campaign, "\nend: 2021-12-31", "\n# end:")
    today = dt.date.today()
    r = cli(campaign, *NEW)
    assert r.code == 0, r
    assert r.out.strip() == f"submissions/{today.year}/minge/{today.year}-minge-001.md"
    assert f"date: {today.isoformat()}" in (campaign / r.out.strip()).read_text(encoding="utf-8")


def test_import_outside_the_period_stops_and_writes_nothing(campaign, cli, tmp_path):
    before = files(campaign)
    undated = word_file(tmp_path / "无日期.docx")
    r = cli(campaign, "import", str(undated))
    assert r.code == 1 and r.out == ""
    assert "无日期.docx：今天" in r.err and "不在本次活动期间" in r.err and "--date" in r.err
    late = word_file(tmp_path / "晚了.docx", "报送日期：2022年1月5日")
    r = cli(campaign, "import", str(late))
    assert r.code == 1 and "文件中的报送日期 2022-01-05 不在本次活动期间" in r.err and "--date" in r.err
    assert files(campaign) == before
    r = cli(campaign, "import", str(undated), "--date", "2021-06-01")
    assert r.code in (0, 1) and r.out.startswith("submissions/2021/minge/2021-minge-"), r
    assert "date: 2021-06-01" in (campaign / r.out.splitlines()[0]).read_text(encoding="utf-8")


def findings(cli, root: Path, code: str) -> list[dict]:
    r = cli(root, "check", "--format", "json")
    return [f for f in r.json() if f["code"] == code]


def test_dates_and_ids_outside_the_period_are_reported_with_the_fix(campaign, cli):
    path = campaign / "submissions/2021/minge/2021-minge-002.md"
    text = path.read_text(encoding="utf-8")
    date_line = next(ln for ln in text.split("\n") if ln.startswith("date: "))
    path.write_text(text.replace(date_line, "date: 2022-01-10"), encoding="utf-8")
    moved = campaign / "submissions/2022/minge/2022-minge-001.md"
    moved.parent.mkdir(parents=True)
    other = (campaign / "submissions/2021/minge/2021-minge-001.md").read_text(encoding="utf-8")
    moved.write_text(other.replace("id: 2021-minge-001", "id: 2022-minge-001"), encoding="utf-8")
    found = findings(cli, campaign, "schema.outside_period")
    by_path = {(f["path"], f["severity"]): f["message"] for f in found}
    late = by_path[("submissions/2021/minge/2021-minge-002.md", "warning")]
    assert "报送日期 2022-01-10 晚于活动结束日期 2021-12-31" in late and "schema/settings.yaml" in late
    year = by_path[("submissions/2022/minge/2022-minge-001.md", "warning")]
    assert "年份 2022 不在活动期间（2021 年）" in year and "--date" in year
    assert len(found) == 2


def test_a_campaign_year_missing_from_the_calendar_is_warned(campaign, cli):
    cal = campaign / "schema/calendar.yaml"
    text = cal.read_text(encoding="utf-8")
    start, end = text.index("  2021:\n"), text.index("  2022:\n")
    cal.write_text(text[:start] + text[end:], encoding="utf-8")
    found = findings(cli, campaign, "schema.calendar_year")
    assert [(f["path"], f["severity"]) for f in found] == [("schema/calendar.yaml", "warning")]
    assert "没有 2021 年的节假日安排" in found[0]["message"] and "周一至周五" in found[0]["message"]
    cal.write_text(text.replace("清明节: 2021-04-03 至 2021-04-05", "清明节: 2021-04-03 到 四月五日"), encoding="utf-8")
    bad = findings(cli, campaign, "schema.calendar_invalid")
    line = text.split("\n").index("      清明节: 2021-04-03 至 2021-04-05") + 1
    assert [(f["path"], f["line"], f["severity"]) for f in bad] == [("schema/calendar.yaml", line, "error")]
    r = cli(campaign, "stats")
    assert r.code == 2 and f"schema/calendar.yaml:{line}:" in r.err


def test_an_empty_new_campaign_gets_the_holiday_calendar(campaign, cli, tmp_path):
    r = cli(campaign, "init", str(tmp_path / "new"), "--empty", "--no-git")
    assert r.code == 0, r
    copied = (tmp_path / "new/schema/calendar.yaml").read_bytes()
    assert copied == (campaign / "schema/calendar.yaml").read_bytes()


def test_reports_are_as_of_the_campaigns_end_once_it_is_over(campaign, cli):
    r = cli(campaign, "feedback", "--unit", "minge")
    assert r.code == 0, r
    assert "至2021年12月31日（活动结束）" in r.err
    assert all(line.startswith("build/feedback/2021-02-22_2021-12-31/") for line in r.out.split())
    r = cli(campaign, "feedback", "--unit", "minge", "--as-of", "2021-05-10")
    assert "至2021年5月10日" in r.err and "build/feedback/2021-02-22_2021-05-10/unit-minge.md" in r.out.split()
    r = cli(campaign, "stats", "--as-of", "2021-05-10", "--to", "2021-05-11")
    assert r.code == 2 and "--as-of 2021-05-10 与 --to 2021-05-11 不一致" in r.err


def build_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "build").rglob("*") if p.is_file()) if (root / "build").exists() else []


def test_an_as_of_day_before_the_campaign_is_refused_with_the_settings_line(campaign, cli):
    """Before the start nothing had happened: a report would be empty and the circular's period would run
    backwards (2021-02-22 to 2021-01-05); every command taking the day refuses it and writes nothing."""
    line = next(n for n, text in enumerate((campaign / "schema/settings.yaml").read_text(encoding="utf-8")
                                           .splitlines(), 1) if text.startswith("start:"))
    for args in (("todo", "--as-of", "2021-01-05"), ("remind", "--as-of", "2021-01-05"),
                 ("stats", "--as-of", "2021-01-05"), ("circular", "--as-of", "2021-01-05"),
                 ("feedback", "--to", "2021-01-05"), ("export", "--as-of", "2021-02-21")):
        r = cli(campaign, *args)
        assert r.code == 2 and r.out == "", (args, r)
        assert f"{args[1]} {args[2]} 早于活动开始日 2021-02-22（schema/settings.yaml:{line} 的 start）" in r.err, r
        assert "Traceback" not in r.err
    assert build_files(campaign) == []
    r = cli(campaign, "todo", "--as-of", "2021-02-22")
    assert r.code == 0 and "截至2021年2月22日" in r.out


def test_a_broken_feedback_record_stops_the_reports_instead_of_leaving_it_out(campaign, cli):
    """A follow_up with an impossible date makes the whole record unreadable; without it the digest, the
    催办函 and the letters would silently lose that item's 批示, 办理 and 督办 (remind said nothing was due)."""
    path = campaign / "feedback/2021/2021-jingji-001.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, text in enumerate(lines) if text.strip() == "- date: 2021-06-02")
    lines[n] = lines[n].replace("2021-06-02", "2021-02-30")
    path.write_text("".join(lines), encoding="utf-8")
    for args in (("todo", "--as-of", "2021-06-10"), ("remind", "--as-of", "2021-06-10"),
                 ("stats", "--as-of", "2021-07-31"), ("feedback", "--as-of", "2021-06-10"),
                 ("circular", "--as-of", "2021-07-31"), ("record", "刘某某", "--as-of", "2021-06-10")):
        r = cli(campaign, *args)
        assert r.code == 2 and r.out == "", (args, r)
        assert f"feedback/2021/2021-jingji-001.yaml:{n + 1}: follow_up.date" in r.err, r
        assert "批示办理记录有错误" in r.err and "jianyan check" in r.err and "Traceback" not in r.err
    assert build_files(campaign) == []


def test_settings_written_before_the_period_existed_keep_working(campaign, cli):
    """A campaign upgraded from a version without start/end: every command stopped at 缺少必填字段 start."""
    settings = campaign / "schema/settings.yaml"
    lines = settings.read_text(encoding="utf-8").splitlines(keepends=True)
    settings.write_text("".join(ln for ln in lines if not ln.startswith(("start:", "end:"))), encoding="utf-8")
    year_line = next(n for n, ln in enumerate(settings.read_text(encoding="utf-8").splitlines(), 1)
                     if ln.startswith("year:"))
    found = findings(cli, campaign, "schema.period_default")
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [("schema/settings.yaml", year_line, "warning")]
    assert "暂按 2021-01-01 计算" in found[0]["message"] and "start:" in found[0]["message"]
    r = cli(campaign, "todo", "--as-of", "2021-06-10", "--for", "办公厅秘书处")
    assert r.code == 0 and "逾期 8 个工作日" in r.out, r
    assert cli(campaign, "stats", "--as-of", "2020-12-31").code == 2  # before the year it now starts with


def test_the_renderers_take_today_from_the_caller(campaign, cli):
    """Only the CLI reads the clock: the period's （今天） and a yearly record's default day come from the day
    the caller passes, so a test or a report as of a given day never depends on when it is run."""
    from jianyan.campaign.load import load_campaign
    from jianyan.render.records import as_of
    from jianyan.render.reports import period_text
    from jianyan.tracking.ledger import Period
    camp = load_campaign(campaign)
    start, day = dt.date(2021, 2, 22), dt.date(2021, 5, 10)
    assert period_text(camp, Period(start, day), False, today=day) == \
        "统计时段：2021年2月22日（活动开始）至2021年5月10日（今天）"
    assert period_text(camp, Period(start, day), True, today=dt.date(2021, 5, 11)) == \
        "统计时段：2021年2月22日至2021年5月10日"
    clock = dt.date.today()
    assert "（今天）" not in period_text(camp, Period(start, clock), True)  # no day given: the clock is not read
    assert as_of(2021, None, dt.date(2021, 6, 1)) == dt.date(2021, 6, 1)  # the year not over yet on that day
    assert as_of(2021, None, dt.date(2026, 12, 3)) == dt.date(2021, 12, 31)
    assert as_of(2021, dt.date(2021, 5, 10), dt.date(2026, 12, 3)) == dt.date(2021, 5, 10)
    r = cli(campaign, "feedback", "--unit", "minge", "--as-of", clock.isoformat())  # the CLI passes its clock
    assert r.code == 0 and f"至{clock.year}年{clock.month}月{clock.day}日（今天）" in r.err, r

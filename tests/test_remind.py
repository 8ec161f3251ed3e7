"""督办 records (follow_up in feedback/*.yaml), the 督办/催办 wording they alone allow, and jianyan remind
(催办函 for handling overdue or near its time limit)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import copy_campaign

RECORD = "feedback/2021/2021-jingji-001.yaml"
FOLLOW_UP_WORDS = re.compile("督办|催办")


def text_of(path: Path) -> str:
    """What a reader sees in a written file (the Word file's paragraphs, the HTML without tags)."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    raw = path.read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "", raw) if path.suffix == ".html" else raw


def without_data_words(text: str, root: Path) -> str:
    """The text without the records' own words that contain 督办 (a department's result may say it did)."""
    for rec in (root / "feedback").rglob("*.yaml"):
        for line in rec.read_text(encoding="utf-8").splitlines():
            value = line.split(":", 1)[-1].strip()
            if FOLLOW_UP_WORDS.search(value) and "follow_up" not in line:
                text = text.replace(value, "")
    return text


def drop_follow_ups(root: Path) -> None:
    path = root / RECORD
    path.write_text(path.read_text(encoding="utf-8").split("follow_up:")[0], encoding="utf-8")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_campaign(tmp_path_factory.mktemp("remind") / "campaign")


# --- validation ----------------------------------------------------------------------------------

def add_follow_up(root: Path, entry: str) -> None:
    path = root / RECORD
    path.write_text(path.read_text(encoding="utf-8") + entry, encoding="utf-8")


def line_of(root: Path, needle: str) -> int:
    lines = (root / RECORD).read_text(encoding="utf-8").splitlines()
    return max(i for i, ln in enumerate(lines, 1) if needle in ln)


@pytest.mark.parametrize("entry,needle,code,words", [
    ("  - date: 2021-06-03\n    kind: phone\n    by: 周某\n    department: 省发改委\n", "省发改委",
     "ref.follow_up_department", ["不是本信息的承办单位", "省发展改革委"]),
    ("  - date: 2021-03-01\n    kind: phone\n    by: 周某\n    department: 省发展改革委\n", "2021-03-01",
     "schema.date_order", ["早于", "交办日期 2021-03-23"]),
    ("  - date: 2021-06-03\n    kind: wechat\n    by: 周某\n    department: 省发展改革委\n", "wechat",
     "schema.literal_error", ["phone", "letter"]),
    ("  - date: 2021-06-03\n    kind: letter\n    by: 周某\n    department: 省发展改革委\n    promised_date: 2021-06-01\n",
     "promised_date", "schema.date_order", ["承诺办结日期", "早于督办日期"]),
])
def test_follow_up_errors_name_the_line_and_the_fix(cli, tmp_path, entry, needle, code, words):
    root = copy_campaign(tmp_path / "c")
    add_follow_up(root, entry)
    res = cli(root, "check", "--only", "feedback", "--format", "json")
    assert res.code == 1, res
    errors = [f for f in res.json() if f["severity"] == "error"]
    assert {(f["path"], f["line"]) for f in errors} == {(RECORD, line_of(root, needle))}, errors
    f = next(f for f in errors if all(w in f["message"] for w in words))
    if code != "schema.literal_error":
        assert f["code"] == code


# --- the wording --------------------------------------------------------------------------------

def test_no_follow_up_wording_without_records_in_any_format(cli, tmp_path):
    """民建's item is past its deadline on 2021-05-10 and 经济委员会's on 2021-06-10; neither has a record
    of 督办 in this copy: no letter, record or circular may say 督办 or 催办 of them."""
    root = copy_campaign(tmp_path / "c")
    drop_follow_ups(root)
    runs = [("feedback", "--to", "2021-05-10", "--unit", "minjian"), ("feedback", "--to", "2021-06-10", "--unit", "jingji"),
            ("circular", "--to", "2021-06-10"), ("record", "刘某某", "--to", "2021-06-10")]
    for args in runs:
        assert cli(root, *args).code == 0, args
    files = [p for p in (root / "build").rglob("*") if p.suffix in (".md", ".html", ".docx")]
    overdue_letters = [p for p in files if "unit-minjian" in p.name and "05-10" in str(p.parent)]
    assert len(overdue_letters) == 3 and "已超过办理时限" in text_of(overdue_letters[0])
    assert len(files) == 3 * len(runs)
    record = root / "build/records/2021/刘某某.md"  # 2021-jingji-001 is this member's item
    assert record in files and "已超过办理时限" in text_of(record)
    for path in files:
        text = without_data_words(text_of(path), root)
        assert not FOLLOW_UP_WORDS.search(text), (path, FOLLOW_UP_WORDS.findall(text))


def markdown(root: Path, template: str, day: str, unit: str | None = None) -> str:
    """A letter (to ``unit``) or the circular as of ``day``, rendered to Markdown only (the other formats
    are made from it; test_no_follow_up_wording_without_records_in_any_format reads all three)."""
    import datetime as dt

    from jianyan.cli.common import load_with_registries
    from jianyan.render.env import environment, render
    from jianyan.render.reports import circular_context, letter_context, report_period
    from jianyan.tracking.ledger import item_states
    campaign = load_with_registries(root)
    period = report_period(campaign, None, dt.date.fromisoformat(day))
    if unit is None:
        ctx, _ = circular_context(campaign, period, None)
    else:
        states = [s for s in item_states(campaign, period.until) if s.received and s.sub.unit == unit]
        ctx = letter_context(campaign, period, states, unit=campaign.registries.units[unit])
    return render(environment(root), template, root, **ctx)


def test_a_recorded_follow_up_is_reported(cli, sample):
    assert cli(sample, "feedback", "--to", "2021-06-10", "--unit", "jingji").code == 0
    letter = text_of(next((sample / "build/feedback").rglob("unit-jingji.docx")))
    assert "已超过办理时限。办公厅秘书处已于2021年6月2日电话催办" in letter
    assert "承诺于2021年6月25日前办结" in letter
    assert "办公厅秘书处已督办1次" in markdown(sample, "circular.md.j2", "2021-06-10")
    # before the follow-up was made, nothing is said of it
    early = markdown(sample, "feedback.md.j2", "2021-06-01", "jingji")
    assert "已超过办理时限" in early and not FOLLOW_UP_WORDS.search(early)


# --- jianyan remind ------------------------------------------------------------------------------

def test_remind_drafts_one_letter_per_department_due(cli, sample):
    res = cli(sample, "remind", "--as-of", "2021-06-10")
    assert res.code == 0, res
    assert res.out.split() == [f"build/remind/2021-06-10/省发展改革委.{ext}" for ext in ("md", "html", "docx")]
    assert "follow_up" in res.err and "kind: letter" in res.err
    for ext in ("md", "html", "docx"):
        text = text_of(sample / f"build/remind/2021-06-10/省发展改革委.{ext}")
        assert "省发展改革委：" in text
        assert "以下一项批示件已超过办理时限，" in text
        assert "办理时限为2021年5月31日" in text and "已超过办理时限8个工作日" in text
        assert "此前，2021年6月2日电话催办" in text
        # 5 working days after Thursday 10 June, 端午 (14 June) not counted
        assert "于2021年6月18日前将办理进展或办理结果书面报送" in text


def test_remind_without_records_names_no_earlier_follow_up(cli, sample):
    res = cli(sample, "remind", "--as-of", "2021-05-06")
    assert res.code == 0, res
    text = text_of(sample / "build/remind/2021-05-06/省地方金融监管局.md")
    assert "已超过办理时限1个工作日" in text  # 4-30 (Friday) → 5-6: 劳动节 holidays 5-1..5-5 not counted
    assert "此前" not in text and "电话催办" not in text


def test_remind_near_deadline_and_nothing_due(cli, sample):
    near = cli(sample, "remind", "--as-of", "2021-05-25", "--within", "5")
    assert near.code == 0, near
    assert {Path(p).stem for p in near.out.split()} == {"省发展改革委", "省生态环境厅", "省财政厅"}  # 省工业和信息化厅 closed that day
    text = text_of(sample / "build/remind/2021-05-25/省财政厅.md")
    assert "距办理时限还有4个工作日" in text
    assert "以下一项批示件临近办理时限" in text
    none = cli(sample, "remind", "--as-of", "2021-07-31")
    assert none.code == 0 and none.out == "" and "不需要起草催办函" in none.err


def test_remind_names_an_unknown_department_instead_of_nothing_due(cli, sample):
    res = cli(sample, "remind", "--as-of", "2021-05-25", "--department", "发展改革委")  # not the full name
    assert res.code != 0 and res.out == "", res
    assert "没有承办单位“发展改革委”" in res.err and "省发展改革委" in res.err, res.err
    assert "不需要起草催办函" not in res.err
    ok = cli(sample, "remind", "--as-of", "2021-05-25", "--department", "省发展改革委")
    assert ok.code == 0 and [Path(p).stem for p in ok.out.split()] == ["省发展改革委"] * 3, ok


def test_feedback_sent_in_the_future_is_a_warning_and_clears_the_todo(cli, tmp_path):
    root = copy_campaign(tmp_path / "c")
    path = root / "feedback/2021/2021-minge-001.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "feedback_sent: 2099-01-01\n", encoding="utf-8")
    found = cli(root, "check", "--only", "feedback", "--format", "json").json()
    assert [(f["code"], f["line"]) for f in found if f["path"].endswith("minge-001.yaml")] == [
        ("schema.future_date", len(path.read_text(encoding="utf-8").splitlines()))]
    refs = lambda: [t["ref"] for g in cli(root, "todo", "--for", "研究室", "--as-of", "2021-07-31", "--format", "json")
                    .json()["groups"] for t in g["tasks"] if t["kind"] == "feedback"]
    assert "2021-minge-001" in refs()  # sent only in 2099: still due on 2021-07-31
    path.write_text(path.read_text(encoding="utf-8").replace("2099-01-01", "2021-06-01"), encoding="utf-8")
    assert "2021-minge-001" not in refs() and "2021-gsl-001" in refs()


def test_a_circled_item_is_said_circled_not_instructed(cli, tmp_path):
    """A department handling an item a leader only circled: the letter said “…作出批示” and ran the 圈阅 into
    the next sentence (“于2021年3月20日圈阅该件于…”)."""
    root = copy_campaign(tmp_path / "c")
    path = root / RECORD
    text = path.read_text(encoding="utf-8")
    assert "    kind: directive\n    text: 请省发展改革委、省工业和信息化厅研究办理。\n" in text
    path.write_text(text.replace("    kind: directive\n    text: 请省发展改革委、省工业和信息化厅研究办理。\n",
                                 "    kind: circled\n"), encoding="utf-8")
    assert cli(root, "remind", "--as-of", "2021-06-10").code == 0
    letter = text_of(root / "build/remind/2021-06-10/省发展改革委.md")
    assert "省领导圈阅了《为七个求突破建言专刊》刊发的信息，交由你单位办理。" in letter
    assert "凌某某副省长于2021年3月20日圈阅。该件于2021年3月23日交你单位主办" in letter
    assert "批示：" not in letter and "作出批示" not in letter


def test_a_deadline_on_a_non_working_day_is_not_called_today(cli, tmp_path):
    """A Saturday deadline: zero working days left on Friday and none lost by Sunday; neither day is "today"."""
    root = copy_campaign(tmp_path / "c")
    path = root / RECORD
    text = path.read_text(encoding="utf-8")
    assert text.count("deadline: 2021-05-31") == 2
    path.write_text(text.replace("deadline: 2021-05-31", "deadline: 2021-05-29", 1), encoding="utf-8")  # a Saturday
    friday = cli(root, "remind", "--as-of", "2021-05-28", "--department", "省发展改革委")
    assert friday.code == 0, friday
    letter = text_of(root / "build/remind/2021-05-28/省发展改革委.md")
    assert "今天是办理时限" not in letter and "办理时限前已没有工作日" in letter
    sunday = cli(root, "remind", "--as-of", "2021-05-30", "--department", "省发展改革委")
    assert sunday.code == 0, sunday
    letter = text_of(root / "build/remind/2021-05-30/省发展改革委.md")
    assert "今天是办理时限" not in letter and "已超过办理时限。" in letter
    assert "以下一项批示件已超过办理时限" in letter
    todo = cli(root, "todo", "--as-of", "2021-05-30", "--for", "省发展改革委")
    assert "今天到期" not in todo.out and "时限 2021-05-29（非工作日）已过" in todo.out, todo.out
    todo = cli(root, "todo", "--as-of", "2021-05-28", "--for", "省发展改革委")
    assert "今天到期" not in todo.out and "今天是此前最后一个工作日" in todo.out, todo.out


def test_day_counts_beyond_a_year_are_refused_not_an_internal_error(cli, sample, tmp_path):
    """A reply period or a time limit of millions of days ran past the calendar's last year (OverflowError)."""
    res = cli(sample, "remind", "--as-of", "2021-05-25", "--reply-days", "5000000")
    assert res.code == 2 and "内部错误" not in res.err and "应在 1 到 366 之间" in res.err, res
    root = copy_campaign(tmp_path / "c")
    settings = root / "schema/settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "  review: {days: 5, unit: working}" in text
    settings.write_text(text.replace("  review: {days: 5, unit: working}", "  review: {days: 5000000, unit: working}"),
                        encoding="utf-8")
    line = 1 + text.split("\n").index(next(x for x in text.split("\n") if x.startswith("  review: {days: 5,")))
    check = cli(root, "check")
    assert check.code == 1 and "内部错误" not in check.err + check.out, check
    assert f"schema/settings.yaml:{line}:" in check.out and "366" in check.out, check.out


def test_a_count_of_days_is_worded_alike_in_todo_remind_and_reports(cli, tmp_path):
    """Time limits in calendar days: the to-do list, the 催办函, stats and the circular all say “10 天”
    (calendar.days_text), as the reports always did; todo and remind said “10 个自然日”."""
    root = copy_campaign(tmp_path / "c")
    settings = root / "schema/settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert text.count("unit: working}") == 4
    settings.write_text(text.replace("unit: working}", "unit: calendar}"), encoding="utf-8")
    # 2021-05-31 → 2021-06-10: 10 calendar days late (8 working days)
    res = cli(root, "remind", "--as-of", "2021-06-10", "--department", "省发展改革委")
    assert res.code == 0, res
    letter = text_of(root / "build/remind/2021-06-10/省发展改革委.md")
    assert "已超过办理时限10天" in letter
    todo = cli(root, "todo", "--as-of", "2021-06-10", "--for", "省发展改革委")
    assert "[逾期 10 天]" in todo.out, todo.out
    assert "自 2021-03-23 起已 79 天；时限 2021-05-31" in todo.out, todo.out  # assigned 23 March
    md = cli(root, "todo", "--as-of", "2021-06-10", "--for", "省发展改革委", "--format", "md")
    assert "**逾期 10 天**" in md.out and "| 79天 | 2021年5月31日 |" in md.out, md.out
    stats = cli(root, "stats", "--as-of", "2021-06-10")
    assert "已逾期 10 天）" in stats.out, stats.out
    assert "已逾期10天" in markdown(root, "circular.md.j2", "2021-06-10")
    near = cli(root, "remind", "--as-of", "2021-07-31")
    assert "已超过或 5 天内到期" in near.err, near
    for out in (letter, todo.out, md.out, stats.out, near.err):
        assert "自然日" not in out

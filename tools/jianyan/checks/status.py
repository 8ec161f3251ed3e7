"""Status rules inside one file (schema.*): what each status requires to be recorded, and dates
that cannot be right.

A submission's date and its reviews' dates are days that have happened: one after the day of the
check (``common.today``) is an error. The day after is only a warning: a file dated in Beijing
just after midnight is checked on a CI machine whose clock (UTC) is still on the day before.

Codes:
  schema.needs_review / schema.needs_reason / schema.needs_committee_review / schema.needs_adopted_in
  schema.unexpected_adopted_in
  schema.future_date   a date after the day of the check (the day after: warning)
  schema.before_start  submitted before the campaign started (warning)
  schema.outside_period  submitted after the campaign's end, or an id whose year is outside the campaign's years (warning)
  schema.calendar_year   a year of the campaign that schema/calendar.yaml does not list: its working days are
                         counted Monday to Friday, without holidays and make-up days (warning)
  schema.calendar_invalid  schema/calendar.yaml cannot be read (error; reports stop with the same message)
  schema.date_order    a review dated before what it reviews
  schema.period_default  schema/settings.yaml has no start: the campaign is taken to begin on 1 January of its
                         year (warning)
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from jianyan.core.findings import Finding, error, warning
from jianyan.campaign.calendar import CALENDAR_FILE, CalendarError
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.model import Settings, Submission
from jianyan.campaign.steps import ACCEPTED, REASON_STATUSES, REVIEWED, SUBMISSION_STATUSES
from jianyan.checks.common import today as day_of_check

# Days after the day of the check a date may be and still only warn (time zones).
FUTURE_GRACE_DAYS = 1


def _future(doc: Doc, key: tuple, day: dt.date, today: dt.date, what: str) -> Iterator[Finding]:
    if day <= today:
        return
    far = day > today + dt.timedelta(days=FUTURE_GRACE_DAYS)
    make = error if far else warning
    yield make(doc.path, doc.line(*key), "schema.future_date",
               f"{what} {day} 在今天（{today}）之后，{'不可能是已经发生的日期' if far else '可能是时区造成的'}。"
               "请核对并改为实际日期（YYYY-MM-DD）")


def _period(doc: Doc[Submission], settings: Settings) -> Iterator[Finding]:
    """A submission dated outside the campaign's period (settings start, end), or numbered with a year outside it."""
    s, start, end = doc.model, settings.start, settings.end
    fix = "请改为实际报送日期；如果是活动起止日期写错了，请改 schema/settings.yaml 的 start、end"
    if s.date < start:
        yield warning(doc.path, doc.line("date"), "schema.before_start",
                      f"报送日期 {s.date} 早于活动开始日期 {start}。{fix}")
    elif end is not None and s.date > end:
        yield warning(doc.path, doc.line("date"), "schema.outside_period",
                      f"报送日期 {s.date} 晚于活动结束日期 {end}。{fix}")
    year = int(s.id[:4])
    last = end.year if end is not None else max(start.year, s.date.year)
    if not start.year <= year <= last:
        years = str(start.year) if last == start.year else f"{start.year}—{last}"
        yield warning(doc.path, doc.line("id"), "schema.outside_period",
                      f"编号 {s.id} 的年份 {year} 不在活动期间（{years} 年）。编号的年份是报送年份：请用 jianyan new "
                      "--date 实际报送日期 重新建立，或核对 schema/settings.yaml 的 start、end")


def _calendar(campaign: Campaign, today: dt.date) -> Iterator[Finding]:
    """The working-day calendar: readable, and listing every year of the campaign (up to ``today``)."""
    try:
        cal = campaign.calendar
    except CalendarError as exc:
        yield error(exc.path, exc.line, "schema.calendar_invalid", exc.problem)
        return
    settings = campaign.registries.settings
    last = min(settings.end or today, max(today, settings.start))
    missing = [y for y in range(settings.start.year, last.year + 1) if not cal.covers(y)]
    if missing and not cal.years:
        yield warning(CALENDAR_FILE, None, "schema.calendar_year",
                      f"没有节假日安排表 {CALENDAR_FILE}，工作日暂按周一至周五计算（不含法定节假日和调休）。"
                      "请从 jianyan 仓库复制 schema/calendar.yaml，或按其格式写明本活动各年的节假日安排")
    elif missing:
        years = "、".join(map(str, missing))
        yield warning(CALENDAR_FILE, 1, "schema.calendar_year",
                      f"{CALENDAR_FILE} 没有 {years} 年的节假日安排，这些年份的工作日暂按周一至周五计算（不含法定节假日和调休）。"
                      f"请按国务院办公厅当年的节假日安排通知补上（格式见文件开头的说明）")


def _settings_period(campaign: Campaign) -> Iterator[Finding]:
    """A settings file without ``start`` (written before the campaign period existed)."""
    regs = campaign.registries
    parsed = regs.lines.get("settings")
    if parsed is None or not isinstance(parsed.data, dict) or parsed.data.get("start") is not None:
        return
    path = regs.paths.get("settings", "schema/settings.yaml")
    yield warning(path, parsed.line_of(("year",)), "schema.period_default",
                  f"没有写活动开始日 start，暂按 {regs.settings.start} 计算（逾期、工作日和“截至”日都从这一天算起）。"
                  "请在 year 下加一行 start: 活动开始日期（如通知印发之日，YYYY-MM-DD）；活动结束后再加 end: 结束日期")


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    today = day_of_check(ctx)
    if regs is not None and ctx.in_scope(CALENDAR_FILE):
        yield from _calendar(campaign, today)
    if regs is not None and "settings" not in regs.broken and ctx.in_scope(regs.paths.get("settings", "")):
        yield from _settings_period(campaign)
    for doc in campaign.submissions:
        s = doc.model
        if s is None:
            continue
        p = doc.path
        label = SUBMISSION_STATUSES[s.status]
        at_status = doc.line("status")
        if s.status in REVIEWED and s.review is None:
            yield error(p, at_status, "schema.needs_review",
                        f"状态为 {s.status}（{label}）时须有研究室审核记录 review（by、date）。请补上审核人和审核日期")
        if s.status in REASON_STATUSES and s.review is not None and not s.review.reason:
            yield error(p, doc.line("review"), "schema.needs_reason",
                        f"状态为 {s.status}（{label}）时须在 review 下写明原因代码 reason（见 schema/reasons.yaml），"
                        "以便向报送单位反馈")
        unit = regs.units.get(s.unit) if regs else None
        if (unit is not None and unit.kind == "committee" and s.status in ACCEPTED
                and s.committee_review is None):
            yield error(p, at_status, "schema.needs_committee_review",
                        "委员信息须先经所联系的专门委员会审核：请补上 committee_review（by、date、opinion）后再设为审核通过")
        if s.status == "adopted" and not s.adopted_in:
            yield error(p, at_status, "schema.needs_adopted_in",
                        "状态为 adopted（已采用）时须写明采用期号 adopted_in，如 2021-001")
        if s.status != "adopted" and s.adopted_in:
            yield error(p, doc.line("adopted_in"), "schema.unexpected_adopted_in",
                        f"只有已采用（adopted）的信息才有 adopted_in；当前状态为 {s.status}。"
                        "期刊签发后请用 jianyan issue sign 同步状态")
        yield from _future(doc, ("date",), s.date, today, "报送日期")
        if s.review is not None:
            yield from _future(doc, ("review", "date"), s.review.date, today, "研究室审核日期")
        if s.committee_review is not None:
            yield from _future(doc, ("committee_review", "date"), s.committee_review.date, today, "专委会审核日期")
        if regs:
            yield from _period(doc, regs.settings)
        # A member's item is reviewed by its committee before the committee office submits it,
        # so committee_review.date may precede date; the research office decides after both.
        if s.review and s.review.date < s.date:
            yield error(p, doc.line("review", "date"), "schema.date_order",
                        f"研究室审核日期 {s.review.date} 早于报送日期 {s.date}。请核对日期")
        if s.review and s.committee_review and s.review.date < s.committee_review.date:
            yield error(p, doc.line("review", "date"), "schema.date_order",
                        f"研究室审核日期 {s.review.date} 早于专委会审核日期 {s.committee_review.date}。请核对日期")

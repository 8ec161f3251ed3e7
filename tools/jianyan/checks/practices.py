"""How the work is really run (issue 11): member registry, quotas, urgent lane, series.

* ref.unknown_member     a committee item names an author not in schema/members.yaml (warning)
* ref.member_committee   the author is registered with another committee (info)
* ref.duplicate_member / ref.unknown_unit / ref.duplicate_quota   problems in the registries
* schema.urgent_reason   urgent: true without urgent_reason, or a reason without urgent: true
* schema.urgent_overdue  an urgent item waited longer than settings.urgent allows at a step (in the unit of
                         settings.deadlines.urgent: working days from schema/calendar.yaml, or calendar days)
* ref.related_self / ref.related_order   a series link to itself or to a later item
"""
from __future__ import annotations

import datetime as dt
import difflib
from typing import Iterator

from jianyan.core.findings import Finding, error, info, warning
from jianyan.campaign.calendar import COUNT_WORDS
from jianyan.campaign.members import member_index
from jianyan.campaign.model import Submission
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.paths import registry_path
from jianyan.campaign.steps import ACCEPTED
from jianyan.checks.common import calendar, today as common_today

MEMBERS = registry_path("members")
QUOTAS = registry_path("quotas")


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    if regs is None:
        return
    today = common_today(ctx)
    yield from _registry_members(campaign)
    yield from _registry_quotas(campaign)
    for doc in campaign.submissions:
        if doc.model is None:
            continue
        yield from _authors(campaign, doc)
        yield from _urgent(campaign, doc, today)
        yield from _series(campaign, doc)


# --- registries ----------------------------------------------------------------------------

def _registry_members(campaign: Campaign) -> Iterator[Finding]:
    regs = campaign.registries
    parsed = regs.lines.get("members")
    seen_code: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    committees = [c for c, u in regs.units.items() if u.kind == "committee"]
    for i, m in enumerate(regs.members):
        def line(key, _i=i):
            return parsed.line_of(("members", _i, key), value=True) if parsed else None

        if m.committee not in committees:
            yield error(MEMBERS, line("committee"), "ref.unknown_unit",
                        f"委员 {m.name} 的专门委员会代码“{m.committee}”不是 schema/units.yaml 中登记的专门委员会。"
                        f"可用：{'、'.join(f'{c}（{regs.units[c].name}）' for c in committees)}")
        for key, seen, value in (("code", seen_code, m.code), ("name", seen_name, m.name)):
            if value in seen:
                yield error(MEMBERS, line(key), "ref.duplicate_member",
                            f"“{value}”已在第 {seen[value]} 行登记。同名委员请用不同代码，并在 name 后加区分（如 王某某（青岛））")
            seen.setdefault(value, line(key) or 0)


def _registry_quotas(campaign: Campaign) -> Iterator[Finding]:
    regs = campaign.registries
    parsed = regs.lines.get("quotas")
    years: set[int] = set()
    for i, y in enumerate(regs.quotas.quotas):
        if y.year in years:
            yield error(QUOTAS, parsed.line_of(("quotas", i, "year"), value=True) if parsed else None,
                        "ref.duplicate_quota", f"{y.year} 年的指标登记了两次。请合并为一项")
        years.add(y.year)
        for code in y.units:
            if code not in regs.units:
                close = difflib.get_close_matches(code, list(regs.units), n=1, cutoff=0.6)
                yield error(QUOTAS, parsed.line_of(("quotas", i, "units", code)) if parsed else None,
                            "ref.unknown_unit", f"单位代码“{code}”未在 schema/units.yaml 中登记。"
                            + (f"是不是“{close[0]}”？" if close else "请使用登记表中的代码"))


# --- authors --------------------------------------------------------------------------------

def _authors(campaign: Campaign, doc: Doc[Submission]) -> Iterator[Finding]:
    regs = campaign.registries
    index = member_index(campaign)
    s = doc.model
    unit = regs.units.get(s.unit)
    if not index or unit is None or unit.kind != "committee":
        return
    for k, name in enumerate(s.submitter):
        line = doc.parsed.line_of(("submitter", k), value=True)  # falls back to the submitter line
        member = index.find(name)
        if member is None:
            close = difflib.get_close_matches(name, index.names(), n=1, cutoff=0.5)
            guess = f"是不是“{close[0]}”？" if close else ""
            yield warning(doc.path, line, "ref.unknown_member",
                          f"作者“{name}”不在委员名单 schema/members.yaml 中，履职档案无法归到具体委员。{guess}"
                          "请核对姓名写法；新委员请在 members.yaml 中登记（code、name、committee、sector、term）")
        elif member.committee != s.unit:
            yield info(doc.path, line, "ref.member_committee",
                       f"{member.name} 在委员名单中联系的是 {regs.units[member.committee].name if member.committee in regs.units else member.committee}，"
                       f"本信息由 {unit.name} 报送。如委员所联系的专门委员会有变化，请更新 schema/members.yaml")


# --- urgent lane ----------------------------------------------------------------------------

def _urgent(campaign: Campaign, doc: Doc[Submission], today: dt.date) -> Iterator[Finding]:
    s = doc.model
    p = doc.path
    draft = s.status == "draft"
    reason = (s.urgent_reason or "").strip()
    if s.urgent and not reason:
        make = warning if draft else error
        yield make(p, doc.line("urgent"), "schema.urgent_reason",
                   "标为紧急（urgent: true）的信息须写明紧急理由 urgent_reason，如 urgent_reason: 涉及汛期安全，需在主汛期前采取措施")
    if reason and not s.urgent:
        yield warning(p, doc.line("urgent_reason"), "schema.urgent_reason",
                      "写了紧急理由 urgent_reason，但没有标为紧急。确属急事急报请加 urgent: true，否则删去 urgent_reason")
    if not s.urgent or draft or s.status == "withdrawn":
        return
    for line, message in urgent_delays(campaign, doc, today):
        yield warning(p, line, "schema.urgent_overdue", message)


def urgent_delays(campaign: Campaign, doc: Doc[Submission], today: dt.date) -> list[tuple[int | None, str]]:
    """Steps at which an urgent item waited (or has been waiting, up to ``today``, or the campaign's end once it
    is over) too long, counted in the unit of settings.deadlines.urgent (working days: schema/calendar.yaml)."""
    settings = campaign.registries.settings
    limits, unit = settings.urgent, settings.deadlines.urgent.unit
    word = COUNT_WORDS[unit]
    until = settings.as_of(today)
    cal = calendar(campaign)
    s = doc.model
    out: list[tuple[int | None, str]] = []

    def step(name: str, start: dt.date, end: dt.date | None, limit: int, line: int | None, todo: str) -> None:
        days = cal.between(start, end or until, unit)
        if days <= limit:
            return
        if end is None:
            out.append((line, f"紧急信息{name}已等待 {days} {word}（自 {start} 起），超过设定的 {limit} {word}。{todo}"))
        else:
            out.append((line, f"紧急信息{name}用了 {days} {word}（{start} 至 {end}），超过设定的 {limit} {word}。"
                              "请按急事急报要求加快办理；时限可在 schema/settings.yaml 的 urgent 下调整"))

    review = s.review
    step("从报送到审核", s.date, review.date if review else None, limits.review_days,
         doc.line("review", "date") if review else doc.line("urgent"), "请研究室尽快审核")
    if review is None or s.status not in ACCEPTED:
        return out
    issue_doc = campaign.issue(s.adopted_in) if s.status == "adopted" and s.adopted_in else None
    issue = issue_doc.model if issue_doc else None
    step("从审核通过到编入专刊", review.date, issue.date if issue else None, limits.adopt_days,
         doc.line("adopted_in") if issue else doc.line("status"),
         "请优先编入下一期专刊（jianyan issue new 会把紧急信息排在最前）")
    if issue is not None and issue.signoff is not None:
        step("从专刊签发到报送", issue.signoff.date, issue.dispatch.date if issue.dispatch else None,
             limits.dispatch_days, doc.line("adopted_in"), f"请秘书处尽快报送第 {issue.id} 期（jianyan issue dispatch）")
    return out


# --- series ---------------------------------------------------------------------------------

def _series(campaign: Campaign, doc: Doc[Submission]) -> Iterator[Finding]:
    s = doc.model
    for i, other in enumerate(s.related):
        line = doc.parsed.line_of(("related", i), value=True)
        if other == s.id:
            yield error(doc.path, line, "ref.related_self",
                        "related 中填了本信息自己的编号。related 只填同一事项此前报送的信息")
            continue
        earlier = campaign.submission(other)
        if earlier is not None and earlier.model.date > s.date:
            yield warning(doc.path, line, "ref.related_order",
                          f"相关信息 {other} 的报送日期 {earlier.model.date} 晚于本信息的 {s.date}。"
                          "related 填写同一事项此前的信息；请把这一关联写在较晚的那条信息里")


__all__ = ["check", "urgent_delays"]

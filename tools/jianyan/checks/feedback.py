"""Feedback records (批示 and 办理) under feedback/: ref.* and schema.* rules.

The item must be adopted in a dispatched issue; nothing is recorded before the dispatch; a
timeline runs forward in dates and in progress; a deadline passed without 办结 is a warning.
A follow-up (督办/催办, ``follow_up``) names a department handling the item, is dated on or after its
assignment, in date order, and a promised date is not before the follow-up (ref.follow_up_department,
schema.date_order, schema.future_date).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from jianyan.core.findings import Finding, error, info, warning
from jianyan.campaign.calendar import COUNT_WORDS
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.paths import feedback_path
from jianyan.tracking.feedback import FeedbackRecord, dispatch_date, tracking_of
from jianyan.checks.common import calendar, repeated, today as common_today


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    tracking = tracking_of(campaign)
    yield from tracking.findings
    for path in tracking.unknown_files:
        yield error(path, None, "ref.unknown_file",
                    "feedback/ 下只能放批示办理记录 <信息编号>.yaml。部门报回的表格请用 jianyan feedback import 导入，"
                    "不要存放在此目录")
    today = common_today(ctx)
    for doc in tracking.records:
        if doc.model is not None:
            yield from _check_record(campaign, doc, today)
    for item, doc, others in repeated(tracking.records, lambda d: d.model.item):
        yield error(doc.path, doc.line("item"), "ref.duplicate_feedback",
                    f"信息 {item} 已有批示办理记录 {others}。一条信息只建一个记录文件，请合并")


def _check_record(campaign: Campaign, doc: Doc[FeedbackRecord], today: dt.date) -> Iterator[Finding]:
    r = doc.model
    p = doc.path
    expected = feedback_path(r.item)
    if p != expected:
        yield error(p, doc.line("item"), "ref.path",
                    f"文件位置与信息编号不符：信息 {r.item} 的批示办理记录应为 {expected}。请移动或改名（git mv）")
    sub_doc = campaign.submission(r.item)
    if sub_doc is None:
        yield error(p, doc.line("item"), "ref.unknown_item",
                    f"信息 {r.item} 不存在（应有文件 submissions/{r.item[:4]}/…/{r.item}.md）。请核对编号")
        return
    s = sub_doc.model
    yield from _check_forwarded(doc, s, today)
    if s.status != "adopted" or not s.adopted_in:
        if s.status == "accepted" and r.forwarded and not r.instructions and not r.handling:
            return  # sent upward before (or without) a bulletin of our own: allowed
        hint = ("；向上级报送（forwarded）须是审核通过（accepted）或已采用的信息" if r.forwarded else "")
        yield error(p, doc.line("item"), "ref.not_adopted",
                    f"信息 {r.item} 的状态是 {s.status}，尚未被专刊采用。只有已采用并已报送的信息才登记批示和办理情况{hint}")
        return
    issue_id = r.issue or s.adopted_in
    if r.issue and r.issue != s.adopted_in:
        yield error(p, doc.line("issue"), "ref.issue_mismatch",
                    f"期号 {r.issue} 与信息的采用期号 adopted_in: {s.adopted_in} 不一致。请改正其一，或删去本行（默认取采用期号）")
    issue = campaign.issue(issue_id)
    if issue is None and campaign.broken_issue(issue_id):
        return  # the issue file has errors of its own, reported there
    if issue is None:
        yield error(p, doc.line("issue") if r.issue else doc.line("item"), "ref.unknown_issue",
                    f"第 {issue_id} 期专刊不存在。请核对期号")
        return
    sent = dispatch_date(campaign, issue_id)
    if sent is None:
        yield error(p, doc.line("item"), "ref.not_dispatched",
                    f"第 {issue_id} 期专刊尚未报送（状态 {issue.model.status}）。专刊报送领导和部门后才会有批示和办理")
        return
    yield from _check_instructions(doc, sent, today)
    yield from _check_handling(doc, sent, today, _overdue_counter(campaign, today))
    yield from _check_follow_ups(doc, today)
    if r.feedback_sent is not None and r.feedback_sent > today:
        yield warning(p, doc.line("feedback_sent"), "schema.future_date",
                      f"反馈日期 feedback_sent {r.feedback_sent} 在今天之后。请核对")


def _check_forwarded(doc: Doc[FeedbackRecord], s, today: dt.date) -> Iterator[Finding]:
    """Forwarding upward: sent after the item was submitted and reviewed, adopted only after sent."""
    p = doc.path
    for i, f in enumerate(doc.model.forwarded):
        def line(key, _i=i):
            return doc.parsed.line_of(("forwarded", _i, key), value=True)

        if f.date < s.date:
            yield error(p, line("date"), "schema.date_order",
                        f"向上报送日期 {f.date} 早于信息报送日期 {s.date}。请核对日期")
        elif s.review is not None and f.date < s.review.date:
            yield error(p, line("date"), "schema.date_order",
                        f"向上报送日期 {f.date} 早于研究室审核日期 {s.review.date}。信息须先经审核再向上报送，请核对日期")
        if f.date > today:
            yield warning(p, line("date"), "schema.future_date", f"向上报送日期 {f.date} 在今天之后。请核对")
        if f.adopted_date is not None:
            if f.adopted_date < f.date:
                yield error(p, line("adopted_date"), "schema.date_order",
                            f"上级采用日期 {f.adopted_date} 早于向上报送日期 {f.date}。只能先报送、后采用，请核对日期")
            if f.adopted_date > today:
                yield warning(p, line("adopted_date"), "schema.future_date",
                              f"上级采用日期 {f.adopted_date} 在今天之后。请核对")


def _check_instructions(doc: Doc[FeedbackRecord], sent: dt.date, today: dt.date) -> Iterator[Finding]:
    r, p = doc.model, doc.path
    for i, ins in enumerate(r.instructions):
        line = doc.parsed.line_of(("instructions", i, "date"), value=True)
        if ins.date < sent:
            yield error(p, line, "schema.before_dispatch",
                        f"批示日期 {ins.date} 早于专刊报送日期 {sent}。领导只能在收到专刊后批示，请核对日期")
        if ins.date > today:
            yield warning(p, line, "schema.future_date", f"批示日期 {ins.date} 在今天之后。请核对")
        handled = {h.department for h in r.handling}
        for j, dept in enumerate(ins.departments):
            if dept not in handled:
                yield info(p, doc.parsed.line_of(("instructions", i, "departments", j), value=True),
                           "schema.no_handling",
                           f"批示交办 {dept}，但还没有该部门的办理记录。收到办理情况后请在 handling 下登记，"
                           "或用 jianyan feedback import 导入部门报回的表格")


def _overdue_counter(campaign: Campaign, today: dt.date):
    """(deadline → "截至 <day> 已逾期 N 个工作日"): counted in the unit of settings.deadlines.handling, up to today
    while the campaign runs and to its end afterwards (settings.as_of)."""
    if campaign.registries is None:  # schema/ has errors (reported by the registry checks): calendar days to today
        return lambda deadline: f"截至 {today} 已逾期 {(today - deadline).days} 天"
    settings = campaign.registries.settings
    unit, until, cal = settings.deadline("handling")[1], settings.as_of(today), calendar(campaign)
    word = COUNT_WORDS[unit]
    return lambda deadline: f"截至 {until} 已逾期 {cal.between(deadline, until, unit)} {word}"


def _check_handling(doc: Doc[FeedbackRecord], sent: dt.date, today: dt.date, overdue) -> Iterator[Finding]:
    r, p = doc.model, doc.path
    departments: dict[str, int] = {}
    for i, h in enumerate(r.handling):
        at = ("handling", i)

        def line(*key, _at=at):
            return doc.parsed.line_of(_at + key, value=True)

        if h.department in departments:
            yield warning(p, line("department"), "ref.duplicate_department",
                          f"{h.department} 的办理情况已在第 {departments[h.department]} 行登记。"
                          "同一部门请只登记一次，进展写在其 progress 下")
        departments.setdefault(h.department, line("department"))
        if h.assigned < sent:
            yield error(p, line("assigned"), "schema.before_dispatch",
                        f"交办日期 {h.assigned} 早于专刊报送日期 {sent}。请核对日期")
        if h.instruction is not None:
            if h.instruction > len(r.instructions):
                yield error(p, line("instruction"), "ref.unknown_instruction",
                            f"本记录只有 {len(r.instructions)} 条批示，没有第 {h.instruction} 条。请核对 instruction")
            elif h.assigned < r.instructions[h.instruction - 1].date:
                yield error(p, line("assigned"), "schema.date_order",
                            f"交办日期 {h.assigned} 早于所依据的批示日期 {r.instructions[h.instruction - 1].date}。请核对日期")
        if h.deadline is not None and h.deadline < h.assigned:
            yield error(p, line("deadline"), "schema.date_order",
                        f"办理时限 {h.deadline} 早于交办日期 {h.assigned}。请核对日期")
        yield from _check_timeline(doc, i, today)
        if h.closed is not None:
            if h.closed < h.assigned:
                yield error(p, line("closed"), "schema.date_order",
                            f"办结日期 {h.closed} 早于交办日期 {h.assigned}。请核对日期")
            if h.progress and h.closed < h.progress[-1].date:
                yield warning(p, line("closed"), "schema.date_order",
                              f"办结日期 {h.closed} 早于最后一条进展的日期 {h.progress[-1].date}。请核对日期")
            if h.closed > today:
                yield warning(p, line("closed"), "schema.future_date", f"办结日期 {h.closed} 在今天之后。请核对")
            if h.state != "done":
                yield warning(p, line("closed"), "schema.closed_not_done",
                              "填写了办结日期 closed，但 state 仍是 in_progress（办理中）。已办结请把 state 改为 done")
        if h.state != "done" and h.progress and h.progress[-1].percent == 100:
            yield warning(p, line("progress", len(h.progress) - 1, "percent"), "schema.progress_complete",
                          "办理进度已到 100%，但 state 仍是 in_progress（办理中）。"
                          "已办结请把 state 改为 done，并填写办结日期 closed 和办理结果 result")
        if h.state != "done" and h.deadline is not None and h.deadline < today:
            yield warning(p, line("deadline"), "schema.overdue",
                          f"{h.department} 办理时限 {h.deadline} 已过，尚未办结（{overdue(h.deadline)}）。"
                          "请督促承办单位报送办理结果，办结后把 state 改为 done")


def _check_follow_ups(doc: Doc[FeedbackRecord], today: dt.date) -> Iterator[Finding]:
    r, p = doc.model, doc.path
    handling = {h.department: h for h in r.handling}
    prev = None
    for i, f in enumerate(r.follow_up):
        def line(key, _i=i):
            return doc.parsed.line_of(("follow_up", _i, key), value=True)

        h = handling.get(f.department)
        if h is None:
            known = "、".join(handling) or "（尚无办理记录）"
            yield error(p, line("department"), "ref.follow_up_department",
                        f"督办对象“{f.department}”不是本信息的承办单位（handling 中登记的有：{known}）。"
                        "请写承办单位的全称，与 handling 的 department 一致")
        elif f.date < h.assigned:
            yield error(p, line("date"), "schema.date_order",
                        f"督办日期 {f.date} 早于 {f.department} 的交办日期 {h.assigned}。请核对日期")
        if f.date > today:
            yield warning(p, line("date"), "schema.future_date", f"督办日期 {f.date} 在今天之后。请核对")
        if prev is not None and f.date < prev:
            yield error(p, line("date"), "schema.date_order",
                        f"督办日期 {f.date} 早于上一条的 {prev}。督办记录须按日期先后排列，请调整顺序")
        if f.promised_date is not None and f.promised_date < f.date:
            yield error(p, line("promised_date"), "schema.date_order",
                        f"承诺办结日期 {f.promised_date} 早于督办日期 {f.date}。请核对日期")
        prev = f.date


def _check_timeline(doc: Doc[FeedbackRecord], i: int, today: dt.date) -> Iterator[Finding]:
    h = doc.model.handling[i]
    p = doc.path
    prev = None
    for k, entry in enumerate(h.progress):
        date_line = doc.parsed.line_of(("handling", i, "progress", k, "date"), value=True)
        if entry.date < h.assigned:
            yield error(p, date_line, "schema.date_order",
                        f"进展日期 {entry.date} 早于交办日期 {h.assigned}。请核对日期")
        if entry.date > today:
            yield warning(p, date_line, "schema.future_date", f"进展日期 {entry.date} 在今天之后。请核对")
        if prev is not None:
            if entry.date < prev.date:
                yield error(p, date_line, "schema.date_order",
                            f"进展日期 {entry.date} 早于上一条的 {prev.date}。进展须按日期先后排列，请调整顺序")
            if entry.percent < prev.percent:
                yield error(p, doc.parsed.line_of(("handling", i, "progress", k, "percent"), value=True),
                            "schema.progress_backwards",
                            f"办理进度从 {prev.percent}% 降到 {entry.percent}%，进度不能倒退。"
                            "请核对数字；确需调整的，请在 note 中说明并改正前一条")
        prev = entry

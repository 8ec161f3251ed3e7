"""Figures and the ledger (台账): every item with its whole state, and the counts built on it.

Everything here is a pure function of the loaded campaign and its feedback records, computed
as of a day (``until``): an item counts as adopted once its bulletin issue is dated on or before
that day; a handling task is done once closed on or before it. ``stats`` (the contract's JSON),
the ledger export, the feedback reports and the work circular all read from here, so they agree.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jianyan.campaign.model import KINDS, UNIT_KINDS, Issue, Submission, Unit
from jianyan.campaign.load import Campaign
from jianyan.campaign.steps import REVIEWED, SUBMISSION_STATUSES
from jianyan.campaign.members import Credit, MemberIndex, member_index
from jianyan.tracking import quotas
from jianyan.tracking.feedback import (HANDLING_ROLES, HANDLING_STATES, INSTRUCTION_KINDS, FeedbackRecord, Forwarding, Handling,
                       Instruction, dispatch_date, is_done, is_overdue, latest_progress, percent_on,
                       state_label, tracking_of)



@dataclass
class Period:
    """[since, until], both inclusive; ``since`` None means from the campaign's start."""

    since: dt.date | None
    until: dt.date

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and (self.since is None or day >= self.since) and day <= self.until

    def label(self) -> str:
        if self.since is None:
            return f"截至{zh_date(self.until)}"
        return f"{zh_date(self.since)}至{zh_date(self.until)}"


def zh_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def members_of(sub: Submission, unit: Unit | None, index: MemberIndex | None = None) -> list[str]:
    """The members (persons) among an item's submitters (see members.py; joint authors each count)."""
    return [c.name for c in (index or MemberIndex([])).credits(sub, unit)]


@dataclass
class ItemState:
    """One item as of a day: what the ledger shows and the reports and the circular count."""

    sub: Submission
    path: str
    unit: Unit | None
    status: str  # status on the day (adopted only once its issue is dated on or before it)
    issue: Issue | None = None  # the issue that adopted it (by the day)
    sent: dt.date | None = None  # dispatch date of that issue
    record: FeedbackRecord | None = None
    instructions: list[Instruction] = field(default_factory=list)  # given by the day
    handling: list[Handling] = field(default_factory=list)  # assigned by the day
    credits: list[Credit] | None = None  # the members who wrote it (None: not matched yet)
    forwarded: list[Forwarding] = field(default_factory=list)  # sent upward by the day
    as_of: dt.date = dt.date.max  # the day the state is taken on
    share: Any = 1  # its share of one adoption: below 1 when a combined article (综合稿) splits it (quotas.shares)

    @property
    def received(self) -> bool:
        return self.sub.status != "draft"

    @property
    def adopted(self) -> bool:
        return self.status == "adopted"

    @property
    def members(self) -> list[str]:
        if self.credits is not None:
            return [c.name for c in self.credits]
        return members_of(self.sub, self.unit)

    @property
    def upward_adopted(self) -> list[Forwarding]:
        """Forwardings adopted by the higher level by the day (``forwarded`` is already cut at it)."""
        return [f for f in self.forwarded if f.adopted and f.adopted_date is not None
                and f.adopted_date <= self.as_of]


def item_states(campaign: Campaign, until: dt.date) -> list[ItemState]:
    """Every valid submission with its state on ``until``, in id order."""
    regs = campaign.registries
    units = regs.units if regs else {}
    records = tracking_of(campaign).by_item
    index = member_index(campaign)
    out: list[ItemState] = []
    for doc in sorted((d for d in campaign.submissions if d.model), key=lambda d: d.model.id):
        sub = doc.model
        state = ItemState(sub=sub, path=doc.path, unit=units.get(sub.unit), status=sub.status)
        state.as_of = until
        state.credits = index.credits(sub, state.unit)
        if sub.review is not None and sub.review.date > until and sub.status in REVIEWED:
            state.status = "submitted"  # decided after the day: still under review then
        if sub.status == "adopted" and sub.adopted_in:
            issue_doc = campaign.issue(sub.adopted_in)
            issue = issue_doc.model if issue_doc else None
            if issue is None or issue.date > until:
                if state.status == "adopted":
                    state.status = "accepted"  # not yet adopted on that day
            else:
                state.issue = issue
                if issue.articles and regs is not None:
                    state.share = quotas.credit_of(issue, sub.id, regs.settings.combined)
                state.sent = dispatch_date(campaign, issue.id)
                if state.sent and state.sent > until:
                    state.sent = None
        record = records.get(sub.id)
        if record is not None:
            state.forwarded = [f for f in record.forwarded if f.date <= until]
        if record is not None and state.sent is not None:
            state.record = record
            state.instructions = [i for i in record.instructions if i.date <= until]
            state.handling = [h for h in record.handling if h.assigned <= until]
        out.append(state)
    return out


def _status_counts(states) -> dict[str, int]:
    c = Counter(s.status for s in states)
    return {code: c[code] for code in SUBMISSION_STATUSES}


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percent_text(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def counts_row(name: str, group: list[ItemState]) -> dict[str, Any]:
    """A table row of ``group``'s figures: received, adopted, adoption rate, instructed items, instructions."""
    received = len(group)
    adopted = sum(1 for s in group if s.adopted)
    return {"name": name, "received": received, "adopted": adopted, "rate": percent_text(adopted, received),
            "instructed": sum(1 for s in group if s.instructions),
            "instructions": sum(len(s.instructions) for s in group)}


def units_table(campaign: Campaign, states: list[ItemState]) -> list[dict]:
    """One row per unit with items among ``states`` (registry order): counts, rate and score (the stats,
    the circular and the reports rank units by it: quotas.rank)."""
    regs = campaign.registries
    by_unit: dict[str, list[ItemState]] = {}
    for s in states:
        by_unit.setdefault(s.sub.unit, []).append(s)
    rows = []
    for code, unit in regs.units.items():
        if code in by_unit:
            row = counts_row(unit.name, by_unit[code])
            row.update(code=code, kind=UNIT_KINDS[unit.kind])
            row.update(quotas.points(by_unit[code], regs.settings.scoring))
            rows.append(row)
    return rows


UNIT_WORDS = {"working": "个工作日", "calendar": "天"}  # "已逾期 3 个工作日" / "已逾期 3 天"


def review_waits(campaign: Campaign, states: list[ItemState], until: dt.date) -> dict[str, Any]:
    """How long items waited for the research office's review, in the unit of settings.deadlines.review
    (working days: schema/calendar.yaml): each item reviewed by ``until`` (submission day → review day), and
    each still waiting on ``until`` (submission day → ``until``), with whether the limit is passed."""
    limit, unit = campaign.registries.settings.deadline("review")
    cal = campaign.calendar
    waited, waiting = {}, []
    for s in states:
        if not s.received or s.sub.status == "withdrawn":
            continue
        if s.status == "submitted":
            days = cal.between(s.sub.date, until, unit)
            waiting.append({"id": s.sub.id, "since": s.sub.date.isoformat(), "days": days,
                            "over": limit is not None and days > limit})
        elif s.sub.review is not None:
            waited[s.sub.id] = cal.between(s.sub.date, s.sub.review.date, unit)
    return {"unit": unit, "limit": limit, "waited": waited, "waiting": waiting,
            "over_limit": sorted([i for i, d in waited.items() if limit is not None and d > limit]
                                 + [w["id"] for w in waiting if w["over"]])}


def overdue_days(campaign: Campaign, deadline: dt.date, until: dt.date) -> int:
    """Days a handling task is past its deadline on ``until``, in the unit of settings.deadlines.handling."""
    return campaign.calendar.between(deadline, until, campaign.registries.settings.deadline("handling")[1])


def handling_days(campaign: Campaign, states: list[ItemState], until: dt.date) -> list[dict[str, Any]]:
    """Each handling task assigned by ``until``: days taken (assigned → closed, or → ``until`` while open) and
    days past its deadline (at closing, or on ``until`` while open), in the unit of settings.deadlines.handling."""
    unit = campaign.registries.settings.deadline("handling")[1]
    cal = campaign.calendar
    out = []
    for s in states:
        for h in s.handling:
            done = is_done(h, until)
            end = h.closed if done and h.closed else until
            out.append({"item": s.sub.id, "department": h.department, "assigned": h.assigned.isoformat(),
                        "deadline": h.deadline.isoformat() if h.deadline else None,
                        "closed": end.isoformat() if done else None, "days": cal.between(h.assigned, end, unit),
                        "late": cal.between(h.deadline, end, unit) if h.deadline else 0,
                        "overdue": is_overdue(h, until)})
    return out


def stats(campaign: Campaign, until: dt.date, since: dt.date | None = None) -> dict:
    """The contract's statistics: items (by submission date in the period) and their state on ``until``."""
    regs = campaign.registries
    period = Period(since, until)
    states = [s for s in item_states(campaign, until) if s.sub.date in period]
    by_unit: dict[str, dict[str, int]] = {}
    for code in sorted({s.sub.unit for s in states}):
        by_unit[code] = _status_counts([s for s in states if s.sub.unit == code])
    topics = sorted(regs.topics) if regs else sorted({s.sub.topic for s in states})
    by_unit_kind = {}
    for kind in UNIT_KINDS:
        group = [s for s in states if s.unit is not None and s.unit.kind == kind]
        by_unit_kind[kind] = _status_counts(group)
    received = [s for s in states if s.received]
    adopted = [s for s in states if s.adopted]
    instr = [i for s in states for i in s.instructions]
    tasks = [h for s in states for h in s.handling]
    timed = handling_days(campaign, states, until) if regs else []
    issues = [d.model for d in campaign.issues if d.model and d.model.date <= until
              and (since is None or d.model.date >= since)]
    rows = units_table(campaign, received) if regs else []
    ranking = quotas.rank([r for r in rows if r["kind"] != UNIT_KINDS["committee"]])
    progress = quotas.progress(campaign, item_states(campaign, until), until) if regs else []
    return {
        "as_of": until.isoformat(),
        "since": since.isoformat() if since else None,
        "total": len(states),
        "received": len(received),
        "adopted": len(adopted),
        "adoption_rate": rate(len(adopted), len(received)),
        "by_status": _status_counts(states),
        "by_topic": {str(t): sum(1 for s in states if s.sub.topic == t) for t in topics},
        "by_kind": {k: sum(1 for s in states if s.sub.kind == k) for k in KINDS},
        "by_unit": by_unit,
        "by_unit_kind": by_unit_kind,
        "issues": {"total": len(issues),
                   "by_status": {k: sum(1 for i in issues if i.status == k) for k in ("draft", "reviewed", "signed", "dispatched")}},
        "instructions": {"total": len(instr), "items": sum(1 for s in states if s.instructions),
                         "by_kind": {k: sum(1 for i in instr if i.kind == k) for k in INSTRUCTION_KINDS}},
        "handling": {"total": len(tasks), "done": sum(1 for h in tasks if is_done(h, until)),
                     "in_progress": sum(1 for h in tasks if not is_done(h, until)),
                     "overdue": sum(1 for h in tasks if is_overdue(h, until)),
                     "unit": regs.settings.deadline("handling")[1] if regs else "calendar", "tasks": timed,
                     "overdue_items": [t for t in timed if t["overdue"]]},
        "review": review_waits(campaign, states, until) if regs else {},
        "upward": {"forwarded": sum(1 for s in states if s.forwarded),
                   "adopted": sum(1 for s in states if s.upward_adopted),
                   "items": {s.sub.id: [{"to": f.to, "date": f.date.isoformat(),
                                         "adopted": f in s.upward_adopted,
                                         "adopted_date": f.adopted_date.isoformat() if f in s.upward_adopted else None,
                                         "bulletin": f.bulletin if f in s.upward_adopted else None}
                                        for f in s.forwarded] for s in states if s.forwarded}},
        "urgent": sorted(s.sub.id for s in states if s.sub.urgent),
        "quotas": {"year": until.year,
                   "units": {q["code"]: {"submitted": {"target": q["target_submitted"], "actual": q["submitted"]},
                                         "adopted": {"target": q["target_adopted"], "actual": q["adopted"]},
                                         "done": q["done"]} for q in progress}},
        "scoring": regs.settings.scoring.model_dump() if regs else {},
        "ranking": [{"rank": r["rank"], "unit": r["code"], "name": r["name"], "score": r["score"],
                     "counts": r["counts"], "points": r["points"]} for r in ranking],
    }


def stats_text(campaign: Campaign, data: dict) -> str:
    """The same figures for a person reading a terminal."""
    regs = campaign.registries
    lines = [f"统计截至 {data['as_of']}" + (f"（报送日期自 {data['since']} 起）" if data["since"] else ""),
             f"信息总数 {data['total']} 条，已报送 {data['received']} 条，已采用 {data['adopted']} 条，"
             f"采用率 {percent_text(data['adopted'], data['received'])}", "", "按状态："]
    lines += [f"  {SUBMISSION_STATUSES[k]:<6} {v}" for k, v in data["by_status"].items()]
    lines += ["", "按重点选题："]
    for key, n in data["by_topic"].items():
        topic = regs.topics.get(int(key)) if regs else None
        lines.append(f"  {key}. {topic.short if topic else '':<8} {n}")
    lines += ["", "按单位（报送 / 采用）："]
    for code, counts in data["by_unit"].items():
        unit = regs.units.get(code) if regs else None
        sent = sum(v for k, v in counts.items() if k != "draft")
        lines.append(f"  {unit.name if unit else code}：{sent} / {counts['adopted']}")
    ins, hd = data["instructions"], data["handling"]
    lines += ["", f"领导批示 {ins['total']} 件次（涉及信息 {ins['items']} 条）；"
                  f"部门办理 {hd['total']} 项，已办结 {hd['done']} 项，办理中 {hd['in_progress']} 项，逾期 {hd['overdue']} 项",
              f"向全国政协等上级报送 {data['upward']['forwarded']} 条，被上级采用 {data['upward']['adopted']} 条"]
    if data["ranking"]:
        lines += ["", "单位排名（得分；计分办法见 docs/records-and-quotas.md）："]
        lines += [f"  {r['rank']:>2}. {r['name']}  {quotas.number_text(r['score'])} 分" for r in data["ranking"]]
    quota_units = data["quotas"]["units"]
    if quota_units:
        lines += ["", f"{data['quotas']['year']} 年量化指标完成进度（报送 已完成/指标，采用 已完成/指标）："]
        for code, q in quota_units.items():
            unit = regs.units.get(code) if regs else None
            lines.append(f"  {unit.name if unit else code}：报送 {q['submitted']['actual']}/{q['submitted']['target']}，"
                         f"采用 {q['adopted']['actual']}/{q['adopted']['target']}{'  已完成' if q['done'] else ''}")
    return "\n".join(lines) + "\n"


# --- the ledger (台账) -------------------------------------------------------------------

LEDGER_COLUMNS = [
    ("id", "信息编号"), ("title", "标题"), ("unit", "单位代码"), ("unit_name", "报送单位"),
    ("unit_kind", "单位类别"), ("submitter", "作者"), ("topic", "重点选题"), ("kind", "信息类别"),
    ("date", "报送日期"), ("status", "状态"), ("committee_review", "专委会审核"),
    ("review_by", "审核人"), ("review_date", "审核日期"), ("reason", "审核意见"),
    ("adopted_in", "采用期号"), ("issue_date", "出刊日期"), ("dispatched", "报送日期（专刊）"),
    ("instructions", "领导批示"), ("handling", "办理情况"), ("progress", "办理进度"),
    ("overdue", "逾期"), ("public", "可公开"), ("path", "文件"),
]


def ledger(campaign: Campaign, until: dt.date) -> list[dict]:
    """One row per item with its whole state (for csv/xlsx/json export)."""
    regs = campaign.registries
    rows = []
    for s in item_states(campaign, until):
        sub = s.sub
        topic = regs.topics.get(sub.topic) if regs else None
        reason = ""
        if sub.review and sub.review.reason:
            r = regs.reasons.get(sub.review.reason) if regs else None
            reason = r.label if r else sub.review.reason
        if sub.review and sub.review.note:
            reason = f"{reason}；{sub.review.note}" if reason else sub.review.note
        instr = "；".join(f"{zh_date(i.date)} {i.leader}{i.title}（{INSTRUCTION_KINDS[i.kind]}）"
                         + (f"：{i.wording}" if i.wording else "") for i in s.instructions)
        handling = "；".join(f"{h.department}（{HANDLING_ROLES[h.role]}）{state_label(h, until)}"
                            + (f"，时限 {h.deadline.isoformat()}" if h.deadline else "") for h in s.handling)
        progress = "；".join(f"{h.department} {percent_on(h, until)}%" for h in s.handling)
        rows.append({
            "id": sub.id, "title": sub.title, "unit": sub.unit, "unit_name": s.unit.name if s.unit else sub.unit,
            "unit_kind": UNIT_KINDS[s.unit.kind] if s.unit else "", "submitter": "、".join(sub.submitter),
            "topic": f"{sub.topic} {topic.short}" if topic else str(sub.topic), "kind": KINDS[sub.kind],
            "date": sub.date.isoformat(), "status": SUBMISSION_STATUSES[s.status],
            "committee_review": (f"{sub.committee_review.by} {sub.committee_review.date.isoformat()} "
                                 f"{sub.committee_review.opinion}") if sub.committee_review else "",
            "review_by": sub.review.by if sub.review else "",
            "review_date": sub.review.date.isoformat() if sub.review else "",
            "reason": reason, "adopted_in": s.issue.id if s.issue else "",
            "issue_date": s.issue.date.isoformat() if s.issue else "",
            "dispatched": s.sent.isoformat() if s.sent else "",
            "instructions": instr, "handling": handling, "progress": progress,
            "overdue": "是" if any(is_overdue(h, until) for h in s.handling) else "",
            "public": "是" if sub.public else "否", "path": s.path,
        })
    return rows


def handling_note(h: Handling, day: dt.date) -> str:
    """The latest word on a handling task: its result once done, else its latest progress note."""
    if is_done(h, day):
        return h.result or ""
    p = latest_progress(h, day)
    return p.note if p else "已交办，尚未报送办理进展"


__all__ = ["Period", "ItemState", "item_states", "stats", "stats_text", "ledger", "LEDGER_COLUMNS",
           "members_of", "zh_date", "rate", "percent_text", "handling_note", "HANDLING_STATES", "counts_row",
           "units_table"]

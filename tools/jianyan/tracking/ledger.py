"""Figures and the ledger (台账): every item with its whole state, and the counts built on it.

Everything here is a pure function of the loaded campaign and its feedback records, computed
as of a day (``until``): an item counts as adopted once its bulletin issue is dated on or before
that day; a handling task is done once closed on or before it. ``stats`` (the contract's JSON),
the ledger export, the feedback reports and the work circular all read from here, so they agree.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from jianyan.campaign.calendar import days_text
from jianyan.campaign.model import KINDS, UNIT_KINDS, Issue, Submission, Unit
from jianyan.campaign.load import Campaign
from jianyan.campaign.steps import REVIEWED, SUBMISSION_STATUSES
from jianyan.campaign.members import Credit, MemberIndex, member_index
from jianyan.tracking import quotas, turnaround
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


def _kind(i: Any) -> str:
    return i["kind"] if isinstance(i, dict) else i.kind


def instruction_counts(per_item: Iterable[Iterable[Any]]) -> dict[str, int]:
    """批示 and 圈阅 kept apart, from each item's instructions (models, or the reports' dicts with ``kind``):
    ``instructions`` 批示件次 (directive and affirmative) and ``instructed`` the items with one; ``circled``
    圈阅件次 and ``circled_items`` the items circled. A leader's 圈阅 is never counted as a 批示."""
    out = {"instructions": 0, "instructed": 0, "circled": 0, "circled_items": 0}
    for instructions in per_item:
        kinds = [_kind(i) for i in instructions]
        written = sum(1 for k in kinds if k != "circled")
        out["instructions"] += written
        out["instructed"] += bool(written)
        out["circled"] += len(kinds) - written
        out["circled_items"] += len(kinds) > written
    return out


def counts_row(name: str, group: list[ItemState]) -> dict[str, Any]:
    """A table row of ``group``'s figures: received, adopted, adoption rate, and the 批示 and 圈阅 apart
    (``instruction_counts``: instructed items, instructions, circled, circled items)."""
    received = len(group)
    adopted = sum(1 for s in group if s.adopted)
    return {"name": name, "received": received, "adopted": adopted, "rate": percent_text(adopted, received),
            **instruction_counts(s.instructions for s in group)}


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
    ic = instruction_counts(s.instructions for s in states)
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
        # 批示 and 圈阅 apart: total and items count 批示 only (directive, affirmative); circled counts 圈阅
        "instructions": {"total": ic["instructions"], "items": ic["instructed"], "circled": ic["circled"],
                         "circled_items": ic["circled_items"],
                         "by_kind": {k: sum(1 for i in instr if i.kind == k) for k in INSTRUCTION_KINDS}},
        "handling": {"total": len(tasks), "done": sum(1 for h in tasks if is_done(h, until)),
                     "in_progress": sum(1 for h in tasks if not is_done(h, until)),
                     "overdue": sum(1 for h in tasks if is_overdue(h, until)),
                     "unit": regs.settings.deadline("handling")[1] if regs else "calendar", "tasks": timed,
                     "overdue_items": [t for t in timed if t["overdue"]]},
        "review": review_waits(campaign, states, until) if regs else {},
        # working days between status changes, dated by the git log (tracking/turnaround.py)
        "turnaround": turnaround.summary(campaign, until, since) if regs else {},
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


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character or full-width sign takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` terminal columns (str.ljust counts a Chinese character as one)."""
    return text + " " * max(0, columns - width(text))


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Rows of cells as aligned lines: the first column left-aligned, the others right-aligned."""
    cols = [max(width(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [pad(r[0], cols[0])] + [" " * (cols[k] - width(c)) + c for k, c in enumerate(r) if k]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


# The stats' status table names a status as it stands on the day: "已报送" alone would read as "sent in"
# (all received items), which the summary line counts as 收到.
_STATUS_ON_DAY = {"submitted": "已报送待审核"}


def stats_text(campaign: Campaign, data: dict) -> str:
    """The same figures for a person reading a terminal, in aligned columns."""
    regs = campaign.registries
    drafts = data["by_status"].get("draft", 0)
    end = regs.settings.end if regs else None
    ended = "（活动结束）" if end is not None and data["as_of"] == end.isoformat() else ""
    lines = [f"统计截至 {data['as_of']}{ended}" + (f"（报送日期自 {data['since']} 起）" if data["since"] else ""),
             f"信息总数 {data['total']} 条（含草稿 {drafts} 条）；收到报送 {data['received']} 条（不含草稿），"
             f"已采用 {data['adopted']} 条，采用率 {percent_text(data['adopted'], data['received'])}",
             "", "按截至当日的状态（条）："]
    lines += _table([(_STATUS_ON_DAY.get(k, SUBMISSION_STATUSES[k]), str(v)) for k, v in data["by_status"].items()])
    lines += ["", "按重点选题（条）："]
    rows = []
    for key, n in data["by_topic"].items():
        topic = regs.topics.get(int(key)) if regs else None
        rows.append((f"{key}. {topic.short if topic else ''}".rstrip(), str(n)))
    lines += _table(rows)
    lines += ["", "按单位（条）："]
    rows = [("单位", "收到报送", "已采用")]
    for code, counts in data["by_unit"].items():
        unit = regs.units.get(code) if regs else None
        sent = sum(v for k, v in counts.items() if k != "draft")
        rows.append((unit.name if unit else code, str(sent), str(counts["adopted"])))
    lines += _table(rows)
    ins, hd = data["instructions"], data["handling"]
    circled = f"；领导圈阅 {ins['circled']} 件次（涉及信息 {ins['circled_items']} 条）" if ins.get("circled") else ""
    lines += ["", f"领导批示 {ins['total']} 件次（涉及信息 {ins['items']} 条）{circled}",
              f"部门办理 {hd['total']} 项，已办结 {hd['done']} 项，办理中 {hd['in_progress']} 项，逾期 {hd['overdue']} 项"]
    hunit = hd.get("unit", "calendar")
    for t in hd.get("overdue_items", []):
        lines.append(f"  逾期：{t['item']} {t['department']}（时限 {t['deadline']}，已逾期 {days_text(t['late'], hunit)}）")
    for t in (t for t in hd.get("tasks", []) if t["closed"] and t["late"]):  # “逾期 0 项” counts the open ones only
        lines.append(f"  超过时限后办结：{t['item']} {t['department']}（时限 {t['deadline']}，{t['closed']} 办结，"
                     f"晚 {days_text(t['late'], hunit)}）")
    lines.append(f"向全国政协等上级报送 {data['upward']['forwarded']} 条，被上级采用 {data['upward']['adopted']} 条")
    review = data.get("review") or {}
    if review.get("waiting"):
        runit = review["unit"]
        limit = f"，时限 {days_text(review['limit'], runit)}" if review.get("limit") is not None else ""
        lines += ["", f"等待研究室审核 {len(review['waiting'])} 条（截至当日{limit}）："]
        lines += _table([(w["id"], f"自 {w['since']}", days_text(w['days'], runit), "超过时限" if w["over"] else "")
                         for w in review["waiting"]])
    lines += turnaround.summary_text(data["turnaround"]) if data.get("turnaround") else []
    if data["ranking"]:
        lines += ["", "单位排名（得分；计分办法见 docs/records-and-quotas.md）："]
        lines += _table([(f"{r['rank']:>2}. {r['name']}", f"{quotas.number_text(r['score'])} 分") for r in data["ranking"]])
    quota_units = data["quotas"]["units"]
    if quota_units:
        lines += ["", f"{data['quotas']['year']} 年量化指标完成进度（已完成/指标）："]
        rows = [("单位", "报送", "采用", "")]
        for code, q in quota_units.items():
            unit = regs.units.get(code) if regs else None
            rows.append((unit.name if unit else code, f"{q['submitted']['actual']}/{q['submitted']['target']}",
                         f"{q['adopted']['actual']}/{q['adopted']['target']}", "已完成" if q["done"] else ""))
        lines += _table(rows)
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
    ("circled", "领导圈阅"),  # since 批示 and 圈阅 are counted apart; last, so the earlier columns keep their places
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
        # 批示 in 领导批示, 圈阅 in 领导圈阅: a leader's 圈阅 is never listed as a 批示 (instruction_counts)
        instr = "；".join(f"{zh_date(i.date)} {i.leader}{i.title}（{INSTRUCTION_KINDS[i.kind]}）"
                         + (f"：{i.wording}" if i.wording else "") for i in s.instructions if i.kind != "circled")
        circled = "；".join(f"{zh_date(i.date)} {i.leader}{i.title}" + (f"：{i.wording}" if i.wording else "")
                            for i in s.instructions if i.kind == "circled")
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
            "public": "是" if sub.public else "否", "path": s.path, "circled": circled,
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

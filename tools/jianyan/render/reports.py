"""Feedback letters (反馈函) to units and members, and the work circular (工作通报).

Data comes from ledger.item_states (the state of every item on the last day of the period);
wording lives in templates (feedback.md.j2, circular.md.j2, report.html.j2; a campaign can
override them in templates/). Each document is rendered to Markdown first; the HTML and the
Word file are made from that Markdown (docmd.py), so the three always say the same thing.
Everything is rendered in memory first; nothing is written if a template fails.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from jianyan.core.errors import JianyanError
from jianyan.render.charts import Bar, Chart, svg
from jianyan.render.docmd import number_figures, to_docx, to_html
from jianyan.core.fsutil import write_atomic
from jianyan.tracking.ledger import (ItemState, Period, counts_row, handling_note, instruction_counts,
                                     item_states, overdue_days, percent_text, units_table, zh_date)
from jianyan.campaign.calendar import days_text
from jianyan.campaign.model import KINDS, UNIT_KINDS
from jianyan.campaign.steps import ISSUE_FROZEN, SUBMISSION_STATUSES
from jianyan.tracking import quotas, turnaround
from jianyan.render.env import TemplateFailure, cn_number, environment, render
from jianyan.tracking.series import series, series_index
from jianyan.campaign.load import Campaign
from jianyan.campaign.bulletin import article_of, same_source, source_names
from jianyan.tracking.feedback import (HANDLING_ROLES, INSTRUCTION_KINDS, closed_late, follow_ups, is_done, is_overdue,
                                       percent_on, state_label)

_SAFE_NAME = re.compile(r"[^\w\u4e00-\u9fff-]+")


class ReportFailure(JianyanError):
    """A report could not be rendered (template problem); the message is Chinese."""


# --- shared pieces ------------------------------------------------------------------------

def _issue_ref(campaign: Campaign, s: ItemState) -> dict[str, Any] | None:
    if s.issue is None:
        return None
    bulletin = campaign.registries.settings.bulletin.title
    return {"id": s.issue.id, "number": s.issue.number, "total": s.issue.total,
            "year": s.issue.date.year, "date": zh_date(s.issue.date), "sent": zh_date(s.sent),
            "name": f"《{bulletin}》{s.issue.date.year}年第{s.issue.number}期（总第{s.issue.total}期）"}


def _md(day: dt.date | None) -> str:
    return f"{day.month}月{day.day}日" if day else "—"


def _instruction(i) -> dict[str, Any]:
    return {"leader": i.leader, "title": i.title, "date": zh_date(i.date), "kind": i.kind,
            "kind_label": INSTRUCTION_KINDS[i.kind], "text": i.text or "", "summary": i.summary or "",
            "departments": list(i.departments)}


def _follow_up(f) -> dict[str, Any]:
    return {"date": zh_date(f.date), "date_md": _md(f.date), "kind": f.kind, "kind_label": f.kind_label, "by": f.by,
            "reference": f.reference or "", "promised": f.promised or "", "promised_date": zh_date(f.promised_date)}


def _handling(h, day: dt.date, record=None) -> dict[str, Any]:
    """A handling task for the templates; ``follow_ups`` are its recorded 督办 actions by the day (the only
    ground for 督办/催办 wording)."""
    return {"follow_ups": [_follow_up(f) for f in follow_ups(record, h.department, day)],
            "department": h.department, "role": HANDLING_ROLES[h.role], "assigned": zh_date(h.assigned),
            "deadline": zh_date(h.deadline), "assigned_md": _md(h.assigned), "deadline_md": _md(h.deadline),
            "percent": percent_on(h, day), "done": is_done(h, day),
            "closed": zh_date(h.closed) if is_done(h, day) else "", "overdue": is_overdue(h, day),
            "closed_late": is_done(h, day) and closed_late(h),
            "state": state_label(h, day), "note": handling_note(h, day),
            "result": (h.result or "") if is_done(h, day) else "",
            "timeline": [{"date": zh_date(p.date), "percent": p.percent, "note": p.note}
                         for p in h.progress if p.date <= day]}


def _forwarding(f, day: dt.date) -> dict[str, Any]:
    adopted = bool(f.adopted and f.adopted_date and f.adopted_date <= day)
    return {"to": f.to, "date": zh_date(f.date), "title": f.title or "", "adopted": adopted,
            "adopted_date": zh_date(f.adopted_date) if adopted else "", "bulletin": (f.bulletin or "") if adopted else "",
            "note": f.note or ""}


def _series(campaign: Campaign, sub) -> list[dict[str, Any]]:
    """The series (跟踪连续报道) the item belongs to, in order; empty when it is in none."""
    chain = series_index(campaign).get(sub.id, [])
    return [{"id": x.id, "title": x.title, "date": zh_date(x.date), "this": x.id == sub.id,
             "status_label": SUBMISSION_STATUSES[x.status], "adopted_in": issue_label(campaign, x.adopted_in)}
            for x in chain]


def issue_label(campaign: Campaign, issue_id: str | None) -> str:
    """2021-003 → 2021年第3期 (empty when there is none)."""
    doc = campaign.issue(issue_id) if issue_id else None
    if doc is None:
        return ""
    return f"{doc.model.date.year}年第{doc.model.number}期"


def _item(campaign: Campaign, s: ItemState, day: dt.date) -> dict[str, Any]:
    regs = campaign.registries
    sub = s.sub
    reason = reason_code = note = ""
    if sub.review is not None:
        reason_code = sub.review.reason or ""
        r = regs.reasons.get(reason_code) if reason_code else None
        reason = r.label if r else reason_code
        note = sub.review.note or ""
    topic = regs.topics.get(sub.topic)
    return {"id": sub.id, "title": sub.title, "date": zh_date(sub.date), "status": s.status,
            "status_label": SUBMISSION_STATUSES[s.status], "kind_label": KINDS[sub.kind],
            "topic": topic.title if topic else str(sub.topic), "topic_short": topic.short if topic else "",
            "unit": s.unit.name if s.unit else sub.unit, "submitters": "、".join(sub.submitter),
            "reason": reason, "reason_code": reason_code, "note": note,
            "reviewed": zh_date(sub.review.date) if sub.review else "",
            "issue": _issue_ref(campaign, s),
            "instructions": [_instruction(i) for i in s.instructions],
            "handling": [_handling(h, day, s.record) for h in s.handling],
            "urgent": sub.urgent, "urgent_reason": sub.urgent_reason or "",
            "forwarded": [_forwarding(f, day) for f in s.forwarded],
            "upward_adopted": bool(s.upward_adopted), "series": _series(campaign, sub),
            "combined": _combined(campaign, s)}


def _combined(campaign: Campaign, s: ItemState) -> dict[str, Any] | None:
    """How the item was used in a combined article (综合稿) of its issue; None when used alone."""
    found = article_of(s.issue, s.sub.id) if s.issue is not None else None
    if found is None:
        return None
    art, src = found
    others = [d.model for d in (campaign.submission(x.item) for x in art.sources if x.item != s.sub.id) if d]
    own = [o for o in others if same_source(campaign, s.sub, o)]  # the writer's own other items: not named as "others"
    return {"title": art.title, "role": src.role, "sources": len(art.sources),
            "others": "、".join(source_names(campaign, [o for o in others if o not in own])),
            "own_others": len(own), "share": quotas.number_text(float(s.share))}


def _render_all(campaign: Campaign, name: str, context: dict, charts: dict[str, Chart]) -> tuple[str, str, bytes]:
    env = environment(campaign.root)
    try:
        md = number_figures(render(env, name, campaign.root, **context), charts)  # 图1, 图2 … in order
        body = to_html(md, charts)
        html = render(env, "report.html.j2", campaign.root, title=context["title"], body=body,
                      kind=context["kind"])
    except TemplateFailure as exc:
        raise ReportFailure(str(exc)) from None
    return md, html, to_docx(md, charts, context["title"])


def _office(campaign: Campaign) -> dict[str, str]:
    regs = campaign.registries
    staff = regs.holders("research_office")
    contact = staff[0] if staff else None
    return {"name": regs.settings.bulletin.compiler, "organizer": regs.settings.organizer,
            "contact": contact.name if contact else "", "contact_title": contact.title or "" if contact else ""}


def file_stem(text: str) -> str:
    return _SAFE_NAME.sub("_", text).strip("_") or "report"


# How the circular's opening names several units of one kind (one unit is named by its own name).
_KIND_GROUPS = {"party": "各民主党派省委会", "city": "各市政协", "liaison": "各信息联系点政协",
                "committee": "省政协各专门委员会"}


def count_word(n: int) -> str:
    """How many, in words: 1 → 一, 2 → 两, 7 → 七 (as in 七个重点选题)."""
    return "两" if n == 2 else cn_number(n)


def join_cn(names: list[str]) -> str:
    """A、B和C."""
    return "、".join(names[:-1]) + "和" + names[-1] if len(names) > 1 else "".join(names)


def unit_groups(campaign: Campaign) -> str:
    """The units that report, by the kinds present in schema/units.yaml: 各民主党派省委会、省工商联和……"""
    by_kind: dict[str, list[str]] = {}
    for unit in campaign.registries.units.values():
        by_kind.setdefault(unit.kind, []).append(unit.name)
    parts = [names[0] if len(names) == 1 else _KIND_GROUPS.get(kind, f"各{UNIT_KINDS[kind]}")
             for kind in UNIT_KINDS if (names := by_kind.get(kind))]
    return join_cn(parts)


def bodies(names) -> str:
    """The upper-level bodies items were forwarded to (forwarding records' ``to``), in first-seen order."""
    return "、".join(dict.fromkeys(n for n in names if n)) or "上级"


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    """What every report says about the campaign itself, taken from schema/ (never fixed text)."""
    settings = campaign.registries.settings
    return {"campaign": settings.campaign, "bulletin": settings.bulletin.title, "organizer": settings.organizer,
            "topic_count": count_word(len(campaign.registries.topics)), "body_max": settings.limits.body_max,
            "office": _office(campaign)}


class Outputs(list):
    """The files written (in order), and ``period``: the period used, in words, for the user to see."""

    def __init__(self, paths: list[Path], period: str) -> None:
        super().__init__(paths)
        self.period = period


def report_period(campaign: Campaign, since: dt.date | None, until: dt.date) -> Period:
    """The period a report covers: without --from, from the campaign's start (settings.start; from the
    earliest item instead if one is dated before it, so that none is left out)."""
    if since is None:
        dates = [s.date for s in campaign.valid_submissions if s.status != "draft"]
        since = min([campaign.registries.settings.start, *dates])
    return Period(since, until)


def period_text(campaign: Campaign, period: Period, since_given: bool, today: dt.date | None = None) -> str:
    """The period in words for the user (统计时段：…至…). ``today`` is the day the CLI read from the clock
    (a renderer never reads it), for （今天）; None: nothing is said of today."""
    start = zh_date(period.since)
    if not since_given:
        start += "（活动开始）" if period.since == campaign.registries.settings.start else "（最早一条信息）"
    end = zh_date(period.until) + ("（今天）" if period.until == today else
                                   "（活动结束）" if period.until == campaign.registries.settings.end else "")
    return f"统计时段：{start}至{end}"


# --- feedback letters ---------------------------------------------------------------------

def feedback_targets(states: list[ItemState]) -> tuple[dict[str, list[ItemState]], dict[str, list[ItemState]]]:
    """Items per unit code and per member name."""
    units: dict[str, list[ItemState]] = {}
    members: dict[str, list[ItemState]] = {}
    for s in states:
        units.setdefault(s.sub.unit, []).append(s)
        for m in s.members:
            members.setdefault(m, []).append(s)
    return units, members


def letter_context(campaign: Campaign, period: Period, states: list[ItemState], *, unit=None,
                   member: str | None = None) -> dict[str, Any]:
    day = period.until
    items = [_item(campaign, s, day) for s in states]
    groups = {
        "adopted": [i for i in items if i["status"] == "adopted"],
        "pending": [i for i in items if i["status"] in ("submitted", "accepted")],
        "returned": [i for i in items if i["status"] == "returned"],
        "rejected": [i for i in items if i["status"] == "rejected"],
        "withdrawn": [i for i in items if i["status"] == "withdrawn"],
    }
    if member:
        to, you, who = f"{member}委员", "您", f"{member}委员"
    else:
        to = unit.name
        you = "贵委" if unit.kind == "committee" else "贵单位"
        who = unit.name
    title = "关于“{}”活动信息采用和办理情况的反馈".format(campaign.registries.settings.campaign)
    return {
        **campaign_context(campaign),
        "kind": "feedback", "title": title, "to": to, "you": you, "who": who,
        "is_member": bool(member), "unit_kind": unit.kind if unit else "committee",
        "period": period.label(), "since": zh_date(period.since) if period.since else "",
        "until": zh_date(day), "date": zh_date(day),
        # 批示 and 圈阅 apart: instructed/instructions count 批示 only, circled_items/circled count 圈阅
        "counts": {"received": len(items), "adopted": len(groups["adopted"]),
                   **instruction_counts(i["instructions"] for i in groups["adopted"]),
                   "handled": sum(1 for i in groups["adopted"] for h in i["handling"] if h["done"]),
                   "handling": sum(len(i["handling"]) for i in groups["adopted"])},
        "items": items, **groups,
    }


def write_feedback(campaign: Campaign, since: dt.date | None, until: dt.date, unit: str | None = None,
                   member: str | None = None, today: dt.date | None = None) -> Outputs:
    period = report_period(campaign, since, until)
    states = [s for s in item_states(campaign, until) if s.received and s.sub.date in period]
    by_unit, by_member = feedback_targets(states)
    regs = campaign.registries
    jobs: list[tuple[str, dict]] = []
    if member is None:
        for code in sorted(by_unit):
            if unit is None or code == unit:
                ctx = letter_context(campaign, period, by_unit[code], unit=regs.units.get(code))
                jobs.append((f"unit-{code}", ctx))
    if unit is None:
        for name in sorted(by_member):
            if member is None or name == member:
                ctx = letter_context(campaign, period, by_member[name], member=name)
                jobs.append((f"member-{file_stem(name)}", ctx))
    outputs = []
    for stem, ctx in jobs:
        md, html, docx = _render_all(campaign, "feedback.md.j2", ctx, {})
        outputs.append((stem, md, html, docx))
    folder = campaign.root / "build" / "feedback" / _period_dir(period)
    written = []
    for stem, md, html, docx in outputs:
        for ext, data in (("md", md), ("html", html), ("docx", docx)):
            path = folder / f"{stem}.{ext}"
            write_atomic(path, data)
            written.append(path)
    return Outputs(written, period_text(campaign, period, since is not None, today))


def _period_dir(period: Period) -> str:
    return f"{period.since.isoformat()}_{period.until.isoformat()}"


# --- the work circular --------------------------------------------------------------------

def circular_context(campaign: Campaign, period: Period, number: int | None) -> tuple[dict, dict[str, Chart]]:
    regs = campaign.registries
    day = period.until
    states = [s for s in item_states(campaign, day) if s.received and s.sub.date in period]
    issues = sorted((d.model for d in campaign.issues if d.model and d.model.date in period
                     and d.model.status in ISSUE_FROZEN), key=lambda i: i.id)
    unit_rows = units_table(campaign, states)
    by_unit = {r["code"] for r in unit_rows}
    silent = [u.name for c, u in regs.units.items() if c not in by_unit and u.kind != "committee"]
    ranking = quotas.rank([r for r in unit_rows if regs.units[r["code"]].kind != "committee"])
    committees = [r for r in unit_rows if regs.units[r["code"]].kind == "committee"]
    present = {u.kind for u in regs.units.values()}
    kinds = [dict(counts_row(label, [s for s in states if s.unit and s.unit.kind == k]), code=k)
             for k, label in UNIT_KINDS.items() if k in present]
    topics = [dict(counts_row(t.title, [s for s in states if s.sub.topic == n]), number=n, short=t.short)
              for n, t in sorted(regs.topics.items())]
    content = [counts_row(label, [s for s in states if s.sub.kind == k]) for k, label in KINDS.items()]
    # Instructions and handling: on items adopted in issues of the period or before (all tracked).
    tracked = [s for s in item_states(campaign, day) if s.sent is not None]
    instructions = []
    for s in tracked:
        for i in s.instructions:
            if i.date in period:
                instructions.append({**_instruction(i), "item": s.sub.title, "item_id": s.sub.id,
                                     "unit": s.unit.name if s.unit else s.sub.unit,
                                     "issue": _issue_ref(campaign, s), "sort": (i.date, s.sub.id)})
    instructions.sort(key=lambda x: x["sort"])
    tasks = []
    for s in tracked:
        for h in s.handling:
            tasks.append({**_handling(h, day, s.record), "item": s.sub.title, "item_id": s.sub.id,
                          "unit": s.unit.name if s.unit else s.sub.unit, "deadline_date": h.deadline})
    overdue = [t for t in tasks if t["overdue"]]
    handling_unit = regs.settings.deadline("handling")[1]
    for t in overdue:
        t["days"] = overdue_days(campaign, t["deadline_date"], day)  # working days when the settings say so
        t["days_text"] = days_text(t["days"], handling_unit, "")
    received = len(states)
    adopted = sum(1 for s in states if s.adopted)
    all_states = item_states(campaign, day)
    upward = _upward(campaign, all_states, period, day)
    quota_rows = quotas.progress(campaign, all_states, day)
    chains = [[{"id": x.id, "title": x.title, "date": zh_date(x.date), "unit": _source(campaign, x),
                "status_label": SUBMISSION_STATUSES[x.status], "adopted_in": issue_label(campaign, x.adopted_in)}
               for x in chain if x.date <= day and x.status != "draft"]
              for chain in series(campaign.valid_submissions)]
    chains = [c for c in chains if len(c) > 1]
    leaders = Counter(f"{i['leader']}{i['title']}" for i in instructions)
    by_item: dict[str, list[dict]] = {}
    for i in instructions:
        by_item.setdefault(i["item_id"], []).append(i)
    given = instruction_counts(by_item.values())  # 批示 and 圈阅 apart
    charts = {
        "topics": Chart("topics", "图1 各重点选题信息报送和采用情况",
                        [Bar(t["short"], t["received"], t["adopted"], f"{t['received']} / {t['adopted']}")
                         for t in topics], legend=("采用", "报送未采用")),
        "kinds": Chart("kinds", "图2 各类单位信息报送和采用情况",
                       [Bar(k["name"], k["received"], k["adopted"], f"{k['received']} / {k['adopted']}")
                        for k in kinds], legend=("采用", "报送未采用")),
    }
    if tasks:
        charts["handling"] = Chart("handling", "图3 批示件办理进度",
                                   [Bar(t["department"], 100, t["percent"],
                                        f"{t['percent']}%{'（逾期）' if t['overdue'] else ''} {t['unit']}") for t in tasks],
                                   scale=100, legend=("已完成", "未完成"))
    timing = _turnaround(campaign, period)
    if timing["measures"]:
        charts["turnaround"] = Chart("turnaround", "图3 各环节办理时效（工作日）",
                                     [Bar(m["label"], m["p90"], m["median"],
                                          f"中位数{m['median']}、90%分位{m['p90']}（{m['count']}件）")
                                      for m in timing["measures"]], legend=("中位数", "90%分位"), unit="个工作日")
    ctx = {
        **campaign_context(campaign),
        "kind": "circular", "turnaround": timing, "title": f"{regs.settings.campaign}活动工作通报",
        "number": number, "units_text": unit_groups(campaign),
        "period": period.label(), "date": zh_date(day), "since": zh_date(period.since) if period.since else "",
        "until": zh_date(day),
        "issues": [{"id": i.id, "number": i.number, "total": i.total, "date": zh_date(i.date),
                    "status": i.status, "count": len(i.items), "dispatched": i.status == "dispatched",
                    "combined": len(i.articles)}  # 综合稿 among its articles
                   for i in issues],
        "totals": {"issues": len(issues), "dispatched": sum(1 for i in issues if i.status == "dispatched"),
                   "received": received, "adopted": adopted, "rate": percent_text(adopted, received),
                   "instructions": given["instructions"], "instructed_items": given["instructed"],
                   "circled": given["circled"], "circled_items": given["circled_items"],
                   "leaders": len(leaders), "tasks": len(tasks),
                   "done": sum(1 for t in tasks if t["done"]), "in_progress": sum(1 for t in tasks if not t["done"]),
                   "overdue": len(overdue), "units": len([r for r in unit_rows]),
                   "members": len({m for s in states for m in s.members})},
        "kinds": kinds, "ranking": ranking, "committees": committees, "topics": topics, "content": content,
        "silent": silent, "instructions": instructions, "tasks": tasks, "overdue": overdue,
        "charts": {k: f"charts/{k}.svg" for k in charts},
        "scoring": quotas.weights_text(regs.settings.scoring), "quotas": quota_rows, "quota_year": day.year,
        "quotas_done": sum(1 for q in quota_rows if q["done"]), "upward": upward, "series": chains,
    }
    return ctx, charts


def _turnaround(campaign: Campaign, period: Period) -> dict[str, Any]:
    """Turnaround of the steps ended in the period, from the git log (tracking/turnaround.py): the measures
    with cases, the units' and the reviewers' rows; empty when the history has none."""
    data = turnaround.summary(campaign, period.until, period.since)
    measures = [dict(m, key=k, within_text=f"{m['within'] * 100:.1f}%" if m["within"] is not None else "")
                for k, m in data["measures"].items() if m["count"]]
    units: dict[str, dict[str, Any]] = {}
    for m in measures:
        for code, row in m["by_unit"].items():
            units.setdefault(code, {"name": row["name"], "cells": {}})["cells"][m["key"]] = row
    order = list(campaign.registries.units)
    review = data["measures"]["submit_to_review"]
    return {"measures": measures,
            "units": [units[c] for c in sorted(units, key=lambda c: order.index(c) if c in order else len(order))],
            "reviewers": [{"name": name, **row} for name, row in review["by_reviewer"].items()],
            "review_target": review["target"]}


def _source(campaign: Campaign, sub) -> str:
    unit = campaign.registries.units.get(sub.unit)
    if unit is not None and unit.kind == "committee":
        return f"{'、'.join(sub.submitter)}委员"
    return unit.name if unit else sub.unit


def _upward(campaign: Campaign, states: list[ItemState], period: Period, day: dt.date) -> dict[str, Any]:
    """Forwarding upward in the period: items sent (by forwarding date) and adopted (by adoption date)."""
    sent, adopted = [], []
    for s in states:
        for f in s.forwarded:
            row = {**_forwarding(f, day), "item": s.sub.title, "item_id": s.sub.id,
                   "unit": _source(campaign, s.sub), "sort": (f.date, s.sub.id)}
            if f.date in period:
                sent.append(row)
            if row["adopted"] and f.adopted_date in period:
                adopted.append({**row, "sort": (f.adopted_date, s.sub.id)})
    sent.sort(key=lambda r: r["sort"])
    adopted.sort(key=lambda r: r["sort"])
    return {"sent": sent, "adopted": adopted, "sent_items": len({r["item_id"] for r in sent}),
            "adopted_items": len({r["item_id"] for r in adopted}),
            "to": bodies(r["to"] for r in sent + adopted)}


def write_circular(campaign: Campaign, since: dt.date | None, until: dt.date, number: int | None,
                   today: dt.date | None = None) -> Outputs:
    period = report_period(campaign, since, until)
    ctx, charts = circular_context(campaign, period, number)
    md, html, docx = _render_all(campaign, "circular.md.j2", ctx, charts)
    folder = campaign.root / "build" / "circular" / _period_dir(period)
    stem = "circular"
    written = []
    for key, chart in sorted(charts.items()):
        path = folder / "charts" / f"{key}.svg"
        write_atomic(path, svg(chart))
        written.append(path)
    for ext, data in (("md", md), ("html", html), ("docx", docx)):
        path = folder / f"{stem}.{ext}"
        write_atomic(path, data)
        written.append(path)
    return Outputs(written, period_text(campaign, period, since is not None, today))

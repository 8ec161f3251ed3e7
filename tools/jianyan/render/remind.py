"""Draft 催办函 (reminder letters) to the departments whose handling of an instructed item is overdue or
near its time limit, one letter per department, by the same path as the feedback letters: the template
remind.md.j2 renders Markdown, from which the HTML and the Word file are made (reports._render_all).

A draft is not a follow-up: the letters' own text names earlier 督办/催办 only from the record's
``follow_up`` entries, and once a letter is sent the secretariat records it there (kind: letter).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jianyan.campaign.calendar import UNITS, days_text
from jianyan.campaign.load import Campaign
from jianyan.core.fsutil import write_atomic
from jianyan.render.reports import (Outputs, _follow_up, _instruction, _issue_ref, _render_all, campaign_context,
                                    file_stem)
from jianyan.tracking.feedback import HANDLING_ROLES, follow_ups, latest_progress, percent_on
from jianyan.tracking.ledger import zh_date
from jianyan.tracking.todo import Due, handling_due



def due_tasks(campaign: Campaign, day: dt.date, within: int, department: str | None = None) -> list[Due]:
    """Handling open on ``day`` whose deadline has passed or is at most ``within`` days away."""
    return [d for d in handling_due(campaign, day) if d.left is not None and d.left <= within
            and (department is None or d.handling.department == department)]


def _task(campaign: Campaign, d: Due, day: dt.date) -> dict[str, Any]:
    s, h = d.state, d.handling
    record = s.record
    instruction = None
    if record is not None and record.instructions:
        at = (h.instruction or 1) - 1
        if at < len(record.instructions):
            instruction = _instruction(record.instructions[at])
    latest = latest_progress(h, day)
    return {"id": s.sub.id, "title": s.sub.title, "unit": s.unit.name if s.unit else s.sub.unit,
            "issue": _issue_ref(campaign, s), "instruction": instruction, "role": HANDLING_ROLES[h.role],
            "assigned": zh_date(h.assigned), "deadline": zh_date(d.deadline), "overdue": d.left < 0 or d.deadline < day,
            "days": abs(d.left), "days_text": days_text(abs(d.left), d.unit, ""), "due_today": d.deadline == day,
            "unit_label": UNITS[d.unit], "percent": percent_on(h, day),
            "note": latest.note if latest else "", "progress_date": zh_date(latest.date) if latest else "",
            "follow_ups": [_follow_up(f) for f in follow_ups(record, h.department, day)]}


def remind_context(campaign: Campaign, department: str, tasks: list[Due], day: dt.date,
                   reply_days: int) -> dict[str, Any]:
    regs = campaign.registries
    staff = regs.holders("secretariat")
    contact = staff[0] if staff else None
    reply_by = campaign.calendar.add(day, reply_days, "working")
    return {**campaign_context(campaign), "kind": "remind", "title": "关于催报省领导批示件办理情况的函",
            "to": department, "date": zh_date(day), "until": zh_date(day), "reply_by": zh_date(reply_by),
            "sender": f"{regs.settings.organizer}秘书处",
            "contact": contact.name if contact else "", "contact_title": (contact.title or "") if contact else "",
            "tasks": [_task(campaign, d, day) for d in tasks]}


def write_reminders(campaign: Campaign, day: dt.date, within: int, department: str | None,
                    reply_days: int) -> Outputs:
    """One 催办函 per department with due handling, as Markdown, HTML and Word under build/remind/<day>/."""
    by_department: dict[str, list[Due]] = {}
    for d in due_tasks(campaign, day, within, department):
        by_department.setdefault(d.handling.department, []).append(d)
    rendered = []
    for name in sorted(by_department):
        ctx = remind_context(campaign, name, by_department[name], day, reply_days)
        rendered.append((file_stem(name), _render_all(campaign, "remind.md.j2", ctx, {})))
    folder = campaign.root / "build" / "remind" / day.isoformat()
    written: list[Path] = []
    for stem, (md, html, docx) in rendered:
        for ext, data in (("md", md), ("html", html), ("docx", docx)):
            path = folder / f"{stem}.{ext}"
            write_atomic(path, data)
            written.append(path)
    return Outputs(written, f"截至{zh_date(day)}")

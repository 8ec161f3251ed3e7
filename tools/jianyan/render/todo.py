"""The to-do digest (待办清单) as text, Markdown, JSON and an iCalendar file (.ics) of its deadlines.

Text and JSON are built here; the Markdown digest is the template todo.md.j2 (a campaign can override
it). The .ics file is written by a small RFC 5545 writer rather than the ``icalendar`` package: the
digest needs only all-day VEVENTs with a summary, a description and a reminder, which is some forty
lines here, while the package (7.x) would bring itself, python-dateutil, tzdata and typing-extensions
into the offline wheelhouse for them. What the RFC asks of such a file is done and tested: CRLF line ends, lines
folded at 75 octets without splitting a UTF-8 character, TEXT values escaped, a UID stable across runs
(from the task, not random) and a DTSTAMP taken from the digest's day (not the clock), so the same
files give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import write_atomic
from jianyan.campaign.calendar import UNITS, days_text
from jianyan.campaign.load import Campaign
from jianyan.render.env import TemplateFailure, environment, render
from jianyan.tracking.ledger import zh_date
from jianyan.tracking.todo import Group, Task


class DigestFailure(JianyanError):
    """The Markdown digest's template failed; the message is Chinese."""


def when(t: Task, day: dt.date) -> str:
    """逾期 3 个工作日 / 今天到期 / 还剩 2 天 / 无时限 (days worded by calendar.days_text). No working day between
    ``day`` and a deadline on a non-working day (a Saturday deadline seen on Friday or on Sunday) is told as it
    is, not as today."""
    if t.left is None:
        return "无时限"
    if t.left < 0:
        return f"逾期 {days_text(-t.left, t.unit)}"
    if t.left == 0 and t.deadline is not None and t.deadline < day:
        return f"时限 {t.deadline.isoformat()}（非工作日）已过"
    if t.left == 0 and t.deadline is not None and t.deadline > day:
        return f"时限 {t.deadline.isoformat()} 是非工作日，今天是此前最后一个工作日"
    if t.left == 0:
        return "今天到期"
    return f"还剩 {days_text(t.left, t.unit)}"


def _row(t: Task, day: dt.date) -> dict:
    return {"when": when(t, day), "label": t.label, "ref": t.ref, "title": t.title, "since": zh_date(t.since),
            "waited": t.waited, "waited_text": days_text(t.waited, t.unit, ""), "unit": UNITS[t.unit],
            "deadline": zh_date(t.deadline) if t.deadline else "",
            "overdue": t.overdue, "detail": t.detail, "path": t.path}


def _who(g: Group) -> str:
    return g.label + (f"（{'、'.join(g.people)}）" if g.people else "")


def as_text(groups: list[Group], day: dt.date, title: str) -> str:
    lines = [f"{title}（截至{zh_date(day)}，按紧急程度排列）"]
    if not groups:
        return lines[0] + "\n没有待办事项。\n"
    for g in groups:
        overdue = sum(1 for t in g.tasks if t.overdue)
        lines += ["", f"{_who(g)}：{len(g.tasks)} 项" + (f"，其中逾期 {overdue} 项" if overdue else "")]
        for n, t in enumerate(g.tasks, 1):
            r = _row(t, day)
            tail = f"；时限 {t.deadline.isoformat()}" if t.deadline else ""
            extra = f"（{r['detail']}）" if r["detail"] else ""
            lines.append(f"  {n:>2}. [{r['when']}] {r['label']} {t.ref}《{t.title}》{extra}")
            lines.append(f"      自 {t.since.isoformat()} 起已 {days_text(t.waited, t.unit)}{tail}　{t.path}")
    return "\n".join(lines) + "\n"


def as_json(groups: list[Group], day: dt.date, who: str | None) -> str:
    data = {"as_of": day.isoformat(), "for": who, "groups": [g.as_dict() for g in groups],
            "total": sum(len(g.tasks) for g in groups),
            "overdue": sum(1 for g in groups for t in g.tasks if t.overdue)}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_markdown(campaign: Campaign, groups: list[Group], day: dt.date, title: str) -> str:
    context = {"title": title, "date": zh_date(day), "campaign": campaign.registries.settings.campaign,
               "groups": [{"who": _who(g), "key": g.key, "count": len(g.tasks),
                           "overdue": sum(1 for t in g.tasks if t.overdue),
                           "tasks": [_row(t, day) for t in g.tasks]} for g in groups]}
    try:
        return render(environment(campaign.root), "todo.md.j2", campaign.root, **context)
    except TemplateFailure as exc:
        raise DigestFailure(str(exc)) from None


# --- iCalendar (RFC 5545) ---------------------------------------------------------------------

def _escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> bytes:
    """One content line folded at 75 octets (3.1): continuation lines start with a space; a UTF-8
    character is never split."""
    out, current, size = [], [], 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line's leading space counts
        if size + n > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n ".join(out).encode("utf-8") + b"\r\n"


def _uid(g: Group, t: Task, domain: str) -> str:
    digest = hashlib.sha256(f"{g.key}|{t.kind}|{t.ref}|{t.subject}".encode("utf-8")).hexdigest()[:20]
    return f"{t.kind}-{t.ref}-{digest}@{domain}"


def as_ics(campaign: Campaign, groups: list[Group], day: dt.date) -> bytes:
    """An all-day event on each deadline (tasks without one are left out), with a reminder at 9
    o'clock the day before; deterministic for the same files and day."""
    settings = campaign.registries.settings
    stamp = f"{day:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//jianyan//todo//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(settings.campaign + ' 待办时限')}"]
    for g in groups:
        for t in g.tasks:
            if t.deadline is None:
                continue
            r = _row(t, day)
            summary = f"{r['label']}：{t.ref}《{t.title}》（{g.label}）"
            description = (f"{_who(g)}\n{r['label']} {t.ref}《{t.title}》" + (f"（{t.detail}）" if t.detail else "")
                           + f"\n自 {t.since.isoformat()} 起，时限 {t.deadline.isoformat()}"
                           + f"\n截至 {day.isoformat()}：{r['when']}\n文件：{t.path}")
            end = t.deadline + dt.timedelta(days=1)
            lines += ["BEGIN:VEVENT", f"UID:{_uid(g, t, 'jianyan.invalid')}", f"DTSTAMP:{stamp}",
                      f"DTSTART;VALUE=DATE:{t.deadline:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}",
                      f"SUMMARY:{_escape(summary)}", f"DESCRIPTION:{_escape(description)}",
                      f"CATEGORIES:{_escape(g.label)}", "TRANSP:TRANSPARENT",
                      "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_escape(summary)}",
                      "TRIGGER:-PT15H", "END:VALARM", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def write_ics(campaign: Campaign, groups: list[Group], day: dt.date, path: Path) -> int:
    data = as_ics(campaign, groups, day)
    try:
        write_atomic(path, data)
    except OSError as exc:  # a folder that does not exist or cannot be written: the user's choice of place
        raise DigestFailure(f"无法写入日历文件 {path}（{exc.strerror or exc}）。请检查这个位置是否存在、能否写入，"
                            "或换一个位置，如 --ics build/todo.ics") from None
    return sum(1 for g in groups for t in g.tasks if t.deadline is not None)

"""What waits on whom (待办): every open step of the campaign on a day, with the office or person it waits
on, since when, how many working days, and its time limit.

The steps come from the tables, never from fixed lists: a submission waits on its committee office
until ``committee_review`` is recorded (member items), then on the research office (``review``), then,
once accepted, on the research office's compiling; a returned item waits on its unit; a bulletin issue
waits on the role of its next step (campaign/steps.py ``ISSUE_STEPS``: 审改 → 签发 → 报送); a leader's
instruction waits on the secretariat until a department is assigned; a handling task waits on its
department (and, near or past its deadline, on the secretariat's follow-up); a record whose handling is
all done waits on the research office's feedback letter until ``feedback_sent`` is recorded.

Everything is taken on the day (``day``): a step recorded after it is still open on it. Time limits
come from the records (a handling task's ``deadline``) or from the settings (``settings.deadline``:
days and working/calendar unit; the working days from campaign/calendar.py).

    todo(campaign, day) -> [Group(key, label, role, people, tasks=[Task(kind, ref, since, waited, deadline, left)])]
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from jianyan.campaign.calendar import Calendar
from jianyan.campaign.load import Campaign
from jianyan.campaign.model import Issue
from jianyan.campaign.paths import feedback_path
from jianyan.campaign.steps import FIELD_LABELS, ISSUE_STEPS, ROLES
from jianyan.tracking.feedback import Handling, follow_ups, is_done, percent_on, tracking_of
from jianyan.tracking.ledger import ItemState, item_states

# Handling due within this many working days counts as near its deadline (jianyan todo/remind --within).
NEAR_DAYS = 5

# The reviews and the issue steps are named as everywhere else (campaign/steps.py); the rest are steps
# only a to-do list names.
KIND_LABELS = {
    "committee_review": FIELD_LABELS["committee_review"],
    "review": FIELD_LABELS["review"],
    "compile": "编入专刊",
    "revise": "退回修改后重新报送",
    **{f"issue_{s.key}": s.label for s in ISSUE_STEPS},
    "assign": "批示交办承办单位",
    "handling": "办理批示件",
    "follow_up": "督办催办",
    "feedback": "反馈办理结果",
}


@dataclass
class Task:
    """One open step: ``left`` is the days from the day to the deadline (negative: overdue by that many)."""

    kind: str
    ref: str  # item or issue id
    title: str
    path: str  # the file where the step is recorded
    since: dt.date
    waited: int  # days (``unit``) from ``since`` to the day
    unit: str = "working"
    deadline: dt.date | None = None
    left: int | None = None
    detail: str = ""  # e.g. the department, the handling's progress
    subject: str = ""  # what the step is about besides ``ref`` (a department): with it, the same task every day

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left < 0

    def urgency(self) -> tuple:
        """Overdue first (most overdue first), then nearest deadline, then the longest wait."""
        if self.left is not None:
            return (0 if self.left < 0 else 1, self.left, -self.waited, self.ref, self.kind)
        return (2, 0, -self.waited, self.ref, self.kind)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(label=self.label, since=self.since.isoformat(),
                 deadline=self.deadline.isoformat() if self.deadline else None, overdue=self.overdue)
        return d


@dataclass
class Group:
    """An office or a person and what waits on it. ``key``: ``role:<role>``, ``committee:<unit>``,
    ``unit:<unit>`` or ``department:<name>``."""

    key: str
    label: str
    role: str | None  # the role in campaign/steps.py ROLE_TABLE, None for units and departments
    people: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "role": self.role, "people": self.people,
                "tasks": [t.as_dict() for t in self.tasks]}


class Clock:
    """Days counted on the campaign's calendar, each limit in the unit the settings give it."""

    def __init__(self, calendar: Calendar, day: dt.date) -> None:
        self.calendar = calendar
        self.day = day

    def waited(self, since: dt.date, unit: str = "working") -> int:
        return self.calendar.between(since, self.day, unit)

    def left(self, deadline: dt.date, unit: str = "working") -> int:
        if deadline >= self.day:
            return self.calendar.between(self.day, deadline, unit)
        return -self.calendar.between(deadline, self.day, unit)

    def task(self, kind: str, ref: str, title: str, path: str, since: dt.date, unit: str = "working",
             deadline: dt.date | None = None, detail: str = "", subject: str = "") -> Task:
        return Task(kind, ref, title, path, since, self.waited(since, unit), unit, deadline,
                    self.left(deadline, unit) if deadline else None, detail, subject)


def handling_deadline(campaign: Campaign, h: Handling) -> tuple[dt.date | None, str]:
    """A handling task's time limit: the record's ``deadline``, else the settings' handling days after assignment."""
    days, unit = campaign.registries.settings.deadline("handling")
    if h.deadline is not None:
        return h.deadline, unit
    if days is None:
        return None, unit
    return campaign.calendar.add(h.assigned, days, unit), unit


@dataclass
class Due:
    """A handling task open on the day, with its deadline (for todo and the 催办函)."""

    state: ItemState
    handling: Handling
    deadline: dt.date | None
    left: int | None  # days (``unit``) to the deadline, negative when overdue
    unit: str


def handling_due(campaign: Campaign, day: dt.date, states: list[ItemState] | None = None) -> list[Due]:
    """Every handling task assigned by ``day`` and not done on it, most urgent first."""
    clock = Clock(campaign.calendar, day)
    out = []
    for s in states if states is not None else item_states(campaign, day):
        for h in s.handling:
            if is_done(h, day):
                continue
            deadline, unit = handling_deadline(campaign, h)
            out.append(Due(s, h, deadline, clock.left(deadline, unit) if deadline else None, unit))
    out.sort(key=lambda d: (d.left is None, d.left if d.left is not None else 0, d.state.sub.id, d.handling.department))
    return out


def _limit(campaign: Campaign, name: str, since: dt.date) -> tuple[dt.date | None, str]:
    days, unit = campaign.registries.settings.deadline(name)
    return (campaign.calendar.add(since, days, unit) if days is not None else None), unit


def _issue_open_step(issue: Issue, day: dt.date):
    """(the next step, since when) of an issue on ``day``; None when dispatched by then."""
    since = min(issue.date, day)
    for step in ISSUE_STEPS:
        record = getattr(issue, step.key)
        if record is None or record.date > day:
            return step, since
        since = record.date
    return None


def todo(campaign: Campaign, day: dt.date, within: int = NEAR_DAYS) -> list[Group]:
    """Every office and person with open steps on ``day``, each group's tasks most urgent first; groups
    in the order of the workflow (committees, research office, director, secretary-general, secretariat),
    then reporting units, then departments."""
    regs = campaign.registries
    clock = Clock(campaign.calendar, day)
    groups: dict[str, Group] = {}

    def group(key: str) -> Group:
        if key not in groups:
            kind, _, name = key.partition(":")
            if kind == "role":
                people = [p.name for p in regs.holders(name)]
                groups[key] = Group(key, ROLES[name], name, people)
            elif kind == "committee":
                unit = regs.units.get(name)
                people = [p.name for p in regs.holders("committee_office", name)]
                groups[key] = Group(key, f"{unit.name if unit else name}办公室", "committee_office", people)
            elif kind == "unit":
                unit = regs.units.get(name)
                groups[key] = Group(key, unit.name if unit else name, None)
            else:
                groups[key] = Group(key, name, None)
        return groups[key]

    states = [s for s in item_states(campaign, day) if s.sub.date <= day]
    for s in states:
        sub = s.sub
        committee = s.unit is not None and s.unit.kind == "committee"
        reviewed_by_committee = sub.committee_review is not None and sub.committee_review.date <= day
        if committee and s.status in ("draft", "submitted") and not reviewed_by_committee:
            group(f"committee:{sub.unit}").tasks.append(
                clock.task("committee_review", sub.id, sub.title, s.path, sub.date, detail="、".join(sub.submitter)))
            continue
        if s.status == "submitted":
            since = max(sub.date, sub.committee_review.date) if reviewed_by_committee else sub.date
            deadline, unit = _limit(campaign, "review", since)
            if sub.urgent:
                urgent, unit_u = _limit(campaign, "urgent_review", since)
                if urgent is not None and (deadline is None or urgent < deadline):
                    deadline, unit = urgent, unit_u
            group("role:research_office").tasks.append(
                clock.task("review", sub.id, sub.title, s.path, since, unit, deadline,
                           detail="急事急报" if sub.urgent else ""))
        elif s.status == "accepted" and sub.review is not None:
            deadline, unit = _limit(campaign, "urgent_adopt", sub.review.date) if sub.urgent else (None, "working")
            group("role:research_office").tasks.append(
                clock.task("compile", sub.id, sub.title, s.path, sub.review.date, unit, deadline,
                           detail="急事急报" if sub.urgent else ""))
        elif s.status == "returned" and sub.review is not None:
            key = f"committee:{sub.unit}" if committee else f"unit:{sub.unit}"
            group(key).tasks.append(clock.task("revise", sub.id, sub.title, s.path, sub.review.date,
                                               detail="、".join(sub.submitter)))
        if s.record is not None and s.sent is not None:
            _tracking_tasks(campaign, clock, s, within, group)

    urgent_items = {s.sub.id for s in states if s.sub.urgent}
    for doc in sorted((d for d in campaign.issues if d.model), key=lambda d: d.model.id):
        issue = doc.model
        recorded = [getattr(issue, step.key) for step in ISSUE_STEPS]
        if issue.date > day and not any(r is not None and r.date <= day for r in recorded):
            continue  # neither dated nor worked on by the day
        open_step = _issue_open_step(issue, day)
        if open_step is None:
            continue
        step, since = open_step
        deadline, unit = None, "working"
        if step.key == "dispatch" and urgent_items & set(issue.items):
            deadline, unit = _limit(campaign, "urgent_dispatch", since)
        title = issue.title or f"第{issue.number}期（总第{issue.total}期）"
        group(f"role:{step.role}").tasks.append(
            clock.task(f"issue_{step.key}", issue.id, title, doc.path, since, unit, deadline))

    for g in groups.values():
        g.tasks.sort(key=Task.urgency)
    order = {f"role:{r}": i for i, r in enumerate(ROLES)}

    def rank(g: Group) -> tuple:
        kind = g.key.partition(":")[0]
        first = {"committee": 0, "role": 1, "unit": 2, "department": 3}[kind]
        return (first, order.get(g.key, 0), g.key)

    return sorted((g for g in groups.values() if g.tasks), key=rank)


def _tracking_tasks(campaign: Campaign, clock: Clock, s: ItemState, within: int, group) -> None:
    """After dispatch: instructions to assign, handling to do and to follow up, feedback to send."""
    day = clock.day
    record = s.record
    sub = s.sub
    path = feedback_path(sub.id)
    assigned = {h.department for h in s.handling}
    for i in s.instructions:
        missing = [d for d in i.departments if d not in assigned]
        if missing:
            group("role:secretariat").tasks.append(
                clock.task("assign", sub.id, sub.title, path, i.date, detail="、".join(missing),
                           subject=str(s.instructions.index(i) + 1)))
    for due in handling_due(campaign, day, [s]):
        h = due.handling
        done_before = follow_ups(record, h.department, day)
        detail = f"{h.department}，进度 {percent_on(h, day)}%"
        group(f"department:{h.department}").tasks.append(
            clock.task("handling", sub.id, sub.title, path, h.assigned, due.unit, due.deadline,
                       detail=f"进度 {percent_on(h, day)}%", subject=h.department))
        if due.left is not None and due.left <= within:
            if done_before:
                last = done_before[-1]
                detail += f"；已于 {last.date} {last.kind_label}"
            group("role:secretariat").tasks.append(
                clock.task("follow_up", sub.id, sub.title, path, h.assigned, due.unit, due.deadline, detail=detail,
                           subject=h.department))
    tasks = list(s.handling)
    if tasks and all(is_done(h, day) for h in tasks):
        closed = max(h.closed for h in tasks)
        sent = record.feedback_sent
        if sent is None or sent > day or sent < closed:
            deadline, unit = _limit(campaign, "feedback", closed)
            group("role:research_office").tasks.append(
                clock.task("feedback", sub.id, sub.title, path, closed, unit, deadline,
                           detail=s.unit.name if s.unit else sub.unit))


# --- choosing whose list ----------------------------------------------------------------

def name_of(campaign: Campaign, who: str) -> str:
    """How a digest's title names ``who``: a person's, role's or unit's code by its name (zhoum → 周某,
    secretariat → 办公厅秘书处, gsl → 省工商联); a name as written."""
    regs = campaign.registries
    person = regs.person(who)
    if person is not None:
        return person.name
    if who in ROLES:
        return ROLES[who]
    unit = regs.units.get(who)
    return unit.name if unit is not None else who


def select(campaign: Campaign, groups: list[Group], who: str) -> list[Group]:
    """The groups ``who`` names: a person (name or code: the groups of their roles), a role (code or
    Chinese name), a unit (code or name) or a department. LookupError when nothing matches."""
    regs = campaign.registries
    keys: set[str] = set()
    person = regs.person(who)
    if person is not None:
        for role in person.roles:
            keys.add(f"committee:{person.unit}" if role == "committee_office" else f"role:{role}")
    for role, label in ROLES.items():
        if who in (role, label):
            if role == "committee_office":
                keys.update(g.key for g in groups if g.role == "committee_office")
            keys.add(f"role:{role}")
    for code, unit in regs.units.items():
        if who in (code, unit.name):
            keys.update({f"unit:{code}", f"committee:{code}"})
    known_departments = {h.department for r in tracking_of(campaign).by_item.values() for h in r.handling}
    if who in known_departments or any(g.key == f"department:{who}" for g in groups):
        keys.add(f"department:{who}")
    if not keys:
        raise LookupError(who)
    return [g for g in groups if g.key in keys]

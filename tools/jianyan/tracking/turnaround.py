"""Turnaround (办理时效) from the git log: how many working days each step took, item by item.

The dates are those of the commits that made the changes (author dates, in the author's time zone),
never the dates typed into the files: an item is 报送 on the day a commit first gives it
``status: submitted``, 审核 on the day one gives it a reviewed status (accepted, returned, rejected),
采用 on the day one makes it ``adopted``; its bulletin is 报送 (to the leaders) on the day a commit makes
the issue ``dispatched`` (a file added already dispatched tells no day); 批示 on the day its feedback
record first holds a leader's instruction (圈阅 is not 批示), 办结 on the day a later version of the record
first shows every handling task done. A status a file is added with tells no step but 报送 (the sample's
records, committed in bulk, give no figures). One ``git log`` over
submissions/, issues/ and feedback/ and one ``git cat-file --batch`` for the file versions: no command
per item. A campaign outside git, or a history without such changes, has no figures (never an error).

The four measures (``MEASURES``): 报送→审核 (each submission to the decision that follows it; per unit
and per reviewer, the reviewer being the author of the deciding commit as schema/roles.yaml names that
e-mail), 审核→采用, 报送→批示 (bulletin dispatch to the first instruction) and 批示→办结. Each gives the
number of cases, the median and the 90th percentile (nearest rank: the smallest value with at least 90%
of the cases at or below it) in working days (campaign/calendar.py), and the share within the settings'
target where one exists (``settings.deadline``: review; handling when it has days, else the share of
items whose 办结 day is on or before the latest ``deadline`` the record sets: ``target`` is then None and
``within`` that share).

    summary(campaign, until, since=None) -> {"unit", "source", "measures": {key: {label, count, median, p90,
                                             target, within, by_unit, by_reviewer}}}
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from jianyan.campaign.frontmatter import read_markdown, read_yaml
from jianyan.campaign.load import Campaign
from jianyan.campaign.paths import FEEDBACK_DIR, FEEDBACK_SUFFIX, ISSUES_DIR, SUBMISSIONS_DIR
from jianyan.campaign.steps import REVIEWED
from jianyan.vcs.git import Git, GitError

MEASURES = {
    "submit_to_review": "报送→审核",
    "review_to_adopt": "审核→采用",
    "dispatch_to_instruction": "报送→批示",
    "instruction_to_done": "批示→办结",
}


@dataclass(frozen=True)
class Version:
    """One committed version of a file: when, by whom, and what it said that matters here."""

    day: dt.date
    email: str
    author: str
    ident: str  # the item or issue id (feedback: the record's item)
    status: str | None  # submissions and issues
    instructed: bool = False  # feedback: holds an instruction other than 圈阅
    done: bool = False  # feedback: has handling and all of it is done
    deadline: dt.date | None = None  # feedback: the latest handling deadline the version sets


@dataclass
class Interval:
    """One measured step of one item."""

    measure: str
    item: str
    start: dt.date
    end: dt.date
    days: int
    unit: str | None = None  # reporting unit code
    reviewer: str | None = None  # submit_to_review: who decided
    on_time: bool | None = None  # instruction_to_done: done by the record's deadline (None: no deadline)


@dataclass
class History:
    """Per id, its versions oldest first: submissions, issues and feedback records."""

    submissions: dict[str, list[Version]] = field(default_factory=dict)
    issues: dict[str, list[Version]] = field(default_factory=dict)
    records: dict[str, list[Version]] = field(default_factory=dict)


def _git(campaign: Campaign) -> tuple[Git, str] | None:
    try:
        git = Git(campaign.root)
        top = git.toplevel
        if git.head() is None:
            return None
    except GitError:
        return None
    root = campaign.root.resolve()
    return git, ("" if root == top else root.relative_to(top).as_posix() + "/")


def read_history(campaign: Campaign) -> History:
    """Every committed version of the campaign's items, issues and records (oldest first, topological)."""
    out = History()
    found = _git(campaign)
    if found is None:
        return out
    git, prefix = found
    folders = (SUBMISSIONS_DIR, ISSUES_DIR, FEEDBACK_DIR)
    raw = git.run("log", "--reverse", "--topo-order", "--no-renames", "-z", "--raw", "--no-abbrev",
                  "--format=%x1e%H%x1f%aI%x1f%ae%x1f%an", "--", *(prefix + f for f in folders)).stdout
    changes: list[tuple[str, str, str, str, str]] = []  # (blob, path, date, email, author)
    for record in raw.decode("utf-8", "replace").split("\x1e"):
        if not record.strip("\0\n"):
            continue
        header, _, rest = record.partition("\0")
        _, date, email, author = (header.split("\x1f") + ["", "", "", ""])[:4]
        tokens = rest.lstrip("\n").split("\0")
        for i in range(0, len(tokens) - 1, 2):
            meta, path = tokens[i].strip("\n"), tokens[i + 1]
            if not meta.startswith(":"):
                continue
            blob, rel = meta.split(" ")[3], path[len(prefix):]
            if set(blob) != {"0"} and path.startswith(prefix) and _kind_of(rel):
                changes.append((blob, rel, date, email, author))
    blobs = git.objects(list(dict.fromkeys(c[0] for c in changes)))
    targets = {"submission": out.submissions, "issue": out.issues, "record": out.records}
    for blob, path, date, email, author in changes:
        data = blobs.get(blob)
        if data is None:
            continue
        day = dt.date.fromisoformat(date[:10])
        kind = _kind_of(path)
        target = targets[kind]
        read = _record_version if kind == "record" else _front_version
        version = read(path, data, day, email, author)
        if version is not None:
            target.setdefault(version.ident, []).append(version)
    return out


def _kind_of(rel: str) -> str | None:
    """submission, issue or record for the files whose versions count (not Word originals, READMEs…)."""
    if rel.startswith(FEEDBACK_DIR + "/") and rel.endswith(FEEDBACK_SUFFIX):
        return "record"
    if rel.endswith(".md") and rel.startswith(SUBMISSIONS_DIR + "/"):
        return "submission"
    if rel.endswith(".md") and rel.startswith(ISSUES_DIR + "/"):
        return "issue"
    return None


def _front_version(path: str, data: bytes, day: dt.date, email: str, author: str) -> Version | None:
    parsed = read_markdown(path, data)
    meta = parsed.data if isinstance(parsed.data, dict) else {}
    ident, status = meta.get("id"), meta.get("status")
    if not isinstance(ident, str):
        return None
    return Version(day, email, author, ident, status if isinstance(status, str) else None)


def _record_version(path: str, data: bytes, day: dt.date, email: str, author: str) -> Version | None:
    parsed = read_yaml(path, data)
    meta = parsed.data if isinstance(parsed.data, dict) else {}
    item = meta.get("item")
    if not isinstance(item, str):
        return None
    instructions = [i for i in meta.get("instructions") or [] if isinstance(i, dict)]
    handling = [h for h in meta.get("handling") or [] if isinstance(h, dict)]
    instructed = any(i.get("kind", "directive") != "circled" for i in instructions)
    done = bool(handling) and all(h.get("state") == "done" for h in handling)
    deadlines = [d for d in (_day(h.get("deadline")) for h in handling) if d is not None]
    return Version(day, email, author, item, None, instructed, done, max(deadlines) if deadlines else None)


def _day(value: Any) -> dt.date | None:
    """A date as the reader gives it (a date, or its YYYY-MM-DD text); None otherwise."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def _first(versions: list[Version], test) -> Version | None:
    return next((v for v in versions if test(v)), None)


def intervals(campaign: Campaign, history: History | None = None) -> list[Interval]:
    """Every measured step of every item in the history (unfiltered by day)."""
    history = history if history is not None else read_history(campaign)
    cal = campaign.calendar
    regs = campaign.registries
    people = {p.email: p.name for p in (regs.people if regs else []) if p.email}
    units = {d.model.id: d.model.unit for d in campaign.submissions if d.model}
    out: list[Interval] = []

    def add(measure, item, start, end, **extra):
        if end < start:  # commit dates out of order (a backdated or rebased commit): no figure, never a 0
            return
        out.append(Interval(measure, item, start, end, cal.between(start, end, "working"), units.get(item), **extra))

    dispatched: dict[str, dt.date] = {}
    for ident, versions in history.issues.items():
        # a change to dispatched; an issue file added already dispatched tells no day
        hit = next((v for before, v in zip(versions, versions[1:])
                    if v.status == "dispatched" and before.status != "dispatched"), None)
        if hit is not None:
            dispatched[ident] = hit.day
    for ident, versions in history.submissions.items():
        status, submitted, accepted = None, None, None
        for v in versions:
            if v.status == status:
                continue
            if v.status == "submitted":
                submitted = v.day
            elif v.status in REVIEWED and status == "submitted" and submitted is not None:
                add("submit_to_review", ident, submitted, v.day, reviewer=people.get(v.email, v.author))
                submitted = None
            if v.status == "accepted":
                accepted = v.day
            elif v.status == "adopted" and accepted is not None:
                add("review_to_adopt", ident, accepted, v.day)
                accepted = None
            status = v.status
    issue_of = {d.model.id: d.model.adopted_in for d in campaign.submissions if d.model and d.model.adopted_in}
    for item, versions in history.records.items():
        sent = dispatched.get(issue_of.get(item, ""))
        instructed = _first(versions, lambda v: v.instructed)
        if sent is not None and instructed is not None and instructed.day >= sent:
            add("dispatch_to_instruction", item, sent, instructed.day)
        if instructed is not None:
            # a later version that makes it done; a record added instructed and done at once tells no time
            later = versions[versions.index(instructed) + 1:]
            done = _first(later, lambda v: v.done) if not instructed.done else None
            if done is not None:
                add("instruction_to_done", item, instructed.day, done.day,
                    on_time=done.day <= done.deadline if done.deadline else None)
    out.sort(key=lambda i: (i.measure, i.item, i.start))
    return out


def p90(values: list[int]) -> int:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def figures(cases: list[Interval], target: int | None = None) -> dict[str, Any]:
    """Count, median, 90th percentile and the share within ``target`` days (without one: the share on time
    by the records' own deadlines, where the cases have them)."""
    if not cases:
        return {"count": 0, "median": None, "p90": None, "within": None}
    values = [c.days for c in cases]
    median = statistics.median(values)
    if target is not None:
        within = round(sum(1 for v in values if v <= target) / len(values), 4)
    else:
        timed = [c.on_time for c in cases if c.on_time is not None]
        within = round(sum(timed) / len(timed), 4) if timed else None
    return {"count": len(values), "median": int(median) if median == int(median) else median, "p90": p90(values),
            "within": within}


def _target(campaign: Campaign, measure: str) -> int | None:
    settings = campaign.registries.settings
    name = {"submit_to_review": "review", "instruction_to_done": "handling"}.get(measure)
    if name is None:
        return None
    days, unit = settings.deadline(name)
    return days if unit == "working" else None  # a calendar-day target is not compared with working days


def summary(campaign: Campaign, until: dt.date, since: dt.date | None = None,
            history: History | None = None) -> dict[str, Any]:
    """The figures of the steps that ended in [since, until], per measure, unit and reviewer."""
    regs = campaign.registries
    steps = [i for i in intervals(campaign, history) if i.end <= until and (since is None or i.end >= since)]
    measures = {}
    for key, label in MEASURES.items():
        mine = [i for i in steps if i.measure == key]
        target = _target(campaign, key)
        by_unit = {}
        for code in sorted({i.unit for i in mine if i.unit}):
            by_unit[code] = {"name": regs.units[code].name if code in regs.units else code,
                             **figures([i for i in mine if i.unit == code], target)}
        by_reviewer = {}
        if key == "submit_to_review":
            for who in sorted({i.reviewer for i in mine if i.reviewer}):
                by_reviewer[who] = figures([i for i in mine if i.reviewer == who], target)
        measures[key] = {"label": label, "target": target, **figures(mine, target),
                         "by_unit": by_unit, "by_reviewer": by_reviewer,
                         "items": [{"item": i.item, "start": i.start.isoformat(), "end": i.end.isoformat(),
                                    "days": i.days} for i in mine]}
    return {"unit": "working", "source": "git", "measures": measures}


def summary_text(data: dict[str, Any]) -> list[str]:
    """Lines for the terminal's stats: one per measure (nothing when the history has no changes)."""
    rows = [m for m in data["measures"].values() if m["count"]]
    if not rows:
        return []
    lines = ["", "办理时效（按 git 提交记录的日期，工作日；中位数 / 90%分位 / 件数）："]
    for m in rows:
        share = "" if m["within"] is None else (f"，{m['target']} 个工作日内 {m['within'] * 100:.1f}%" if m["target"]
                                               else f"，在办理时限内 {m['within'] * 100:.1f}%")
        lines.append(f"  {m['label']}：{m['median']} / {m['p90']} 个工作日，{m['count']} 件{share}")
    return lines

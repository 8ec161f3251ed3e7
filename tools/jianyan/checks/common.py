"""Small helpers shared by check families."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Callable, Iterable, Iterator

from jianyan.campaign.calendar import Calendar, CalendarError
from jianyan.campaign.load import Doc


def today(ctx) -> dt.date:
    """The day a check judges dates against: ``ctx.today``, which whoever builds the context sets (the
    clock's day by default; a test or a check replayed for a past day gives its own). Never the clock here."""
    return ctx.today


def calendar(campaign) -> Calendar:
    """The campaign's working days for a check. A schema/calendar.yaml that cannot be read counts Monday to
    Friday here: the status family reports it (schema.calendar_invalid) and the other checks still run."""
    try:
        return campaign.calendar
    except CalendarError:
        return Calendar()


def repeated(docs: Iterable[Doc], key: Callable[[Doc], str]) -> Iterator[tuple[str, Doc, str]]:
    """For every value of ``key`` held by more than one valid document: (value, document, the others' paths)."""
    seen: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        if doc.model is not None:
            seen[key(doc)].append(doc)
    for value, group in seen.items():
        if len(group) > 1:
            for doc in group:
                yield value, doc, "、".join(d.path for d in group if d is not doc)

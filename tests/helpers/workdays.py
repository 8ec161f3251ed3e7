"""Working days counted one day at a time from a campaign's schema/calendar.yaml, with plain YAML: the
tests' own count, independent of campaign/calendar.py (test_todo, test_turnaround)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml


def _days(text) -> list[dt.date]:
    parts = [dt.date.fromisoformat(p.strip()) for p in str(text).split("至")]
    first, last = parts[0], parts[-1]
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


class Days:
    def __init__(self, root: Path) -> None:
        years = yaml.safe_load((root / "schema/calendar.yaml").read_text(encoding="utf-8"))["years"]
        self.off = {d for y in years.values() for span in (y.get("holidays") or {}).values() for d in _days(span)}
        self.on = {dt.date.fromisoformat(str(d)) for y in years.values() for d in (y.get("workdays") or [])}

    def working(self, day: dt.date) -> bool:
        return day in self.on or (day.weekday() < 5 and day not in self.off)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        return sum(1 for k in range(1, (end - start).days + 1) if self.working(start + dt.timedelta(days=k)))

    def add(self, start: dt.date, n: int) -> dt.date:
        day = start
        while n:
            day += dt.timedelta(days=1)
            n -= self.working(day)
        return day

"""Working days (工作日): the statutory holidays and the make-up working days (调休) of each year.

The arrangement is the State Council's yearly notice (国务院办公厅关于 XXXX 年部分节假日安排的通知),
kept in ``schema/calendar.yaml`` so that the tool runs offline and a campaign can add next year's
arrangement each December. A day is a working day when the file names it a make-up working day, else
when it is not a holiday and falls Monday to Friday. Years the file does not cover count Monday to
Friday (``Calendar.covers`` tells; checks/status.py warns about such a year inside the campaign).

Counting follows the offices' usage: a time limit of N working days starting on a day ends on the N-th
working day after it (``add``); the time taken between two days counts the working days after the first
up to and including the second (``between``), so an item submitted on Friday and reviewed on Monday took
1 working day.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from jianyan.core.errors import JianyanError
from jianyan.campaign.frontmatter import read_yaml
from jianyan.campaign.paths import registry_path

CALENDAR_FILE = registry_path("calendar")
UNITS = {"working": "工作日", "calendar": "自然日"}  # a time limit's unit by name (settings.deadlines); a count: days_text
COUNT_WORDS = {"working": "个工作日", "calendar": "天"}  # after a number: "已逾期 3 个工作日" / "已逾期 3 天"
_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_RANGE = re.compile(rf"{_DAY}(?:\s*(?:至|到|~|\.\.)\s*{_DAY})?")
CALENDAR_MAX_BYTES = 1_000_000


def days_text(n: int, unit: str, sep: str = " ") -> str:
    """A count of days as every list, letter and report words it: ``3 个工作日`` / ``3 天`` (COUNT_WORDS);
    ``sep=""`` inside running Chinese text (已逾期3个工作日)."""
    return f"{n}{sep}{COUNT_WORDS[unit]}"


class CalendarError(JianyanError):
    """schema/calendar.yaml cannot be used: the message names the file line and the fix (``path``, ``line``
    and ``problem``: the same, apart, for a check to report it as a finding)."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem


@dataclass(frozen=True)
class Calendar:
    """Holidays and make-up working days; ``years``: the years whose arrangement is known."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # make-up working days (调休上班), usually a Saturday or Sunday
    years: frozenset[int] = frozenset()
    # The same days sorted, for counting a range with two bisections.
    _off: tuple[dt.date, ...] = field(default=(), init=False, repr=False, compare=False)
    _on: tuple[dt.date, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Only the days that change a Monday-to-Friday count: a holiday on a weekday, a make-up day at the weekend.
        object.__setattr__(self, "_off", tuple(sorted(d for d in self.holidays - self.workdays if d.weekday() < 5)))
        object.__setattr__(self, "_on", tuple(sorted(d for d in self.workdays if d.weekday() >= 5)))

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def between(self, start: dt.date, end: dt.date, unit: str = "working") -> int:
        """Days after ``start`` up to and including ``end`` (0 if ``end`` is not after ``start``)."""
        _unit(unit)
        if end <= start:
            return 0
        if unit == "calendar":
            return (end - start).days
        return _weekdays_after(start, end) - _count(self._off, start, end) + _count(self._on, start, end)

    def add(self, start: dt.date, days: int, unit: str = "working") -> dt.date:
        """The day ``days`` (working) days after ``start`` (before it when ``days`` is negative)."""
        _unit(unit)
        if unit == "calendar":
            return start + dt.timedelta(days=days)
        step = dt.timedelta(days=1 if days >= 0 else -1)
        day, left = start, abs(days)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day


def _unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be 'working' or 'calendar', not {unit!r}")


def _count(days: tuple[dt.date, ...], start: dt.date, end: dt.date) -> int:
    """How many of the sorted ``days`` are after ``start`` and not after ``end``."""
    return bisect.bisect_right(days, end) - bisect.bisect_right(days, start)


def _weekdays_after(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays after ``start`` up to and including ``end``."""
    n = (end - start).days
    weeks, rest = divmod(n, 7)
    count = weeks * 5
    first = (start.weekday() + 1) % 7  # weekday of the first day counted
    count += sum(1 for k in range(rest) if (first + k) % 7 < 5)
    return count


def load_calendar(root: Path) -> Calendar:
    """The calendar of the campaign at ``root`` (an empty one, Monday to Friday, when the file is absent).

    Raises CalendarError with ``schema/calendar.yaml:<line>`` and the fix for a file that cannot be read."""
    path = root / CALENDAR_FILE
    try:
        raw = path.read_bytes() if path.stat().st_size <= CALENDAR_MAX_BYTES else None
    except FileNotFoundError:
        return Calendar()
    except OSError as exc:
        raise CalendarError(CALENDAR_FILE, 1, f"文件无法读取（{exc.strerror}）。请检查文件权限") from None
    if raw is None:
        raise CalendarError(CALENDAR_FILE, 1, f"文件超过 {CALENDAR_MAX_BYTES} 字节，不像节假日安排表。请检查文件内容")
    return parse_calendar(CALENDAR_FILE, raw)


def parse_calendar(relpath: str, raw: bytes) -> Calendar:
    """Read the calendar file's bytes (``relpath``: its name in messages). Format: see schema/calendar.yaml."""
    if not any(line.strip() and not line.lstrip().startswith(b"#") for line in raw.splitlines()):
        # read_yaml's own words for an empty file ask for a submission's keys
        raise CalendarError(relpath, 1, "文件是空的（或只有注释），没有 years: 一项。请按 jianyan 仓库 schema/calendar.yaml 的格式，"
                                        "在 years: 下按年份写明节假日（holidays）和调休上班日（workdays）")
    parsed = read_yaml(relpath, raw)
    bad = [f for f in parsed.findings if f.severity == "error"]
    if bad or not parsed.ok:
        f = bad[0] if bad else None
        line = f.line if f else 1
        raise CalendarError(relpath, line, f.message if f else "文件是空的")

    def fail(key: tuple, message: str) -> CalendarError:
        return CalendarError(relpath, parsed.line_of(key), message)

    data = parsed.data
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise fail(("years",), "应有 years: 一项，其下按年份列出各年的节假日安排（格式见文件开头的说明）")
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    years: set[int] = set()
    for year_text, entry in data["years"].items():
        if not re.fullmatch(r"\d{4}", str(year_text)):
            raise fail(("years", year_text), f"“{year_text}”不是年份，应写四位数字，如 2021:")
        if not isinstance(entry, dict):
            raise fail(("years", year_text), f"{year_text} 年下应有 holidays: 和 workdays: 两项")
        unknown = set(entry) - {"source", "holidays", "workdays"}
        if unknown:
            key = sorted(unknown)[0]
            raise fail(("years", year_text, key),
                       f"不认识的项“{key}”。每年只写 source（通知名称）、holidays（放假）、workdays（调休上班）")
        year = int(year_text)
        years.add(year)
        named = entry.get("holidays") or {}
        if not isinstance(named, dict):
            raise fail(("years", year_text, "holidays"), "holidays: 下应按节日逐行写“节日名: 开始日 至 结束日”，如 春节: 2021-02-11 至 2021-02-17")
        for name, span in named.items():
            key = ("years", year_text, "holidays", name)
            days = _span(span)
            if days is None:
                raise fail(key, f"“{span}”应写成 YYYY-MM-DD，或 YYYY-MM-DD 至 YYYY-MM-DD（开始日不晚于结束日，日期有效）")
            if any(abs(d.year - year) > 1 for d in days):
                raise fail(key, f"{name} 的日期不在 {year} 年前后，请检查年份")
            holidays.update(days)
        listed = entry.get("workdays") or []
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list):
            raise fail(("years", year_text, "workdays"), "workdays: 应列出调休上班的日期，如 [2021-02-07, 2021-02-20]")
        for i, text in enumerate(listed):
            days = _span(text)
            if days is None or len(days) != 1:
                raise fail(("years", year_text, "workdays", i), f"调休上班日“{text}”应写成一个日期 YYYY-MM-DD")
            if days[0].weekday() < 5:
                raise fail(("years", year_text, "workdays", i),
                           f"{days[0]} 本来就是工作日（周一至周五），调休上班日应是周六或周日。请核对通知")
            workdays.add(days[0])
    clash = holidays & workdays
    if clash:
        day = min(clash)
        raise CalendarError(relpath, 1, f"{day} 既写为放假又写为调休上班，请核对通知")
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(years))


def _span(text: object) -> list[dt.date] | None:
    """The days of ``2021-02-11`` or ``2021-02-11 至 2021-02-17``; None when not so written."""
    m = _RANGE.fullmatch(str(text).strip())
    if not m:
        return None
    try:
        first = dt.date(*map(int, m.group(1, 2, 3)))
        last = dt.date(*map(int, m.group(4, 5, 6))) if m.group(4) else first
    except ValueError:
        return None
    if last < first or (last - first).days > 31:
        return None
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]

"""Working days (campaign/calendar.py, schema/calendar.yaml): days counted by hand from the published
arrangements, never by the code under test."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jianyan.campaign.calendar import Calendar, CalendarError, load_calendar, parse_calendar

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return load_calendar(ROOT)


@pytest.mark.parametrize("day, working", [
    (D(2021, 4, 5), False),   # 清明节 (Monday)
    (D(2021, 4, 6), True),
    (D(2021, 4, 25), True),   # Sunday, make-up working day before 劳动节
    (D(2021, 5, 3), False),   # 劳动节 (Monday)
    (D(2021, 5, 8), True),    # Saturday, make-up working day after 劳动节
    (D(2021, 5, 9), False),   # plain Sunday
    (D(2021, 6, 14), False),  # 端午节 (Monday)
    (D(2021, 2, 7), True),    # Sunday before 春节
    (D(2020, 2, 1), False),   # Saturday: the 2020 Spring Festival extension cancelled this make-up day
    (D(2023, 12, 31), False),  # a Sunday (2023-12-31 is in no arrangement)
    (D(2022, 12, 31), False),  # 2023's 元旦 starts on 2022-12-31
    (D(2026, 2, 23), False),  # 春节 2026 (Monday)
    (D(2026, 2, 28), True),   # Saturday, make-up day 2026
])
def test_working_day(cal, day, working):
    assert cal.is_working_day(day) is working


# (start, end, working days after start up to and including end), counted on a printed calendar.
@pytest.mark.parametrize("start, end, working", [
    (D(2021, 4, 1), D(2021, 4, 8), 4),    # Fri 2, [Sat 3 – Mon 5 清明], Tue 6, Wed 7, Thu 8
    # Sun 25 (调休), Mon 26 … Fri 30 (6), [1–5 May 劳动节], Thu 6, Fri 7, Sat 8 (调休), Mon 10
    (D(2021, 4, 23), D(2021, 5, 10), 10),
    (D(2021, 6, 10), D(2021, 6, 16), 3),  # Fri 11, [Sat 12 – Mon 14 端午], Tue 15, Wed 16
    (D(2021, 3, 1), D(2021, 3, 1), 0),
    (D(2021, 3, 2), D(2021, 3, 1), 0),
])
def test_between(cal, start, end, working):
    assert cal.between(start, end) == working
    assert cal.between(start, end, "calendar") == max(0, (end - start).days)


def test_add_is_the_inverse_of_between(cal):
    assert cal.add(D(2021, 4, 30), 1) == D(2021, 5, 6)     # 劳动节 1–5 May
    assert cal.add(D(2021, 5, 6), 2) == D(2021, 5, 8)      # the make-up Saturday counts
    assert cal.add(D(2021, 6, 11), 1) == D(2021, 6, 15)    # 端午 12–14 June
    assert cal.add(D(2021, 6, 11), 0) == D(2021, 6, 11)
    assert cal.add(D(2021, 6, 15), -1) == D(2021, 6, 11)
    assert cal.add(D(2021, 6, 11), 3, "calendar") == D(2021, 6, 14)
    start = D(2021, 1, 4)
    for n in range(0, 300, 7):
        assert cal.between(start, cal.add(start, n)) == n


def test_years_covered_and_outside(cal):
    assert all(cal.covers(y) for y in range(2020, 2027))
    assert not cal.covers(2030)
    # A year the file does not cover counts Monday to Friday.
    assert cal.between(D(2030, 1, 4), D(2030, 1, 11)) == 5  # Fri 4 → Fri 11: Mon 7 … Fri 11


def test_absent_file_is_monday_to_friday(tmp_path):
    empty = load_calendar(tmp_path)
    assert empty.years == frozenset() and empty.is_working_day(D(2021, 5, 3))


@pytest.mark.parametrize("text, line, words", [
    ("years:\n  2021:\n    holidays:\n      春节: 2021-02-31\n", 4, "YYYY-MM-DD"),
    ("years:\n  2021:\n    holidays:\n      春节: 2021-02-17 至 2021-02-11\n", 4, "开始日不晚于结束日"),
    ("years:\n  2021:\n    workdays: [2021-02-08]\n", 3, "本来就是工作日"),
    ("years:\n  21:\n    workdays: []\n", 2, "四位数字"),
    ("years:\n  2021:\n    holiday: {}\n", 3, "不认识的项"),
    ("2021: {}\n", 1, "years:"),
    ("years:\n  2021:\n    holidays:\n      春节: 2021-02-11 至 2021-02-17\n    workdays: [2021-02-13]\n", 1, "既写为放假"),
    ("", 1, "years:"),  # not read_yaml's words for an empty submission (id、title…)
    ("# 2021 年的安排待补\n\n", 1, "years:"),
])
def test_bad_file_names_line_and_fix(text, line, words):
    with pytest.raises(CalendarError) as exc:
        parse_calendar("schema/calendar.yaml", text.encode())
    message = str(exc.value)
    assert message.startswith(f"schema/calendar.yaml:{line}:") and words in message, message
    assert "id、title" not in message

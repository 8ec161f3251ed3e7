"""pii.*: personal data — resident ID numbers, mobile and landline numbers, e-mail addresses.

Checked in submissions' titles and bodies and in bulletin issue bodies; the private ``contact``
field is the one place they are allowed. Text is NFKC-normalised first (full-width １３８… is
caught) with a map back to the original columns. Numbers in messages are masked, so a CI log
never repeats the personal data it found.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from ..dup.normalise import nfkc_chars
from ..findings import Finding
from ..repo import Campaign
from .rules import Reporter

# GB 11643-1999: the first two digits are a province-level code.
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
ID18 = re.compile(_EDGE_L + r"(\d{6})(\d{4})(\d{2})(\d{2})\d{3}[0-9Xx]" + _EDGE_R)
ID15 = re.compile(_EDGE_L + r"(\d{6})(\d{2})(\d{2})(\d{2})\d{3}" + _EDGE_R)
MOBILE = re.compile(r"(?<![0-9A-Za-z.\-/])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9A-Za-z])")
# Area code 010, 02x or 0xxx (x 3-9), then a 7–8 digit local number not starting with 0 or 1
# (written 86061234, 8606-1234 or 8606 1234), optionally an extension.
LANDLINE = re.compile(r"(?<![0-9A-Za-z.\-/])(?:\(0(?:10|2\d|[3-9]\d{2})\)|（0(?:10|2\d|[3-9]\d{2})）"
                      r"|0(?:10|2\d|[3-9]\d{2})[- ]?)[2-9]\d{2,3}[- ]?\d{4}(?:-\d{1,5})?(?![0-9A-Za-z])")
BARE_LOCAL = re.compile(r"(?<![0-9A-Za-z.\-/])[2-9]\d{6,7}(?![0-9A-Za-z])")
PHONE_WORDS = re.compile(r"电话|座机|手机|热线|联系方式|联系|致电|拨打|传真|Tel|TEL|tel|Phone|phone")
# Boundaries are Latin-only: in Chinese text an address touches Han characters (邮箱x@163.com索取).
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                   r"(?![A-Za-z0-9-])")
# A number followed by a unit is an amount or a statistic, not a phone number.
UNIT_AFTER = re.compile(r"\s?(?:万|亿|千|百|元|吨|人|个|户|家|台|辆|件|次|平方|亩|公里|米|%|‰)")


@dataclass(frozen=True)
class Match:
    code: str
    start: int  # offsets in the ORIGINAL text
    end: int
    value: str  # normalised digits/text as found


def normalise(text: str) -> tuple[str, list[int]]:
    """NFKC text and, for each of its characters, the index of the original character."""
    same = nfkc_chars(text)
    if same is not None:  # no character expands: positions stay
        return same, list(range(len(text) + 1))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        out.append(n)
        where.extend([i] * len(n))
    where.append(len(text))
    return "".join(out), where


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def id18_valid(number: str) -> bool:
    """An 18-digit resident ID: province code, real birth date and the GB 11643 check character."""
    if not re.fullmatch(r"\d{17}[0-9Xx]", number) or int(number[:2]) not in PROVINCES:
        return False
    if not _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS))
    return CHECK_CHARS[total % 11] == number[17].upper()


def id15_valid(number: str) -> bool:
    """A 15-digit (pre-1999) ID: province code and a real 19YY birth date; it has no check digit."""
    if not re.fullmatch(r"\d{15}", number) or int(number[:2]) not in PROVINCES:
        return False
    return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def scan(text: str, context: int = 8) -> list[Match]:
    """Personal data in ``text`` (any script width), positions in the original text."""
    norm, where = normalise(text)
    found: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(code: str, a: int, b: int) -> None:
        if free(a, b):
            taken.append((a, b))
            found.append((code, a, b))

    for m in EMAIL.finditer(norm):
        add("pii.email", m.start(), m.end())
    for m in ID18.finditer(norm):
        if id18_valid(m.group()):
            add("pii.id_card", m.start(), m.end())
    for m in ID15.finditer(norm):
        if id15_valid(m.group()):
            add("pii.id_card_old", m.start(), m.end())
    for m in MOBILE.finditer(norm):
        if not UNIT_AFTER.match(norm, m.end()):
            add("pii.mobile", m.start(), m.end())
    for m in LANDLINE.finditer(norm):
        if not UNIT_AFTER.match(norm, m.end()):
            add("pii.landline", m.start(), m.end())
    for m in BARE_LOCAL.finditer(norm):
        before = norm[max(0, m.start() - context):m.start()]
        if PHONE_WORDS.search(before) and not UNIT_AFTER.match(norm, m.end()):
            add("pii.landline", m.start(), m.end())
    return sorted((Match(code, where[a], where[b], norm[a:b]) for code, a, b in found),
                  key=lambda x: (x.start, x.code))


def mask(value: str) -> str:
    """Show enough to find it, not enough to leak it: 3701**********123X, 138****8000, z***@x.cn."""
    if "@" in value:
        user, _, domain = value.partition("@")
        return f"{user[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    keep = 4 if len(digits) >= 15 else 3
    return digits[:keep] + "*" * max(0, len(digits) - keep - 4) + digits[-4:]


LABELS = {
    "pii.id_card": "身份证号", "pii.id_card_old": "15 位身份证号", "pii.mobile": "手机号码",
    "pii.landline": "电话号码", "pii.email": "电子邮箱",
}


def findings_in(text: str, line0: int, report, context: int, where: str, column0: int = 1) -> Iterator[Finding]:
    """Findings for ``text`` whose line 0 is file line ``line0`` (``column0``: column of its first character)."""
    for i, line in enumerate(text.split("\n")):
        for m in scan(line, context):
            f = report(m.code, line0 + i,
                       f"{where}含有{LABELS[m.code]} {mask(m.value)}，个人信息不能写进{where}（会进入专刊或网站）",
                       (column0 if i == 0 else 1) + m.start)
            if f is not None:
                yield f


def _is_draft(doc) -> bool:
    """Draft status, read from the raw front matter when the model did not validate."""
    if doc.model is not None:
        return doc.model.status == "draft"
    return (doc.parsed.data or {}).get("status") == "draft"


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    context = regs.settings.quality.landline_context if regs else 8
    # Personal data is looked for even in files whose front matter has errors: it must never slip
    # through while the author fixes something else.
    for doc in (*campaign.submissions, *campaign.issues):
        if not doc.parsed.text or not ctx.in_scope(doc.path):
            continue
        report = Reporter(campaign, doc.path, _is_draft(doc))
        title = getattr(doc.model, "title", None)
        if title:
            col = doc.parsed.column_of(("title",), value=True) or 1
            raw = doc.parsed.text.split("\n")[doc.line("title") - 1]
            if raw[col - 1:col] in ("'", '"'):
                col += 1  # a quoted title: offsets count from inside the quotes
            yield from findings_in(title, doc.line("title"), report, context, "标题", col)
        yield from findings_in(doc.body, doc.body_line, report, context, "正文")

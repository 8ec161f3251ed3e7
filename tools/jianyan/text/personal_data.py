"""Personal data as a reader sees it: one normaliser and one set of rules for every public output.

`jianyan check` (checks/pii.py), the public site (its scan of the published files and its last gate
over the finished pages, site.py), publicity drafts and open data all call the functions here, so a
number written to dodge one of them dodges none:

- ``find_personal_data(text)``: text as a reader sees it (a title, a press release, a CSV cell);
- ``find_personal_data_in_markdown(markdown)``: a body as the site renders it;
- ``find_personal_data_in_html(html)``: a finished page, its text and its attribute values.

Each returns ``Match(code, start, end, value)``: offsets in the string given (the Markdown or HTML
source, not the rendered text), and the normalised number or address (``mask()`` it before showing).
Codes: ``pii.id_card``, ``pii.id_card_old``, ``pii.mobile``, ``pii.landline``, ``pii.email``.

The normaliser, in order; every step keeps a map from each output character back to the source:
 1. Markdown rendered to text with the parser the site renders with (markdown.html_parser):
    emphasis, code spans, backslash escapes, links and soft line breaks are what the page shows;
    link targets, link and image titles and image paths are scanned on their own (the page holds them). Blocks (paragraphs, table cells,
    list items, footnote marks) are kept apart: numbers in neighbouring cells are not one number.
 2. Character references decoded (``&#49;`` ``&#x31;`` ``&commat;``, twice-encoded ``&amp;#49;``).
 3. Each character NFKC-normalised (full-width, circled ①, mathematical 𝟏, U+3000 and no-break
    spaces), digits of any script read as 0–9; format and zero-width characters (U+200B, U+2060,
    soft hyphen, ZWJ, BOM, bidi controls), combining marks, variation selectors and blank fillers
    dropped.
 4. Runs of seven or more Chinese digits (〇一二…九 幺 两, 壹贰叁…玖 and traditional 貳參陸…), alone or
    mixed with Arabic digits (一3八0零…), read as digits.
 5. White space runs read as one space; e-mail spellings folded: ``(at)`` ``[aT]`` ``[dot]`` in any case,
    spaces around ``@`` and around a domain's dots (``x @163 . com``), ``。`` in a domain.
Then the rules look at runs of digit groups split by up to four separators (spaces, dashes, dots,
brackets, slashes, commas, underscores, quotes, line breaks; a run of white space counts as one, as
a browser shows it; a dash, dot or slash before a run blocks a phone only when a Latin letter or
digit comes before it: ``SD-13800138000``, but not ``张三-13800138000``): a phone or ID number is a span of whole
groups whose digits make one (province, birth date and GB 11643 check character for IDs; 1[3-9] and
11 digits for mobiles; an area code and a 7–8 digit local number for landlines; a bare local number
only as a whole run after a word such as 电话). So ``138.0013.8000`` and ``370102 19800101 1237``
are caught, while a group is never split (``1380013800012`` is no phone), a decimal point or comma
before or after a span joins it to its neighbour (``3.13800138000`` is a decimal), a number grouped
in thousands (``13,800,138,000``) or followed by a unit (``13800138000 元``) is an amount.

Hand-written because no library does it: markdown-it gives inline tokens a line range but no
character offsets (``_inline`` aligns the rendered text with the source), and the digit-group rules
follow Chinese phone and ID conventions. Every pattern over user text is a single pass without
nested quantifiers whose parts could match the same characters, so time is linear in the text
(tests/security feed 1 MB lines).
"""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import unquote

from jianyan.text.markdown import html_tokens

# GB 11643-1999: the first two digits are a province-level code.
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

LABELS = {
    "pii.id_card": "身份证号", "pii.id_card_old": "15 位身份证号", "pii.mobile": "手机号码",
    "pii.landline": "电话号码", "pii.email": "电子邮箱",
}

BLOCK = "\x00"  # between blocks and pieces of rendered text: never part of a number
# Separators a reader skips inside a written number (after NFKC: full-width forms are ASCII here).
_SEP = r"[ \t\n\-‐‑‒–—―−~_.·・•/\\()\[\]{}<>〈〉【】,'\"“”‘’|]"
# A run of digit groups; an ID's check character X may end a group.
_RUN = re.compile(rf"[0-9]+[Xx]?(?:{_SEP}{{1,4}}[0-9]+[Xx]?)*")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d{2})[2-9]\d{6,7}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
PHONE_WORDS = re.compile(r"电话|座机|手机|热线|联系方式|联系|致电|拨打|传真|Tel|TEL|tel|Phone|phone")
# A number followed by a unit is an amount or a statistic, not a phone number.
UNIT_AFTER = re.compile(r"\s?(?:万|亿|千|百|元|吨|人|个|户|家|台|辆|件|次|平方|亩|公里|米|%|‰)")
# Boundaries are Latin-only: in Chinese text an address touches Han characters (邮箱x@163.com索取).
# A domain's dots may be written 。 (x@163。com).
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:[.。][A-Za-z0-9-]+)*[.。][A-Za-z]{2,}"
                   r"(?![A-Za-z0-9-])")
_AT = re.compile(r"[ \t]{0,3}[(\[{<【]\s?[aA][tT]\s?[)\]}>】][ \t]{0,3}"
                 r"|(?<=[A-Za-z0-9])[ \t]{1,3}@[ \t]{0,3}(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])@[ \t]{1,3}(?=[A-Za-z0-9])")
_DOT = re.compile(r"[ \t]{0,3}[(\[{<【]\s?[dD][oO][tT]\s?[)\]}>】][ \t]{0,3}")
# A domain whose dots have spaces around them (x@163 . com): the spaces are dropped. The dot is
# required between labels and no label character is a space or a dot, so the repeat is linear.
_SPACED_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(?:[ \t]{0,3}[.。][ \t]{0,3}[A-Za-z0-9-]+)+")
_SPACES = re.compile(r"[ \t\n]{2,}")  # a browser shows a run of white space as one space
_REF = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});?")
# Chinese digits as a number is read out or written in capitals (simplified and traditional):
# 〇 零 一…九, 幺 (one), 两/兩 (two), 壹 贰/貳/貮/弍 叁/叄/參/弎 肆 伍 陆/陸 柒 捌 玖 (and 弌). 拾 is
# ten, a place value of an amount (壹拾叁万), not a digit.
_CN_VALUES = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "幺": 1, "壹": 1, "弌": 1, "二": 2, "两": 2, "兩": 2,
    "贰": 2, "貳": 2, "貮": 2, "弍": 2, "三": 3, "叁": 3, "叄": 3, "參": 3, "弎": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CN_DIGITS = "".join(_CN_VALUES)
_CN_TABLE = str.maketrans({ch: str(v) for ch, v in _CN_VALUES.items()})
_CN_RUN = re.compile(rf"[{_CN_DIGITS}](?:{_SEP}{{0,3}}[{_CN_DIGITS}]){{6,}}")
# Chinese and Arabic digits mixed (一3八0零一3八0零0): seven or more of either in a run. ○ (a
# white circle) counts only in a run that holds another Chinese digit: with Arabic digits alone it
# masks them (138○○○○8000), beside 一…九 it is a zero (一3八○○一3八○○○).
_CN_MIXED = _CN_DIGITS.replace("○", "")
_MIXED_RUN = re.compile(rf"[{_CN_DIGITS}0-9](?:{_SEP}{{0,3}}[{_CN_DIGITS}0-9]){{6,}}")
_HAS_CN_DIGIT = re.compile(rf"[{_CN_MIXED}]")
# Latin labels a contact number follows with a mark (Tel.1380…, wx-1380…, Li-1380…): the mark is
# punctuation there, not the join of a code or a path (SD-1380…, /p/1380…) that blocks a phone.
_LABEL_BEFORE_MARK = re.compile(r"(?<![A-Za-z0-9])(?:(?i:tel|mob|mobile|phone|cell|fax|wx|wechat|qq)|(?!No$)[A-Z][a-z]+)$")  # (No.1380…: a number, not a contact)
# Visible as nothing, though not format characters: Hangul fillers, the braille blank.
_BLANKS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


@dataclass(frozen=True)
class Match:
    code: str
    start: int  # offsets in the text given (Markdown or HTML source for those functions)
    end: int
    value: str  # normalised digits (or address) as found


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    # The real clock, not a check's as-of day: whether a person born on that day can exist is a fact of
    # the day the text is published or checked, and a report "as of" 2021 must still hide the ID of a
    # person born in 2024. The bound only drops impossible dates; it never hides a real ID.
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


def mask(value: str) -> str:
    """Show enough to find it, not enough to leak it: 3701**********123X, 138****8000, z***@x.cn."""
    if "@" in value:
        user, _, domain = value.partition("@")
        return f"{user[:1]}***@{domain}"
    digits = re.sub(r"[^0-9Xx]", "", value)
    keep = 4 if len(digits) >= 15 else 3
    return digits[:keep] + "*" * max(0, len(digits) - keep - 4) + digits[-4:]


# --- public functions -------------------------------------------------------------------------

def find_personal_data(text: str, context: int = 8) -> list[Match]:
    """Personal data in text as a reader sees it; ``context``: characters before a bare local
    number searched for a word such as 电话."""
    return _find(text, list(range(len(text) + 1)), [], context)


def find_personal_data_in_markdown(markdown: str, context: int = 8) -> list[Match]:
    """Personal data in a Markdown body as the site shows it; offsets in ``markdown``. Most bodies hold
    none: their text is searched first without the offsets, which only a match needs."""
    text, _, extras = _markdown_text(markdown, aligned=False)
    if not _find(text, [0] * (len(text) + 1), extras, context):
        return []
    text, where, extras = _markdown_text(markdown)
    return _find(text, where, extras, context)


def find_personal_data_in_html(page: str, context: int = 8) -> list[Match]:
    """Personal data in an HTML page: its text and the attribute values it carries; offsets in ``page``."""
    reader = _PageText(page)
    text, where = reader.result()
    return _find(text, where, reader.extras, context)


def line_col(text: str, offsets: list[int]) -> list[tuple[int, int]]:
    """0-based line and 1-based column of each offset into ``text``."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out = []
    for off in offsets:
        line = bisect_right(starts, off) - 1
        out.append((line, off - starts[line] + 1))
    return out


def _find(text: str, where: list[int], extras: list[tuple[str, int]], context: int) -> list[Match]:
    """Matches in ``text`` (``where``: source offset of each character, and of its end), then in each
    extra piece (a link target: all of it at one source offset) not already found in the text."""
    found = _rules(*_fold(text, where), context)
    seen = {(m.code, m.value) for m in found}
    for piece, at in extras:
        for m in _rules(*_fold(piece, [at] * (len(piece) + 1)), context):
            if (m.code, m.value) not in seen:
                seen.add((m.code, m.value))
                found.append(m)
    return sorted(found, key=lambda m: (m.start, m.code))


# --- step 1: Markdown rendered to text ------------------------------------------------------------

_ATOM = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});|\\[!-/:-@\[-`{-~]")
_WINDOW = 64  # markup skipped between two rendered characters, at most (further: not aligned)


def _atom_text(atom: str) -> str:
    return atom[1:] if atom.startswith("\\") else html.unescape(atom)


def _markdown_text(markdown: str, aligned: bool = True) -> tuple[str, list[int] | None, list[tuple[str, int]]]:
    """The body's rendered text (blocks joined by BLOCK), each character's source offset, and the
    link targets with the offset of their link; without ``aligned``, the same text and targets, and no
    offsets (None, and 0 for each target)."""
    lines = markdown.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    parts: list[str] = []
    where: list[int] = []
    extras: list[tuple[str, int]] = []
    cursor: dict[int, int] = {}  # per source line, where the next table cell's text is looked for

    def content_map(content: str, first: int) -> list[int]:
        """Source offset of each character of a block's content (and of its end): line i of the
        content is the end of source line ``first + i`` (or, in a table row, a part of it)."""
        out: list[int] = []
        for i, piece in enumerate(content.split("\n")):
            n = min(first + i, len(lines) - 1)
            src = lines[n]
            if src.endswith(piece):
                col = len(src) - len(piece)
            elif src.rstrip().endswith(piece):
                col = len(src.rstrip()) - len(piece)
            else:
                col = max(src.find(piece, cursor.get(n, 0)), 0)
            cursor[n] = col + len(piece)
            out.extend(range(starts[n] + col, starts[n] + col + len(piece) + 1))
        return out

    def add(text: str, offs: list[int]) -> None:
        if text:
            if parts:
                parts.append(BLOCK)
                if aligned:
                    where.append(offs[0])
            parts.append(text)
            if aligned:
                where.extend(offs[:len(text)])

    for tok in html_tokens(markdown):
        if not tok.map:
            continue
        if tok.type == "inline":
            text, offs = _inline(tok, content_map(tok.content, tok.map[0]) if aligned else None, extras)
            add(text, offs)
        elif tok.type in ("fence", "code_block"):
            first = tok.map[0] + (tok.type == "fence")
            add(tok.content, content_map(tok.content, first) if aligned else None)
    where.append(len(markdown))
    return "".join(parts), where if aligned else None, extras


def _inline(tok, cmap: list[int] | None, extras: list[tuple[str, int]]) -> tuple[str, list[int]]:
    """An inline token's rendered text, each character aligned with the source (``cmap``: the source
    offset of each character of its content; None: the text alone): the rendered text is
    the source minus markup, with references and escapes decoded, so each character is found at or a
    little after the previous one (a soft break is the next newline)."""
    src = tok.content
    out: list[str] = []
    offs: list[int] = []
    p = 0

    def emit(text: str) -> None:
        nonlocal p
        out.append(text)
        if cmap is None:
            return
        if src.startswith(text, p):  # the common case: a plain run of text
            offs.extend(cmap[p:p + len(text)])
            p += len(text)
            return
        for ch in text:
            at = _align(src, ch, p)
            if at is None:
                offs.append(cmap[min(p, len(src))])
            else:
                offs.append(cmap[at[0]])
                p = at[1]

    for child in tok.children or ():
        kind = child.type
        at = cmap[min(p, len(src))] if cmap is not None else 0
        if kind in ("link_open", "image"):  # the page holds a link's target, an image's path, a title
            if kind == "image" or child.info != "auto":  # an autolink's target is its text
                extras.append((unquote(child.attrGet("src" if kind == "image" else "href") or ""), at))
            if child.attrGet("title"):
                extras.append((child.attrGet("title"), at))
        if kind in ("text", "code_inline", "image"):
            emit(child.content)  # an image's content is its alt text
        elif kind in ("softbreak", "hardbreak"):
            emit("\n")
        elif kind == "footnote_ref":
            out.append(BLOCK)  # shown as a raised [1]: not part of the number around it
            offs.append(at)
    return "".join(out), offs


def _align(src: str, ch: str, p: int) -> tuple[int, int] | None:
    """(start, end) in ``src`` of the source of rendered character ``ch``, looking from ``p``."""
    if src.startswith(ch, p):
        return p, p + 1
    atom = _ATOM.match(src, p)
    if atom and _atom_text(atom.group()) == ch:
        return atom.span()
    if ch == "\n":
        q = src.find("\n", p)
        return (q, q + 1) if q >= 0 else None
    end = min(len(src), p + _WINDOW)
    q = src.find(ch, p, end)
    if ch == " ":  # a code span shows a line break as a space
        nl = src.find("\n", p, q if q >= 0 else end)
        q = nl if nl >= 0 else q
    for atom in _ATOM.finditer(src, p, q if q >= 0 else end):
        if _atom_text(atom.group()) == ch:
            return atom.span()
    return (q, q + 1) if q >= 0 else None


# --- HTML pages ---------------------------------------------------------------------------------

_INLINE_TAGS = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
                "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
                "var", "wbr", "font"}
_TEXT_ATTRS = {"href", "src", "alt", "title", "content", "value", "placeholder", "aria-label", "label"}


class _PageText(HTMLParser):
    """A page's text as a browser shows it, with the offset of each character, and its attribute
    values (links, alt and title texts, meta contents) as separate pieces."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=False)  # references decoded here, each at its offset
        self.page = page
        self.starts = [0] + [m.end() for m in re.finditer("\n", page)]
        self.parts: list[str] = []
        self.where: list[int] = []
        self.extras: list[tuple[str, int]] = []
        self.feed(page)
        self.close()

    def _here(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def _add(self, text: str, at: int, stride: int = 1) -> None:
        self.parts.append(text)
        self.where.extend(range(at, at + len(text)) if stride else [at] * len(text))

    def handle_starttag(self, tag, attrs):
        at = self._here()
        if tag == "br":
            self._add("\n", at)
        elif tag not in _INLINE_TAGS:
            self._add(BLOCK, at)
        for name, value in attrs:
            if value and (name in _TEXT_ATTRS or name.startswith("data-")):
                self.extras.append((unquote(value) if name in ("href", "src") else value, at))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in _INLINE_TAGS:
            self._add(BLOCK, self._here())

    def handle_data(self, data):
        self._add(data, self._here())

    def handle_charref(self, name):
        self._add(html.unescape(f"&#{name};"), self._here(), stride=0)

    def handle_entityref(self, name):
        self._add(html.unescape(f"&{name};"), self._here(), stride=0)

    def result(self) -> tuple[str, list[int]]:
        return "".join(self.parts), self.where + [len(self.page)]


# --- steps 2-5: what a reader reads -----------------------------------------------------------------

def _sub(text: str, where: list[int], pattern: re.Pattern, repl) -> tuple[str, list[int]]:
    """``pattern.sub(repl, text)`` with the offset map carried along: a replacement of the same length
    keeps each character's offset, any other maps all its characters to the match's first one."""
    parts: list[str] = []
    out: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        new = repl(m)
        if new == m.group():
            continue
        parts.append(text[pos:a])
        out.extend(where[pos:a])
        parts.append(new)
        out.extend(where[a:b] if len(new) == b - a else [where[a]] * len(new))
        pos = b
    if not parts:
        return text, where
    parts.append(text[pos:])
    out.extend(where[pos:])
    return "".join(parts), out


_DROPPED = ("Cf", "Mn", "Me", "Cc", "Zl", "Zp")  # categories ``_fold_char`` drops (a line or paragraph break: a space)


def _fold_char(ch: str) -> str:
    if ch in _BLANKS or unicodedata.category(ch) in _DROPPED:
        return " " if unicodedata.category(ch) in ("Zl", "Zp") else ""
    out = unicodedata.normalize("NFKC", ch)
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii()
                   else "" if unicodedata.category(c) in ("Cf", "Mn", "Me") else c for c in out)


@lru_cache(maxsize=1)
def _folding() -> tuple[dict[int, str], re.Pattern, re.Pattern]:
    """The BMP characters that read as one other character (a ``str.translate`` table: each keeps its
    offset) and a pattern of runs of them, and a pattern of the others that read differently: dropped,
    read as several characters, and all astral ones (folded when met)."""
    one, other = {}, []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        ch = chr(code)
        if unicodedata.is_normalized("NFKC", ch) and not ch.isdecimal() and ch not in _BLANKS \
                and unicodedata.category(ch) not in _DROPPED:
            continue  # reads as itself (``_fold_char``): most of the BMP, told apart quickly
        folded = _fold_char(ch)
        if len(folded) == 1 and folded != ch:
            one[code] = folded
        elif folded != ch:
            other.append(re.escape(ch))
    ones = "".join(re.escape(chr(code)) for code in one)
    return one, re.compile(f"[{ones}]+"), re.compile(f"[{''.join(other)}\U00010000-\U0010FFFF]")


def _fold(text: str, where: list[int]) -> tuple[str, list[int]]:
    for _ in range(3):  # &amp;#49; is &#49; is 1
        if "&" not in text:
            break
        new, where = _sub(text, where, _REF, lambda m: html.unescape(m.group()))
        if new == text:
            break
        text = new
    if not text.isascii():
        # Each character folded on its own (what one reads as reads as itself). Those read as one other
        # character keep their offsets; only runs of them are translated (translating the whole text
        # would look up every character).
        one, ones, other = _folding()
        text = ones.sub(lambda m: m.group().translate(one), text)
        text, where = _sub(text, where, other, lambda m: _fold_char(m.group()))
        text, where = _sub(text, where, _CN_RUN, lambda m: m.group().translate(_CN_TABLE))
        text, where = _sub(text, where, _MIXED_RUN,
                           lambda m: m.group().translate(_CN_TABLE) if _HAS_CN_DIGIT.search(m.group()) else m.group())
    text, where = _sub(text, where, _SPACES, lambda m: " ")
    if "@" in text or "at" in text.lower():
        text, where = _sub(text, where, _AT, lambda m: "@")
        text, where = _sub(text, where, _DOT, lambda m: ".")
    if "@" in text:
        text, where = _drop_spaces(text, where, _SPACED_DOMAIN)
    return text, where


def _drop_spaces(text: str, where: list[int], pattern: re.Pattern) -> tuple[str, list[int]]:
    """The spaces and tabs inside each match of ``pattern`` removed; every other character keeps
    its offset."""
    parts: list[str] = []
    out: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        if " " not in m.group() and "\t" not in m.group():
            continue
        parts.append(text[pos:a])
        out.extend(where[pos:a])
        for i in range(a, b):
            if text[i] not in " \t":
                parts.append(text[i])
                out.append(where[i])
        pos = b
    if not parts:
        return text, where
    parts.append(text[pos:])
    out.extend(where[pos:])
    return "".join(parts), out


# --- the rules ----------------------------------------------------------------------------------

def _is_amount(groups: list[str], gaps: list[str]) -> bool:
    """Digits grouped in thousands (13,800,138,000 or 13 800 138 000): an amount, not a number to dial."""
    return (len(groups) > 1 and len(set(gaps)) == 1 and gaps[0] in (",", " ") and len(groups[0]) <= 3
            and all(len(g) == 3 for g in groups[1:]))


def _rules(text: str, where: list[int], context: int) -> list[Match]:
    """Matches in folded ``text``: e-mail addresses, then ID numbers, mobiles, landlines, bare
    local numbers, each in characters no earlier rule took."""
    taken = bytearray(len(text) + 1)
    found: list[tuple[str, int, int, str]] = []

    def take(code: str, a: int, b: int, value: str) -> None:
        if taken.find(1, a, b) < 0:
            taken[a:b] = b"\x01" * (b - a)
            found.append((code, a, b, value))

    if "@" in text:
        for m in EMAIL.finditer(text):
            take("pii.email", m.start(), m.end(), m.group().replace("。", "."))
    runs = []
    for m in _RUN.finditer(text):
        if m.end() - m.start() >= 7:  # else fewer than 7 digits
            run = _Run(text, m)
            if len(run.digits) >= 7:
                runs.append(run)
    for code, first, lengths, phone, accept in _NUMBER_RULES:
        for run in runs:
            for a, b, value in run.spans(first, lengths, phone, accept, taken):
                take(code, a, b, value)
    for run in runs:  # a local number without area code (86061234): a whole run after a phone word
        a = run.spans_at[0][0]
        if PHONE_WORDS.search(text, max(0, a - context), a):
            for start, b, value in run.spans("23456789", (8, 7), True, _local_number, taken):
                if (start, b) == (a, run.spans_at[-1][1]):
                    take("pii.landline", a, b, value)
    return [Match(code, where[a], where[b - 1] + 1, value) for code, a, b, value in found]


class _Run:
    """A run of digit groups and what its spans' edges touch."""

    def __init__(self, text: str, m: re.Match):
        self.text = text
        self.spans_at = [g.span() for g in _GROUP.finditer(text, m.start(), m.end())]
        self.groups = [text[a:b] for a, b in self.spans_at]
        self.digits = "".join(self.groups)
        self.offsets = []  # of each group in digits
        self.ends: dict[int, int] = {}  # offset in digits where a group ends → the group
        total = 0
        for k, g in enumerate(self.groups):
            self.offsets.append(total)
            total += len(g)
            self.ends[total] = k
        before = text[m.start() - 1] if m.start() else " "
        self.left_letter = before.isascii() and before.isalnum()
        # A mark joining the run to a Latin word or number blocks a phone number: v.1380…, SD-1380…,
        # /p/1380… in a path. After Chinese text or a space it is punctuation (张三-13800138000).
        ahead = text[m.start() - 2] if m.start() > 1 else " "
        self.left_mark = (before in ".-/" and ahead.isascii() and ahead.isalnum()
                          and not _LABEL_BEFORE_MARK.search(text, max(0, m.start() - 12), m.start() - 1))
        self.right_blocked = m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalnum()

    def gap(self, k: int) -> str:
        """The separators between group k and k + 1."""
        return self.text[self.spans_at[k][1]:self.spans_at[k + 1][0]]

    def spans(self, first: str, lengths: tuple[int, ...], phone: bool, accept, taken: bytearray):
        """(start, end, value) of each span of whole groups starting with a digit in ``first``, with
        one of ``lengths`` digits, not yet taken, that ``accept`` (digits → value or None) takes and whose edges are free: no letter or
        digit touches it, a decimal point or comma does not join it to a neighbouring group, no unit
        follows it, it is not an amount grouped in thousands."""
        ends = self.ends
        last = len(self.groups) - 1
        digits = self.digits
        for i, x in enumerate(self.offsets):
            if digits[x] not in first:
                continue
            if taken[self.spans_at[i][0]] or (i == 0 and (self.left_letter or (phone and self.left_mark))):
                continue
            for n in lengths:
                j = ends.get(x + n)
                if j is None:
                    continue
                value = accept(digits[x:x + n])
                if value is None or (j == last and self.right_blocked) or (j < last and self.gap(j) in (".", ",")):
                    continue
                if i > 0 and self.gap(i - 1) in (".", ","):
                    break
                end = self.spans_at[j][1]
                if UNIT_AFTER.match(self.text, end) or _is_amount(self.groups[i:j + 1], [self.gap(k) for k in range(i, j)]):
                    continue
                yield self.spans_at[i][0], end, value


_PROVINCE_CODES = {str(p) for p in PROVINCES}


def _id_number(digits: str) -> str | None:
    month = 10 if len(digits) == 18 else 8  # cheap tests first: most digit strings are no ID
    if (digits[:2] not in _PROVINCE_CODES or not "01" <= digits[month:month + 2] <= "12"
            or (month == 10 and digits[6:8] not in ("19", "20"))):
        return None
    return digits if (id18_valid(digits) if len(digits) == 18 else id15_valid(digits)) else None


def _mobile_number(digits: str) -> str | None:
    number = digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
    return number if len(number) == 11 and _MOBILE.fullmatch(number) else None


def _landline_number(digits: str) -> str | None:
    return digits if _LANDLINE.fullmatch(digits) else None


def _local_number(digits: str) -> str | None:
    return digits if digits.isdigit() else None


# (code, first digits, digit counts, phone rules for the left edge, digits → value or None), in order
# of priority.
_NUMBER_RULES = (
    ("pii.id_card", "12345678", (18,), False, _id_number),
    ("pii.id_card_old", "12345678", (15,), False, _id_number),
    ("pii.mobile", "18", (13, 11), True, _mobile_number),
    ("pii.landline", "0", (12, 11, 10), True, _landline_number),
)

"""Chinese typography in a Markdown body: find problems as edits, shared by the check and `jianyan fix`.

Each problem is an ``Edit`` on one body line (character offsets). ``safe`` edits never change the
meaning and are what `jianyan fix` applies: half-width ,;:?!.() inside Chinese text → full-width,
straight quotes around Chinese text → “” ‘’, corner brackets 「」『』 → “”‘’, spaces between Chinese
characters removed (only on prose lines: a line with ，。；！？), full-width letters and digits → half-width. Code (fenced blocks and
`inline`), URLs, e-mail addresses and link targets are never touched.

A body line may be 1 MB long, so every rule takes time linear in the line: no pattern repeats a
group of repeats or is tried at every position of a long run (see _PROTECTED_PARTS), and nothing
is recounted from the start of the line for each hit.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from operator import itemgetter
from typing import Iterator, NamedTuple

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。；：？！、（）《》〈〉“”‘’【】…—·「」『』"
_HAN_RE = re.compile(f"[{HAN}]")
CLOSERS = "）”’》」』】"
OPENERS = "（“‘《「『【"
FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}
CORNER = {"「": "“", "」": "”", "『": "‘", "』": "’"}
MASK = "\x00"

# Every alternative scans forward only until the character that could start its next try
# (inline code stops at a backtick, an autolink at "<", a link target at "]"), so a line of 1 MB
# costs linear time. The e-mail address is the one exception: its local part is a run of word
# characters, and trying it at every position of a long run costs quadratic time. A search can
# only START an e-mail inside a run where the previous match ended (any later position in the
# run was reachable from an earlier one), so ``masked`` tries the full pattern at that one place
# and searches onwards with _PROTECTED_AT_RUN, whose e-mail alternative starts only a run.
_LOCAL = r"[\w.+-]"
_PROTECTED_PARTS = (
    r"`+[^`]*`+",                                  # inline code
    r"(?:https?|ftp)://[^\s<>“”（），。；]+",          # URLs
    r"www\.[A-Za-z0-9.-]+[^\s<>“”（），。；]*",
    # e-mail addresses: labels joined by single dots, written without a repeated group
    "{run}" + _LOCAL + r"+@[A-Za-z0-9-]+\.[A-Za-z0-9-](?:[A-Za-z0-9-]|\.(?=[A-Za-z0-9-]))*",
    r"<[^<>\s]+>",                                 # autolinks (CommonMark: no < inside)
    r"\]\([^)\]]*\)",                              # link targets
    r"!\[",                                        # image syntax
)
_PROTECTED = re.compile("|".join(_PROTECTED_PARTS).replace("{run}", ""))
_PROTECTED_AT_RUN = re.compile("|".join(_PROTECTED_PARTS).replace("{run}", f"(?<!{_LOCAL})"))
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_PAREN_PAIR = re.compile(r"\(([^()\n]*)\)")
_CJK_SPACE = re.compile(f"(?<=[{HAN}{CJK_PUNCT}])[ \t\u3000]+(?=[{HAN}{CJK_PUNCT}])")
_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]+")
_HALF_MARK = re.compile(r"[,;:?!.]")
_CORNER_RE = re.compile("[" + "".join(CORNER) + "]")
_CURLY = re.compile("[“”]")
# Every rule above edits one of these characters, or a space that _CJK_SPACE finds: a line with none
# of them (most lines of prose) has nothing to find (masking only hides characters, never adds one).
_MARKED = re.compile("[,;:?!.()\"'" + "".join(CORNER) + "“”０-９Ａ-Ｚａ-ｚ]")


class Edit(NamedTuple):  # a tuple: a line of 1 MB can hold a million of them
    start: int
    end: int
    new: str
    code: str  # quality.halfwidth_punct | quality.quotes | quality.cjk_space | quality.fullwidth_alnum
    safe: bool
    what: str  # short Chinese description of this spot


def is_han(ch: str) -> bool:
    """``ch`` (one character, or "" past either end of a line) is a Han character (HAN above)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def protected_spans(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of code, URLs, e-mail addresses and link targets, as ``_PROTECTED.finditer``
    would find them, in linear time (see _PROTECTED_PARTS)."""
    pos = 0
    while pos < len(line):
        m = _PROTECTED.match(line, pos) or _PROTECTED_AT_RUN.search(line, pos + 1)
        if m is None:
            return
        yield m.span()
        pos = m.end()


def masked(line: str) -> str:
    """``line`` with code, URLs, e-mail addresses and link targets replaced by NUL (same length)."""
    out, last = [], 0
    for start, end in protected_spans(line):
        out += (line[last:start], MASK * (end - start))
        last = end
    if not out:
        return line
    out.append(line[last:])
    return "".join(out)


def _chinese_context(prev: str, nxt: str) -> bool:
    """A half-width mark sits in Chinese text: after a Han character or Chinese closing mark,
    or before a Han character when it does not follow a digit (13,800 and 1:2 stay)."""
    if is_han(prev) or (prev and prev in CLOSERS):
        return True
    return is_han(nxt) and bool(prev) and not prev.isdigit() and not prev.isspace() and prev != MASK


def _punct(m: str) -> list[Edit]:
    edits: list[Edit] = []
    paired: set[int] = set()
    for pm in _PAREN_PAIR.finditer(m):
        a, b = pm.start(), pm.end() - 1
        if MASK in pm.group(0):
            continue
        if _HAN_RE.search(pm.group(1)) or is_han(m[a - 1:a]):
            paired.update((a, b))
            edits.append(Edit(a, a + 1, "（", "quality.halfwidth_punct", True, "(→（"))
            edits.append(Edit(b, b + 1, "）", "quality.halfwidth_punct", True, ")→）"))
    for pm in _HALF_MARK.finditer(m):
        i, ch = pm.start(), pm.group()
        prev, nxt = m[i - 1:i], m[i + 1:i + 2]
        if ch == ".":
            if not (is_han(prev) or (prev and prev in CLOSERS)) or nxt == ".":
                continue
            if nxt and not (nxt.isspace() or is_han(nxt) or nxt in CLOSERS or nxt in OPENERS):
                continue
        elif ch == "!" and nxt == "[":
            continue
        elif not _chinese_context(prev, nxt):
            continue
        edits.append(Edit(i, i + 1, FULL[ch], "quality.halfwidth_punct", True, f"{ch}→{FULL[ch]}"))
    return edits


def _pair_straight(m: str, quote: str, left: str, right: str) -> list[Edit]:
    if quote not in m:
        return []
    pos = [i for i, ch in enumerate(m) if ch == quote]
    if not pos:
        return []
    if len(pos) % 2:
        # Only a problem when it is Chinese text; an English apostrophe is fine.
        if quote == '"' and any(is_han(m[p - 1:p]) or is_han(m[p + 1:p + 2]) for p in pos):
            return [Edit(pos[0], pos[0] + 1, quote, "quality.quotes", False, "直引号不成对")]
        return []
    edits = []
    for a, b in zip(pos[::2], pos[1::2]):
        if _HAN_RE.search(m[a + 1:b]):
            edits.append(Edit(a, a + 1, left, "quality.quotes", True, f"{quote}→{left}"))
            edits.append(Edit(b, b + 1, right, "quality.quotes", True, f"{quote}→{right}"))
    return edits


def _quotes(m: str, manual: bool) -> list[Edit]:
    edits = _pair_straight(m, '"', "“", "”") + _pair_straight(m, "'", "‘", "’")
    for cm in _CORNER_RE.finditer(m):
        i, ch = cm.start(), cm.group()
        edits.append(Edit(i, i + 1, CORNER[ch], "quality.quotes", True, f"{ch}→{CORNER[ch]}"))
    if not manual:
        return edits
    # Curly quotes out of order: an opening “ inside an open quote, or a ” with nothing open.
    depth = 0
    for qm in _CURLY.finditer(m):
        i, ch = qm.start(), qm.group()
        if ch == "“":
            if depth:
                edits.append(Edit(i, i + 1, ch, "quality.quotes", False, "前引号“重复，后引号应为”"))
            depth = 1
        elif ch == "”":
            if not depth:
                edits.append(Edit(i, i + 1, ch, "quality.quotes", False, "后引号”前面没有前引号“"))
            depth = 0
    return edits


def _spaces(m: str, punct: list[Edit]) -> list[Edit]:
    # Only prose (a line with Chinese sentence marks, or ``punct`` to fix): elsewhere a space separates
    # on purpose, as in the attribution line "（省政协委员 王某某、李某）" or a list of names "王某 李某".
    if not any(ch in m for ch in "，。；！？") and not punct:
        return []
    text_from = len(m) - len(m.lstrip())  # a space run before any text is indentation
    spaces = [sm.span() for sm in _CJK_SPACE.finditer(m) if sm.start() > text_from]
    titles = _Titles(m) if spaces else None
    return [Edit(a, b, "", "quality.cjk_space", True, "汉字间空格") for a, b in spaces if not titles.inside(a)]


class _Titles:
    """Inside 《…》: a document or standard title is quoted as published, spaces included
    (《信息技术 互联网内容无障碍可访问性技术要求与测试方法》). The last 《 and 》 before a position are
    looked up by bisection, so a line with many spaces and titles stays linear."""

    def __init__(self, m: str) -> None:
        self.opens = [t.start() for t in re.finditer("《", m)]
        self.closes = [t.start() for t in re.finditer("》", m)]

    def inside(self, pos: int) -> bool:
        o, c = bisect_left(self.opens, pos), bisect_left(self.closes, pos)
        return o > 0 and (c == 0 or self.opens[o - 1] > self.closes[c - 1])


def _fullwidth(m: str) -> list[Edit]:
    return [Edit(fm.start(), fm.end(), unicodedata.normalize("NFKC", fm.group()), "quality.fullwidth_alnum", True,
                 f"{fm.group()}→{unicodedata.normalize('NFKC', fm.group())}")
            for fm in _FULLWIDTH_ALNUM.finditer(m)]


def scan_line(line: str, manual: bool = True) -> list[Edit]:
    """All typography problems on one body line, sorted by position; without ``manual``, curly
    quotes out of order (which only a person can fix) are not looked for."""
    if not _MARKED.search(line) and not _CJK_SPACE.search(line):
        return []
    m = masked(line)
    punct = _punct(m)
    edits = punct + _quotes(m, manual) + _spaces(m, punct) + _fullwidth(m)
    return sorted(edits, key=itemgetter(0, 1, 3))  # start, end, code


def halfwidth_marks(line: str) -> list[Edit]:
    """Only the half-width punctuation in Chinese text (quality.halfwidth_punct), sorted by position."""
    return sorted(_punct(masked(line)))


def text_lines(body: str) -> Iterator[tuple[int, str]]:
    """(0-based body line, line) for every line outside fenced code blocks."""
    fence: str | None = None
    for i, line in enumerate(body.split("\n")):
        fm = _FENCE.match(line)
        if fence:
            if fm and fm.group(1) == fence:
                fence = None
            continue
        if fm:
            fence = fm.group(1)
            continue
        yield i, line


def apply(line: str, edits: list[Edit]) -> str:
    """``line`` with the safe, non-overlapping edits applied."""
    out, last = [], 0
    for e in sorted((e for e in edits if e.safe), key=itemgetter(0)):  # by start
        if e.start < last:
            continue
        out.append(line[last:e.start])
        out.append(e.new)
        last = e.end
    out.append(line[last:])
    return "".join(out)


def fix_line(line: str) -> str:
    """Apply safe fixes until nothing changes (a fixed comma may expose a space to remove)."""
    for _ in range(4):
        new = apply(line, scan_line(line, manual=False))
        if new == line:
            break
        line = new
    return line


def fix_body(body: str) -> str:
    """The body with safe typography fixes; fenced code untouched; line breaks as they were."""
    lines = body.split("\n")
    for i, line in text_lines(body):
        ending = "\r" if line.endswith("\r") else ""
        core = line[:-1] if ending else line
        lines[i] = fix_line(core) + ending
    return "\n".join(lines)

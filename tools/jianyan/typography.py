"""Chinese typography in a Markdown body: find problems as edits, shared by the check and `jianyan fix`.

Each problem is an ``Edit`` on one body line (character offsets). ``safe`` edits never change the
meaning and are what `jianyan fix` applies: half-width ,;:?!.() inside Chinese text → full-width,
straight quotes around Chinese text → “” ‘’, corner brackets 「」『』 → “”‘’, spaces between Chinese
characters removed (only on prose lines: a line with ，。；！？), full-width letters and digits → half-width. Code (fenced blocks and
`inline`), URLs, e-mail addresses and link targets are never touched.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。；：？！、（）《》〈〉“”‘’【】…—·「」『』"
_HAN_RE = re.compile(f"[{HAN}]")
CLOSERS = "）”’》」』】"
OPENERS = "（“‘《「『【"
FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}
CORNER = {"「": "“", "」": "”", "『": "‘", "』": "’"}
MASK = "\x00"

_PROTECTED = re.compile(
    r"`+[^`]*`+"                                   # inline code
    r"|(?:https?|ftp)://[^\s<>“”（），。；]+"         # URLs
    r"|www\.[A-Za-z0-9.-]+[^\s<>“”（），。；]*"
    r"|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail addresses
    r"|<[^>\s]+>"                                  # autolinks
    r"|\]\([^)]*\)"                                # link targets
    r"|!\["                                        # image syntax
)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_PAREN_PAIR = re.compile(r"\(([^()\n]*)\)")
_CJK_SPACE = re.compile(f"(?<=[{HAN}{CJK_PUNCT}])[ \t\u3000]+(?=[{HAN}{CJK_PUNCT}])")
_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]+")
_HALF_MARK = re.compile(r"[,;:?!.]")
_CORNER_RE = re.compile("[" + "".join(CORNER) + "]")
_CURLY = re.compile("[“”]")


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    new: str
    code: str  # quality.halfwidth_punct | quality.quotes | quality.cjk_space | quality.fullwidth_alnum
    safe: bool
    what: str  # short Chinese description of this spot


def is_han(ch: str) -> bool:
    return bool(ch) and bool(_HAN_RE.match(ch))


def masked(line: str) -> str:
    """``line`` with code, URLs, e-mail addresses and link targets replaced by NUL (same length)."""
    if not _PROTECTED.search(line):
        return line
    out = list(line)
    for m in _PROTECTED.finditer(line):
        out[m.start():m.end()] = MASK * (m.end() - m.start())
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


def _quotes(m: str) -> list[Edit]:
    edits = _pair_straight(m, '"', "“", "”") + _pair_straight(m, "'", "‘", "’")
    for cm in _CORNER_RE.finditer(m):
        i, ch = cm.start(), cm.group()
        edits.append(Edit(i, i + 1, CORNER[ch], "quality.quotes", True, f"{ch}→{CORNER[ch]}"))
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


def _spaces(m: str) -> list[Edit]:
    # Only prose (a line with Chinese sentence marks): elsewhere a space separates on purpose,
    # as in the attribution line "（省政协委员 王某某、李某）" or a list of names "王某 李某".
    if not any(ch in m for ch in "，。；！？") and not _punct(m):
        return []
    return [Edit(sm.start(), sm.end(), "", "quality.cjk_space", True, "汉字间空格")
            for sm in _CJK_SPACE.finditer(m)
            if sm.start() > 0 and m[:sm.start()].strip() and not _inside_title(m, sm.start())]


def _inside_title(m: str, pos: int) -> bool:
    """Inside 《…》: a document or standard title is quoted as published, spaces included
    (《信息技术 互联网内容无障碍可访问性技术要求与测试方法》)."""
    return m.rfind("《", 0, pos) > m.rfind("》", 0, pos)


def _fullwidth(m: str) -> list[Edit]:
    return [Edit(fm.start(), fm.end(), unicodedata.normalize("NFKC", fm.group()), "quality.fullwidth_alnum", True,
                 f"{fm.group()}→{unicodedata.normalize('NFKC', fm.group())}")
            for fm in _FULLWIDTH_ALNUM.finditer(m)]


def scan_line(line: str) -> list[Edit]:
    """All typography problems on one body line, sorted by position."""
    m = masked(line)
    edits = _punct(m) + _quotes(m) + _spaces(m) + _fullwidth(m)
    return sorted(edits, key=lambda e: (e.start, e.end, e.code))


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
    for e in sorted((e for e in edits if e.safe), key=lambda e: e.start):
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
        new = apply(line, scan_line(line))
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

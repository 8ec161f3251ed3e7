"""Breaking a title into lines the way GB/T 9704 asks (7.3.3: 回行时要做到词意完整，排列对称，长短适宜，
间距恰当): a break only between two words, never before closing punctuation or after opening
punctuation, and the lines as even as the words allow (the first line the longer one on a tie).

The words come from the caller (jieba's, see dup/tokens.cut), so this module stays a pure function
of its inputs; every renderer (Word, HTML/PDF) breaks a title with ``lines()`` and gets the same lines.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable, Sequence

# A line may not start with these (they close or follow something) …
NO_START = set("，。、；：？！）》」』】〕〉”’…—·%％,.;:?!)]}")
# … nor end with these (they open something).
NO_END = set("（《「『【〔〈“‘([{")
MAX_LINES = 4
PAIRS = {"“": "”", "《": "》", "（": "）", "‘": "’", "「": "」"}


def width(text: str) -> float:
    """Width in full-width characters: Han and full-width forms 1, ASCII and other half-width 0.5."""
    return sum(0.5 if ord(ch) < 0x1100 or 0xFF61 <= ord(ch) <= 0xFFDC else 1.0 for ch in text)


def break_points(words: Sequence[str]) -> list[int]:
    """Character offsets where a line may break: between two words, not before a closing mark nor after
    an opening one."""
    text = "".join(words)
    out = []
    pos = 0
    for w in words[:-1]:
        pos += len(w)
        if text[pos] not in NO_START and text[pos - 1] not in NO_END and not text[pos].isspace():
            out.append(pos)
    return out


def lines(title: str, per_line: float, cut: Callable[[str], list[str]]) -> list[str]:
    """``title`` as lines of at most ``per_line`` characters, broken only at ``break_points`` of its
    words (``cut``) and balanced: the fewest lines, then the smallest longest line, then the first
    line longest. A title one word cannot fit in gets broken between characters as the last resort."""
    title = title.strip()
    if width(title) <= per_line or not title:
        return [title] if title else []
    points = break_points(cut(title))
    inside = _quoted(title)
    best = _best(title, [p for p in points if p not in inside], per_line) or _best(title, points, per_line)
    if best is None:  # a word longer than a line: any character boundary outside the marks will do
        chars = [i for i in range(1, len(title)) if title[i] not in NO_START and title[i - 1] not in NO_END]
        best = _best(title, chars, per_line) or [title]
    return best


def _quoted(title: str) -> set[int]:
    """Offsets inside a quoted or bracketed phrase (“标准地+承诺制”, 《…》): kept on one line if possible."""
    out: set[int] = set()
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(title):
        if ch in PAIRS:
            stack.append((PAIRS[ch], i))
        elif stack and ch == stack[-1][0]:
            _, start = stack.pop()
            out.update(range(start + 1, i + 1))
    return out


def _best(title: str, points: list[int], per_line: float) -> list[str] | None:
    for n in range(2, MAX_LINES + 1):
        found = None
        for cuts in combinations(points, n - 1):
            bounds = (0, *cuts, len(title))
            parts = [title[a:b] for a, b in zip(bounds, bounds[1:])]
            widths = [width(p) for p in parts]
            if max(widths) > per_line:
                continue
            key = (max(widths) - min(widths), max(widths), [-w for w in widths])
            if found is None or key < found[0]:
                found = (key, parts)
        if found is not None:
            return [p.strip() for p in found[1]]
    return None

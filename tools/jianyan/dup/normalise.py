"""Text normalisation before comparing, with a map from every output character back to the source.

Steps, in order (each keeps a position map so a copied span is shown at its file line):
  1. Markdown markup out: heading/list/quote markers, emphasis, code ticks, link targets, table rules;
  2. NFKC (full-width letters and digits become half-width, ① becomes 1);
  3. ASCII letters lower-cased;
  4. traditional → simplified (OpenCC t2s), only when the text holds a traditional character.
Punctuation and whitespace stay in the text (they are dropped from the tokens, see features.py), so
quotations “…” can still be recognised.
"""
from __future__ import annotations

import os
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

# One source-position segment: output chars [out, out+length) come from source offsets
# src, src+1, ... (stride 1) or all from the single offset src (stride 0, an NFKC expansion).
Segment = tuple[int, int, int, int]  # (out_start, src_start, length, stride)

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE = re.compile(r"^\s{0,3}(?:([-*_])\s*(?:\1\s*){2,}|\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?)\s*$")
_LEAD = re.compile(r"^(?:\s{0,3}(?:>\s?|#{1,6}(?=\s|$)|[-*+](?=\s)|\d{1,9}[.)](?=\s))\s*)+")
_HEADING = re.compile(r"^\s{0,3}(?:>\s?)*#{1,6}(?:\s|$)")
_QUOTE_LINE = re.compile(r"^\s{0,3}>")
_TRAILING_HASHES = re.compile(r"\s+#+\s*$")
# Inline markup: what to drop (whole match) or keep (group "keep").
_INLINE = re.compile(
    r"!?\[(?P<keep>[^\]\n]*)\]\([^)\n]*\)"     # link or image: keep the text
    r"|<(?:https?|mailto|ftp):[^>\s]*>"          # autolink: drop
    r"|\\(?P<esc>[\\`*_{}\[\]()#+\-.!|>])"       # backslash escape: keep the character
    r"|\*{1,3}|_{2,3}|~~|`+"                     # emphasis, strike, code ticks: drop
)
_QUOTED = re.compile(r"“[^“”\n]{1,600}”|「[^「」\n]{1,600}」|『[^『』\n]{1,600}』")
_ASCII_UPPER = re.compile("[A-Z]+")


@dataclass
class Normalised:
    """Normalised text plus where each character came from in the source string."""

    text: str
    segments: list[Segment]
    source: str
    quoted: list[tuple[int, int]] = field(default_factory=list)  # output ranges inside quotations
    _line_starts: list[int] | None = None

    def src(self, i: int) -> int:
        """Source offset of output character ``i``."""
        if not self.segments:
            return 0
        k = bisect_right(self._outs(), i) - 1
        out, src, length, stride = self.segments[max(k, 0)]
        return src + (min(i - out, length - 1) if stride else 0)

    def src_range(self, start: int, end: int) -> tuple[int, int]:
        """Source [start, end) covering output [start, end)."""
        return self.src(start), self.src(end - 1) + 1

    def line_col(self, i: int) -> tuple[int, int]:
        """0-based source line and 1-based column of output character ``i``."""
        off = self.src(i)
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        line = bisect_right(self._line_starts, off) - 1
        return line, off - self._line_starts[line] + 1

    def _outs(self) -> list[int]:
        outs = getattr(self, "_outs_cache", None)
        if outs is None or len(outs) != len(self.segments):
            outs = [s[0] for s in self.segments]
            self._outs_cache = outs
        return outs


def _strip_line(line: str, in_fence: bool) -> list[tuple[int, int]]:
    """Kept (start, end) ranges of one source line."""
    if in_fence:
        return [(0, len(line))]
    if _RULE.match(line):
        return []
    start = 0
    m = _LEAD.match(line)
    if m:
        start = m.end()
    end = len(line)
    if _HEADING.match(line):
        t = _TRAILING_HASHES.search(line, start)
        if t:
            end = t.start()
    kept: list[tuple[int, int]] = []
    pos = start
    for m in _INLINE.finditer(line, start, end):
        if m.start() > pos:
            kept.append((pos, m.start()))
        if m.group("keep") is not None:
            if m.group("keep"):
                kept.append(m.span("keep"))
        elif m.group("esc") is not None:
            kept.append(m.span("esc"))
        pos = m.end()
    if end > pos:
        kept.append((pos, end))
    return kept


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # lazy: opencc's tables only when a text is normalised for comparison
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _trad_tables() -> tuple[frozenset, dict[int, str]]:
    """The set of traditional characters, and a one-to-one character table."""
    import opencc  # lazy: opencc's tables only when a text is normalised for comparison
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: dict[int, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                target = parts[1].split(" ")[0]
                if len(target) == 1 and target != parts[0]:
                    table[ord(parts[0])] = target
    return frozenset(chr(c) for c in table), table


def to_simplified(text: str) -> str:
    """Traditional → simplified with the same length (so positions still line up)."""
    trad, table = _trad_tables()
    if trad.isdisjoint(text):
        return text
    out = _t2s().convert(text)
    if len(out) != len(text):
        out = text.translate(table)
    return out


class _NFKCTable(dict):
    """code point → its NFKC form, computed once per distinct character (for str.translate)."""

    def __missing__(self, code: int) -> str:
        value = unicodedata.normalize("NFKC", chr(code))
        self[code] = value
        return value


_NFKC = _NFKCTable()


@lru_cache(maxsize=1)
def _expanding() -> re.Pattern:
    """Characters whose NFKC form is not exactly one character (……, ㎡, ﬁ, ½ …)."""
    chars = [chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000
             and len(unicodedata.normalize("NFKC", chr(c))) != 1]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


@lru_cache(maxsize=1)
def _changing() -> re.Pattern:
    """Characters whose NFKC form differs from them (full-width ，：（）, ①, ㎡ …), and every character
    outside the Basic Multilingual Plane (rare: left to ``_NFKC``)."""
    chars = [chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000
             and unicodedata.normalize("NFKC", chr(c)) != chr(c)]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "\U00010000-\U0010FFFF]")


def _nfkc_char(m: re.Match) -> str:
    return _NFKC[ord(m.group())]


def _per_char(text: str) -> str:
    """``text.translate(_NFKC)``, calling Python only for the characters that change."""
    return _changing().sub(_nfkc_char, text)


def nfkc_chars(text: str) -> str | None:
    """``text`` with every character NFKC-normalised on its own, when each stays one character
    (positions then line up); None when one expands (…… → ......, ㎡ → m2)."""
    if text.isascii():
        return text
    out = _per_char(text)
    return out if len(out) == len(text) else None  # NFKC never maps a character to nothing


def _nfkc(piece: str, src: int, out: int, segs: list[Segment], parts: list[str]) -> int:
    """Append ``piece`` (from source offset ``src``) NFKC-normalised character by character.

    Characters are normalised one at a time (not composed with their neighbours): that keeps a
    one-to-one position map, and Chinese text has no combining sequences to compose.
    """
    if not piece.isascii() and not unicodedata.is_normalized("NFKC", piece):  # the quick check first
        norm = _per_char(piece)
        if len(norm) != len(piece):  # an expansion (…… → ......, ㎡ → m2): separate segments
            pos = 0
            start_out = out
            for m in _expanding().finditer(piece):
                j = m.start()
                if j > pos:
                    run = _per_char(piece[pos:j])
                    segs.append((out, src + pos, len(run), 1))
                    parts.append(run)
                    out += len(run)
                c = _NFKC[ord(piece[j])] or " "
                segs.append((out, src + j, len(c), 0 if len(c) != 1 else 1))
                parts.append(c)
                out += len(c)
                pos = j + 1
            run = _per_char(piece[pos:])
            if run:
                segs.append((out, src + pos, len(run), 1))
                parts.append(run)
                out += len(run)
            if out - start_out == len(norm):
                return out
            raise AssertionError("NFKC expansion outside the BMP")  # not reached for real text
        piece = norm
    segs.append((out, src, len(piece), 1))
    parts.append(piece)
    return out + len(piece)


def normalise(source: str, markdown: bool = True) -> Normalised:
    """Normalise ``source`` (a Markdown body, or plain text with ``markdown=False``)."""
    segs: list[Segment] = []
    parts: list[str] = []
    quote_lines: list[tuple[int, int]] = []
    out = 0
    offset = 0
    in_fence = False
    for line in source.split("\n"):
        if markdown and _FENCE.match(line):
            in_fence = not in_fence
            kept: list[tuple[int, int]] = []
        elif markdown:
            kept = _strip_line(line, in_fence)
        else:
            kept = [(0, len(line))]
        line_out = out
        for a, b in kept:
            out = _nfkc(line[a:b], offset + a, out, segs, parts)
        if markdown and not in_fence and _QUOTE_LINE.match(line) and out > line_out:
            quote_lines.append((line_out, out))
        # The line break itself maps to the end of the line.
        segs.append((out, offset + len(line), 1, 1))
        parts.append("\n")
        out += 1
        offset += len(line) + 1
    text = _ASCII_UPPER.sub(_lower, "".join(parts))
    text = to_simplified(text)
    quoted = sorted(quote_lines + [m.span() for m in _QUOTED.finditer(text)])
    return Normalised(text, _merge(segs), source, quoted)


def _lower(m: re.Match) -> str:
    return m.group().lower()  # ASCII letters only: other scripts are compared as written


def _merge(segs: list[Segment]) -> list[Segment]:
    """Join adjacent stride-1 segments that continue each other (fewer segments, faster lookup)."""
    merged: list[Segment] = []
    for seg in segs:
        if merged:
            o, s, n, st = merged[-1]
            if st == 1 and seg[3] == 1 and o + n == seg[0] and s + n == seg[1]:
                merged[-1] = (o, s, n + seg[2], 1)
                continue
        if seg[2] > 0:
            merged.append(seg)
    return merged

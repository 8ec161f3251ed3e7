"""`jianyan fix`: apply the safe typography fixes to a file's BODY, showing a unified diff first.

Safe means the meaning cannot change (see typography.py): half-width punctuation inside Chinese
text, straight or corner quotes, spaces between Chinese characters in prose, full-width letters and
digits; plus a UTF-8 BOM at the start of the file. The front matter is never touched, line endings
(LF or CRLF) stay as they were, code blocks and URLs are left alone, and a body that is frozen
(an accepted or adopted submission, a signed or dispatched bulletin issue) is not edited.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from jianyan.text import typography
from jianyan.campaign.frontmatter import BOM, FENCE, FENCE_END
from jianyan.core.fsutil import write_atomic
from jianyan.campaign.paths import ISSUES_DIR, SUBMISSIONS_DIR
from jianyan.campaign.steps import BODY_FROZEN, ISSUE_FROZEN

_STATUS = re.compile(r"^status:\s*([A-Za-z_]+)")


@dataclass
class Fixed:
    path: str  # as shown to the user (repository-relative)
    old: bytes
    new: bytes
    note: str | None = None  # why the body was left alone, when it was

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        a = _lines(self.old)
        b = _lines(self.new)
        head = ["# 去掉文件开头的 UTF-8 BOM"] if self.old.startswith(BOM) and not self.new.startswith(BOM) else []
        if len(a) == len(b):
            body = _unified_in_place(a, b, f"a/{self.path}", f"b/{self.path}", n=1)
        else:  # not made by fix_bytes, which keeps every line where it was
            body = difflib.unified_diff(a, b, f"a/{self.path}", f"b/{self.path}", lineterm="", n=1)
        return "\n".join(head + list(body))


class _InPlace(difflib.SequenceMatcher):
    """Line i against line i: a fix edits lines in place and never adds or removes one.

    SequenceMatcher's own matching takes quadratic time on a long file where changed and unchanged
    lines alternate (a 1 MB file took minutes); pairing the lines by number is linear and gives the
    same hunks wherever the matcher would not pair a line with a different one."""

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        codes: list[tuple[str, int, int, int, int]] = []
        for i, (x, y) in enumerate(zip(self.a, self.b)):
            tag = "equal" if x == y else "replace"
            if codes and codes[-1][0] == tag:
                codes[-1] = (tag, codes[-1][1], i + 1, codes[-1][3], i + 1)
            else:
                codes.append((tag, i, i + 1, i, i + 1))
        return codes


def _unified_in_place(a: list[str], b: list[str], fromfile: str, tofile: str, n: int) -> Iterator[str]:
    """difflib.unified_diff(a, b, lineterm="") over the hunks of _InPlace (its output format, line for line)."""
    def span(start: int, stop: int) -> str:
        return f"{start + 1}" if stop - start == 1 else f"{start + 1 if stop > start else start},{stop - start}"
    groups = _InPlace(None, a, b, autojunk=False).get_grouped_opcodes(n)
    for k, group in enumerate(groups):
        if k == 0:
            yield f"--- {fromfile}"
            yield f"+++ {tofile}"
        yield f"@@ -{span(group[0][1], group[-1][2])} +{span(group[0][3], group[-1][4])} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
            else:
                yield from ("-" + line for line in a[i1:i2])
                yield from ("+" + line for line in b[j1:j2])


def _lines(raw: bytes) -> list[str]:
    text = raw.removeprefix(BOM).decode("utf-8", errors="replace")
    return [ln.rstrip("\r") for ln in text.split("\n")]


def _split(text: str) -> tuple[str, str] | None:
    """(front matter with its fences, body), cut at the end of the closing fence line; None without one."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in FENCE_END:
            end = "\n" if i + 1 < len(lines) else ""
            return "\n".join(lines[:i + 1]) + end, "\n".join(lines[i + 1:])
    return None


def _frozen(relpath: str, front: str) -> str | None:
    status = next((m.group(1) for ln in front.split("\n") if (m := _STATUS.match(ln))), None)
    if relpath.startswith(ISSUES_DIR + "/") and status in ISSUE_FROZEN:
        return f"专刊已{'签发' if status == 'signed' else '报送'}，正文不能再改，排版问题未自动修正"
    if relpath.startswith(SUBMISSIONS_DIR + "/") and status in BODY_FROZEN:
        return f"信息已{'审核通过' if status == 'accepted' else '采用'}，正文不能再改，排版问题未自动修正"
    return None


def fix_bytes(relpath: str, raw: bytes) -> Fixed:
    """What the file would become; never raises for bad input."""
    data = raw.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Fixed(relpath, raw, raw, "不是 UTF-8 编码，未修改（请先另存为 UTF-8）")
    parts = _split(text)
    if parts is None:
        return Fixed(relpath, raw, data, "没有完整的文件头（--- … ---），只去掉了 BOM，未修改正文" if data != raw
                     else "没有完整的文件头（--- … ---），未修改")
    front, body = parts
    new_body = typography.fix_body(body)
    note = _frozen(relpath, front) if new_body != body else None
    if note:
        new_body = body
    return Fixed(relpath, raw, (front + new_body).encode("utf-8"), note)


def fix_file(root: Path, path: Path) -> Fixed:
    relpath = path.resolve().relative_to(root).as_posix()
    return fix_bytes(relpath, path.read_bytes())


def remaining(fixed: Fixed) -> int:
    """Problems the fix leaves for a person (unbalanced quotes and the like)."""
    parts = _split(fixed.new.decode("utf-8", errors="replace"))
    if parts is None:
        return 0
    return sum(1 for _, line in typography.text_lines(parts[1])
               for e in typography.scan_line(line.rstrip("\r")) if not e.safe)


def apply(root: Path, fixed: Fixed) -> None:
    write_atomic(root / fixed.path, fixed.new)


def markdown_files(root: Path, paths: list[Path]) -> list[Path]:
    """Content files under the given paths (default: submissions/ and issues/), sorted."""
    targets = paths or [root / SUBMISSIONS_DIR, root / ISSUES_DIR]
    out: set[Path] = set()
    for p in targets:
        p = p.resolve()
        if p.is_file():
            out.add(p)
        elif p.is_dir():
            out.update(x for x in p.rglob("*.md") if x.is_file() and not x.is_symlink())
    return sorted(out)

"""The curated empty-talk phrase list (schema/phrases.yaml): model, loading, validation.

Every entry names where it comes from (``source``: keys of the file's ``sources`` map), so a
reviewer can tell an official requirement from the team's own curation.

The openings and closings are regular expressions run over every submission, and a pull request
can change this file: a pattern that repeats a group holding another repeat, such as ``(?:a+)*``,
backtracks exponentially on a long paragraph and would stall CI, so such a pattern is refused.
re has no such check; ``repeats_a_repeat`` walks the parse tree of re's own parser, so it reads
exactly the syntax re.compile accepts (a separate ReDoS analyser would parse a dialect of its own).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from jianyan.core.findings import Finding, error
from jianyan.campaign.frontmatter import read_yaml
from jianyan.campaign.model import Strict, Text
from jianyan.campaign.load import read_registry
from jianyan.campaign.validate import validate

try:  # the parser behind re.compile: re._parser since Python 3.11, sre_parse before
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

_REPEATS = {_sre_parse.MAX_REPEAT, _sre_parse.MIN_REPEAT} | (
    {_sre_parse.POSSESSIVE_REPEAT} if hasattr(_sre_parse, "POSSESSIVE_REPEAT") else set())


def repeats_a_repeat(pattern: str) -> bool:
    """The pattern repeats (more than once) something that itself holds a repeat: ``(?:a+)*``,
    ``(\\w+\\.)+``, ``(?:x.{0,9})+``. An optional part (``?``, ``{0,1}``) is not a repeat."""
    def walk(items, inside: bool) -> bool:
        for op, arg in items:
            if op in _REPEATS:
                lo, hi, sub = arg
                if hi > 1 and inside:
                    return True
                if walk(sub, inside or hi > 1):
                    return True
            elif op == _sre_parse.SUBPATTERN:
                if walk(arg[-1], inside):
                    return True
            elif op == _sre_parse.BRANCH:
                if any(walk(alt, inside) for alt in arg[1]):
                    return True
            elif op in (_sre_parse.ASSERT, _sre_parse.ASSERT_NOT):
                if walk(arg[1], inside):
                    return True
            elif op == getattr(_sre_parse, "ATOMIC_GROUP", None):
                if walk(arg, inside):
                    return True
        return False
    return walk(_sre_parse.parse(pattern), False)


def _to_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Sources = Annotated[list[Text], BeforeValidator(_to_list), Field(min_length=1)]


class Phrase(Strict):
    text: Text = Field(description="逐字匹配的套话")
    source: Sources = Field(description="出处（sources 中的代码）")
    note: str | None = None


class Pattern(Strict):
    pattern: Text = Field(description="正则表达式")
    label: Text = Field(description="提示中显示的写法")
    source: Sources
    note: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise PydanticCustomError("jianyan_regex", "正则表达式写错了（{why}）", {"why": str(exc)}) from None
        if repeats_a_repeat(v):
            raise PydanticCustomError(
                "jianyan_regex", "正则表达式把含有重复（+、*、{m,n}）的部分又整体重复，遇到长段落会极慢，使检查卡住。"
                "请改写，例如把 (?:新的+)* 写成 (?:新的)*，或给整体设上限 {0,3} 并去掉里面的 + 和 *", {})
        return v


class PhraseBook(Strict):
    sources: dict[str, Text] = Field(min_length=1)
    phrases: list[Phrase] = Field(default_factory=list)
    intensifiers: list[Phrase] = Field(default_factory=list)
    openings: list[Pattern] = Field(default_factory=list)
    closings: list[Pattern] = Field(default_factory=list)

    def compiled(self, kind: str) -> list[tuple[re.Pattern, str]]:
        return [(re.compile(p.pattern), p.label) for p in getattr(self, kind)]


def load(root: Path, relpath: str) -> tuple[PhraseBook | None, list[Finding]]:
    """Read and validate the phrase list; problems become findings at the file's lines."""
    path = root / relpath
    if not path.is_file():
        return None, []  # the quality check reports it (quality.no_phrases)
    raw, refusal = read_registry(root, relpath)
    if raw is None:
        return None, [refusal]
    book, findings = _read(relpath, raw)
    return book, list(findings)


@lru_cache(maxsize=4)
def _read(relpath: str, raw: bytes) -> tuple[PhraseBook | None, tuple[Finding, ...]]:
    """The phrase list ``raw`` read and validated, once for each text (the quality check loads it for
    each group of documents it checks: accel/findingscache.py). The book is read, never changed."""
    parsed = read_yaml(relpath, raw)
    findings = list(parsed.findings)
    if not parsed.ok:
        return None, tuple(findings)
    book, found = validate(PhraseBook, parsed, "schema")
    findings.extend(found)
    if book is None:
        return None, tuple(findings)
    for kind in ("phrases", "intensifiers", "openings", "closings"):
        for i, entry in enumerate(getattr(book, kind)):
            for src in entry.source:
                if src not in book.sources:
                    findings.append(error(relpath, parsed.line_of((kind, i, "source"), value=True), "schema.invalid",
                                          f"出处“{src}”没有在 sources 中登记。请在文件开头 sources 下补上它的说明，"
                                          f"或改用已登记的出处：{'、'.join(book.sources)}"))
    return book, tuple(findings)

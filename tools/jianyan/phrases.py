"""The curated empty-talk phrase list (schema/phrases.yaml): model, loading, validation.

Every entry names where it comes from (``source``: keys of the file's ``sources`` map), so a
reviewer can tell an official requirement from the team's own curation.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from .findings import Finding, error
from .frontmatter import read_yaml
from .model import Strict, Text
from .repo import read_registry
from .validate import validate


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
    parsed = read_yaml(relpath, raw)
    findings = list(parsed.findings)
    if not parsed.ok:
        return None, findings
    book, found = validate(PhraseBook, parsed, "schema")
    findings.extend(found)
    if book is None:
        return None, findings
    for kind in ("phrases", "intensifiers", "openings", "closings"):
        for i, entry in enumerate(getattr(book, kind)):
            for src in entry.source:
                if src not in book.sources:
                    findings.append(error(relpath, parsed.line_of((kind, i, "source"), value=True), "schema.invalid",
                                          f"出处“{src}”没有在 sources 中登记。请在文件开头 sources 下补上它的说明，"
                                          f"或改用已登记的出处：{'、'.join(book.sources)}"))
    return book, findings

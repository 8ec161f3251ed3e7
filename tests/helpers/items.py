"""Submissions written into a test campaign: one with front matter to vary (``item_text``) and items of
chosen bodies for the duplicate rules (``write_item``, ``near_copy``)."""
from __future__ import annotations

from pathlib import Path

ITEM = """---
id: 2021-minge-901
title: 关于完善黄河滩区居民迁建后续扶持政策的建议
submitter: 民革山东省委会
unit: minge
topic: 1
kind: suggestion
status: submitted
date: 2021-03-10
---
{body}
"""
BODY = ("黄河滩区居民迁建工程完成后，部分新村产业配套不足，群众就近就业困难。" * 8 + "\n\n"
        "## 对策建议\n\n一是由省发展改革委牵头制定后续扶持方案。二是由省人力资源社会保障厅组织技能培训。\n")

# The sample campaign's item that the duplicate tests copy.
ORIGINAL = "submissions/2021/minge/2021-minge-001.md"


def item_text(**changes) -> str:
    """Submission 2021-minge-901 (a valid one) with front-matter keys changed or added; ``body``
    replaces its body."""
    text = ITEM.format(body=changes.pop("body", BODY))
    for key, value in changes.items():
        lines = text.split("\n")
        lines = [f"{key}: {value}" if ln.startswith(f"{key}:") else ln for ln in lines]
        if not any(ln.startswith(f"{key}:") for ln in lines):
            lines.insert(2, f"{key}: {value}")
        text = "\n".join(lines)
    return text


def write_item(root: Path, ident: str, body: str, *, status: str = "submitted", date: str = "2021-04-01",
               extra: str = "", title: str = "关于完善某项机制的建议") -> Path:
    """Write submission ``ident`` (its unit from the id) with ``body``; its path."""
    unit = ident.split("-")[1]
    path = root / "submissions" / "2021" / unit / f"{ident}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nid: {ident}\ntitle: {title}\nsubmitter: 某单位\nunit: {unit}\ntopic: 1\n"
                    f"kind: suggestion\nstatus: {status}\ndate: {date}\n{extra}---\n{body}", encoding="utf-8")
    return path


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def near_copy(root: Path) -> str:
    """The original's body with a few light edits: characters dropped, a synonym swapped."""
    body = body_of(root / ORIGINAL)
    return body.replace("比较突出", "十分突出").replace("建议", "建言", 2).replace("9市", "九市", 1)

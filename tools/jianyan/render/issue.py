"""The bulletin (专刊) outputs: ``build_issue`` renders one issue to
``build/issues/<YYYY>-<NNN>.{html,md,docx,pdf}``. Every template is rendered in memory first: a
template error writes nothing. Each file is written atomically; the same input gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jianyan.core.fsutil import write_atomic
from jianyan.campaign.model import Issue
from jianyan.campaign.load import Campaign, Doc
from jianyan.render.context import issue_context
from jianyan.render.env import TemplateFailure, environment, render
from jianyan.render.pdf import MISSING, PdfFailure, find_chromium, html_to_pdf, page_count

__all__ = ["BuildResult", "TemplateFailure", "build_issue", "environment", "render", "output_dir"]

FORMATS = ("html", "md", "docx", "pdf")
OUTPUT_DIR = Path("build") / "issues"


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Chinese messages for the user (PDF skipped, …)
    pdf_ok: bool = False


def output_dir(root: Path) -> Path:
    return root / OUTPUT_DIR


def build_issue(campaign: Campaign, doc: Doc[Issue], out_dir: Path | None = None,
                formats: tuple[str, ...] = FORMATS) -> BuildResult:
    from jianyan.render.docx import build_docx  # lazy: python-docx only to write a .docx (check imports this package)
    issue = doc.model
    assert issue is not None
    out_dir = out_dir or output_dir(campaign.root)
    stem = issue.id
    ctx = issue_context(campaign, doc)
    env = environment(campaign.root)
    rendered: dict[str, bytes] = {}
    html = render(env, "issue.html.j2", campaign.root, **ctx)
    if "html" in formats:
        rendered["html"] = html.encode("utf-8")
    if "md" in formats:
        rendered["md"] = render(env, "issue.md.j2", campaign.root, **ctx).encode("utf-8")
    if "docx" in formats:
        rendered["docx"] = build_docx(ctx)
    result = BuildResult()
    for ext, data in rendered.items():
        path = out_dir / f"{stem}.{ext}"
        write_atomic(path, data)
        result.written.append(path)
    if "pdf" in formats:
        _pdf(lambda pages: render(env, "issue.html.j2", campaign.root, **{**ctx, "paper": {"pages": pages}}),
             issue.date, out_dir / f"{stem}.pdf", result)
    return result


def _pdf(html_for: Callable[[int], str], when: dt.date, path: Path, result: BuildResult) -> None:
    """Print with Chromium; when the issue fills several pages, print again with the sheet that
    tall so the 版记 lands at the foot of the last page."""
    chromium = find_chromium()
    if chromium is None:
        result.notes.append(MISSING)
        _drop_stale(path, result)
        return
    try:
        data = html_to_pdf(html_for(1), when, chromium)
        pages = page_count(data)
        if pages > 1:
            data = html_to_pdf(html_for(pages), when, chromium)
    except PdfFailure as exc:
        result.notes.append(f"PDF 未生成：{exc}（其他格式已生成）")
        _drop_stale(path, result)
        return
    write_atomic(path, data)
    result.written.append(path)
    result.pdf_ok = True


def _drop_stale(path: Path, result: BuildResult) -> None:
    """An old PDF would no longer match the other files: remove it and say so."""
    if path.exists():
        os.unlink(path)
        result.notes.append(f"已删除过期的 {path.name}（与本次生成的其他格式内容可能不一致）")

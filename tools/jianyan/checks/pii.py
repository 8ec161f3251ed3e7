"""pii.*: personal data — resident ID numbers, mobile and landline numbers, e-mail addresses.

Checked in submissions' titles and bodies and in bulletin issue bodies; the private ``contact``
field is the one place they are allowed. What is checked is what a reader will see: the body is
read as the site renders it and every number or address however written (zero-width characters,
character references, Markdown emphasis or escapes splitting it, separators, full-width or circled
digits …) by the normaliser the site and every public output share (personal_data.py); findings
point at the source line and column. Numbers in messages are masked, so a CI log never repeats the
personal data it found.

Codes: pii.id_card (18-digit resident ID, GB 11643 check character), pii.id_card_old (15-digit ID),
pii.mobile, pii.landline, pii.email; pii.unchecked (a body too long to be read as a reader sees it:
an error whatever the status, as the site would not publish it unchecked).
"""
from __future__ import annotations

from typing import Iterator

from jianyan.core.findings import Finding, error
from jianyan.text.personal_data import (LABELS, Match, find_personal_data, find_personal_data_in_markdown, line_col,
                             mask)
from jianyan.campaign.load import Campaign
from jianyan.checks.length import HARD_BODY_LIMIT
from jianyan.checks.rules import Reporter


def findings_for(matches: list[Match], text: str, line0: int, report, where: str,
                 column0: int = 1) -> Iterator[Finding]:
    """Findings for ``matches`` in ``text`` whose line 0 is file line ``line0`` (``column0``: the
    column of its first character)."""
    for m, (line, col) in zip(matches, line_col(text, [m.start for m in matches])):
        f = report(m.code, line0 + line,
                   f"{where}含有{LABELS[m.code]} {mask(m.value)}，个人信息不能写进{where}（会进入专刊或网站）",
                   (column0 - 1 if line == 0 else 0) + col)
        if f is not None:
            yield f


def in_text(text: str, line0: int, report, context: int, where: str, column0: int = 1) -> Iterator[Finding]:
    """Findings in a plain value (a title, a submitter) at file line ``line0``, column ``column0``."""
    return findings_for(find_personal_data(text, context), text, line0, report, where, column0)


def in_markdown(body: str, line0: int, report, context: int) -> Iterator[Finding]:
    """Findings in a Markdown body whose first line is file line ``line0``. A body past
    length.HARD_BODY_LIMIT (an error of its own) is read as plain text: rendering a megabyte of
    hostile Markdown takes markdown-it many seconds, and such a body is refused anyway."""
    found = find_personal_data(body, context) if len(body) > HARD_BODY_LIMIT else \
        find_personal_data_in_markdown(body, context)
    return findings_for(found, body, line0, report, "正文")


def unchecked(path: str, line: int, body: str) -> Finding:
    """The error for a body past length.HARD_BODY_LIMIT characters (white space included: padding
    with spaces does not pass the 字数 rule's length check, so this one counts every character)."""
    return error(path, line, "pii.unchecked",
                 f"正文有 {len(body)} 个字符（含空白），超过 {HARD_BODY_LIMIT} 个，无法按网页显示的样子检查个人信息"
                 "（只按原文查了一遍）。请删去多余的内容，包括大段的空白或粘贴进来的材料")


def _is_draft(doc) -> bool:
    """Draft status, read from the raw front matter when the model did not validate."""
    if doc.model is not None:
        return doc.model.status == "draft"
    return (doc.parsed.data or {}).get("status") == "draft"


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    context = regs.settings.quality.landline_context if regs else 8
    # Personal data is looked for even in files whose front matter has errors: it must never slip
    # through while the author fixes something else.
    for doc in (*campaign.submissions, *campaign.issues):
        if not doc.parsed.text or not ctx.in_scope(doc.path):
            continue
        report = Reporter(campaign, doc.path, _is_draft(doc))
        title = getattr(doc.model, "title", None)
        if title:
            col = doc.parsed.column_of(("title",), value=True) or 1
            raw = doc.parsed.text.split("\n")[doc.line("title") - 1]
            if raw[col - 1:col] in ("'", '"'):
                col += 1  # a quoted title: offsets count from inside the quotes
            yield from in_text(title, doc.line("title"), report, context, "标题", col)
        yield from in_markdown(doc.body, doc.body_line, report, context)
        if len(doc.body) > HARD_BODY_LIMIT:
            yield unchecked(doc.path, doc.body_line, doc.body)

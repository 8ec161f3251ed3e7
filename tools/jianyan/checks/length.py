"""length.*: title and body length by the documented 字数 rule (see textcount.py)."""
from __future__ import annotations

from typing import Iterator

from jianyan.core.findings import Finding, error, warning
from jianyan.text.markdown import plain_text
from jianyan.campaign.load import Campaign
from jianyan.text.textcount import count_chars

# Past this many characters the body is not even counted by Markdown parsing.
HARD_BODY_LIMIT = 200_000


def body_chars(body: str) -> int:
    if len(body) > HARD_BODY_LIMIT:
        return count_chars(body)
    return count_chars(plain_text(body))


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    if regs is None:
        return
    lim = regs.settings.limits
    for doc in campaign.submissions:
        s = doc.model
        if s is None:
            continue
        # Strict at review, loose at draft: a draft only gets warnings.
        report = warning if s.status == "draft" else error
        n = count_chars(s.title)
        if n > lim.title_max:
            yield report(doc.path, doc.line("title"), "length.title",
                         f"标题 {n} 字，超过上限 {lim.title_max} 字。请精炼标题，突出一件事")
        if s.status == "withdrawn":
            continue
        n = body_chars(doc.body)
        if n > lim.body_max:
            yield report(doc.path, doc.body_line, "length.body_max",
                         f"正文 {n} 字，超过上限 {lim.body_max} 字。请删去背景铺垫和重复表述，一事一议、开门见山")
        elif n < lim.body_min:
            yield report(doc.path, doc.body_line, "length.body_min",
                         f"正文只有 {n} 字，少于下限 {lim.body_min} 字。请补充具体问题、原因和可操作的建议")

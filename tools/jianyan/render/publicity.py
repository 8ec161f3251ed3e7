"""`jianyan publicity ID…`: a press-release draft (新闻稿: Markdown and Word) and a 新媒体 article
(one self-contained HTML file) made from public, adopted items.

"对适宜公开的信息及时予以宣传报道": only an item marked ``public: true`` whose status is ``adopted`` is
used; anything else is refused with the reason. What the drafts say comes from the records only: the
item's title, reporting unit, signature, topic, the bulletin issue that adopted it (number and date),
and its public body. Never contact, reviews, committee opinions, leaders' instructions or handling.

The same personal-data guard as the public site (site.py): the published fields and bodies are scanned
before anything is rendered (``privacy_findings``), and the finished drafts again (``published_findings``,
the last gate); either finding refuses the whole run and nothing is written.

The 新媒体 article follows a government WeChat account's conventions: title, a 来源/编辑 line, short
paragraphs (long ones split at sentence ends), bold lead-ins (一是……。), section headings; inline
styles only (the editor keeps no <style> or classes), no script, no external resources, so the file can
be opened offline or pasted into the account's editor as it is.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jianyan.campaign.bulletin import article_of
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.model import KINDS
from jianyan.campaign.steps import SUBMISSION_STATUSES
from jianyan.core.errors import EXIT_FINDINGS, JianyanError
from jianyan.core.findings import Finding
from jianyan.core.fsutil import write_atomic
from jianyan.render.docmd import to_docx
from jianyan.render.env import TemplateFailure, cn_number, environment, render
from jianyan.render.reports import Outputs, ReportFailure, count_word, file_stem
from jianyan.render.site import SiteRefused, privacy_findings, published_findings
from jianyan.text.markdown import block_texts
from jianyan.tracking.ledger import zh_date

OUT_DIR = "build/publicity"
PARAGRAPH_MAX = 120  # characters of a 新媒体 paragraph before it is split at a sentence end
_LEAD = re.compile(r"^([一二三四五六七八九十]+是)")
_SENTENCE = re.compile(r"(?<=[。！？])")


class NotPublishable(JianyanError):
    """An item asked for is missing, not public or not adopted (the message names each one)."""

    exit_code = EXIT_FINDINGS


@dataclass
class Block:
    kind: str   # "heading" or "paragraph"
    lead: str   # a bold lead-in (一是……。), or ""
    text: str   # the rest


def selected(campaign: Campaign, ids: list[str]) -> list[Doc]:
    """The items' documents, in the order asked; NotPublishable lists every one that may not be used."""
    problems, docs = [], []
    for ident in dict.fromkeys(ids):
        doc = campaign.submission(ident)
        if doc is None or doc.model is None:
            problems.append(f"找不到信息“{ident}”（或其文件格式有误，请先运行 jianyan check）")
            continue
        m = doc.model
        if not m.public:
            problems.append(f"{doc.path}:{doc.line('public')}：信息 {ident} 未标记为适宜公开（public: true），"
                            "不能用于宣传报道。确需公开的，请经研究室审核后在该行改为 public: true")
        elif m.status != "adopted" or not m.adopted_in or campaign.issue(m.adopted_in) is None:
            problems.append(f"{doc.path}:{doc.line('status')}：信息 {ident} 尚未被专刊采用（当前状态：{_status(m.status)}），"
                            "只有已采用的信息才能用于宣传报道")
        else:
            docs.append(doc)
    if problems:
        raise NotPublishable("；".join(problems) + "。未生成任何文件")
    return docs


def _status(status: str) -> str:
    return SUBMISSION_STATUSES.get(status, status)


def blocks(body: str) -> list[Block]:
    """The body as headings and paragraphs of plain text (list items as paragraphs), lead-ins apart."""
    out: list[Block] = []
    for kind, text in block_texts(body):
        text = " ".join(text.split())
        if text:
            out.append(Block("heading", "", text) if kind == "heading" else Block("paragraph", *_lead(text)))
    return out


def _lead(text: str) -> tuple[str, str]:
    """(lead-in, rest): "一是……。" up to its first full stop when that sentence is short."""
    if not _LEAD.match(text):
        return "", text
    end = text.find("。")
    if 0 < end <= 40:
        return text[:end + 1], text[end + 1:]
    return "", text


def short_paragraphs(block: Block, limit: int = PARAGRAPH_MAX) -> list[Block]:
    """A long paragraph split at sentence ends into paragraphs of about ``limit`` characters."""
    if block.kind != "paragraph" or len(block.lead) + len(block.text) <= limit:
        return [block]
    out: list[Block] = []
    lead, chunk = block.lead, ""
    for sentence in (s for s in _SENTENCE.split(block.text) if s):
        if chunk and len(lead) + len(chunk) + len(sentence) > limit:
            out.append(Block("paragraph", lead, chunk))
            lead, chunk = "", ""
        chunk += sentence
    if chunk or lead:
        out.append(Block("paragraph", lead, chunk))
    return out


def _item(campaign: Campaign, doc: Doc) -> dict[str, Any]:
    regs = campaign.registries
    m = doc.model
    issue = campaign.issue(m.adopted_in).model
    unit = regs.units.get(m.unit)
    topic = regs.topics.get(m.topic)
    body = blocks(doc.body)
    found = article_of(issue, m.id)  # used in a combined article (综合稿): the issue printed that article
    return {
        "combined": {"title": found[0].title, "others": len(found[0].sources) - 1} if found else None,
        "id": m.id, "title": m.title, "unit": unit.name if unit else m.unit,
        "unit_full": unit.full_name if unit else m.unit, "submitters": "、".join(m.submitter),
        "is_unit": list(m.submitter) == [unit.name if unit else m.unit],
        "kind": KINDS[m.kind], "topic": topic.title if topic else str(m.topic),
        "issue": {"number": issue.number, "total": issue.total, "date": zh_date(issue.date), "year": issue.date.year},
        "blocks": body, "short_blocks": [b for blk in body for b in short_paragraphs(blk)],
    }


def headline_of(unit: str, title: str) -> str:
    """关于建立……的建议 → 民革山东省委会建言建立……; 关于……问题的反映 → 民进山东省委会反映……问题;
    any other title (经验做法) is kept as it is."""
    core = title[2:] if title.startswith("关于") else None
    if core and core.endswith("的建议"):
        return f"{unit}建言{core[:-3]}"
    if core and core.endswith("的反映"):
        return f"{unit}反映{core[:-3]}"
    return title


def context(campaign: Campaign, docs: list[Doc], editor: str | None, day: dt.date) -> dict[str, Any]:
    s = campaign.registries.settings
    items = [_item(campaign, d) for d in docs]
    if len(items) == 1:
        headline = headline_of(items[0]["unit"], items[0]["title"])
    else:
        headline = f"“{s.campaign}”活动{count_word(len(items))}条建言被《{s.bulletin.title}》采用"
    return {"campaign": s.campaign, "organizer": s.organizer, "bulletin": s.bulletin.title,
            "compiler": s.bulletin.compiler, "editor": editor or s.bulletin.compiler, "date": zh_date(day),
            "headline": headline, "items": items, "count": len(items), "count_cn": count_word(len(items)),
            "numbers": [f"{cn_number(n)}、" for n in range(1, len(items) + 1)]}


@dataclass
class Drafts:
    markdown: str
    docx: bytes
    wechat: str


def render_drafts(campaign: Campaign, docs: list[Doc], editor: str | None, day: dt.date) -> Drafts:
    ctx = context(campaign, docs, editor, day)
    env = environment(campaign.root)
    try:
        md = render(env, "publicity.md.j2", campaign.root, **ctx)
        wechat = render(env, "publicity-wechat.html.j2", campaign.root, **ctx)
    except TemplateFailure as exc:
        raise ReportFailure(str(exc)) from None
    return Drafts(md, to_docx(md, {}, ctx["headline"]), wechat)


def folder(campaign: Campaign, docs: list[Doc]) -> Path:
    name = docs[0].model.id + (f"等{len(docs)}条" if len(docs) > 1 else "")
    return campaign.root / OUT_DIR / file_stem(name)


def write(campaign: Campaign, ids: list[str], editor: str | None, day: dt.date) -> Outputs:
    """Check, render, check again, write: 新闻稿.md, 新闻稿.docx, 新媒体.html. Raises NotPublishable or
    SiteRefused (personal data: nothing written)."""
    docs = selected(campaign, ids)
    refused = privacy_findings(campaign, docs)
    if refused:
        raise SiteRefused(refused)
    drafts = render_drafts(campaign, docs, editor, day)
    out = folder(campaign, docs)
    try:
        prefix = out.relative_to(campaign.root).as_posix()
    except ValueError:
        prefix = out.as_posix()
    pages = {"新闻稿.md": drafts.markdown.encode("utf-8"), "新媒体.html": drafts.wechat.encode("utf-8")}
    leaked: list[Finding] = published_findings(pages, {}, prefix)
    if leaked:
        raise SiteRefused(leaked)
    written = []
    for name, data in (("新闻稿.md", drafts.markdown), ("新闻稿.docx", drafts.docx), ("新媒体.html", drafts.wechat)):
        write_atomic(out / name, data)
        written.append(out / name)
    return Outputs(written, "")

"""`jianyan themes`: the theme analysis (tracking/themes.py) as a 综合分析 draft and as data.

The draft is rendered from templates/themes.md.j2 to Markdown first; HTML and Word are made from that
Markdown (docmd.py), as for the circular. The JSON and the text summary are made from the same
``Analysis``. Only what the records show is written: counts, units, members, titles, statuses.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jianyan.campaign.load import Campaign
from jianyan.campaign.steps import SUBMISSION_STATUSES
from jianyan.core.fsutil import write_atomic
from jianyan.render.docmd import to_docx, to_html
from jianyan.render.env import TemplateFailure, cn_number, environment, render
from jianyan.render.reports import Outputs, ReportFailure, campaign_context, period_text, report_period
from jianyan.tracking.ledger import Period, zh_date
from jianyan.tracking.themes import Analysis, Item, Theme, analyse

FORMATS = ("text", "md", "docx", "json")


def run(campaign: Campaign, since: dt.date | None, until: dt.date,
        today: dt.date | None = None) -> tuple[Analysis, str]:
    """The analysis of the period (from the campaign's start when ``since`` is None) and the period in words
    (``today``: the CLI's clock, for （今天）)."""
    period = report_period(campaign, since, until)
    return analyse(campaign, period), period_text(campaign, period, since is not None, today)


def _unit(item: Item) -> str:
    return item.state.unit.name if item.state.unit else item.state.sub.unit


def _pct(x: float | None) -> str:
    return "" if x is None else f"{abs(x) * 100:.0f}%"


def item_data(item: Item) -> dict[str, Any]:
    sub = item.state.sub
    out: dict[str, Any] = {
        "id": sub.id, "title": sub.title, "unit": sub.unit, "unit_name": _unit(item),
        "members": list(item.state.members), "topic": sub.topic, "date": sub.date.isoformat(),
        "status": item.state.status, "adopted_in": item.state.issue.id if item.state.issue else None,
        "instructions": item.instructions, "circled": item.circled, "theme": item.theme, "matter": item.matter,
        "related": [{"id": i, "similarity": s} for i, s in item.related],
        "suggested_topic": None,
    }
    if item.suggested:
        out["suggested_topic"] = {"topic": item.suggested[0], "keywords": item.suggested[1]}
    return out


def theme_data(theme: Theme) -> dict[str, Any]:
    return {"number": theme.number, "keywords": theme.keywords, "count": theme.count,
            "previous": theme.previous, "growth": None if theme.growth is None else round(theme.growth, 4),
            "units": theme.units, "members": theme.members,
            "topics": {str(k): v for k, v in theme.topics.items()},
            "representatives": [i.id for i in theme.representatives()],
            "items": [i.id for i in theme.items], "matters": [[i.id for i in g] for g in theme.matters],
            "adopted": theme.adopted,
            "instructed": theme.instructed, "circled": theme.circled}


def to_json(a: Analysis) -> dict[str, Any]:
    return {"period": {"from": a.period.since.isoformat(), "to": a.period.until.isoformat()},
            "previous_period": {"from": a.previous.since.isoformat(), "to": a.previous.until.isoformat()},
            "items": len(a.items), "themes": [theme_data(t) for t in a.themes],
            "others": [i.id for i in a.others], "by_item": [item_data(i) for i in a.items]}


def to_text(a: Analysis, period: str) -> str:
    lines = [period, f"信息 {len(a.items)} 条，归为 {len(a.themes)} 个方面，另有 {len(a.others)} 条各谈一事。", ""]
    for t in a.themes:
        growth = ("上一时段无信息可比" if not a.previous_count else "新出现" if t.growth is None
                  else f"上一时段 {t.previous} 条")
        lines.append(f"{t.number}. {'、'.join(t.keywords)}（{t.count} 条，{growth}；采用 {t.adopted}，"
                     f"批示 {t.instructed}，圈阅 {t.circled}）")
        for i in t.items:
            mark = f"  [事项{i.matter}]" if i.matter else ""
            lines.append(f"   {i.id} {i.state.sub.title}（{_unit(i)}）{mark}")
    if a.others:
        lines.append("其他：" + "、".join(i.id for i in a.others))
    hints = [i for i in a.items if i.suggested]
    for i in hints:
        lines.append(f"选题提示：{i.id} 现为选题{i.state.sub.topic}，关键词更接近选题{i.suggested[0]}"
                     f"（{'、'.join(i.suggested[1])}）")
    return "\n".join(lines) + "\n"


def related_text(a: Analysis, ident: str) -> str:
    item = a.item(ident)
    assert item is not None
    if not item.related:
        return f"{ident} 在此期间没有相近的信息（重复的信息见 jianyan dup）。\n"
    lines = [f"与 {ident}《{item.state.sub.title}》相近（不重复）的信息："]
    for other, sim in item.related:
        lines.append(f"  {other}  相似度 {sim:.2f}")
    return "\n".join(lines) + "\n"


def _heading(n: int) -> str:
    return f"{cn_number(n)}、"


def context(campaign: Campaign, a: Analysis) -> dict[str, Any]:
    regs = campaign.registries
    units = {_unit(i) for i in a.items}
    members = {m for i in a.items for m in i.state.members}

    def item_ctx(i: Item) -> dict[str, Any]:
        return {"id": i.id, "title": i.state.sub.title, "unit": _unit(i), "topic": i.state.sub.topic,
                "status_label": SUBMISSION_STATUSES[i.state.status], "instructions": i.instructions,
                "circled": i.circled}

    themes = []
    for n, t in enumerate(a.themes, 1):
        themes.append({"heading": _heading(n), "label": "、".join(t.keywords[:3]), "count": t.count,
                       "units": "、".join(t.units), "members": "、".join(t.members), "previous": t.previous,
                       "growth": t.growth, "growth_text": _pct(t.growth), "adopted": t.adopted,
                       "instructed": t.instructed, "circled": t.circled,
                       "representatives": [item_ctx(i) for i in t.representatives()],
                       "matters": [[item_ctx(i) for i in g] for g in t.matters if len(g) < t.count],
                       "entries": [item_ctx(i) for i in t.items]})
    suggestions = [{"id": i.id, "title": i.state.sub.title, "topic": i.state.sub.topic,
                    "suggested": i.suggested[0], "suggested_title": regs.topics[i.suggested[0]].title,
                    "keywords": "、".join(i.suggested[1])} for i in a.items if i.suggested]
    after = len(themes) + 1
    return {
        **campaign_context(campaign), "kind": "themes",
        "title": f"“{regs.settings.campaign}”活动建言信息综合分析",
        "date": zh_date(a.period.until), "period": a.period.label(), "previous": a.previous.label(),
        "previous_before_start": a.previous.until < regs.settings.start,
        "totals": {"count": len(a.items), "units": len(units), "members": len(members),
                   "themes": len(themes), "themed": sum(t.count for t in a.themes), "others": len(a.others),
                   "previous": a.previous_count},
        "themes": themes, "others": [item_ctx(i) for i in a.others],
        "others_heading": _heading(after), "suggestions": suggestions,
        "suggestions_heading": _heading(after + (1 if a.others else 0)),
    }


def render_draft(campaign: Campaign, a: Analysis) -> tuple[str, str, bytes]:
    """(Markdown, HTML, Word) of the 综合分析 draft."""
    ctx = context(campaign, a)
    env = environment(campaign.root)
    try:
        md = render(env, "themes.md.j2", campaign.root, **ctx)
        html = render(env, "report.html.j2", campaign.root, title=ctx["title"], body=to_html(md, {}), kind="themes")
    except TemplateFailure as exc:
        raise ReportFailure(str(exc)) from None
    return md, html, to_docx(md, {}, ctx["title"])


def folder(campaign: Campaign, period: Period) -> Path:
    return campaign.root / "build" / "themes" / f"{period.since.isoformat()}_{period.until.isoformat()}"


def write_draft(campaign: Campaign, a: Analysis, period_words: str, fmt: str) -> Outputs:
    """Write the draft: ``md`` → Markdown and HTML; ``docx`` → also the Word file."""
    md, html, docx = render_draft(campaign, a)
    out = folder(campaign, a.period)
    files = [("综合分析.md", md), ("综合分析.html", html)] + ([("综合分析.docx", docx)] if fmt == "docx" else [])
    written = []
    for name, data in files:
        write_atomic(out / name, data)
        written.append(out / name)
    return Outputs(written, period_words)

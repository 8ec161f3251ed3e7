"""What a bulletin template sees: plain dicts and lists built from the campaign (no live objects).

The variables are documented in templates/README.md; keep the two in step.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from jianyan.text.markdown import plain_text
from jianyan.campaign.model import Issue, Recipients
from jianyan.campaign.steps import ISSUE_FROZEN, ISSUE_STATUSES
from jianyan.campaign.load import Campaign, Doc
from jianyan.text.textcount import count_chars
from jianyan.campaign.bulletin import missing_sources, source_names, sources_line
from jianyan.render.blocks import Block, Run, articles
from jianyan.render.env import cn_date
from jianyan.render.style import FACES

RECIPIENT_LABELS = (("bao", "报"), ("song", "送"), ("fa", "发"))

# Font stacks for HTML/CSS: the names Word documents use first (Windows/WPS have them), then
# the free fonts fontconfig maps them to on Debian (see jianyan/data/fonts.conf).
FONTS = {key: face.css for key, face in FACES.items()}  # the house style (render/style.py)


def recipients(issue: Issue, default: Recipients) -> list[dict[str, Any]]:
    """报/送/发 lines: the issue's own lists where it sets them, else the campaign's."""
    own = issue.recipients
    out = []
    for key, label in RECIPIENT_LABELS:
        names = getattr(own, key) if own is not None and key in own.model_fields_set else getattr(default, key)
        if names:
            out.append({"key": key, "label": label, "names": list(names), "text": "，".join(names)})
    return out


def _step(step) -> dict[str, Any] | None:
    if step is None:
        return None
    return {"by": step.by, "date": step.date.isoformat(), "date_cn": cn_date(step.date), "note": step.note}


def _combined_sources(campaign: Campaign, issue: Issue, arts) -> None:
    """A combined article (综合稿, ``articles`` of the issue) names every source's unit in its source line:
    the body's own line when it does, else the line made from the sources."""
    for spec in issue.articles:
        subs = [d.model for d in (campaign.submission(s.item) for s in spec.sources) if d is not None]
        for art in arts:
            if art.title != spec.title or not subs:
                continue
            if art.source and not missing_sources(art.source, source_names(campaign, subs)):
                continue
            line = [Run(sources_line(campaign, subs))]
            if art.source:
                art.blocks[-1].runs = line
            else:
                art.blocks.append(Block("source", line, art.blocks[-1].line + 1 if art.blocks else 0))


def issue_context(campaign: Campaign, doc: Doc[Issue]) -> dict[str, Any]:
    issue = doc.model
    assert issue is not None
    regs = campaign.registries
    assert regs is not None
    bulletin = regs.settings.bulletin
    arts = articles(doc.body)
    _combined_sources(campaign, issue, arts)
    items = []
    for ident in issue.items:
        sub = campaign.submission(ident)
        unit = regs.units.get(sub.model.unit) if sub and sub.model else None
        items.append({"id": ident, "title": sub.model.title if sub and sub.model else None,
                      "unit": unit.name if unit else None})
    return {
        "bulletin": {"title": bulletin.title, "compiler": bulletin.compiler},
        "campaign": {"name": regs.settings.campaign, "organizer": regs.settings.organizer},
        "issue": {
            "id": issue.id, "number": issue.number, "total": issue.total,
            "date": issue.date.isoformat(), "date_cn": cn_date(issue.date),
            "status": issue.status, "status_label": ISSUE_STATUSES[issue.status],
            "final": issue.status in ISSUE_FROZEN, "editor": issue.editor, "title": issue.title,
            "public": issue.public, "review": _step(issue.review), "signoff": _step(issue.signoff),
            "dispatch": _step(issue.dispatch), "chars": count_chars(plain_text(doc.body)),
        },
        "articles": [
            {"title": a.title, "source": a.source,
             "blocks": [{"kind": b.kind, "text": b.text, "runs": [asdict(r) for r in b.runs]} for b in a.blocks]}
            for a in arts
        ],
        "items": items,
        "recipients": recipients(issue, bulletin.recipients),
        "fonts": dict(FONTS),
        "paper": {"pages": 1},  # pages the printed issue fills (set by the PDF step)
    }

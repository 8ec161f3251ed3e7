"""Candidates for combined articles (综合稿): groups of accepted items not yet in any issue that are
near-duplicates or share a theme, for ``jianyan issue new`` to propose (it never writes them itself).

Two items are linked when
  * their texts are near-duplicates: the shingle similarity of the duplication check (dup.compare:
    the largest of Jaccard and the two containments) reaches ``combined.suggest_similarity``; or
  * they share a theme: the same topic (1–7) and at least ``combined.suggest_keywords`` common keywords
    (the item's own ``keywords`` plus its ten terms of highest TF-IDF, with the theme analysis's terms
    and jieba's bundled idf table, tracking/themes.py: no model, offline).
Linked items form groups (connected components); a group lists the links that made it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from jianyan.campaign.bulletin import unused_accepted
from jianyan.campaign.load import Campaign
from jianyan.campaign.model import Submission
from jianyan.dup.compare import compare
from jianyan.dup.index.parallel import compute
from jianyan.dup.tokens import keep_table, prepare
from jianyan.tracking.series import roots
from jianyan.tracking.themes import general_idf, terms

TOP_WORDS = 10


@dataclass
class Link:
    a: str
    b: str
    similarity: float            # the shingle similarity of the two texts
    keywords: tuple[str, ...]    # the keywords they share (same topic only)

    def reason(self) -> str:
        parts = []
        if self.similarity:
            parts.append(f"内容相近（相似度 {self.similarity:.0%}）")
        if self.keywords:
            parts.append(f"同一选题，共同关键词：{'、'.join(self.keywords)}")
        return "；".join(parts)


@dataclass
class Group:
    items: list[Submission]                     # the lead first (the earliest in the drafting order)
    links: list[Link] = field(default_factory=list)


def keywords(campaign: Campaign, sub: Submission) -> list[str]:
    """The item's own keywords, then its ten terms of highest TF-IDF (the theme analysis's terms and idf)."""
    doc = campaign.submission(sub.id)
    counts = terms(sub.title, doc.body if doc else "")
    table, median = general_idf()
    scored = sorted(counts, key=lambda w: (-(1 + math.log(counts[w])) * table.get(w, median), w))
    return list(dict.fromkeys([*sub.keywords, *scored[:TOP_WORDS]]))


def candidates(campaign: Campaign, subs: list[Submission] | None = None) -> list[Group]:
    """Groups of ``subs`` (default: the accepted items no issue uses yet) worth one combined article."""
    settings = campaign.registries.settings
    subs = unused_accepted(campaign) if subs is None else subs
    if len(subs) < 2:
        return []
    prepare(campaign.root, len(subs))  # a few items: jieba's dictionary read from the cache's table
    words = {s.id: keywords(campaign, s) for s in subs}
    feats = {}
    for s in subs:
        doc = campaign.submission(s.id)
        feats[s.id] = compute(doc.body if doc else "", True)
    links: list[Link] = []
    for i, a in enumerate(subs):
        for b in subs[i + 1:]:
            sim = compare(feats[a.id], feats[b.id], settings.dup.min_span_chars).similarity
            near = sim if sim >= settings.combined.suggest_similarity else 0.0
            shared = tuple(w for w in words[a.id] if w in words[b.id]) if a.topic == b.topic else ()
            if len(shared) < settings.combined.suggest_keywords:
                shared = ()
            if near or shared:
                links.append(Link(a.id, b.id, round(near, 4), shared))
    keep_table(campaign.root)
    root = roots((s.id for s in subs), ((link.a, link.b) for link in links))  # connected groups, as series are
    groups: dict[str, Group] = {}
    for s in subs:
        groups.setdefault(root[s.id], Group([])).items.append(s)
    for link in links:
        groups[root[link.a]].links.append(link)
    return [g for g in groups.values() if len(g.items) > 1]

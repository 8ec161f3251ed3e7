"""Candidates for combined articles (综合稿): groups of accepted items not yet in any issue that are
near-duplicates or share a theme, for ``jianyan issue new`` to propose (it never writes them itself).

Two items are linked when
  * their texts are near-duplicates: the shingle similarity of the duplication check (dup.compare:
    the largest of Jaccard and the two containments) reaches ``combined.suggest_similarity``; or
  * they share a theme: the same topic (1–7) and at least ``combined.suggest_keywords`` common keywords
    (the item's own ``keywords`` plus the ten words of highest TF-IDF in its title and body, by jieba's
    bundled IDF table, leaving out STOP_WORDS: no model, offline).
Linked items form groups (connected components); a group lists the links that made it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from jianyan.campaign.bulletin import unused_accepted
from jianyan.campaign.load import Campaign
from jianyan.campaign.model import Submission
from jianyan.dup.compare import compare
from jianyan.dup.index.parallel import compute
from jianyan.dup.tokens import cut, jieba_module
from jianyan.tracking.series import roots

TOP_WORDS = 10
_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")  # a Chinese word of two characters or more
# Words every suggestion uses, which say nothing about what it is about.
STOP_WORDS = frozenset({"建议", "问题", "情况", "意见", "我省", "全省", "有关", "相关", "工作", "进一步", "加强", "推动"})


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


def _idf():
    """jieba's bundled IDF table (word → idf) and its median (for words not in it)."""
    jieba_module()
    import jieba.analyse  # lazy: loads jieba's IDF table (about 0.2 s); only proposing groups needs it
    t = jieba.analyse.default_tfidf
    return t.idf_freq, t.median_idf, t.stop_words


def keywords(campaign: Campaign, sub: Submission, idf=None) -> list[str]:
    """The item's own keywords, then its ten words of highest TF-IDF (title and body)."""
    freq, median, stop = idf or _idf()
    doc = campaign.submission(sub.id)
    words = [w for w in cut(sub.title + "\n" + (doc.body if doc else "")) if _WORD.match(w) and w not in stop and w not in STOP_WORDS]
    tf = Counter(words)
    scored = sorted(tf, key=lambda w: (-tf[w] * freq.get(w, median), w))
    return list(dict.fromkeys([*sub.keywords, *scored[:TOP_WORDS]]))


def candidates(campaign: Campaign, subs: list[Submission] | None = None) -> list[Group]:
    """Groups of ``subs`` (default: the accepted items no issue uses yet) worth one combined article."""
    settings = campaign.registries.settings
    subs = unused_accepted(campaign) if subs is None else subs
    if len(subs) < 2:
        return []
    idf = _idf()
    words = {s.id: keywords(campaign, s, idf) for s in subs}
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
    root = roots((s.id for s in subs), ((link.a, link.b) for link in links))  # connected groups, as series are
    groups: dict[str, Group] = {}
    for s in subs:
        groups.setdefault(root[s.id], Group([])).items.append(s)
    for link in links:
        groups[root[link.a]].links.append(link)
    return [g for g in groups.values() if len(g.items) > 1]

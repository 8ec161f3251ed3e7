"""Series (跟踪连续报道): items about the same matter, linked by ``related`` (earlier items).

A series is a connected group of items through ``related`` links (either direction), in order
of submission date. Items without links are in no series.
"""
from __future__ import annotations

from typing import Iterable

from jianyan.campaign.model import Submission


def roots(ids: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each of ``ids`` → one id of its connected group through ``links`` (either direction; links naming
    an id not among ``ids`` are left out): ids with the same root are in one group."""
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {i: root(i) for i in parent}


def series(subs: list[Submission]) -> list[list[Submission]]:
    """Every series of two or more items, each ordered by date, the list ordered by first item."""
    root = roots((s.id for s in subs), ((s.id, other) for s in subs for other in s.related if other != s.id))
    groups: dict[str, list[Submission]] = {}
    for s in subs:
        groups.setdefault(root[s.id], []).append(s)
    chains = [sorted(g, key=lambda s: (s.date, s.id)) for g in groups.values() if len(g) > 1]
    return sorted(chains, key=lambda c: (c[0].date, c[0].id))


def series_of(subs: list[Submission]) -> dict[str, list[Submission]]:
    """Item id → its series (only items in a series)."""
    return {s.id: chain for chain in series(subs) for s in chain}


def series_index(campaign) -> dict[str, list[Submission]]:
    """``series_of`` for a loaded campaign, computed once."""
    cached = getattr(campaign, "_jianyan_series", None)
    if cached is None:
        cached = series_of(campaign.valid_submissions)
        campaign._jianyan_series = cached  # type: ignore[attr-defined]
    return cached

"""Series (跟踪连续报道): items about the same matter, linked by ``related`` (earlier items).

A series is a connected group of items through ``related`` links (either direction), in order
of submission date. Items without links are in no series.
"""
from __future__ import annotations

from jianyan.campaign.model import Submission


def series(subs: list[Submission]) -> list[list[Submission]]:
    """Every series of two or more items, each ordered by date, the list ordered by first item."""
    by_id = {s.id: s for s in subs}
    parent = {s.id: s.id for s in subs}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in subs:
        for other in s.related:
            if other in by_id and other != s.id:
                a, b = root(s.id), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Submission]] = {}
    for s in subs:
        groups.setdefault(root(s.id), []).append(s)
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

"""Unit quotas (信息上报量化指标) and the ranking score (排名计分办法).

Pure functions of item states (ledger.item_states). ``stats`` and the work circular both use
them, so the two always show the same figures. The scoring is documented in docs/records-and-quotas.md;
its weights are ``scoring:`` in schema/settings.yaml.

Score of a unit = Σ weight × count over its items in the period:
  submitted       items received (not drafts)
  adopted         items adopted in a bulletin issue dated on or before the day
  instruction     leaders' instructions (指示性、肯定性批示), counted per instruction (件次)
  circled         leaders' 圈阅, per instruction
  forwarded       items forwarded to a higher level by the day
  upward_adopted  items adopted by the higher level by the day
Ties (same score) are broken by items adopted, then items instructed, then items received; units
still equal share a rank.

An item adopted through a combined article (综合稿) counts for its share of that article (``ItemState.share``):
1 each under ``combined.credit: full``; one article shared equally (``equal``) or by role weights
(``weights``); shares written in the issue (``share:``) are used as written. ``adopted`` in the score
and in the quota progress is the sum of the shares (a whole number when every share is 1).
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any, Iterable

from jianyan.campaign.model import Article, CombinedSettings, ScoringSettings, Target, YearQuotas

POINT_LABELS = {
    "submitted": "报送", "adopted": "专刊采用", "instruction": "领导批示", "circled": "领导圈阅",
    "forwarded": "向上报送", "upward_adopted": "上级采用",
}


def number_text(x: float) -> str:
    """3.0 → "3", 2.5 → "2.5"."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- credit of combined articles (综合稿) ---------------------------------------------------------

SHARE_SLACK = Fraction(1, 100)  # written shares may miss 1 by less than this (thirds written 0.333)

def shares(article: Article, rule: CombinedSettings) -> tuple[dict[str, Fraction | int], str | None]:
    """Each source's share of one adoption (item → share), and what is wrong when the shares cannot be
    computed or do not add up (then every source counts 1, and the check issue.credit reports it).

    Shares written in the issue are used as written (all or none; together 1). Otherwise by the rule:
    ``full`` 1 each; ``equal`` 1/n each; ``weights`` weight of the role / the sum over the article."""
    items = [s.item for s in article.sources]
    whole: dict[str, Fraction | int] = {i: 1 for i in items}
    written = [s for s in article.sources if s.share is not None]
    if written:
        if len(written) < len(article.sources):
            missing = "、".join(s.item for s in article.sources if s.share is None)
            return whole, f"只给部分来源写了 share，{missing} 没有写：要么都写（合计为 1），要么都不写（按 combined.credit 计）"
        got = {s.item: Fraction(str(s.share)) for s in article.sources}
        total = sum(got.values(), Fraction(0))
        if abs(total - 1) >= SHARE_SLACK:  # 0.333 three times is a third each, as meant
            return whole, f"各来源的 share 合计为 {number_text(float(total))}，应为 1。请调整"
        return got, None
    if rule.credit == "full":
        return whole, None
    if rule.credit == "equal":
        return {i: Fraction(1, len(items)) for i in items}, None
    missing = sorted({s.role for s in article.sources if s.role not in rule.weights})
    if missing:
        return whole, (f"计分办法是按角色权重分配（combined.credit: weights），但角色“{'、'.join(missing)}”"
                       "在 schema/settings.yaml 的 combined.weights 中没有权重。请补上权重或改用登记的角色")
    weights = {s.item: Fraction(str(rule.weights[s.role])) for s in article.sources}
    total = sum(weights.values(), Fraction(0))
    if total == 0:
        return whole, "本篇各来源角色的权重合计为 0，无法分配。请在 combined.weights 中给角色正的权重"
    return {i: w / total for i, w in weights.items()}, None


def credit_of(issue, item: str, rule: CombinedSettings) -> Fraction | int:
    """The share of one adoption ``item`` earns in ``issue``: 1 unless a combined article splits it."""
    for art in issue.articles:
        if any(s.item == item for s in art.sources):
            return shares(art, rule)[0][item]
    return 1


def plain_number(x: Fraction | int) -> int | float:
    """A share sum for JSON and templates: an int when whole, else a float to four decimals."""
    return int(x) if Fraction(x).denominator == 1 else round(float(x), 4)


def counts(states: Iterable, exact: bool = False) -> dict[str, Any]:
    """What a group of items scores on (see the module doc); ``exact``: adopted as a Fraction, not rounded."""
    states = list(states)
    instructions = [i for s in states for i in s.instructions]
    adopted = sum((s.share for s in states if s.adopted), Fraction(0))
    return {
        "submitted": sum(1 for s in states if s.received),
        "adopted": adopted if exact else plain_number(adopted),
        "instruction": sum(1 for i in instructions if i.kind != "circled"),
        "circled": sum(1 for i in instructions if i.kind == "circled"),
        "forwarded": sum(1 for s in states if s.forwarded),
        "upward_adopted": sum(1 for s in states if s.upward_adopted),
    }


def points(states: Iterable, weights: ScoringSettings) -> dict[str, Any]:
    """Counts, points per kind and the total score of a group of items."""
    exact = counts(states, exact=True)
    c = {**exact, "adopted": plain_number(exact["adopted"])}
    per = {k: round(float(exact[k] * getattr(weights, k)), 4) for k in POINT_LABELS}
    total = sum(per.values())
    return {"counts": c, "points": per, "score": total, "score_text": number_text(total),
            "forwarded": c["forwarded"], "upward_adopted": c["upward_adopted"]}


def rank(rows: list[dict]) -> list[dict]:
    """Rank rows (each with score, adopted, instructed, received, code) best first; ties share a rank."""
    key = lambda r: (-r.get("score", 0), -r["adopted"], -r["instructed"], -r["received"])  # noqa: E731
    ordered = sorted(rows, key=lambda r: (key(r), r["code"]))
    current, prev = 0, None
    for n, r in enumerate(ordered, start=1):
        if key(r) != prev:
            current, prev = n, key(r)
        r["rank"] = current
    return ordered


def weights_text(weights: ScoringSettings) -> str:
    """计分办法 in one sentence, from the settings (for the circular and stats)."""
    parts = [f"{label}每{'件次' if k in ('instruction', 'circled') else '条'}计{number_text(getattr(weights, k))}分"
             for k, label in POINT_LABELS.items() if getattr(weights, k)]
    return "，".join(parts)


# --- quotas ---------------------------------------------------------------------------------

def year_quotas(regs, year: int) -> YearQuotas | None:
    return next((y for y in regs.quotas.quotas if y.year == year), None)


def target_for(regs, code: str, year: int) -> Target | None:
    """A unit's target for the year: its own line, else its kind's; None when it has none."""
    y = year_quotas(regs, year)
    unit = regs.units.get(code)
    if y is None or unit is None:
        return None
    return y.units.get(code) or y.by_kind.get(unit.kind)


def _rate(part: int, whole: int) -> str:
    return f"{part / whole * 100:.0f}%" if whole else "—"


def progress(campaign, states: list, until: dt.date) -> list[dict]:
    """Year-to-date progress of every unit that has a target for ``until``'s year, in registry order.

    ``states``: item states on ``until`` (all items; filtered here to the year, not drafts).
    """
    regs = campaign.registries
    year = until.year
    rows = []
    for code, unit in regs.units.items():
        target = target_for(regs, code, year)
        if target is None:
            continue
        mine = [s for s in states if s.sub.unit == code and s.received and s.sub.date.year == year
                and s.sub.date <= until]
        sub, ado = len(mine), plain_number(sum((s.share for s in mine if s.adopted), Fraction(0)))
        done = sub >= target.submitted and ado >= target.adopted
        rows.append({"code": code, "name": unit.name, "kind": unit.kind,
                     "target_submitted": target.submitted, "submitted": sub, "submitted_rate": _rate(sub, target.submitted),
                     "target_adopted": target.adopted, "adopted": ado, "adopted_rate": _rate(ado, target.adopted),
                     "done": done, "state": "已完成" if done else "未完成"})
    return rows


__all__ = ["POINT_LABELS", "shares", "credit_of", "plain_number", "counts", "points", "rank", "weights_text",
           "target_for", "progress", "year_quotas", "number_text"]

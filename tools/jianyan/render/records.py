"""Members' performance records (委员履职档案): one entry per member per year.

An entry lists what a member wrote in the year (alone or jointly), each item's status, the
bulletin issues that adopted them, leaders' instructions and their handling, forwarding upward
and adoption there, and the series (跟踪连续报道) the items belong to. Built from the same item
states as the feedback letters and the circular (ledger.item_states, reports._item), rendered by
the same pipeline (templates record.md.j2 / records-summary.md.j2 → Markdown, HTML, Word).
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import write_atomic
from jianyan.tracking.ledger import ItemState, instruction_counts, item_states, zh_date
from jianyan.campaign.members import member_index, normalise
from jianyan.campaign.model import Member
from jianyan.render.env import cn_number
from jianyan.render.reports import _item, _render_all, bodies, campaign_context, file_stem
from jianyan.campaign.load import Campaign

OUTPUT_DIR = Path("build") / "records"


class RecordFailure(JianyanError):
    """A record cannot be made (unknown member, …); the message is Chinese."""


@dataclass
class Who:
    name: str
    member: Member | None  # None: credited on items but not in schema/members.yaml


def as_of(year: int, until: dt.date | None, today: dt.date) -> dt.date:
    """The day a yearly record is taken on: the given day, else the year's end, or ``today`` (the caller's
    clock day) if earlier."""
    if until is not None:
        return until
    return min(dt.date(year, 12, 31), today)


def _year_states(campaign: Campaign, year: int, day: dt.date) -> list[ItemState]:
    return [s for s in item_states(campaign, day) if s.received and s.sub.date.year == year and s.sub.date <= day]


def credited_names(states: list[ItemState]) -> list[str]:
    return sorted({c.name for s in states for c in (s.credits or [])})


def resolve(campaign: Campaign, text: str, states: list[ItemState]) -> Who:
    """A member by name, code or alias; or a name credited on items though not registered."""
    index = member_index(campaign)
    member = index.find(text)
    if member is not None:
        return Who(member.name, member)
    wanted = normalise(text)
    if wanted in credited_names(states):
        return Who(wanted, None)
    known = sorted(set(index.names()) | set(credited_names(states)))
    close = difflib.get_close_matches(wanted, known, n=1, cutoff=0.5)
    raise RecordFailure(f"找不到委员“{text}”：schema/members.yaml 中没有登记，本年度也没有署此名的建言信息。"
                        + (f"是不是“{close[0]}”？" if close else "")
                        + "请用登记的姓名或代码；新委员请先在 schema/members.yaml 中登记")


def everyone(campaign: Campaign, states: list[ItemState]) -> list[Who]:
    """Registered members (registry order), then names credited on items but not registered."""
    regs = campaign.registries
    out = [Who(m.name, m) for m in regs.members]
    registered = {m.name for m in regs.members}
    out += [Who(n, None) for n in credited_names(states) if n not in registered]
    return out


def _term_text(term: int) -> str:
    return f"{cn_number(term)}届省政协委员"


def _signature(credit, sub) -> str:
    if not credit.joint:
        return "独立撰写"
    others = "、".join(normalise(a) for a in sub.submitter if normalise(a) != credit.name)
    lead = "第一署名" if credit.position == 1 else f"第{cn_number(credit.position)}署名"
    return f"与{others}委员联名（{lead}）"


def record_context(campaign: Campaign, who: Who, year: int, day: dt.date,
                   states: list[ItemState]) -> dict[str, Any]:
    regs = campaign.registries
    mine = []
    for s in states:
        credit = next((c for c in s.credits or [] if c.name == who.name), None)
        if credit is not None:
            item = _item(campaign, s, day)
            item.update(signature=_signature(credit, s.sub), joint=credit.joint, lead=credit.position == 1,
                        signature_short=(f"联名（第{cn_number(credit.position)}署名）" if credit.joint else "独立撰写"),
                        date_md=f"{s.sub.date.month}月{s.sub.date.day}日",
                        committee_review=zh_date(s.sub.committee_review.date) if s.sub.committee_review else "")
            mine.append(item)
    adopted = [i for i in mine if i["status"] == "adopted"]
    forwarded = [i for i in mine if i["forwarded"]]
    m = who.member
    committee = regs.units.get(m.committee) if m else None
    series, seen = [], set()
    for it in mine:
        ids = tuple(x["id"] for x in it["series"])
        if ids and ids not in seen:
            seen.add(ids)
            series.append(it["series"])
    return {
        **campaign_context(campaign),
        "kind": "record", "title": f"{who.name}委员{year}年度履职档案", "year": year,
        "member": who.name, "registered": m is not None,
        "term": _term_text(m.term) if m else "", "sector": m.sector if m else "",
        "committee": committee.name if committee else "", "member_title": (m.title or "") if m else "",
        "until": zh_date(day), "date": zh_date(day),
        "counts": {"total": len(mine), "alone": sum(1 for i in mine if not i["joint"]),
                   "joint": sum(1 for i in mine if i["joint"]), "adopted": len(adopted),
                   **instruction_counts(i["instructions"] for i in adopted),  # 批示 and 圈阅 apart
                   "forwarded": len(forwarded), "upward_adopted": sum(1 for i in mine if i["upward_adopted"]),
                   "urgent": sum(1 for i in mine if i["urgent"]),
                   "pending": sum(1 for i in mine if i["status"] in ("submitted", "accepted")),
                   "not_adopted": sum(1 for i in mine if i["status"] in ("returned", "rejected", "withdrawn"))},
        "via": sorted({i["unit"] for i in mine}),
        "items": mine, "adopted": adopted, "forwarded": forwarded, "series": series,
        "forwarded_to": bodies(f["to"] for i in forwarded for f in i["forwarded"]),
    }


def _summary_context(campaign: Campaign, year: int, day: dt.date, records: list[dict]) -> dict[str, Any]:
    rows = [{"name": r["member"], "sector": r["sector"], "committee": r["committee"], **r["counts"]} for r in records]
    total = {k: sum(r[k] for r in rows)
             for k in ("total", "adopted", "instructions", "circled", "forwarded", "upward_adopted")}
    return {**campaign_context(campaign),
            "kind": "record", "title": f"{year}年度委员建言信息履职情况汇总", "year": year,
            "until": zh_date(day), "date": zh_date(day), "rows": rows, "total": total,
            "active": sum(1 for r in rows if r["total"]),
            "forwarded_to": bodies(f["to"] for r in records for i in r["forwarded"] for f in i["forwarded"])}


def write_records(campaign: Campaign, member: str | None, year: int, day: dt.date) -> list[Path]:
    """Render the records (one member, or everyone with a summary table) into build/records/<year>/, as of
    ``day`` (the caller's choice: ``as_of``)."""
    states = _year_states(campaign, year, day)
    people = [resolve(campaign, member, states)] if member else everyone(campaign, states)
    contexts = [record_context(campaign, who, year, day, states) for who in people]
    jobs = [(file_stem(ctx["member"]), "record.md.j2", ctx) for ctx in contexts]
    if member is None:
        jobs.append(("汇总", "records-summary.md.j2", _summary_context(campaign, year, day, contexts)))
    rendered = [(stem, _render_all(campaign, template, ctx, {})) for stem, template, ctx in jobs]
    folder = campaign.root / OUTPUT_DIR / str(year)
    written = []
    for stem, (md, html, docx) in rendered:
        for ext, data in (("md", md), ("html", html), ("docx", docx)):
            path = folder / f"{stem}.{ext}"
            write_atomic(path, data)
            written.append(path)
    return written

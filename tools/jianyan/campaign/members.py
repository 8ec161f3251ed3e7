"""Members (省政协委员): who wrote an item, matched against schema/members.yaml.

Submitter names are typed by hand (and by Word import), so a name is compared after
normalisation: spaces (also full-width) and a trailing “委员”/“同志” are dropped, and a
member's ``code`` and ``aliases`` match too. Joint authors are each credited, in the order
written (the first one is the lead author).

Without a registry the old rule applies (ledger.members_of): every submitter of a
committee item is a member, and on other units' items every name that is not a unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from jianyan.campaign.model import Member, Submission, Unit

_SPACES = re.compile(r"[\s\u3000]+")
_SUFFIXES = ("委员", "同志", "先生", "女士")
# Unit names that mark a submitter as the unit itself rather than a person.
UNIT_WORDS = ("委会", "政协", "工商联", "委员会", "联合会", "学社", "党", "厅", "局")


def normalise(name: str) -> str:
    text = _SPACES.sub("", name or "")
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
    return text


def looks_like_unit(name: str, unit: Unit | None) -> bool:
    names = {unit.name, unit.full_name} if unit else set()
    return name in names or any(w in name for w in UNIT_WORDS)


@dataclass
class Credit:
    """One author of one item: the name as credited (the registry's when known)."""

    name: str
    member: Member | None  # None: not in schema/members.yaml
    position: int  # 1 = lead author
    authors: int  # how many authors the item has

    @property
    def joint(self) -> bool:
        return self.authors > 1


class MemberIndex:
    """Look members up by name, code or alias, after normalisation."""

    def __init__(self, members: list[Member]) -> None:
        self.members = list(members)
        self._by_key: dict[str, Member] = {}
        for m in self.members:
            for key in (m.name, m.code, *m.aliases):
                self._by_key.setdefault(normalise(key), m)

    def __bool__(self) -> bool:
        return bool(self.members)

    def find(self, name: str) -> Member | None:
        return self._by_key.get(normalise(name))

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def credits(self, sub: Submission, unit: Unit | None) -> list[Credit]:
        """The members among an item's authors.

        A committee item's authors are all members (unknown ones keep their written name; the
        check reports them). On other units' items only registered members are credited when
        there is a registry, else every name that is not the unit itself.
        """
        committee = unit is not None and unit.kind == "committee"
        authors = [a for a in sub.submitter if a.strip()]
        out: list[Credit] = []
        for name in authors:
            member = self.find(name)
            if member is not None:
                out.append(Credit(member.name, member, 0, 0))
            elif committee or (not self and not looks_like_unit(name, unit)):
                out.append(Credit(normalise(name) or name, None, 0, 0))
        persons = [a for a in authors if self.find(a) or committee or not looks_like_unit(a, unit)]
        seen: set[str] = set()
        result = []
        for c in out:
            if c.name in seen:
                continue
            seen.add(c.name)
            c.authors = max(len(persons), 1)
            c.position = len(result) + 1
            result.append(c)
        return result


def member_index(campaign) -> MemberIndex:
    """The campaign's member index, built once per loaded campaign."""
    cached = getattr(campaign, "_jianyan_members", None)
    if cached is None:
        regs = campaign.registries
        cached = MemberIndex(regs.members if regs else [])
        campaign._jianyan_members = cached  # type: ignore[attr-defined]
    return cached

"""All checks, and the one table of check families that the runner, the findings cache
(accel/findingscache.py), the snapshot (accel/snapshot.py) and ``check --only`` read.

Each family module exposes ``check(campaign, ctx) -> Iterator[Finding]``, a pure function of the loaded
campaign and the run's ``Context``. ``FAMILIES`` says what each family is: the finding categories it owns
(every category has exactly one owner), the codes it mints in categories other families own, whether its
findings on a file depend on other files and on which (``DEPENDENCIES``), the registries its codes need.
The loader (campaign/load.py, frontmatter.py, validate.py: what reading the files finds) is listed as a
pseudo-family, so that every code has a family. ``run`` applies the settings' severity overrides.
"""
from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, AbstractSet, Callable, Iterable, Mapping

from jianyan.core.errors import JianyanError
from jianyan.core.findings import CATEGORIES, ERROR, SEVERITIES, WARNING, Finding, Findings
from jianyan.campaign.load import Campaign
from jianyan.checks import feedback, length, refs, status, workflow
from jianyan.checks import owners as owners_files
from jianyan.checks import dup as dup_check
from jianyan.checks import pii as pii_check
from jianyan.checks import quality as quality_check
from jianyan.checks import issues as issue_check
from jianyan.checks import practices

if TYPE_CHECKING:
    from jianyan.checks.workflow import ChangeSet
    from jianyan.dup.index.parallel import Warmup


@dataclass(frozen=True)
class Context:
    """What a check may need besides the campaign. Built once before the checks run (nothing writes into
    it while they run); every field has the value of a plain full check by default."""

    only: AbstractSet[str] | None = None  # repository-relative paths to report on (None: all)
    changed: AbstractSet[str] | None = None  # paths changed against --base (None: no base)
    today: dt.date = field(default_factory=dt.date.today)  # the day dates are judged against (common.today)
    base: str | None = None  # the REF given to --base, as the user wrote it
    changeset: ChangeSet | None = None  # the change since the merge-base of ``base`` (workflow.diff)
    protected_severity: Mapping[str, str] | None = None  # workflow.* severities of the base revision
    progress: Callable[[str], None] | None = None  # a note for the user while a long check runs
    dup_warmup: Warmup | None = None  # the submissions' features being computed (dup.warm_up)
    dup_stored: tuple | None = None  # a snapshot's duplication index and the paths it must not offer
    dup_indexed: Callable[[], None] | None = None  # called by the duplication check once every text's features
    # are in the feature cache, before it compares them (the fast path then starts storing its snapshot)

    def in_scope(self, path: str) -> bool:
        return self.only is None or path in self.only


Check = Callable[[Campaign, Context], Iterable[Finding]]

# What a family's findings on a file may depend on besides that file, the registries (schema/, including
# the phrase list) and the tool. A cross-file family names each one; a cache that keeps findings
# (accel/snapshot.py) must know how to honour every dependency of the families it keeps, or not be used.
DEPENDENCIES = {
    "same_id": "the other files that claim the same id",
    "related": "the submissions named in `related`",
    "adopted_in": "the bulletin issue named in `adopted_in`",
    "items": "the submissions a bulletin issue lists (issue findings are also reported on them)",
    "record_item": "a feedback record's submission and the issue that adopted it",
    "texts": "every other text: submissions, bulletin issues, reference texts (duplication)",
    "base": "the --base revision",
    "codeowners": "the CODEOWNERS files",
    "day": "the day of the check",
}


@dataclass(frozen=True)
class Family:
    """One check family, as the runner, the caches and ``check --only`` see it."""

    name: str
    check: Check | None  # None: the loader, whose findings come with the loaded campaign
    owns: tuple[str, ...]  # finding categories it owns
    mints: tuple[str, ...] = ()  # codes it mints in categories other families own (a category: all of its codes)
    cross_file: bool = False  # its findings on a file depend on other files: ``depends_on`` says which
    depends_on: tuple[str, ...] = ()  # keys of DEPENDENCIES
    # registry → the codes of its findings that only make sense when that registry loaded
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    base_only: bool = False  # checks the change under --base: runs only then
    always: bool = False  # runs whatever --only names (``select``)

    @property
    def per_file(self) -> bool:
        """Its findings on a document depend only on that document, the registries and the tool."""
        return not self.cross_file and not self.depends_on and self.check is not None

    @property
    def categories(self) -> set[str]:
        """The categories of the codes it may report."""
        return {*self.owns, *(m.split(".", 1)[0] for m in self.mints)}

    def declares(self, code: str) -> bool:
        """Whether ``code`` is one this family may report."""
        category = code.split(".", 1)[0]
        return category in self.owns or category in self.mints or code in self.mints


def _needs(**registries: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(registries)


# Order is the order families run in; a family never depends on another's output.
FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("loader", None, owns=("encoding", "yaml"), always=True,
           mints=("schema", "length.file_too_large", "ref.duplicate_unit", "ref.registry_missing")),
    Family("ref", refs.check, owns=("ref",), cross_file=True, depends_on=("same_id", "related", "adopted_in"),
           needs=_needs(units=("ref.unknown_unit", "ref.wrong_committee", "ref.committee_review_unexpected"),
                        topics=("ref.unknown_topic",),
                        roles=("ref.unknown_person", "ref.wrong_role", "ref.wrong_committee"),
                        reasons=("ref.unknown_reason", "ref.reason_status"))),
    Family("length", length.check, owns=("length",)),
    # status rules were given schema.* codes before families had categories; the codes are the contract
    Family("status", status.check, owns=("schema",), depends_on=("day",)),
    # feedback/ is read by the family itself (tracking/feedback.py): the reader's codes are its own there
    Family("feedback", feedback.check, owns=(), cross_file=True, depends_on=("record_item", "day"),
           mints=("encoding", "yaml", "schema", "length.file_too_large", "ref.duplicate_department",
                  "ref.duplicate_feedback", "ref.follow_up_department",
                  "ref.issue_mismatch", "ref.not_adopted", "ref.not_dispatched", "ref.path", "ref.unknown_file",
                  "ref.unknown_instruction", "ref.unknown_issue", "ref.unknown_item")),
    Family("owners", owners_files.check, owns=(), cross_file=True, depends_on=("codeowners",),
           mints=("ref.codeowners_outdated",),
           needs=_needs(units=("ref.codeowners_outdated",), roles=("ref.codeowners_outdated",))),
    # the phrase list is read by the quality family (campaign/phrases.py), with the reader's codes
    Family("quality", quality_check.check, owns=("quality",),
           mints=("encoding", "yaml", "schema", "length.file_too_large"),
           needs=_needs(topics=("quality.multi_topic",))),
    Family("pii", pii_check.check, owns=("pii",)),
    Family("issue", issue_check.check, owns=("issue",), cross_file=True, depends_on=("items",),
           needs=_needs(roles=("issue.role",))),
    Family("practice", practices.check, owns=(), cross_file=True, depends_on=("related", "adopted_in", "day"),
           mints=("ref.unknown_member", "ref.member_committee", "ref.duplicate_member", "ref.unknown_unit",
                  "ref.duplicate_quota", "ref.related_self", "ref.related_order", "schema.urgent_reason",
                  "schema.urgent_overdue"),
           needs=_needs(units=("ref.member_committee", "ref.unknown_unit"))),
    Family("dup", dup_check.check, owns=("dup",), cross_file=True, depends_on=("texts",)),
    Family("workflow", workflow.check, owns=("workflow",), cross_file=True, depends_on=("base",), base_only=True,
           always=True),
)}
LOADER = FAMILIES["loader"]
# The family names --only takes (the others run whatever it names).
NAMES: tuple[str, ...] = tuple(f.name for f in FAMILIES.values() if not f.always)


class UnknownCheck(JianyanError):
    """A name given to --only that is neither a family nor a finding category."""


@dataclass(frozen=True)
class Selection:
    """What ``check --only`` asks for: the families to run, and which of their findings to keep."""

    families: frozenset[str] | None = None  # None: every family
    categories: frozenset[str] = frozenset()  # keep only findings of these categories…
    whole: frozenset[str] = frozenset()  # … besides every finding of these families

    def keeps(self, found: Mapping[str, Iterable[Finding]]) -> Callable[[Finding], bool] | None:
        """Which of ``found`` (family → findings) to keep; None: all of them."""
        if not self.categories:
            return None
        whole = {f for name in self.whole for f in found.get(name, ())}
        return lambda f: f.code.split(".", 1)[0] in self.categories or f in whole


def select(names: Iterable[str]) -> Selection:
    """--only NAME… → a Selection. The ``always`` families run whatever is named (the loader; with --base
    the change's check). A family name runs that family, and its findings come with the loader's (the reading
    of the files it checked); a finding category keeps that category's findings, from whichever families mint
    it. With categories named, the other findings go. A name that is both (dup, pii…) is the family."""
    names = set(names)
    if not names:
        return Selection()
    bad = names - set(NAMES) - set(CATEGORIES)
    if bad:
        raise UnknownCheck(f"没有这类检查：{'、'.join(sorted(bad))}。可选的检查：{'、'.join(NAMES)}；"
                           f"问题类别：{'、'.join(CATEGORIES)}")
    named = names & set(NAMES)
    categories = frozenset(names - named)
    always = {f.name for f in FAMILIES.values() if f.always}
    minting = {f.name for f in FAMILIES.values() if categories & f.categories}
    whole = frozenset(named | {LOADER.name}) if named else frozenset()
    return Selection(frozenset(named | always | minting), categories, whole)


def run_family(family: Family, campaign: Campaign, ctx: Context) -> list[Finding]:
    """A family's findings, as its check yields them (accel/findingscache.py reuses unchanged files')."""
    return list(family.check(campaign, ctx))


Runner = Callable[[Family, Campaign, Context], list[Finding]]


def collect(campaign: Campaign, ctx: Context, families: Iterable[str] | None = None,
            runner: Runner = run_family) -> dict[str, list[Finding]]:
    """Each family's findings as the checks yield them (before ``finalize``), the loader's under "loader"."""
    wanted = None if families is None else set(families)
    out: dict[str, list[Finding]] = {LOADER.name: list(campaign.findings)}
    for family in FAMILIES.values():
        if family.check is None or (wanted is not None and family.name not in wanted):
            continue
        if family.base_only and ctx.base is None:
            continue
        out[family.name] = runner(family, campaign, ctx)
    return out


def run(campaign: Campaign, ctx: Context | None = None, families: Iterable[str] | None = None,
        runner: Runner = run_family) -> Findings:
    """Loader findings plus every family's findings, severity-adjusted, sorted, deduplicated."""
    ctx = ctx or Context()
    found = collect(campaign, ctx, families, runner)
    return finalize(campaign, ctx, [f for part in found.values() for f in part])


def withheld(broken: Iterable[str]) -> set[str]:
    """Codes that only make sense when a registry loaded: withheld while that registry is broken (its own
    error is reported), so one bad registry does not bury every file in false errors. workflow.* findings
    are not among them: they read the base revision's registries, not these."""
    broken = set(broken)
    return {code for f in FAMILIES.values() for key, codes in f.needs.items() if key in broken for code in codes}


def finalize(campaign: Campaign, ctx: Context, findings: Iterable[Finding],
             drafts: Iterable[str] = (), keep: Callable[[Finding], bool] | None = None) -> Findings:
    """Severity overrides, withheld and repeated findings, scope, sorting. ``drafts``: paths of drafts
    besides the loaded ones (files whose findings come from a snapshot); ``keep``: which findings to report
    (``Selection.keeps``), decided after every finding was seen.

    Worked out on the columns of a ``Findings`` table (what becomes of a finding depends on its code and
    its path, decided once for each distinct one), not on one object per finding: a check of 100 000 drafts
    finalizes 400 000 findings."""
    overrides = campaign.registries.settings.severity if campaign.registries else {}
    # With --base, workflow.* severities come from the base revision: a change cannot switch off its own check.
    protected = ctx.protected_severity
    drafts = {d.path for d in (*campaign.submissions, *campaign.issues)
              if d.model is not None and d.model.status == "draft"} | set(drafts)
    table = Findings.of(findings)
    hidden = withheld(campaign.registries.broken if campaign.registries else ())

    def level(code: str) -> str | None:  # "off", a severity, or None: as found
        if code in hidden:
            return "off"
        chosen = protected if protected is not None and code.startswith("workflow.") else overrides
        return chosen.get(code) or chosen.get(code.split(".")[0])

    levels = [level(c) for c in table.codes]
    usable = bytes(ctx.in_scope(p) for p in table.paths)
    draft = bytes(p in drafts for p in table.paths)
    # A value that fails validation needs one message, not also the YAML-typing warning.
    invalid_code = _index(table.codes, "schema.invalid")
    implicit_code = _index(table.codes, "yaml.implicit_type")
    invalid = {(p, line) for p, line, c in zip(table.path, table.line, table.code) if c == invalid_code} \
        if invalid_code is not None and "schema.invalid" not in hidden else set()  # even when set to "off"
    rows, severity = array("I"), bytearray()  # 400 000 rows: 1.6 MB, not a list of int objects
    for i, (p, line, s, c) in enumerate(zip(table.path, table.line, table.severity, table.code)):
        chosen = levels[c]
        if chosen == "off" or not usable[p] or (c == implicit_code and (p, line) in invalid) \
                or (keep is not None and not keep(table[i])):
            continue
        if chosen == ERROR and draft[p]:
            chosen = WARNING  # strict at review, loose at draft: an override never makes a draft fail
        rows.append(i)
        severity.append(SEVERITIES.index(chosen) if chosen else s)
    kept = table.take(rows)
    kept.severity = severity
    return kept.ordered()


def _index(values: list[str], value: str) -> int | None:
    try:
        return values.index(value)
    except ValueError:
        return None

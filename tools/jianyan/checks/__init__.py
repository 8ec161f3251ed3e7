"""All checks. Each family module exposes ``check(campaign, ctx) -> Iterator[Finding]``,
a pure function of the loaded campaign. ``run`` applies the settings' severity overrides."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from jianyan.findings import Finding
from jianyan.accel.findingscache import cached_family
from jianyan.campaign.load import Campaign
from jianyan.checks import feedback, length, refs, status
from jianyan.checks import owners as owners_files
from jianyan.checks import dup as dup_check
from jianyan.checks import pii as pii_check
from jianyan.checks import quality as quality_check
from jianyan.checks import issues as issue_check
from jianyan.checks import practices


@dataclass
class Context:
    """What a check may need besides the campaign: the paths in scope and run options."""

    only: set[str] | None = None  # repository-relative paths to report on (None: all)
    changed: set[str] | None = None  # paths changed against --base (None: no base)
    options: dict = field(default_factory=dict)

    def in_scope(self, path: str) -> bool:
        return self.only is None or path in self.only


Check = Callable[[Campaign, Context], Iterable[Finding]]

# Order is the order families run in; a family never depends on another's output.
FAMILIES: dict[str, Check] = {
    "ref": refs.check,
    "length": length.check,
    "status": status.check,
    "feedback": feedback.check,
    "owners": owners_files.check,
    "quality": quality_check.check,
    "pii": pii_check.check,
    "issue": issue_check.check,
    "practice": practices.check,
    "dup": dup_check.check,
}


def run(campaign: Campaign, ctx: Context | None = None, families: Iterable[str] | None = None) -> list[Finding]:
    """Loader findings plus every family's findings, severity-adjusted, sorted, deduplicated."""
    ctx = ctx or Context()
    return finalize(campaign, ctx, collect(campaign, ctx, families))


def collect(campaign: Campaign, ctx: Context, families: Iterable[str] | None = None) -> list[Finding]:
    """Loader findings plus every family's findings, as the checks yield them (before ``finalize``)."""
    out: list[Finding] = list(campaign.findings)
    for name, check in FAMILIES.items():
        if families is not None and name not in families:
            continue
        out.extend(cached_family(name, check, campaign, ctx))  # per-file families reuse unchanged files' findings
    return out


# Findings that only make sense when a registry loaded: withheld while that registry is broken
# (its own error is reported), so one bad registry does not bury every file in false errors.
# workflow.* findings are not among them: they read the base revision's registries, not these.
NEEDS_REGISTRY = {
    "units": ("ref.unknown_unit", "ref.wrong_committee", "ref.committee_review_unexpected",
              "ref.codeowners_outdated", "ref.member_committee"),
    "topics": ("ref.unknown_topic", "quality.multi_topic"),
    "roles": ("ref.unknown_person", "ref.wrong_role", "ref.wrong_committee", "ref.codeowners_outdated",
              "issue.role"),
    "reasons": ("ref.unknown_reason", "ref.reason_status"),
}


def finalize(campaign: Campaign, ctx: Context, findings: Iterable[Finding],
             drafts: Iterable[str] = ()) -> list[Finding]:
    """Severity overrides, withheld and repeated findings, scope, sorting. ``drafts``: paths of drafts
    besides the loaded ones (files whose findings come from a snapshot)."""
    overrides = campaign.registries.settings.severity if campaign.registries else {}
    # With --base, workflow.* severities come from the base revision: a change cannot switch off its own check.
    protected = ctx.options.get("protected_severity")
    drafts = {d.path for d in (*campaign.submissions, *campaign.issues)
              if d.model is not None and d.model.status == "draft"} | set(drafts)
    findings = list(findings)
    broken = campaign.registries.broken if campaign.registries else frozenset()
    withheld = {code for key in broken for code in NEEDS_REGISTRY.get(key, ())}
    if withheld:
        findings = [f for f in findings if f.code not in withheld]
    # A value that fails validation needs one message, not also the YAML-typing warning.
    invalid = {(f.path, f.line) for f in findings if f.code == "schema.invalid"}
    result: set[Finding] = set()
    for f in findings:
        if f.code == "yaml.implicit_type" and (f.path, f.line) in invalid:
            continue
        if not ctx.in_scope(f.path):
            continue
        table = protected if protected is not None and f.code.startswith("workflow.") else overrides
        level = table.get(f.code) or table.get(f.code.split(".")[0])
        if level == "off":
            continue
        if level == "error" and f.path in drafts:
            level = "warning"  # strict at review, loose at draft: an override never makes a draft fail
        if level:
            f = replace(f, severity=level)
        result.add(f)
    return sorted(result, key=Finding.sort_key)

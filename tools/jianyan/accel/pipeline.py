"""The `jianyan check` pipeline: which families run (``check --only``), the stored check of a commit
(snapshot.py), the duplication warm-up, the lean load, the findings cache (findingscache.py), storing a
new snapshot and the final filtering. The fast path around the domain's checks (checks/__init__.py):
what it returns is what ``checks.run`` on the whole campaign would give.

A plain check (no --base) first compares the work tree with a snapshot (``snapshot.current``): when
nothing changed it reports the stored findings (``snapshot.unchanged``; printed as json or text, the
stored rows as printed: ``snapshot.unchanged_output``) without loading the checks; else it checks the
changed files and those depending on them (``snapshot.partial_plain``) and prints this run's rows among
the stored ones (``Partial.spliced``). A check of a change (--base) lists by default only the findings on
the files it is about and the errors, worked out from the snapshot's brief.bin (``Partial.focused``)
without reading the 400 000 stored findings of a large campaign; --all lists everything.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence

from jianyan.accel import snapshot
from jianyan.accel.loadcache import load_fast
from jianyan.accel.memory import collector_off
from jianyan.campaign.load import Campaign
from jianyan.core.findings import ERROR, INFO, SEVERITIES, WARNING, Finding, Findings
from jianyan.render import output


class Tally(NamedTuple):
    """The counts a check prints besides the findings it lists."""

    errors: int      # of every finding
    warnings: int
    infos: int
    left_warnings: int = 0  # of those a check of a change does not list (``CheckResult.focus``)
    left_infos: int = 0
    left_files: int = 0


@dataclass(frozen=True)
class CheckResult:
    """What `jianyan check` reports."""

    findings: Sequence[Finding] | None  # severity-adjusted, in scope, sorted (a list, or a Findings table); None
    # when only ``brief`` was worked out (``check(focus=True)``)
    files: int  # files checked, as the summary line counts them: the submission and issue files of the work tree,
    # or with paths given the files under them (`check submissions/2021/minge` checked those, not the campaign)

    about: frozenset[str] | None = None  # with --base: the files the change is about (``about``)
    brief: tuple[Findings, Tally] | None = None  # what ``listed`` gives, worked out without the whole list
    output: snapshot.Output | None = None  # with ``check(fmt=…)``: the findings printed from stored rows
    later: Callable[[], Sequence[Finding]] | None = None  # the findings, when only ``output`` was worked out

    @property
    def failed(self) -> bool:
        """At least one error: the command exits with EXIT_FINDINGS."""
        if self.brief is not None:
            return self.brief[1].errors > 0
        if self.output is not None:
            return self.output.counts[0] > 0
        return Findings.of(self.every()).has(ERROR)

    def every(self) -> Sequence[Finding]:
        """The findings (``findings``, or worked out when only ``output`` or ``brief`` was)."""
        return self.findings if self.findings is not None else self.later()

    def printed(self, fmt: str, every: bool = False, encoding: str | None = None) -> tuple[Iterable, Tally]:
        """The output as ``fmt`` (pieces, written as they are made) and the counts printed beside it:
        ``listed(every)``, or the stored rows of ``output`` (UTF-8 bytes when it is written as ``encoding``
        UTF-8)."""
        if self.output is not None and self.output.fmt == fmt:
            return self.output.chunks(encoding), Tally(*self.output.counts)
        shown, tally = self.listed(every)
        return output.STREAMS[fmt](shown), tally

    def listed(self, every: bool = False) -> tuple[Findings, Tally]:
        """The findings listed by default (``focus``; ``every``: all of them, as --all lists them) and the
        counts printed beside them."""
        if self.brief is not None and not every:
            return self.brief
        shown, rest = (Findings.of(self.every()), Findings()) if every else self.focus()
        every = Findings.of(self.every())
        return shown, Tally(every.count(ERROR), every.count(WARNING), every.count(INFO), rest.count(WARNING),
                            rest.count(INFO), len(set(rest.path)))

    def focus(self) -> tuple[Findings, Findings]:
        """What a check of a change (--base) reports by default: the findings on the files it is about and
        every error anywhere; and the others (warnings and notes on files the change leaves as they were),
        which are only counted; the check of the change's own findings (workflow.*) are always listed.
        Without --base: everything, and nothing left out."""
        table = Findings.of(self.every())
        if self.about is None:
            return table, Findings()
        # one byte a finding (1: listed), from one byte a path, a code and a severity; runs found by re
        on = bytes(p in self.about for p in table.paths)
        change = bytes(c.startswith("workflow.") for c in table.codes)  # the check of the change itself
        error = bytes(s == ERROR for s in SEVERITIES)
        mask = bytes(map(operator.or_, map(on.__getitem__, table.path),
                         map(operator.or_, map(change.__getitem__, table.code), map(error.__getitem__, table.severity))))
        shown = [m.span() for m in re.finditer(rb"\x01+", mask)]
        rest = [m.span() for m in re.finditer(rb"\x00+", mask)]
        return table.take_runs(shown), table.take_runs(rest)


def scope(root: Path, paths: Iterable[Path]) -> set[str] | None:
    """Repository-relative files under the given paths, which exist inside ``root`` (None: everything)."""
    paths = list(paths)
    if not paths:
        return None
    out: set[str] = set()
    for p in paths:
        full = p.resolve()
        files = [full] if full.is_file() else [x for x in full.rglob("*") if x.is_file()]
        out.update(x.relative_to(root).as_posix() for x in files)
    return out


def check(root: Path, paths: Iterable[Path] = (), base: str | None = None, only: Iterable[str] = (),
          say: Callable[[str], None] | None = None, load: Callable[[bool], Campaign] | None = None,
          today: dt.date | None = None, focus: bool = False, fmt: str | None = None) -> CheckResult:
    """Check the campaign at ``root``: the files under ``paths`` (all when none), the change since the
    merge-base of ``base``, the families and categories ``only`` names (``checks.select``).

    ``say``: notes for the user while it runs; ``load(parallel)``: reads the campaign (lean: the texts of a
    large campaign are not held), parsing over all cores when ``parallel`` (the caller may show a
    progress bar); ``today``: the day dates are judged against; ``focus``: with ``base``, only what
    ``CheckResult.listed`` gives is wanted (the result may have ``brief`` and no ``findings``); ``fmt``: the
    format the findings will be printed in (``CheckResult.printed``): a plain check of everything may print
    the rows a snapshot stores (the result then has ``output`` and no ``findings``). Raises the domain's
    errors (an unknown --only name, a base git cannot resolve, a file saved during the run)."""
    only, only_paths = list(only), scope(root, paths)
    base = base or None  # --base "" (a CI variable left empty) is no base, as it always was
    today = today or dt.date.today()
    try:
        start = snapshot.current(root, fmt if only_paths is None and not only else None) if base is None else None
        if start is not None and not only and only_paths is None and fmt is not None:
            printed = snapshot.unchanged_output(start, today, fmt, say)
            if printed is not None:
                out, files = printed
                return CheckResult(None, files, output=out, later=lambda: snapshot.unchanged(start, today)[0])
        if start is not None and not only:
            hit = snapshot.unchanged(start, today, say)
            if hit is not None:
                found, files = hit
                if only_paths is not None:
                    keep = [p in only_paths for p in found.paths]
                    found = found.take([i for i, p in enumerate(found.path) if keep[p]])
                return CheckResult(found, files if only_paths is None else len(only_paths))
        from jianyan.dup.index.stored import Incomplete  # lazy: numpy, which the unchanged path above does without
        with collector_off():  # the campaign and its findings live until the end: not walked meanwhile
            try:
                result = _check(root, only_paths, base, only, say, load, today, start, focus, fmt)
            except (Incomplete, snapshot.Damaged):  # a stored text's features are gone from their cache, or a
                # part of the snapshot read late is damaged (then removed): check without the snapshot, once
                # the failed try is let go (its traceback holds the campaign it loaded)
                result = None
            if result is None:
                result = _check(root, only_paths, base, only, say, load, today, None, focus, fmt)
        return result if only_paths is None else replace(result, files=len(only_paths))
    finally:
        snapshot.forget_soon()  # what the reading threads read for a path not taken


def _check(root: Path, only_paths: set[str] | None, base: str | None, only: list[str], say, load, today: dt.date,
           start: snapshot.Current | None, focus: bool = False, fmt: str | None = None) -> CheckResult:
    """``check`` by running the checks: on the files changed since a snapshot (``start``, or with --base the
    snapshot of the merge-base or HEAD) and those depending on them, else on everything."""
    from jianyan import checks  # lazy: every check and numpy, which ``check``'s unchanged path does without
    from jianyan.accel.findingscache import Together  # lazy: the checks (as above)
    from jianyan.checks.workflow import diff, pair_renames, protected_severity  # lazy: the checks (as above)
    selection = checks.select(only)
    load = load or (lambda parallel: load_fast(root, parallel=parallel, lean=True))
    families = list(checks.FAMILIES.values()) if selection.families is None else \
        [checks.FAMILIES[name] for name in selection.families]
    part = warm = cs = None
    begun: list[snapshot.Saving | None] = []  # the snapshot being stored (``snapshot.begin``), once begun
    try:
        if base:  # changed paths first: other families (dup) look at ctx.changed
            cs = diff(root, base)
            if only_paths is None:  # a stored check of the merge-base (or HEAD) spares reading the rest
                commits = [(cs.merge_base, cs.changes)] + ([(cs.head, None)] if cs.head else [])
                part = snapshot.partial(root, commits, cs.git, cs.prefix, families, progress=say, today=today,
                                        by_family=selection.families is not None, brief=focus)
        elif start is not None:
            part = snapshot.partial_plain(root, start, families, progress=say, today=today,
                                          by_family=selection.families is not None,
                                          fmt=fmt if only_paths is None else None)
        if part is None and (selection.families is None or "dup" in selection.families):
            warm = checks.dup_check.warm_up(root)  # overlaps the reading
        # while the warm-up's workers keep the cores busy, parsing in this process saves the pool's pickling
        campaign = part.campaign if part else load(not (warm and warm.busy))
        if cs is not None:
            pair_renames(campaign, cs)
        stores = part is None and only_paths is None and selection.families is None  # a full check: stored

        def begin(fork: bool = True) -> None:  # the snapshot's dup index written (forked) while the comparing goes on
            if stores and not begun:
                begun.append(snapshot.begin(campaign, plain=base is None, fork=fork))

        ctx = checks.Context(only=only_paths, changed=cs.paths if cs else None, today=today, base=base,
                             changeset=cs, protected_severity=protected_severity(cs) if cs else None,
                             progress=say, dup_warmup=warm, dup_stored=part.dup if part else None, dup_indexed=begin)
        runner = Together(families)
        runner.start(campaign, ctx)  # their workers check while the other families (and dup) run here
        try:
            found = checks.collect(campaign, ctx, selection.families, runner=runner)
            begin(fork=False)  # the duplication check had nothing to compare: the warm-up may still be cutting
            found.update(runner.finish())
        finally:
            runner.stop()
        campaign.verify_unchanged()  # a file saved during the run: its findings would mix two versions
    except BaseException:
        if begun and begun[0] is not None:
            begun[0].give_up()
        raise
    finally:
        if warm is not None:
            warm.stop()  # still running only when the duplication check did not need it
    if part is not None and part.whole:
        # the stored final findings of the files not read: only this run's are finalized (with --base, the
        # duplication findings of the files not read are not reported: a check of a change works them out
        # for the changed files only)
        fresh = checks.finalize(campaign, ctx, [f for each in found.values() for f in each], part.stored_drafts())
        on = about(campaign, cs) if cs is not None else None
        if part.brief is not None and on is not None:  # only what the change is about is listed
            got = part.focused(fresh, on, _changed_only(checks))
            if got is not None:
                return CheckResult(None, part.files, on, (got[0], Tally(*got[1])))
        if part.layout is not None:  # a plain check printed from the stored rows
            try:
                printed = part.spliced(fresh, fmt)
            except (ValueError, TypeError, KeyError):
                snapshot.discard(part.where)
                raise snapshot.Damaged("out.bin") from None
            if printed is not None:
                return CheckResult(None, part.files, output=printed,
                                   later=lambda: (part.load_final(), part.reported(fresh, ctx.in_scope))[1])
        part.load_final()
        return CheckResult(part.reported(fresh, ctx.in_scope, drop=_changed_only(checks) if part.base else None),
                           part.files, on)
    drafts: set[str] = set()
    if part is not None:
        stored, drafts = part.rest(selection.families)
        for name, more in stored.items():
            found.setdefault(name, []).extend(more)
    # held as a table: 400 000 findings of a large campaign as a few columns, not one object each
    saving = begun[0] if begun else None
    try:
        findings = _finalized(checks, campaign, ctx, found, drafts, selection.keeps(found))
    except BaseException:
        if saving is not None:
            saving.give_up()
        raise
    if saving is not None:
        snapshot.save(campaign, found, findings if base is None else None, today, begun=saving)
    del found
    return CheckResult(findings, part.files if part else len(campaign.submissions) + len(campaign.issues),
                       about(campaign, cs) if cs is not None else None)


def _finalized(checks, campaign: Campaign, ctx, found: dict, drafts: set[str], keep) -> Findings:
    """``checks.finalize`` of every finding of ``found`` (family → findings), given as one table: a large
    campaign's findings are never all objects at once."""
    table = Findings()
    for each in found.values():
        table.add(Findings.of(each))
    table.settle()
    return checks.finalize(campaign, ctx, table, drafts, keep=keep)


def _changed_only(checks) -> tuple[str, ...]:
    """The code prefixes of the families a check of a change works out for the changed files only
    (snapshot.CHANGED_ONLY: duplication)."""
    return tuple(f"{c}." for f in checks.FAMILIES.values() if snapshot.CHANGED_ONLY & set(f.depends_on)
                 for c in f.categories)


def about(campaign: Campaign, cs) -> frozenset[str]:
    """The files a change (``cs``, workflow.ChangeSet) is about: the files it changes (old and new paths) and
    the files whose findings depend on a changed one by the families' declared links (``Family.depends_on``):
    the submissions with a changed item's id, naming it in ``related`` or adopted in a changed issue, the
    issues listing a changed item or one a changed issue listed at the merge-base, the feedback records of a
    changed item. Worked out from the loaded files alone, so that a check from a snapshot (which loads these
    files, snapshot._plan) and a full check agree."""
    from jianyan.campaign.frontmatter import read_markdown  # lazy: with the checks (``_check``)
    from jianyan.campaign.paths import ISSUES_DIR, SUBMISSIONS_DIR  # lazy: with the checks (``_check``)
    from jianyan.tracking.feedback import tracking_of  # lazy: with the checks (``_check``)
    changed = {p for c in cs.changes for p in (c.old, c.new) if p}
    touched: set[str] = set()
    for p in changed:
        if p.startswith(SUBMISSIONS_DIR + "/") and p.endswith(".md"):
            touched.add(f"id:{p.rsplit('/', 1)[-1][:-3]}")
    for doc in campaign.submissions:
        if doc.path in changed and doc.model is not None:
            touched.add(f"id:{doc.model.id}")
    for doc in campaign.issues:
        if doc.path in changed and doc.model is not None:
            touched |= snapshot.issue_keys(doc.model)
    for c in cs.changes:  # what a changed issue listed before the change
        if c.old and c.old.startswith(ISSUES_DIR + "/") and c.old.endswith(".md"):
            try:
                raw = cs.old(c.old)
                data = read_markdown(c.old, raw).data if raw is not None else None
            except Exception:  # noqa: BLE001 - an unreadable old version lists nothing
                data = None
            if isinstance(data, dict):
                touched.update(f"id:{i}" for i in data.get("items") or () if isinstance(i, str))
                if isinstance(data.get("id"), str):
                    touched.add(f"issue:{data['id']}")
    records = tracking_of(campaign).records
    for rec in records:
        if rec.path in changed:
            touched.add(f"id:{rec.path.rsplit('/', 1)[-1].rsplit('.', 1)[0]}")
            if rec.model is not None:
                touched.add(f"id:{rec.model.item}")
    out = set(changed)
    for doc in campaign.submissions:
        m = doc.model
        if m is not None and ({f"id:{m.id}"} | {k for keys in snapshot.KEYED.values() for k in keys(m)}) & touched:
            out.add(doc.path)
    for doc in campaign.issues:
        if doc.model is not None and snapshot.issue_keys(doc.model) & touched:
            out.add(doc.path)
    for rec in records:
        if rec.model is not None and f"id:{rec.model.item}" in touched:
            out.add(rec.path)
    return frozenset(out)

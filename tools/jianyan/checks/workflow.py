"""workflow.*: the change since the merge-base of ``--base REF`` must be one allowed review step.

Rules (each finding sits at the file line of the key concerned and names the allowed step):

- ``workflow.transition``      status changes only along the contract's graph, one step per change;
- ``workflow.new_status``      a new item starts as draft or submitted, a new issue as draft;
- ``workflow.deleted``         a submitted item is never deleted (withdraw it); ``workflow.issue_deleted``;
- ``workflow.frozen_field``    id, submitter, unit, date do not change once submitted;
- ``workflow.frozen_body``     the body does not change once accepted — in the net change, and in every
                               commit of the pull request (an item accepted in one commit is frozen for the next);
- ``workflow.issue_frozen``    a signed or dispatched issue does not change (except ``public``, and signed → dispatched
                               adding ``dispatch``) — in the net change, and in every commit of the pull request
                               after the one that signed it (a change made and undone again stays in the history);
- ``workflow.review_role`` / ``workflow.signoff_missing`` / ``workflow.signoff_role`` /
  ``workflow.dispatch_role``   the recorded step is done by a holder of the right role: an issue's review by the
                               director, an item's review decision by the research office (or the director);
- ``workflow.committee_role``  a member's item's ``committee_review`` by the office of that item's committee;
- ``workflow.signature_*``     with ``bulletin.require_signature``, every commit of the pull request that brings an
                               issue into the signed states (signed; dispatched, skipping it) or a tag on that
                               commit carries a good SSH signature by a key in the
                               allowed_signers file of the base revision, whose principal is the secretary-general's;
- ``workflow.registry_change`` (warning) the pull request changes a trust registry (roles, units, settings, the
                               allowed_signers file, CODEOWNERS): named with the people whose approval it needs;
- ``workflow.base_not_ancestor`` (info) the base is not an ancestor: the change is taken from the merge-base.

The trust anchors (roles and units, allowed_signers, require_signature, severity of workflow rules) come from
the base revision for every rule, so a pull request cannot weaken or use its own change of the rules that
judge it; a registry missing or unreadable there grants nobody a role, unreadable settings require signatures
(the strictest reading; the pull request may only make the rules stricter). They are read at the tip of the base
branch, not at the merge-base: that is what the pull request is merged into, and a key or role withdrawn on
main after the branch was made must no longer count. A change of the registries themselves cannot be refused
by the tool (an honest one must be mergeable); ``workflow.registry_change`` makes it visible, and the forge's
required review by the code owners (read by the forge from the base branch too) decides.

Why each commit and not only the net change: a signature covers one commit's tree. The net change of a pull
request that signs an issue and then edits it looks like one signing step; only the walk over its commits
(``_history``: ``git rev-list --parents`` and one ``git diff-tree --stdin`` for all of them, merges against each
parent, then the uncommitted working tree against HEAD) sees that the signed text is not what is merged.
A merge's version of a file that equals one parent's came from that parent's side, which the walk visits.
A file a commit moves (deletes and adds again with the same content or id) is followed through every later
move to its path in the working tree, where the findings on it sit; its new version is compared with the one
it was moved from. Working-tree files are read as the loader reads them: no symlink is followed, no pipe
opened, nothing past its size limit (``read_work_file``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from jianyan.campaign import owners
from jianyan.core.findings import Finding, error, info, warning
from jianyan.campaign.frontmatter import Parsed, read_markdown, read_yaml
from jianyan.vcs.git import Change, Git, GitError, signers_file
from jianyan.campaign.model import RolesFile, Settings, UnitsFile
from jianyan.campaign.load import IGNORED_NAMES, REGISTRY_MAX_BYTES, Campaign, Doc, read_work_file
from jianyan.campaign.paths import ALLOWED_SIGNERS, ISSUES_DIR, SUBMISSIONS_DIR, registry_path
from jianyan.campaign.steps import (BODY_FROZEN, COMMITTEE_REVIEWERS, ISSUE_FROZEN, ISSUE_STARTS, ISSUE_STATUSES,
                                    ISSUE_STEPS, ISSUE_TRANSITIONS, ROLE_HOLDERS, SUBMISSION_REVIEWERS,
                                    SUBMISSION_STARTS, SUBMISSION_STATUSES, SUBMISSION_TRANSITIONS, short_label)
from jianyan.campaign.validate import validate

FROZEN_ONCE_SUBMITTED = ("id", "submitter", "unit", "date")
# Files that decide who may do what; a change of one is reported (workflow.registry_change) and not used.
TRUST_FILES = {registry_path("roles"): "人员和角色登记表", registry_path("units"): "报送单位登记表",
               registry_path("settings"): "活动设置", **{p: "审核分工文件" for p in owners.FILES}}

__all__ = ["ChangeSet", "prepare", "diff", "pair_renames", "check", "check_change", "protected_severity", "GitError"]


@dataclass
class ChangeSet:
    """The change from the merge-base of the base ref to the working tree, in campaign paths."""

    git: Git
    prefix: str  # campaign root relative to the git top level, "" or "sub/dir/"
    base_ref: str
    base: str  # commit of the base ref (trust anchors are read here)
    head: str | None
    merge_base: str
    changes: list[Change] = field(default_factory=list)

    @property
    def ancestor(self) -> bool:
        return self.merge_base == self.base

    @property
    def paths(self) -> set[str]:
        return {c.new for c in self.changes if c.new}

    def at(self, rev: str, path: str) -> bytes | None:
        return self.git.show(rev, self.prefix + path)

    def old(self, path: str) -> bytes | None:
        return self.at(self.merge_base, path)


def prepare(campaign: Campaign, base: str) -> ChangeSet:
    """Resolve the base and diff the campaign folder; GitError with a Chinese message on problems."""
    return pair_renames(campaign, diff(campaign.root, base))


def pair_renames(campaign: Campaign, cs: ChangeSet) -> ChangeSet:
    """``cs`` with a deleted item whose id reappears in an added file counted as moved."""
    cs.changes = _pair_renames(campaign, cs)
    return cs


def diff(root: Path, base: str) -> ChangeSet:
    """The change from the merge-base of ``base`` to the work tree, as git reports it."""
    top = Git(root).toplevel
    git = Git(top)
    root = Path(root).resolve()
    prefix = "" if root == top else root.relative_to(top).as_posix() + "/"
    base_sha = git.require(base)
    head = git.head()
    mb = git.merge_base(base_sha, head) if head else base_sha
    raw = git.diff(mb, None, paths=(prefix,) if prefix else ())
    changes = []
    for c in raw:
        old = c.old[len(prefix):] if c.old and c.old.startswith(prefix) else None
        new = c.new[len(prefix):] if c.new and c.new.startswith(prefix) else None
        if old and new:
            changes.append(Change(c.status, old, new))
        elif old or new:
            changes.append(Change("A" if new else "D", old, new))
    return ChangeSet(git, prefix, base, base_sha, head, mb, changes)


def _kind(path: str | None) -> str | None:
    if not path or not path.endswith(".md") or path.rsplit("/", 1)[-1] in IGNORED_NAMES:
        return None
    if path.startswith(SUBMISSIONS_DIR + "/"):
        return "submission"
    if path.startswith(ISSUES_DIR + "/"):
        return "issue"
    return None


def _pair_renames(campaign: Campaign, cs: ChangeSet) -> list[Change]:
    """A deleted item whose id reappears in an added file was moved (git's similarity may miss it)."""
    added = {}
    for c in cs.changes:
        if c.status == "A" and _kind(c.new):
            doc = _doc_at(campaign, c.new)
            if doc is not None and doc.parsed.data and isinstance(doc.parsed.data.get("id"), str):
                added.setdefault(doc.parsed.data["id"], c)
    out, used = [], set()
    for c in cs.changes:
        if c.status == "D" and _kind(c.old):
            old = _parse(cs.old(c.old), c.old)
            ident = old.data.get("id") if old.data else None
            match = added.get(ident) if isinstance(ident, str) else None
            if match is not None and _kind(match.new) == _kind(c.old):
                out.append(Change("R", c.old, match.new))
                used.add(match)
                continue
        out.append(c)
    return [c for c in out if c not in used]


def _doc_at(campaign: Campaign, path: str) -> Doc | None:
    for doc in (*campaign.submissions, *campaign.issues):
        if doc.path == path:
            return doc
    return None


def _parse(raw: bytes | None, path: str) -> Parsed:
    return read_markdown(path, raw) if raw is not None else Parsed(path)


# --- the base revision's trust anchors ---------------------------------------------------

@dataclass
class Anchors:
    """The base revision's registries and settings, which every workflow rule reads (also ``owners.Staff``)."""

    people: list | None  # Person models of the base roles registry; None: missing or unreadable there
    units: dict  # code → Unit of the base units registry
    require_signature: bool
    signature_why: str  # why signatures are required when the base's setting is not the reason ("" when it is)
    signers_path: str
    signers: bytes | None  # the allowed_signers file at the base

    def person(self, who: str | None):
        return next((p for p in self.people or () if who and who in (p.name, p.code)), None)

    def holders(self, role: str, unit: str | None = None) -> list:
        return [p for p in self.people or () if role in p.roles and (unit is None or p.unit == unit)]


def _model_at(cs: ChangeSet, rev: str, path: str, model):
    """The registry file ``path`` at ``rev`` as a validated model; None when absent or invalid there."""
    raw = cs.at(rev, path)
    if raw is None:
        return None
    parsed = read_yaml(path, raw)
    return validate(model, parsed)[0] if parsed.ok else None


def _base_settings(cs: ChangeSet) -> Settings | None:
    return _model_at(cs, cs.base, registry_path("settings"), Settings)


def protected_severity(cs: ChangeSet) -> dict[str, str]:
    """The severity overrides of the base revision, which workflow.* findings take (``checks.finalize``):
    a change cannot switch off the check of itself. Read before the checks run (``Context``)."""
    settings = _base_settings(cs)
    return dict(settings.severity) if settings else {}


def _anchors(campaign: Campaign, cs: ChangeSet) -> Anchors:
    roles = _model_at(cs, cs.base, registry_path("roles"), RolesFile)
    units = _model_at(cs, cs.base, registry_path("units"), UnitsFile)
    settings = _base_settings(cs)
    new_settings = campaign.registries.settings if campaign.registries else None
    # the pull request may switch signatures on (stricter), never off; unreadable base settings: the strictest
    require, why = True, ""
    if settings is None:
        why = "基准分支上的 schema/settings.yaml 缺失或无法读取，按最严格的要求检查：签发须带签名"
    elif not settings.bulletin.require_signature and new_settings and new_settings.bulletin.require_signature:
        why = "本拉取请求把 require_signature 改为了 true"
    else:
        require = settings.bulletin.require_signature
    signers_path = (settings.bulletin.allowed_signers if settings else None) or ALLOWED_SIGNERS
    return Anchors(people=list(roles.people) if roles else None,
                   units={u.code: u for u in units.units} if units else {},
                   require_signature=require, signature_why=why, signers_path=signers_path,
                   signers=cs.at(cs.base, signers_path))


# --- the check -------------------------------------------------------------------------------

# Net-change findings that give way to the walk's finding for the same file: the walk names the commit.
SUPERSEDED = {"workflow.issue_frozen", "workflow.issue_deleted", "workflow.frozen_body"}


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    """The workflow family: the change under ``--base`` (``ctx.base``; nothing without it)."""
    if ctx.base is not None:
        yield from check_change(campaign, ctx.base, ctx.changeset)


def check_change(campaign: Campaign, base: str, cs: ChangeSet | None = None) -> Iterator[Finding]:
    """Findings for the change from the merge-base of ``base`` to the working tree (``cs``: that change,
    renames paired, when the caller has it)."""
    if cs is None:
        cs = prepare(campaign, base)
    anchors = _anchors(campaign, cs)
    if not cs.ancestor:
        yield info(".", None, "workflow.base_not_ancestor",
                   f"{base} 不是当前提交的祖先（分支落后于或偏离了基准分支）：改动从二者的分叉点 "
                   f"{cs.merge_base[:12]} 算起。如需按最新基准检查，请先 git merge 或 git rebase {base}")
    yield from _registry_changes(campaign, cs, anchors)
    history = _history(campaign, cs, anchors)
    yield from history.findings
    for c in cs.changes:
        kind = _kind(c.new) or _kind(c.old)
        if kind is None:
            continue
        old = _parse(cs.old(c.old), c.old) if c.old else None
        new = _doc_at(campaign, c.new) if c.new else None
        found = _submission(anchors, c, old, new) if kind == "submission" else _issue(anchors, history, c, old, new)
        walked = {c.old, c.new} & history.frozen
        yield from (f for f in found if not (walked and f.code in SUPERSEDED))


def _content_limit(campaign: Campaign) -> int:
    """The loader's size limit of a content file (campaign/load.py)."""
    return campaign.registries.settings.limits.file_max_bytes if campaign.registries else 1_000_000


def _registry_changes(campaign: Campaign, cs: ChangeSet, anchors: Anchors) -> Iterator[Finding]:
    files = {**TRUST_FILES, anchors.signers_path: "签名公钥文件（allowed_signers）"}
    for path in sorted({p for c in cs.changes for p in (c.old, c.new) if p in files}):
        now, refused = read_work_file(campaign.root / path, REGISTRY_MAX_BYTES)
        line = None if now is None else _first_line_difference(cs.old(path), now)
        who = "、".join(owners.approvers(anchors, path)) or (
            "研究室（基准分支的 schema/roles.yaml 无法读取，请核对）" if anchors.people is None else "研究室")
        done = "删除了" if now is None and refused is None else "修改了"
        state = (f"（工作区中的这个文件{refused}，无法读取，未逐行比较；请把它恢复为普通的、大小正常的文本文件）"
                 if refused else "")
        yield warning(path, line, "workflow.registry_change",
                      f"本拉取请求{done}{files[path]} {path}{state}。它决定谁能做哪一步，所以本次检查仍按基准分支上的版本判断"
                      f"各项流程步骤，改动合并后才生效；合并前须由 {who} 在平台上审核批准（基准分支的审核分工，"
                      "平台按 CODEOWNERS 要求他们批准）。请在拉取请求中请他们审核")


def _first_line_difference(old: bytes | None, new: bytes) -> int:
    a = (old or b"").decode("utf-8", "replace").split("\n")
    b = new.decode("utf-8", "replace").split("\n")
    return next((i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _status(parsed: Parsed | None) -> str | None:
    value = parsed.data.get("status") if parsed is not None and parsed.data else None
    return value.strip() if isinstance(value, str) else None


def _steps(graph: dict, labels: dict, status: str) -> str:
    nxt = graph.get(status, ())
    if not nxt:
        return f"{status}（{labels.get(status, '')}）是最终状态，不能再改"
    return "允许的下一步：" + "、".join(f"{s}（{labels[s]}）" for s in nxt)


def _transition(path: str, doc: Doc, old: str, new: str, graph: dict, labels: dict, what: str) -> Finding | None:
    if old == new or new not in labels or old not in labels or new in graph.get(old, ()):
        return None
    return error(path, doc.line("status"), "workflow.transition",
                 f"{what}状态不能从 {old}（{labels[old]}）改为 {new}（{labels[new]}）。"
                 f"{_steps(graph, labels, old)}；每一步单独提交一次拉取请求（合并请求），不能跳步或回退")


def _step(old: Parsed | None, new: Doc, graph: dict, labels: dict, starts: tuple[str, ...], what: str,
          hint: str) -> tuple[list[Finding], str | None]:
    """Findings on the status step itself; and the new status when the other rules apply (None: they don't,
    because the file is new or unreadable — the loader reports unreadable files)."""
    new_status, old_status = _status(new.parsed), _status(old)
    if new_status is None:
        return [], None
    if old is None or not old.ok:
        if old is None and new_status not in starts:
            allowed = " 或 ".join(f"{s}（{labels[s]}）" for s in starts)
            return [error(new.path, new.line("status"), "workflow.new_status",
                          f"新建{what}的状态只能是 {allowed}，现在是 {new_status}（{labels.get(new_status, '')}）。{hint}")], None
        return [], None
    if old_status is None:
        return [], None
    found = _transition(new.path, new, old_status, new_status, graph, labels, what)
    return ([found] if found else []), new_status


def _submission(anchors: Anchors, c: Change, old: Parsed | None, new: Doc | None) -> Iterator[Finding]:
    old_status = _status(old)
    if new is None:  # deleted
        if old_status in (None, "draft"):
            return  # a draft never submitted may be removed
        yield error(c.old, None, "workflow.deleted",
                    f"已报送的信息不能删除（原状态 {old_status}（{SUBMISSION_STATUSES.get(old_status, '')}））。"
                    + ("请恢复此文件，并把 status 改为 withdrawn（已撤回）"
                       if "withdrawn" in SUBMISSION_TRANSITIONS.get(old_status, ())
                       else "请恢复此文件（git checkout <基准分支> -- 文件路径）；它已是最终状态，须保留备查"))
        return
    found, new_status = _step(old, new, SUBMISSION_TRANSITIONS, SUBMISSION_STATUSES, SUBMISSION_STARTS,
                              "信息", "审核结果由研究室在后续的拉取请求中填写")
    yield from found
    yield from _submission_roles(anchors, old, new)
    if new_status is None:
        return
    path = new.path
    if old_status != "draft":
        for key in FROZEN_ONCE_SUBMITTED:
            before, after = _norm(old.data.get(key)), _norm(new.parsed.data.get(key))
            if before is not None and after is not None and before != after:
                yield error(path, new.line(key), "workflow.frozen_field",
                            f"信息报送后不能修改 {key}（{short_label(key)}）：原为“{_show(before)}”，现为“{_show(after)}”。"
                            f"请恢复原值；确需更正，请撤回（withdrawn）后用 jianyan new 重新报送")
    if old_status in BODY_FROZEN:
        line = _first_body_difference(old, new.parsed)
        if line is not None:
            yield error(path, line, "workflow.frozen_body",
                        f"信息状态为 {old_status}（{SUBMISSION_STATUSES[old_status]}），正文不能再改（此行起与审核通过时不同）。"
                        "请恢复原文；编辑加工请在专刊（issues/）中进行")


def _submission_roles(anchors: Anchors, old: Parsed | None, new: Doc) -> Iterator[Finding]:
    """A review or committee review recorded (or changed) by this change is by a holder of the role at the base.
    Records already on the base are not judged again: their author may have left the registry since."""
    model = new.model
    if model is None:
        return
    before = old.data if old is not None and old.data else {}
    unit = anchors.units.get(model.unit)
    # a unit's own item needs no committee review (ref.committee_review_unexpected says so); units unknown at the
    # base: checked all the same
    committee = unit is None or unit.kind == "committee"
    for key, step, roles, office, code, hint in (
            ("review", model.review, SUBMISSION_REVIEWERS, None, "workflow.review_role",
             "审核决定只能由研究室人员填写"),
            ("committee_review", model.committee_review if committee else None, COMMITTEE_REVIEWERS, model.unit,
             "workflow.committee_role", "委员信息须由所联系的专门委员会办公室审核后填写")):
        if step is not None and _norm(before.get(key)) != _norm(new.parsed.data.get(key)):
            yield from _role(anchors, new, (key,), step, roles, code, hint, unit=office)


def _norm(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    return str(value).strip()


def _show(value: Any) -> str:
    return "、".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _body_lines(body: str) -> list[str]:
    lines = [ln.rstrip() for ln in body.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _first_body_difference(old: Parsed, new: Parsed) -> int | None:
    a, b = _body_lines(old.body), _body_lines(new.body)
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return new.body_line + i
    return new.body_line + min(len(a), len(b))


# --- issues -------------------------------------------------------------------------------

def _issue(anchors: Anchors, history: History, c: Change, old: Parsed | None, new: Doc | None) -> Iterator[Finding]:
    old_status = _status(old)
    if new is None:
        if old_status not in (None, "draft"):
            yield error(c.old, None, "workflow.issue_deleted",
                        f"专刊{ISSUE_STATUSES.get(old_status, old_status)}，不能删除。请恢复此文件；"
                        "只有编辑中（draft）的专刊可以删除")
        return
    found, new_status = _step(old, new, ISSUE_TRANSITIONS, ISSUE_STATUSES, ISSUE_STARTS, "专刊",
                              "审改、签发、报送各用一次拉取请求")
    yield from found
    if new_status is None:
        return
    path = new.path
    if not found and old_status in ISSUE_FROZEN:
        yield from _issue_frozen(path, old, new, old_status)
    model = new.model
    if model is None or found:
        return
    before = old.data if old is not None and old.data else {}
    for done in ISSUE_STEPS:
        # workflow.review_role, workflow.signoff_role, workflow.dispatch_role
        key, role, code, hint = done.key, done.role, f"workflow.{done.key}_role", done.hint
        step = getattr(model, key)
        reached = new_status == done.after and old_status != new_status
        if key == "signoff" and reached and step is None:
            yield error(path, new.line("status"), "workflow.signoff_missing",
                        "专刊改为 signed（已签发）时须有签发记录 signoff（by 秘书长、date）。请补上，或保持 reviewed（已审改）")
        elif reached or (step is not None and _norm(before.get(key)) != _norm(new.parsed.data.get(key))):
            yield from _role(anchors, new, (key,), step, (role,), code, hint)
    if (new_status == "signed" and old_status != "signed" and anchors.require_signature
            and not {c.old, c.new} & history.signing):
        yield error(path, new.line("status"), "workflow.signature_missing",
                    "本拉取请求中找不到把本期改为 signed（已签发）的提交。签发须由秘书长在自己的电脑上用 SSH 密钥签名提交："
                    "git commit -S -m \"签发第N期\"，然后推送")


def _role(anchors: Anchors, doc: Doc, key: tuple, step, roles: tuple[str, ...], code: str, hint: str,
          unit: str | None = None) -> Iterator[Finding]:
    """The recorded ``step`` is by a holder of one of ``roles`` (of ``unit``) in the base roles registry."""
    if step is None:
        yield error(doc.path, doc.line("status"), code, f"缺少 {key[0]} 记录。{hint}")
        return
    person = anchors.person(step.by)
    if person is not None and set(roles) & set(person.roles) and (unit is None or person.unit == unit):
        return
    label = "或".join(ROLE_HOLDERS[r] for r in roles)
    if anchors.people is None:
        yield error(doc.path, doc.line(*key, "by"), code,
                    f"无法确认“{step.by}”是{label}：基准分支上的 schema/roles.yaml 缺失或无法读取，登记表修好之前"
                    f"任何人都不能办理这一步。请先在主分支上修好登记表，再提交本步骤。{hint}")
        return
    names = "、".join(p.name for r in roles for p in anchors.holders(r, unit)) or "（登记表中无人）"
    yield error(doc.path, doc.line(*key, "by"), code,
                f"“{step.by}”不是{label}（以基准分支的 schema/roles.yaml 为准，为：{names}；拉取请求中对登记表的"
                f"修改要合并后才生效）。{hint}")


# Whether a signed issue may be published is a decision of its own, taken after the sign-off
# (the notice: items fit for the public are publicised): ``public`` may change at any time.
PUBLICATION_KEYS = {"public"}


def _frozen_change(old: Parsed, new: Parsed) -> tuple[str, int | None] | None:
    """What a change of a signed or dispatched issue alters beyond the allowed steps (publication; signed →
    dispatched adding ``dispatch``): (the key, or "正文" for the body; its line in ``new``), or None."""
    skip = set(PUBLICATION_KEYS)
    if _status(old) == "signed" and _status(new) in ISSUE_FROZEN:
        skip |= {"status", "dispatch"}
    a, b = old.data or {}, new.data or {}
    for key in list(b) + [k for k in a if k not in b]:
        if key not in skip and _norm(a.get(key)) != _norm(b.get(key)):
            return key, new.line_of((key,))
    line = _first_body_difference(old, new)
    return None if line is None else ("正文", line)


def _allowed_after(old_status: str) -> str:
    return ("只有秘书处报送时可把 status 改为 dispatched 并填写 dispatch（by、date），另可修改 public"
            if old_status == "signed" else "已报送的专刊是最终状态，只可修改 public")


def _issue_frozen(path: str, old: Parsed, new: Doc, old_status: str) -> Iterator[Finding]:
    found = _frozen_change(old, new.parsed)
    if found is None:
        return
    key, line = found
    what = "正文不能再修改（此行起与签发稿不同）" if key == "正文" else f"不能再修改（{key} 有改动）"
    yield error(path, line, "workflow.issue_frozen",
                f"专刊{ISSUE_STATUSES[old_status]}，{what}。{_allowed_after(old_status)}；"
                "内容确需更正，请恢复原文后另编一期更正")


# --- the pull request's commits -------------------------------------------------------------

@dataclass(frozen=True)
class _Version:
    """One commit's new version of a file against one parent's (sha None: the working tree against HEAD)."""

    sha: str | None
    parent: str  # "" for a root commit
    path: str  # campaign path at that commit
    kind: str  # "issue" or "submission"
    before: str | None  # blob name of the parent's version (None: absent)
    after: str | None
    final: str = ""  # the file's path in the working tree, followed through every later rename (set by _versions)


class _Refused(Parsed):
    """A working-tree file there but refused unread (``read_work_file``): its content is unreadable."""

    __slots__ = ()


def _readable(parsed: Parsed | None) -> bool:
    return parsed is not None and not isinstance(parsed, _Refused)


@dataclass
class History:
    """What the walk over the pull request's commits found; paths are the files' paths in the working tree."""

    findings: list[Finding] = field(default_factory=list)
    frozen: set[str] = field(default_factory=set)  # a freeze broken by a commit: net-change findings give way
    signing: set[str] = field(default_factory=set)  # issues some commit (or the working tree) makes signed


# One step of the walk: a commit against one parent (sha None: the working tree against HEAD) and its
# issue and submission files as (path, kind, blob name before, blob name after).
_Step = tuple[str | None, str, list[tuple[str, str, str | None, str | None]]]


def _versions(campaign: Campaign, cs: ChangeSet) -> tuple[list[_Version], dict[str, bytes]]:
    """Each version of an issue or submission that a commit of the pull request introduces (differs from
    every parent's), in commit order, then the working tree's; and the blobs the rules need to read."""
    folders = tuple(cs.prefix + d + "/" for d in (ISSUES_DIR, SUBMISSIONS_DIR))
    pairs = cs.git.parent_pairs(f"{cs.merge_base}..{cs.head}") if cs.head else []
    by_commit: dict[str, list[tuple[str | None, list]]] = {}
    for (sha, parent), changed in zip(pairs, cs.git.blob_changes(pairs, folders)):
        by_commit.setdefault(sha, []).append((parent, changed))
    out: list[_Version] = []
    steps: list[_Step] = []
    for sha, sides in by_commit.items():
        seen: dict[str, list[tuple[str | None, Any]]] = {}
        for parent, changed in sides:
            files = []
            for b in changed:
                seen.setdefault(b.path, []).append((parent, b))
                path = b.path[len(cs.prefix):]
                if _kind(path):
                    files.append((path, _kind(path), b.old, b.new))
            steps.append((sha, parent or "", files))
        for full, got in seen.items():
            path, kind = full[len(cs.prefix):], _kind(full[len(cs.prefix):])
            if kind is None or len(got) < len(sides):
                continue  # equal to one parent's version: it came from that side, which the walk visits
            out.extend(_Version(sha, parent or "", path, kind, b.old, b.new) for parent, b in got)
    head = cs.head or cs.merge_base
    # the working tree against HEAD: every path of the net change, and every path a commit left at HEAD
    paths = {p for c in cs.changes for p in (c.old, c.new) if _kind(p)} | {v.path for v in out}
    names = {p: f"{head}:{cs.prefix}{p}" for p in sorted(paths)}
    # an added item has no earlier status to freeze it: its text need not be read
    wanted = [name for v in out if v.kind == "issue" or v.before for name in (v.before, v.after) if name]
    blobs = cs.git.objects(wanted + list(names.values()) + _rename_candidates(steps))
    limit = _content_limit(campaign)
    tree: list = []
    for p, name in names.items():  # the uncommitted working tree, against HEAD
        now, refused = read_work_file(campaign.root / p, limit)
        if refused:
            continue  # content unreadable: no version (the loader reports the file; final_of refuses it too)
        if now != blobs.get(name):
            key = f"worktree:{p}"
            if now is not None:
                blobs[key] = now
            v = _Version(None, head, p, _kind(p), name if name in blobs else None, key if now is not None else None)
            out.append(v)
            tree.append((p, v.kind, v.before, v.after))
    steps.append((None, head, tree))
    finals, sources = _finals(steps, blobs)
    # a moved file's new version is compared with the version it was moved from (not as a new file)
    return [replace(v, final=finals.get((v.sha, v.parent, v.path), v.path),
                    before=v.before or sources.get((v.sha, v.parent, v.path))) for v in out], blobs


def _rename_candidates(steps: list[_Step]) -> list[str]:
    """The blobs ``_renames`` reads: the files a step deletes and adds, of a kind it both deletes and adds."""
    out = []
    for _, _, files in steps:
        gone = {kind for _, kind, before, after in files if before and not after}
        new = {kind for _, kind, before, after in files if after and not before}
        out.extend(before or after for _, kind, before, after in files
                   if kind in gone & new and bool(before) != bool(after))
    return out


def _renames(files: list, blobs: dict[str, bytes]) -> dict[str, str]:
    """The files one step moves, old path → new path: a deleted file paired with an added one of its kind,
    with the same content, else with the same id (as ``_pair_renames`` does for the net change)."""
    gone = [(path, kind, before) for path, kind, before, after in files if before and not after]
    new = [(path, kind, after) for path, kind, before, after in files if after and not before]
    if not gone or not new:
        return {}

    def ident(path: str, name: str) -> str | None:
        raw = blobs.get(name)
        data = read_markdown(path, raw).data if raw is not None else None
        value = data.get("id") if data else None
        return value if isinstance(value, str) else None

    moved: dict[str, str] = {}
    for same in (lambda path, name: blobs.get(name, name), ident):
        taken = set(moved.values())
        left = {}
        for path, kind, name in new:
            if path not in taken:
                left.setdefault((kind, same(path, name)), path)
        for path, kind, name in gone:
            if path in moved:
                continue
            key = (kind, same(path, name))
            if key[1] is not None and key in left:
                moved[path] = left.pop(key)
    return moved


def _finals(steps: list[_Step], blobs: dict[str, bytes]) -> tuple[dict, dict]:
    """(sha, parent, path) of each step's file → its path in the working tree, followed through every later
    step's renames; and (sha, parent, new path) of each file a step moves → the blob it was moved from.
    Walked from the working tree back, children before parents: ``ends[commit]`` maps the paths at that
    commit that move later to where they end (a path not in it stays where it is)."""
    ends: dict[str, dict[str, str]] = {}
    out: dict[tuple[str | None, str, str], str] = {}
    sources: dict[tuple[str | None, str, str], str] = {}
    for sha, parent, files in reversed(steps):
        after = ends.get(sha, {}) if sha is not None else {}
        moved = _renames(files, blobs)
        for path, _, before, _ in files:
            target = moved.get(path, path)
            out[(sha, parent, path)] = after.get(target, target)
            if path in moved:
                sources[(sha, parent, target)] = before
        before = dict(after)
        for path, _, was, now in files:
            if not (was and now):
                before.pop(path, None)  # added here (not at the parent) or deleted here (ends nowhere)
        for old, new in moved.items():
            before[old] = after.get(new, new)
        if parent:
            into = ends.setdefault(parent, {})
            for path, end in before.items():
                into.setdefault(path, end)
    return out, sources


def _history(campaign: Campaign, cs: ChangeSet, anchors: Anchors) -> History:
    """The rules that look at each commit: a signed issue (an accepted item's body) stays as it was signed
    (accepted) in every later commit; every commit that signs an issue is signed by the secretary-general."""
    history = History()
    versions, blobs = _versions(campaign, cs)
    moved = {c.old: c.new for c in cs.changes if c.old and c.new}
    finals: dict[str, Parsed | None] = {}
    verified: dict[str, tuple[str, str, str]] = {}
    limit = _content_limit(campaign)

    def final_of(path: str) -> Parsed | None:
        if path not in finals:
            raw, refused = read_work_file(campaign.root / path, limit)
            finals[path] = (read_markdown(path, raw) if raw is not None
                            else _Refused(path) if refused else None)
        return finals[path]

    for v in versions:
        # the walk's own tracking through every commit; where it found no move, the net change's pairing
        final = v.final if v.final != v.path else moved.get(v.path, v.path)
        before = _parse(blobs.get(v.before), v.path) if v.before else None
        after = _parse(blobs.get(v.after), v.path) if v.after else None
        # signing is entering the signed states (signed → dispatched is not; reviewed → dispatched, a skip, is)
        signs = v.kind == "issue" and _status(after) in ISSUE_FROZEN and _status(before) not in ISSUE_FROZEN
        if signs:
            history.signing.add(final)
            if anchors.require_signature:
                history.findings.extend(_signature(cs, anchors, v.sha, final, final_of(final), verified))
        if final in history.frozen:
            continue  # one finding a file: the first commit that broke its freeze
        step = _issue_step if v.kind == "issue" else _body_step
        found = step(cs, v, before, after, final, final_of)
        if found is not None:
            history.frozen.add(final)
            history.findings.append(found)
    return history


def _who(cs: ChangeSet, v: _Version) -> str:
    """The commit named for a user: id, author and subject; or the working tree."""
    if v.sha is None:
        return "工作区中未提交的改动"
    commit = cs.git.commit(v.sha)
    return f"提交 {v.sha[:12]}（{commit.author}：“{commit.subject}”）"


def _rebuild_hint(v: _Version) -> str:
    if v.sha is None:
        return f"请撤销这些改动：git restore --source=HEAD -- {v.path}"
    start = v.parent[:12] or "基准分支"
    return ("这次修改留在本分支的历史中，合并后就进入主分支：请从它之前的提交新建分支"
            f"（git switch -c 新分支名 {start}），在新分支上只重做允许的改动，再用新分支提交拉取请求")


def _issue_step(cs: ChangeSet, v: _Version, before: Parsed | None, after: Parsed | None, final: str,
                final_of) -> Finding | None:
    old_status = _status(before)
    if old_status not in ISSUE_FROZEN:
        return None
    if after is None:
        what = "删除或移走了它"
    else:
        change = _frozen_change(before, after)
        if change is None:
            return None
        what = "改动了正文" if change[0] == "正文" else f"改动了 {change[0]}"
    now = final_of(final)
    here = _frozen_change(before, now) if _readable(now) else None
    same = "文件现在虽已与签发时相同，但" if _readable(now) and here is None else ""
    return error(final if now is not None else v.path, here[1] if here else None, "workflow.issue_frozen",
                 f"专刊{ISSUE_STATUSES[old_status]}，不能再修改：{_who(cs, v)}{what}。{_allowed_after(old_status)}；"
                 f"内容确需更正，请另编一期更正。{same}{_rebuild_hint(v)}")


def _body_step(cs: ChangeSet, v: _Version, before: Parsed | None, after: Parsed | None, final: str,
               final_of) -> Finding | None:
    old_status = _status(before)
    if old_status not in BODY_FROZEN:
        return None
    now = final_of(final)
    if after is None:
        if now is None:
            return None  # deleted for good: workflow.deleted says so
        what = "删除了它（之后又重新加入）"
    elif _first_body_difference(before, after) is None:
        return None
    else:
        what = "改动了正文"
    line = _first_body_difference(before, now) if _readable(now) else None
    return error(final if now is not None else v.path, line, "workflow.frozen_body",
                 f"信息状态为 {old_status}（{SUBMISSION_STATUSES[old_status]}），正文不能再改：{_who(cs, v)}{what}。"
                 f"编辑加工请在专刊（issues/）中进行。{_rebuild_hint(v)}")


# --- signed sign-off ------------------------------------------------------------------------

_GOOD_TAG = re.compile(r'Good "git" signature for (\S+) with')


def _verify(cs: ChangeSet, anchors: Anchors, sha: str) -> tuple[str, str, str]:
    """(%G? letter, signer principal, Chinese label) of ``sha`` against the base's allowed_signers; a signed tag
    pointing at the commit counts as the commit's signature."""
    with signers_file(anchors.signers) as signers:
        git = Git(cs.git.where, allowed_signers=signers)
        commit = git.commit(sha)
        state, signer, label = commit.signature, commit.signer, commit.signature_label
        if state != "G":
            for tag in git.out("tag", "--points-at", sha).split():
                proc = git.run("verify-tag", tag, check=False)
                m = _GOOD_TAG.search(proc.stderr.decode("utf-8", "replace"))
                if proc.returncode == 0 and m:
                    return "G", m.group(1), ""
    return state, signer, label


def _signature(cs: ChangeSet, anchors: Anchors, sha: str | None, path: str, now: Parsed | None,
               verified: dict) -> Iterator[Finding]:
    """Findings on one commit that makes the issue at ``path`` signed (sha None: the working tree does)."""
    line = now.line_of(("status",)) if _readable(now) else None
    note = f"（注：{anchors.signature_why}）" if anchors.signature_why else ""
    sg = anchors.holders("secretary_general")
    principals = {p.principal for p in sg if p.principal}
    who = "、".join(f"{p.name}（{p.principal}）" for p in sg if p.principal) or "（roles.yaml 中秘书长未填 principal）"
    if anchors.signers is None:
        yield error(path, line, "workflow.no_allowed_signers",
                    f"活动设置要求签发提交带 SSH 签名，但基准分支上没有 {anchors.signers_path}。"
                    "请先在主分支上登记秘书长的签名公钥（每行：principal namespaces=\"git\" 公钥）" + note)
        return
    if sha is None:
        yield error(path, line, "workflow.signature_missing",
                    "签发（status 改为 signed）还没有提交。签发须由秘书长在自己的电脑上用 SSH 密钥签名提交："
                    "git commit -S -m \"签发第N期\"，然后推送" + note)
        return
    if sha not in verified:
        verified[sha] = _verify(cs, anchors, sha)
    state, signer, label = verified[sha]
    if state == "N":
        yield error(path, line, "workflow.signature_missing",
                    f"签发提交 {sha[:12]} 没有签名。签发须由秘书长 {who} 用 SSH 密钥签名提交"
                    "（git config gpg.format ssh；git commit -S），或在该提交上打签名标签（git tag -s）" + note)
    elif state != "G":
        yield error(path, line, "workflow.signature_invalid",
                    f"签发提交 {sha[:12]} 的签名未通过验证：{label}。签名公钥须登记在基准分支的 "
                    f"{anchors.signers_path} 中；请由秘书长 {who} 用已登记的密钥重新签名提交（git commit --amend -S）" + note)
    elif signer not in principals:
        yield error(path, line, "workflow.signature_principal",
                    f"签发提交 {sha[:12]} 由“{signer}”签名，但签发只能由秘书长 {who} 签名。"
                    "请由秘书长本人签名提交（git commit --amend -S）")

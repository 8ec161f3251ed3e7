"""workflow.*: the change since the merge-base of ``--base REF`` must be one allowed review step.

Rules (each finding sits at the file line of the key concerned and names the allowed step):

- ``workflow.transition``      status changes only along the contract's graph, one step per change;
- ``workflow.new_status``      a new item starts as draft or submitted, a new issue as draft;
- ``workflow.deleted``         a submitted item is never deleted (withdraw it); ``workflow.issue_deleted``;
- ``workflow.frozen_field``    id, submitter, unit, date do not change once submitted;
- ``workflow.frozen_body``     the body does not change once accepted;
- ``workflow.issue_frozen``    a signed or dispatched issue does not change (except ``public``, and signed → dispatched
                               adding ``dispatch``);
- ``workflow.review_role`` / ``workflow.signoff_missing`` / ``workflow.signoff_role`` /
  ``workflow.dispatch_role``   the recorded step is done by a holder of the right role (roles registry
                               read from the base revision);
- ``workflow.signature_*``     with ``bulletin.require_signature``, the commit (or a tag on it) that signs
                               an issue carries a good SSH signature by a key in the allowed_signers file
                               of the base revision, whose principal is the secretary-general's;
- ``workflow.base_not_ancestor`` (info) the base is not an ancestor: the change is taken from the merge-base.

The trust anchors (allowed_signers, roles, require_signature, severity of workflow rules) come from the
base revision, so a pull request cannot weaken the rules that judge it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .findings import Finding, error, info
from .frontmatter import Parsed, read_markdown, read_yaml
from .gitio import Change, Git, GitError, signers_file
from .model import (ISSUE_STATUSES, ISSUE_TRANSITIONS, SUBMISSION_STATUSES, SUBMISSION_TRANSITIONS,
                    RolesFile, Settings)
from .repo import IGNORED_NAMES, ISSUES_DIR, SUBMISSIONS_DIR, Campaign, Doc
from .validate import validate

DEFAULT_ALLOWED_SIGNERS = ".jianyan/allowed_signers"
FROZEN_ONCE_SUBMITTED = ("id", "submitter", "unit", "date")
BODY_FROZEN_FROM = ("accepted", "adopted")
LABELS = {"id": "编号", "submitter": "作者", "unit": "报送单位", "date": "报送日期"}
ROLE_LABEL = {"director": "研究室主任", "secretary_general": "秘书长", "secretariat": "办公厅秘书处"}

__all__ = ["ChangeSet", "prepare", "diff", "pair_renames", "check_change", "GitError"]


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
    people: list  # Person models from the base roles registry
    require_signature: bool
    signers_path: str
    signers: bytes | None  # the allowed_signers file at the base
    severity: dict[str, str]

    def person(self, who: str | None):
        return next((p for p in self.people if who and who in (p.name, p.code)), None)

    def holders(self, role: str) -> list:
        return [p for p in self.people if role in p.roles]


def _settings_at(cs: ChangeSet, rev: str) -> Settings | None:
    raw = cs.at(rev, "schema/settings.yaml")
    if raw is None:
        return None
    parsed = read_yaml("schema/settings.yaml", raw)
    return validate(Settings, parsed)[0] if parsed.ok else None


def _anchors(campaign: Campaign, cs: ChangeSet) -> Anchors:
    regs = campaign.registries
    people = list(regs.people) if regs else []
    raw = cs.at(cs.base, "schema/roles.yaml")
    if raw is not None:
        parsed = read_yaml("schema/roles.yaml", raw)
        roles = validate(RolesFile, parsed)[0] if parsed.ok else None
        if roles is not None:
            people = list(roles.people)
    old_settings = _settings_at(cs, cs.base)
    new_settings = regs.settings if regs else None
    require = any(s is not None and s.bulletin.require_signature for s in (old_settings, new_settings))
    anchor = old_settings or new_settings
    signers_path = _signers_setting(anchor)
    severity = dict(old_settings.severity) if old_settings else {}
    return Anchors(people, require, signers_path, cs.at(cs.base, signers_path), severity)


def _signers_setting(settings: Settings | None) -> str:
    value = getattr(settings.bulletin, "allowed_signers", None) if settings else None
    return value or DEFAULT_ALLOWED_SIGNERS


# --- the check -------------------------------------------------------------------------------

def check_change(campaign: Campaign, base: str, ctx) -> Iterator[Finding]:
    """Findings for the change from the merge-base of ``base`` to the working tree."""
    cs = ctx.options.get("changeset") if ctx is not None else None
    if cs is None:
        cs = prepare(campaign, base)
    anchors = _anchors(campaign, cs)
    if ctx is not None:
        ctx.options["protected_severity"] = anchors.severity
    if not cs.ancestor:
        yield info(".", None, "workflow.base_not_ancestor",
                   f"{base} 不是当前提交的祖先（分支落后于或偏离了基准分支）：改动从二者的分叉点 "
                   f"{cs.merge_base[:12]} 算起。如需按最新基准检查，请先 git merge 或 git rebase {base}")
    for c in cs.changes:
        kind = _kind(c.new) or _kind(c.old)
        if kind is None:
            continue
        old = _parse(cs.old(c.old), c.old) if c.old else None
        new = _doc_at(campaign, c.new) if c.new else None
        if kind == "submission":
            yield from _submission(c, old, new)
        else:
            yield from _issue(cs, anchors, c, old, new)


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


def _submission(c: Change, old: Parsed | None, new: Doc | None) -> Iterator[Finding]:
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
    found, new_status = _step(old, new, SUBMISSION_TRANSITIONS, SUBMISSION_STATUSES, ("draft", "submitted"),
                              "信息", "审核结果由研究室在后续的拉取请求中填写")
    yield from found
    if new_status is None:
        return
    path = new.path
    if old_status != "draft":
        for key in FROZEN_ONCE_SUBMITTED:
            before, after = _norm(old.data.get(key)), _norm(new.parsed.data.get(key))
            if before is not None and after is not None and before != after:
                yield error(path, new.line(key), "workflow.frozen_field",
                            f"信息报送后不能修改 {key}（{LABELS[key]}）：原为“{_show(before)}”，现为“{_show(after)}”。"
                            f"请恢复原值；确需更正，请撤回（withdrawn）后用 jianyan new 重新报送")
    if old_status in BODY_FROZEN_FROM:
        line = _first_body_difference(old, new.parsed)
        if line is not None:
            yield error(path, line, "workflow.frozen_body",
                        f"信息状态为 {old_status}（{SUBMISSION_STATUSES[old_status]}），正文不能再改（此行起与审核通过时不同）。"
                        "请恢复原文；编辑加工请在专刊（issues/）中进行")


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

def _issue(cs: ChangeSet, anchors: Anchors, c: Change, old: Parsed | None, new: Doc | None) -> Iterator[Finding]:
    old_status = _status(old)
    if new is None:
        if old_status not in (None, "draft"):
            yield error(c.old, None, "workflow.issue_deleted",
                        f"专刊{ISSUE_STATUSES.get(old_status, old_status)}，不能删除。请恢复此文件；"
                        "只有编辑中（draft）的专刊可以删除")
        return
    found, new_status = _step(old, new, ISSUE_TRANSITIONS, ISSUE_STATUSES, ("draft",), "专刊",
                              "审改、签发、报送各用一次拉取请求")
    yield from found
    if new_status is None:
        return
    path = new.path
    if not found and old_status in ("signed", "dispatched"):
        yield from _issue_frozen(path, old, new, old_status, new_status)
    model = new.model
    if model is None or found or old_status == new_status:
        return
    if new_status == "reviewed":
        yield from _role(anchors, new, ("review",), model.review, "director", "workflow.review_role",
                         "请由研究室主任审改后填写 review（by、date）")
    elif new_status == "signed":
        if model.signoff is None:
            yield error(path, new.line("status"), "workflow.signoff_missing",
                        "专刊改为 signed（已签发）时须有签发记录 signoff（by 秘书长、date）。请补上，或保持 reviewed（已审改）")
        else:
            yield from _role(anchors, new, ("signoff",), model.signoff, "secretary_general", "workflow.signoff_role",
                             "签发只能由秘书长进行")
        if anchors.require_signature:
            yield from _signature(cs, anchors, c, new)
    elif new_status == "dispatched":
        yield from _role(anchors, new, ("dispatch",), model.dispatch, "secretariat", "workflow.dispatch_role",
                         "请由办公厅秘书处报送后填写 dispatch（by、date）")


def _role(anchors: Anchors, doc: Doc, key: tuple, step, role: str, code: str, hint: str) -> Iterator[Finding]:
    if step is None:
        yield error(doc.path, doc.line("status"), code, f"缺少 {key[0]} 记录。{hint}")
        return
    person = anchors.person(step.by)
    if person is None or role not in person.roles:
        names = "、".join(p.name for p in anchors.holders(role)) or "（登记表中无人）"
        yield error(doc.path, doc.line(*key, "by"), code,
                    f"“{step.by}”不是{ROLE_LABEL[role]}（schema/roles.yaml 中该角色为：{names}）。{hint}")


# Whether a signed issue may be published is a decision of its own, taken after the sign-off
# (the notice: items fit for the public are publicised): ``public`` may change at any time.
PUBLICATION_KEYS = {"public"}


def _issue_frozen(path: str, old: Parsed, new: Doc, old_status: str, new_status: str) -> Iterator[Finding]:
    skip = set(PUBLICATION_KEYS)
    if (old_status, new_status) in (("signed", "signed"), ("signed", "dispatched")):
        skip |= {"status", "dispatch"}
    allowed = ("只有秘书处报送时可把 status 改为 dispatched 并填写 dispatch（by、date）"
               if old_status == "signed" else "已报送的专刊是最终状态")
    a, b = old.data or {}, new.parsed.data or {}
    for key in list(b) + [k for k in a if k not in b]:
        if key in skip:
            continue
        if _norm(a.get(key)) != _norm(b.get(key)):
            yield error(path, new.line(key), "workflow.issue_frozen",
                        f"专刊{ISSUE_STATUSES[old_status]}，不能再修改（{key} 有改动）。{allowed}；"
                        "内容确需更正，请恢复原文后另编一期更正")
            return
    line = _first_body_difference(old, new.parsed)
    if line is not None:
        yield error(path, line, "workflow.issue_frozen",
                    f"专刊{ISSUE_STATUSES[old_status]}，正文不能再修改（此行起与签发稿不同）。{allowed}；"
                    "内容确需更正，请恢复原文后另编一期更正")


# --- signed sign-off ------------------------------------------------------------------------

_GOOD_TAG = re.compile(r'Good "git" signature for (\S+) with')


def _signing_commit(cs: ChangeSet, c: Change) -> str | None:
    """The first commit after the merge-base whose version of the issue is signed while its parent's is not."""
    if not cs.head:
        return None
    paths = tuple(cs.prefix + p for p in {c.old, c.new} if p)
    for sha in cs.git.rev_list(f"{cs.merge_base}..{cs.head}", paths):
        now = _status(_parse(cs.at(sha, c.new), c.new))
        before = _status(_parse(cs.at(sha + "^", c.new) or (cs.at(sha + "^", c.old) if c.old else None), c.new))
        if now == "signed" and before != "signed":
            return sha
    return None


def _signature(cs: ChangeSet, anchors: Anchors, c: Change, doc: Doc) -> Iterator[Finding]:
    path, line = doc.path, doc.line("status")
    sg = anchors.holders("secretary_general")
    principals = {p.principal for p in sg if p.principal}
    who = "、".join(f"{p.name}（{p.principal}）" for p in sg if p.principal) or "（roles.yaml 中秘书长未填 principal）"
    if anchors.signers is None:
        yield error(path, line, "workflow.no_allowed_signers",
                    f"活动设置要求签发提交带 SSH 签名，但基准分支上没有 {anchors.signers_path}。"
                    "请先在主分支上登记秘书长的签名公钥（每行：principal namespaces=\"git\" 公钥）")
        return
    sha = _signing_commit(cs, c)
    if sha is None:
        yield error(path, line, "workflow.signature_missing",
                    "签发（status 改为 signed）还没有提交。签发须由秘书长在自己的电脑上用 SSH 密钥签名提交："
                    "git commit -S -m \"签发第N期\"，然后推送")
        return
    with signers_file(anchors.signers) as signers:
        git = Git(cs.git.where, allowed_signers=signers)
        commit = git.commit(sha)
        state, signer = commit.signature, commit.signer
        if state != "G":
            for tag in git.out("tag", "--points-at", sha).split():
                proc = git.run("verify-tag", tag, check=False)
                m = _GOOD_TAG.search(proc.stderr.decode("utf-8", "replace"))
                if proc.returncode == 0 and m:
                    state, signer = "G", m.group(1)
                    break
    if state == "N":
        yield error(path, line, "workflow.signature_missing",
                    f"签发提交 {sha[:12]} 没有签名。签发须由秘书长 {who} 用 SSH 密钥签名提交"
                    "（git config gpg.format ssh；git commit -S），或在该提交上打签名标签（git tag -s）")
    elif state != "G":
        yield error(path, line, "workflow.signature_invalid",
                    f"签发提交 {sha[:12]} 的签名未通过验证：{commit.signature_label}。签名公钥须登记在基准分支的 "
                    f"{anchors.signers_path} 中；请由秘书长 {who} 用已登记的密钥重新签名提交（git commit --amend -S）")
    elif signer not in principals:
        yield error(path, line, "workflow.signature_principal",
                    f"签发提交 {sha[:12]} 由“{signer}”签名，但签发只能由秘书长 {who} 签名。"
                    "请由秘书长本人签名提交（git commit --amend -S）")

"""An item's audit trail from git: every commit that changed its file, renames followed.

Each event says what changed (status, front-matter fields, body, file name), who and when (author,
date, commit), the trailers (Reviewed-by, Signed-off-by, …) and the commit's signature state,
verified against the campaign's allowed_signers file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from jianyan.campaign.frontmatter import Parsed, read_markdown
from jianyan.vcs.git import Git, GitError
from jianyan.campaign.model import ISSUE_ID_RE
from jianyan.campaign.paths import ALLOWED_SIGNERS, SUBMISSIONS_DIR, issue_path
from jianyan.campaign.steps import ISSUE_STATUSES, SUBMISSION_STATUSES
from jianyan.campaign.load import Campaign, read_work_file

CHANGE_LABELS = {"added": "新建", "modified": "修改", "renamed": "移动/改名", "deleted": "删除"}


@dataclass
class Event:
    commit: str
    date: str
    author: str
    author_email: str
    person: str | None  # the roles registry's name for the author's e-mail
    committer: str
    subject: str
    change: str  # added | modified | renamed | deleted
    path: str
    old_path: str | None
    status_from: str | None
    status_to: str | None
    fields: list[str] = field(default_factory=list)  # front-matter keys changed (besides status)
    body_changed: bool = False
    trailers: list[dict[str, str]] = field(default_factory=list)
    signature: dict[str, str] = field(default_factory=dict)


@dataclass
class Timeline:
    id: str
    kind: str  # submission | issue
    path: str
    title: str | None
    status: str | None
    events: list[Event]
    uncommitted: bool  # the working tree differs from the last commit

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _find_path(campaign: Campaign, git: Git, prefix: str, ident: str) -> tuple[str, str] | None:
    doc = campaign.submission(ident)
    if doc is not None:
        return doc.path, "submission"
    doc = campaign.issue(ident)
    if doc is not None:
        return doc.path, "issue"
    m = ISSUE_ID_RE.match(ident)
    pattern = issue_path(ident) if m else f"{SUBMISSIONS_DIR}/**/{ident}.md"
    found = git.log_paths(prefix + pattern)
    if found and found[0].startswith(prefix):
        return found[0][len(prefix):], "issue" if m else "submission"
    return None


def _parse(raw: bytes | None, path: str) -> Parsed | None:
    return read_markdown(path, raw) if raw is not None else None


def _value(parsed: Parsed | None, key: str) -> Any:
    return parsed.data.get(key) if parsed is not None and parsed.data else None


def timeline(campaign: Campaign, ident: str) -> Timeline:
    """The item's history, oldest first. GitError when git cannot tell (not a repository, unknown id)."""
    top = Git(campaign.root).toplevel
    root = campaign.root.resolve()
    prefix = "" if root == top else root.relative_to(top).as_posix() + "/"
    regs = campaign.registries
    signers = root / (regs.settings.bulletin.allowed_signers if regs else ALLOWED_SIGNERS)
    git = Git(top, allowed_signers=signers if signers.is_file() else None)
    located = _find_path(campaign, git, prefix, ident)
    if located is None:
        raise GitError(f"找不到编号为 {ident} 的信息或专刊（工作区和 git 历史中都没有）。请检查编号，如 2021-minge-001 或 2021-001")
    path, kind = located
    people = {p.email: p.name for p in (regs.people if regs else []) if p.email}
    events: list[Event] = []
    previous: Parsed | None = None
    last_seen: Parsed | None = None
    for commit in reversed(git.log_follow(prefix + path)):
        entry = commit.paths[0] if commit.paths else None
        if entry is None:
            continue
        now_path = entry.new or entry.old
        change = {"A": "added", "D": "deleted", "R": "renamed"}.get(entry.status, "modified")
        current = _parse(git.show(commit.sha, now_path), now_path) if entry.new else None
        before, after = _value(previous, "status"), _value(current, "status")
        fields = sorted({k for k in {*((previous.data or {}) if previous else {}), *((current.data or {}) if current else {})}
                         if k != "status" and _value(previous, k) != _value(current, k)}) if current and previous else []
        body_changed = bool(current and previous and previous.body.rstrip() != current.body.rstrip())
        events.append(Event(
            commit=commit.sha, date=commit.date, author=commit.author, author_email=commit.author_email,
            person=people.get(commit.author_email), committer=commit.committer, subject=commit.subject,
            change=change, path=now_path[len(prefix):], old_path=(entry.old[len(prefix):] if change == "renamed" else None),
            status_from=before if isinstance(before, str) else None,
            status_to=after if isinstance(after, str) else None,
            fields=fields, body_changed=body_changed,
            trailers=[{"key": k, "value": v} for k, v in commit.trailers],
            signature={"state": commit.signature, "label": commit.signature_label, "signer": commit.signer}))
        previous = current
        last_seen = current or last_seen
    doc = campaign.submission(ident) or campaign.issue(ident)
    title = _value(doc.parsed if doc else last_seen, "title")
    status = _value(doc.parsed, "status") if doc else None
    committed = git.show("HEAD", prefix + path) if git.head() else None
    limit = regs.settings.limits.file_max_bytes if regs else 1_000_000
    now, refused = read_work_file(root / path, limit)
    # a file refused unread (a symlink, a pipe, over the size limit) is not what HEAD holds
    uncommitted = refused is not None or now != committed
    return Timeline(ident, kind, path, title if isinstance(title, str) else None,
                    status if isinstance(status, str) else None, events, uncommitted)


def _label(kind: str, status: str | None) -> str:
    labels = SUBMISSION_STATUSES if kind == "submission" else ISSUE_STATUSES
    return f"{labels.get(status, status)}（{status}）" if status else "（无）"


def render_text(t: Timeline) -> str:
    what = "建言信息" if t.kind == "submission" else "专刊"
    lines = [f"{what} {t.id}" + (f"《{t.title}》" if t.title else ""),
             f"文件：{t.path}　当前状态：{_label(t.kind, t.status) if t.status else '文件已删除'}",
             f"共 {len(t.events)} 次提交改动（从早到晚）：", ""]
    for n, e in enumerate(t.events, 1):
        who = f"{e.author} <{e.author_email}>"
        if e.person and e.person != e.author:
            who = f"{e.person}（{who}）"
        lines.append(f"{n}. {e.date.replace('T', ' ')}　提交 {e.commit[:10]}　作者 {who}")
        parts = [] if e.change == "modified" else [CHANGE_LABELS[e.change]]
        if e.change == "renamed":
            parts.append(f"{e.old_path} → {e.path}")
        if e.change == "added":
            parts.append(f"状态：{_label(t.kind, e.status_to)}")
        elif e.status_from != e.status_to:
            parts.append(f"状态：{_label(t.kind, e.status_from)} → {_label(t.kind, e.status_to)}")
        if e.fields:
            parts.append("改动字段：" + "、".join(e.fields))
        if e.body_changed:
            parts.append("正文有改动")
        lines.append("   " + ("；".join(parts) or "修改（仅格式）"))
        lines.append(f"   说明：{e.subject}")
        lines.extend(f"   {tr['key']}: {tr['value']}" for tr in e.trailers)
        sig = e.signature
        lines.append(f"   签名：{sig['label']}" + (f"（{sig['signer']}）" if sig.get("signer") else ""))
    if t.uncommitted:
        lines.append("")
        lines.append("注意：工作区中此文件有尚未提交的改动，不在上面的记录中。")
    return "\n".join(lines) + "\n"

"""Bulletin issues (专刊) as a workflow: pick the issue, draft the next one, record review, sign-off
and dispatch. Every change to a file goes through edit.py (only the needed lines change) and is
verified before anything is written; a failure leaves every file as it was.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jianyan.campaign.edit import EditError, edit_file, yaml_scalar
from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import write_atomic
from jianyan.text.markdown import block_texts, parser
from jianyan.campaign.model import Article, Issue, Source, Submission
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.paths import ISSUE_FILE, ISSUES_DIR, issue_path
from jianyan.campaign.steps import ISSUE_STATUSES, ROLES, STEP_BY_COMMAND, previous_step


class BulletinError(JianyanError):
    """A user-facing problem; the message is Chinese and says how to fix it."""


# --- finding issues -------------------------------------------------------------------------------

def issue_key(issue: Issue) -> tuple[int, int]:
    return int(issue.id[:4]), issue.number


def sorted_issues(campaign: Campaign) -> list[Doc[Issue]]:
    return sorted((d for d in campaign.issues if d.model), key=lambda d: issue_key(d.model))


def normalize_id(text: str) -> str:
    """"2021-5", "2021-005", "2021/005" → "2021-005"."""
    m = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{1,})\s*", text or "")
    if not m:
        raise BulletinError(f"期号“{text}”格式不对，应写成 年份-期号，如 2021-005")
    return f"{m.group(1)}-{int(m.group(2)):03d}"


def _file_key(path: str) -> tuple[int, int] | None:
    """issues/2021/006.md → (2021, 6); None for a file not named like an issue."""
    m = ISSUE_FILE.fullmatch(path)
    return (int(m.group(1)), int(m.group(2))) if m else None


def latest_issue(campaign: Campaign) -> Doc[Issue]:
    """The newest issue. Refuses when an issue file that is (or may be) newer cannot be read,
    rather than quietly falling back to an older issue."""
    docs = sorted_issues(campaign)
    newest = issue_key(docs[-1].model) if docs else None
    broken = [d.path for d in campaign.issues if d.model is None
              and (newest is None or (_file_key(d.path) or newest) >= newest)]
    if broken:
        named = f"；或者在命令后写明要用哪一期，如 {docs[-1].model.id}" if docs else ""
        raise BulletinError(f"不能确定最新一期：{'、'.join(sorted(broken))} 有错误，无法使用：\n"
                            + "\n".join(_problems(campaign, p) for p in sorted(broken))
                            + f"\n请先运行 jianyan check 查看并改正{named}")
    if not docs:
        raise BulletinError("issues/ 下还没有可用的专刊。请先运行 jianyan issue new 起草第一期")
    return docs[-1]


def _problems(campaign: Campaign, path: str) -> str:
    """The errors found in one file, one per line (file:line: message)."""
    problems = [f"{f.path}:{f.line or 1}: {f.message}" for f in campaign.findings
                if f.path == path and f.severity == "error"]
    return "\n".join(problems or [f"{path}:1: 元数据无法读取"])


def find_issue(campaign: Campaign, ident: str | None) -> Doc[Issue]:
    """The issue ``ident`` (YYYY-NNN), or the latest one; explains invalid files."""
    if ident is None:
        return latest_issue(campaign)
    ident = normalize_id(ident)
    doc = campaign.issue(ident)
    if doc is not None:
        return doc
    path = issue_path(ident)
    for d in campaign.issues:
        if d.path == path:
            raise BulletinError(f"{path} 有错误，无法使用：\n" + _problems(campaign, path))
    raise BulletinError(f"没有第 {ident} 期（应有文件 {path}）。用 jianyan issue list 查看已有各期")


def used_numbers(campaign: Campaign, year: int) -> set[int]:
    """Numbers taken in ``year``: by valid issues and by any file name under issues/<year>/."""
    used = {d.model.number for d in campaign.issues if d.model and d.model.id.startswith(f"{year}-")}
    folder = campaign.root / ISSUES_DIR / str(year)
    if folder.is_dir():
        used.update(int(p.stem) for p in folder.glob("*.md") if p.stem.isascii() and p.stem.isdigit())
    return used


def next_numbers(campaign: Campaign, year: int) -> tuple[int, int]:
    """(number in the year, running total) for a new issue: one past the highest ever used."""
    number = max(used_numbers(campaign, year), default=0) + 1
    total = max((d.model.total for d in campaign.issues if d.model), default=0) + 1
    return number, total


# --- drafting -------------------------------------------------------------------------------------

def items_in_issues(campaign: Campaign) -> dict[str, str]:
    """Item id → the first issue that lists it."""
    out: dict[str, str] = {}
    for d in sorted_issues(campaign):
        for item in d.model.items:
            out.setdefault(item, d.model.id)
    return out


def unused_accepted(campaign: Campaign) -> list[Submission]:
    """Accepted items no issue uses yet: urgent ones (急事急报) first, then oldest decision first."""
    used = items_in_issues(campaign)
    subs = [s for s in campaign.valid_submissions if s.status == "accepted" and s.id not in used]
    return sorted(subs, key=lambda s: (not s.urgent, s.review.date if s.review else s.date, s.date, s.id))


def short_title(title: str) -> str:
    """关于加快……的建议 → 加快……"""
    t = re.sub(r"^关于", "", title.strip())
    return re.sub(r"的(建议|意见建议|意见|情况反映|问题)$", "", t) or title


def _paragraphs(body: str) -> list[tuple[str, str]]:
    """(kind, text) of the body's blocks: kind is heading or para (a short 一、…… paragraph is a heading)."""
    return [("heading", text) if kind == "para" and re.fullmatch(r"\s*[一二三四五六七八九十]+、.{2,20}", text)
            else (kind, text) for kind, text in block_texts(body)]


# A source line: one parenthesised phrase ending an article (render/blocks.py reads it the same way).
SOURCE_RE = re.compile(r"^[（(][^（）()]{2,60}[）)]$")
MEMBERS = "省政协委员 "


def _is_member_item(campaign: Campaign, sub: Submission) -> bool:
    unit = campaign.registries.units.get(sub.unit) if campaign.registries else None
    return unit is not None and unit.kind == "committee"


def source_line(campaign: Campaign, sub: Submission) -> str:
    unit = campaign.registries.units.get(sub.unit) if campaign.registries else None
    if unit is not None and unit.kind == "committee":
        return f"（{MEMBERS}{'、'.join(sub.submitter)}）"
    return f"（{unit.name if unit else '、'.join(sub.submitter)}）"


def same_source(campaign: Campaign, a: Submission, b: Submission) -> bool:
    """Whether two items come from the same writer: one unit (for members' items, the same committee and a
    member in common), so that a letter or record about one calls the other its own, not another's."""
    if a.unit != b.unit:
        return False
    return not _is_member_item(campaign, a) or bool(set(a.submitter) & set(b.submitter))


def source_names(campaign: Campaign, subs: list[Submission]) -> list[str]:
    """The names a combined article's source line gives, in source order without repeats: each
    unit's name; the members of member items together as one 省政协委员 ……."""
    names: list[str] = []
    members: list[str] = []
    for sub in subs:
        if _is_member_item(campaign, sub):
            if not members:
                names.append("")  # the members' place
            members += [m for m in sub.submitter if m not in members]
        else:
            name = source_line(campaign, sub)[1:-1]
            if name not in names:
                names.append(name)
    return [n or MEMBERS + "、".join(members) for n in names]


def missing_sources(line: str, names: list[str]) -> list[str]:
    """The ``names`` (source_names) a source line does not give: a unit by its name, members each by name."""
    def given(name: str) -> bool:
        if name.startswith(MEMBERS):
            return all(m in line for m in name[len(MEMBERS):].split("、"))
        return name in line
    return [n for n in names if not given(n)]


def body_sources(body: str) -> dict[str, str]:
    """Each article of an issue body (a ``##`` title) → its source line (the last paragraph when it is one
    parenthesised phrase, like （民革山东省委会）), or "" when it has none."""
    out: dict[str, str] = {}
    title, last, level = None, "", None
    for tok in parser().parse(body):
        if tok.type == "heading_open":
            level = int(tok.tag[1])
        elif tok.type == "heading_close":
            level = None
        elif tok.type == "inline":
            if level is not None and level <= 2:
                if title is not None:
                    out.setdefault(title, last)
                title, last = tok.content.strip(), ""
            elif level is None:
                last = tok.content.strip()
    if title is not None:
        out.setdefault(title, last)
    return {k: (v if SOURCE_RE.match(v) else "") for k, v in out.items()}


def sources_line(campaign: Campaign, subs: list[Submission]) -> str:
    """（民革山东省委会、省工商联、省政协委员 刘某某）: every source of a combined article."""
    return f"（{'、'.join(source_names(campaign, subs))}）"


def _digest(campaign: Campaign, sub: Submission) -> tuple[str, list[str]]:
    """An item's opening paragraph and its suggestions (the paragraphs under a 建议/做法/启示 heading)."""
    doc = campaign.submission(sub.id)
    paras = _paragraphs(doc.body if doc else "")
    lead = next((t for k, t in paras if k == "para"), "")
    suggestions: list[str] = []
    in_suggest = False
    for kind, text in paras:
        if kind == "heading":
            in_suggest = any(word in text for word in ("建议", "做法", "启示"))
        elif in_suggest:
            suggestions.append(text.strip())
    return lead.strip(), suggestions


def skeleton(campaign: Campaign, subs: list[Submission], groups: list[list[Submission]] = ()) -> str:
    """A body to edit down: per item its title, opening paragraph, its suggestions and source; a
    combined article (``groups``: its sources, the lead first) under the lead's title, with the
    opening of the lead, the suggestions of every source (a paragraph each, for the editor to merge)
    and all their units in the source line."""
    parts: list[str] = []
    for group in [list(g) for g in groups] + [[s] for s in subs]:
        lead, suggestions = _digest(campaign, group[0])
        section = [f"## {short_title(group[0].title)}", "", lead]
        paragraphs = ["".join(s) for s in [suggestions, *(_digest(campaign, o)[1] for o in group[1:])] if s]
        for n, text in enumerate(paragraphs):
            section += ["", ("建议：" if n == 0 else "") + text]
        section += ["", source_line(campaign, group[0]) if len(group) == 1 else sources_line(campaign, group)]
        parts.append("\n".join(section))
    return "\n\n".join(parts) + "\n"


# --- combined articles (综合稿) --------------------------------------------------------------------

def article_of(issue: Issue, item: str) -> tuple[Article, Source] | None:
    """The combined article of ``issue`` that draws on ``item`` (the first, if listed twice), with the source."""
    for art in issue.articles:
        for src in art.sources:
            if src.item == item:
                return art, src
    return None


def default_editor(campaign: Campaign) -> str:
    """The research-office person whose e-mail is git's user.email, else the first one."""
    regs = campaign.registries
    editors = regs.holders("research_office") if regs else []
    if not editors:
        raise BulletinError("schema/roles.yaml 中没有研究室（research_office）人员，无法确定责任编辑。请用 --editor 指定")
    try:
        email = subprocess.run(["git", "config", "user.email"], cwd=campaign.root, capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        email = ""
    for p in editors:
        if email and p.email == email:
            return p.name
    return editors[0].name


@dataclass
class Draft:
    path: Path
    ident: str
    items: list[str]
    chars_hint: str


def create_issue(campaign: Campaign, items: list[str], date: dt.date, editor: str | None,
                 count: int = 1, combine: list[list[str]] = ()) -> Draft:
    """Draft the next issue from ``items`` (each one article), or the oldest ``count`` unused accepted
    items; ``combine``: groups of items that each make one combined article (综合稿, the first the lead)."""
    regs = campaign.registries
    if regs is None:
        raise BulletinError("登记表（schema/）有错误，请先运行 jianyan check 并改正")
    used = items_in_issues(campaign)
    grouped = [ident for group in combine for ident in group]
    twice = sorted({i for i in grouped + list(items) if (grouped + list(items)).count(i) > 1})
    if twice:
        raise BulletinError(f"不能起草：{'、'.join(twice)} 指定了两次（一条信息只能用在一篇稿件里）")
    short = [g for g in combine if len(g) < 2]
    if short:
        raise BulletinError(f"不能起草：--combine {','.join(short[0])} 只有一条信息，综合稿至少要两条")
    if items or combine:
        subs = []
        problems = []
        for ident in list(items) + grouped:
            doc = campaign.submission(ident)
            if doc is None:
                problems.append(f"{ident}：没有这条信息（或其文件有错误，请先运行 jianyan check）")
            elif doc.model.status != "accepted":
                problems.append(f"{ident}：状态是 {doc.model.status}，只有审核通过（accepted）的信息才能编入专刊")
            elif ident in used:
                problems.append(f"{ident}：已编入第 {used[ident]} 期")
            else:
                subs.append(doc.model)
        if problems:
            raise BulletinError("不能起草：\n" + "\n".join(problems))
    else:
        subs = unused_accepted(campaign)[:max(count, 1)]
        if not subs:
            raise BulletinError("没有尚未编刊的审核通过（accepted）信息。可先审核信息，或用 --item 指定")
    by_id = {s.id: s for s in subs}
    groups = [[by_id[i] for i in g] for g in combine]
    subs = [s for s in subs if s.id not in grouped]
    editor = editor or default_editor(campaign)
    person = regs.person(editor)
    if person is None or "research_office" not in person.roles:
        raise BulletinError(f"责任编辑“{editor}”不是 schema/roles.yaml 中的研究室人员。请用 --editor 指定")
    number, total = next_numbers(campaign, date.year)
    ident = f"{date.year}-{number:03d}"
    path = campaign.root / issue_path(ident)
    head = [
        "---",
        f"id: {ident}",
        f"number: {number}",
        f"total: {total}  # 总第{total}期",
        f"date: {date.isoformat()}  # 出刊日期",
        "status: draft  # 编辑中；主任审改后运行 jianyan issue review",
        "items: [" + ", ".join([*grouped, *(s.id for s in subs)]) + "]",
        *_articles_yaml(campaign, groups),
        f"editor: {yaml_scalar(person.name)}",
        "public: false",
        "# recipients:  报送范围默认取 schema/settings.yaml；本期不同时在此填写 bao/song/fa 列表",
        "---",
    ]
    text = "\n".join(head) + "\n" + skeleton(campaign, subs, groups)
    try:
        write_atomic(path, text, exclusive=True)
    except FileExistsError:
        raise BulletinError(f"{path.relative_to(campaign.root)} 已存在，不会覆盖。请检查 issues/ 下的文件") from None
    target = regs.settings.bulletin.target_chars
    return Draft(path, ident, [*grouped, *(s.id for s in subs)], f"每期约 {target} 字")


def _articles_yaml(campaign: Campaign, groups: list[list[Submission]]) -> list[str]:
    """The ``articles:`` lines of the combined articles: the lead's role first, the others the second role."""
    if not groups:
        return []
    roles = campaign.registries.settings.combined.roles
    lines = ["articles:  # 综合稿：标题须与正文中的 ## 标题一致；来源的角色见 schema/settings.yaml 的 combined"]
    for group in groups:
        lines += [f"  - title: {yaml_scalar(short_title(group[0].title))}", "    sources:"]
        for n, sub in enumerate(group):
            role = roles[0] if n == 0 or len(roles) == 1 else roles[1]
            lines += [f"      - item: {sub.id}", f"        role: {yaml_scalar(role)}"]
    return lines


# --- review, sign-off, dispatch ----------------------------------------------------------------------

@dataclass
class Change:
    path: Path
    rel: str
    text: str
    what: str


def record_step(campaign: Campaign, doc: Doc[Issue], step: str, by: str, date: dt.date,
                note: str | None = None) -> list[Change]:
    """Compute (not write) the file changes for the step the command ``step`` records (steps.ISSUE_STEPS);
    raises BulletinError when not allowed."""
    todo = STEP_BY_COMMAND[step]
    key, role, before, after = todo.key, todo.role, todo.before, todo.after
    previous = previous_step(todo)
    issue = doc.model
    regs = campaign.registries
    person = regs.person(by) if regs else None
    if person is None:
        raise BulletinError(f"“{by}”不在 schema/roles.yaml 中。请写登记的姓名或代码")
    if role not in person.roles:
        raise BulletinError(f"{person.name}不是{ROLES[role]}，不能办理这一步（{ISSUE_STATUSES[after]}）")
    if issue.status != before:
        if issue.status == after:
            raise BulletinError(f"第 {issue.id} 期已经是“{ISSUE_STATUSES[after]}”，无需重复办理")
        raise BulletinError(f"第 {issue.id} 期当前是“{ISSUE_STATUSES[issue.status]}”，"
                            f"须先到“{ISSUE_STATUSES[before]}”才能{ISSUE_STATUSES[after]}")
    prev = getattr(issue, previous.key) if previous else None
    if prev is not None and date < prev.date:
        raise BulletinError(f"日期 {date} 早于上一步的日期 {prev.date}。请核对 --date")
    value = {"by": person.name, "date": date.isoformat()}
    if note:
        value["note"] = note
    anchor = previous.key if previous else "editor"  # the record goes after the previous one, the first after editor
    changes = [Change(campaign.root / doc.path, doc.path, _edit(campaign, doc.path, [
        (("status",), after), ((key,), value)], after={key: anchor}), f"状态改为 {after}（{ISSUE_STATUSES[after]}）")]
    if step == "sign":
        changes += _adopt_items(campaign, doc)
    return changes


def _edit(campaign: Campaign, rel: str, changes, after=None) -> str:
    try:
        return edit_file(campaign.root / rel, changes, path=rel, after=after)
    except EditError as exc:
        raise BulletinError(str(exc)) from None


def _adopt_items(campaign: Campaign, issue_doc: Doc[Issue]) -> list[Change]:
    """Each item of a signed issue becomes adopted with adopted_in pointing at it."""
    issue = issue_doc.model
    out: list[Change] = []
    problems: list[str] = []
    for n, art in enumerate(issue.articles):
        for k, src in enumerate(art.sources):
            if src.item not in issue.items:
                at = f"{issue_doc.path}:{issue_doc.line('articles', n, 'sources', k, 'item')}：综合稿《{art.title}》的来源 {src.item}"
                problems.append(f"{at} 不存在（或其文件有错误）。请核对编号" if campaign.submission(src.item) is None
                                else f"{at} 没有列在本期 items 中。请把它加进 items")
    for ident in issue.items:
        doc = campaign.submission(ident)
        if doc is None:
            problems.append(f"{ident}：找不到这条信息（或其文件有错误）")
            continue
        sub = doc.model
        if sub.status == "adopted" and sub.adopted_in == issue.id:
            continue
        if sub.status != "accepted":
            problems.append(f"{doc.path}：状态是 {sub.status}，只有审核通过（accepted）的信息才能采用")
            continue
        text = _edit(campaign, doc.path, [(("status",), "adopted"), (("adopted_in",), issue.id)],
                     after={"adopted_in": "review"})
        out.append(Change(campaign.root / doc.path, doc.path, text, f"状态改为 adopted，adopted_in: {issue.id}"))
    if problems:
        raise BulletinError("不能签发，所用信息有问题（所有文件均未改动）：\n" + "\n".join(problems))
    return out


def apply(changes: list[Change]) -> None:
    """Write every prepared change (each atomically)."""
    for c in changes:
        write_atomic(c.path, c.text)



"""Review routing: CODEOWNERS for GitHub, Gitea/Forgejo and GitLab from the roles and units registries.

Who owns what:
- the research office owns ``schema/``, ``submissions/``, ``issues/``, ``templates/`` and the forge folders;
- each committee office owns its members' items ``submissions/*/<committee>/``;
- the secretariat owns ``feedback/``; the secretary-general co-owns ``.jianyan/`` (the signing keys).

The three forges read the file differently, so each gets its own rendering:
- GitHub ``.github/CODEOWNERS``: gitignore globs, the LAST matching line wins and one owner's approval
  suffices, so a committee folder lists its committee office and the research office;
- Gitea/Forgejo ``.gitea/CODEOWNERS``: Go regular expressions, every matching line adds its owners;
- GitLab ``.gitlab/CODEOWNERS``: globs in ``[sections]``; every section needs its own approval, so a
  member's item needs the committee office (its section) and the research office (theirs).
No root ``CODEOWNERS`` is written: each forge stops at the first file it finds.
A person's forge user name is ``forge_user`` in schema/roles.yaml (default: ``code``).
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Protocol

from jianyan.core.fsutil import write_atomic
from jianyan.campaign.load import Registries
from jianyan.campaign.paths import FEEDBACK_DIR, ISSUES_DIR, SCHEMA_DIR, SUBMISSIONS_DIR

FILES = {".github/CODEOWNERS": "github", ".gitea/CODEOWNERS": "gitea", ".gitlab/CODEOWNERS": "gitlab"}
HEADER = ("# 本文件由 jianyan owners 根据 schema/roles.yaml 和 schema/units.yaml 生成，请勿手工修改。\n"
          "# 人员或专门委员会有变动时：先改登记表，再运行 jianyan owners，把生成的文件一并提交。\n")
SECTION_RESEARCH, SECTION_COMMITTEE, SECTION_SECRETARIAT = "研究室", "专门委员会", "秘书处"


@dataclass(frozen=True)
class Rule:
    folder: str  # repository folder, "/"-terminated; "*" stands for one path segment
    owners: tuple[str, ...]  # forge handles with "@"
    note: str  # Chinese comment line
    section: str  # GitLab section
    general: tuple[str, ...] = ()  # owners of the enclosing general rule (GitHub: last match wins)


class Staff(Protocol):
    """What routing reads of the registries: who holds a role, and the units. The working tree's
    ``Registries``, or the base revision's registries that ``jianyan check --base`` trusts."""

    units: dict

    def holders(self, role: str, unit: str | None = None) -> list: ...


def handle(person) -> str:
    return "@" + (person.forge_user or person.code)


def _handles(people) -> tuple[str, ...]:
    return tuple(dict.fromkeys(handle(p) for p in people))


def rules(regs: Staff) -> tuple[list[Rule], list[str]]:
    """The ownership rules, general first; and Chinese warnings for folders nobody owns."""
    research = _handles(regs.holders("research_office"))
    secretariat = _handles(regs.holders("secretariat"))
    keys = _handles(regs.holders("research_office") + regs.holders("secretary_general"))
    out = [
        Rule(f"{SCHEMA_DIR}/", research, "登记表和活动设置：研究室", SECTION_RESEARCH),
        Rule("templates/", research, "专刊和报表模板：研究室", SECTION_RESEARCH),
        Rule(f"{SUBMISSIONS_DIR}/", research, "建言信息：研究室审核", SECTION_RESEARCH),
        Rule(f"{ISSUES_DIR}/", research, "专刊：研究室编辑，主任审改，秘书长签发", SECTION_RESEARCH),
        Rule(".jianyan/", keys, "签名公钥（allowed_signers）：研究室和秘书长", SECTION_RESEARCH),
        Rule(".github/", research, "审核分工和流水线：研究室", SECTION_RESEARCH),
        Rule(".gitea/", research, "审核分工和流水线：研究室", SECTION_RESEARCH),
        Rule(".gitlab/", research, "审核分工和流水线：研究室", SECTION_RESEARCH),
    ]
    warnings = []
    for code, unit in regs.units.items():
        if unit.kind != "committee":
            continue
        office = _handles(regs.holders("committee_office", code))
        if not office:
            warnings.append(f"{unit.name}（{code}）在 schema/roles.yaml 中没有专门委员会办公室人员，"
                            f"submissions/*/{code}/ 只由研究室审核")
            continue
        out.append(Rule(f"{SUBMISSIONS_DIR}/*/{code}/", office, f"{unit.name}委员信息：先由专委会办公室审核",
                        SECTION_COMMITTEE, general=research))
    out.append(Rule(f"{FEEDBACK_DIR}/", secretariat, "领导批示和部门办理：办公厅秘书处", SECTION_SECRETARIAT))
    for rule in out:
        if not rule.owners:
            warnings.append(f"{rule.folder} 没有负责人（schema/roles.yaml 中缺少相应角色的人员）")
    return [r for r in out if r.owners], warnings


def _glob(folder: str) -> str:
    return "/" + folder.replace(" ", "\\ ")


_GO_META = set(".+*?()|[]{}^$\\")


def _go_escape(segment: str) -> str:
    """Gitea unescapes ``\\#``, ``\\ `` and ``\\\\`` first: a regexp metacharacter needs ``\\\\``."""
    return "".join("\\\\" + ch if ch in _GO_META else "\\" + ch if ch in " #" else ch for ch in segment)


def _regexp(folder: str) -> str:
    parts = [_go_escape(p) if p != "*" else "[^/]+" for p in folder.rstrip("/").split("/")]
    return "/".join(parts) + "/.*"


def _github_owners(rule: Rule) -> tuple[str, ...]:
    """A rule's owners on GitHub, where the last matching line wins: the enclosing rule's owners too."""
    return rule.owners + tuple(o for o in rule.general if o not in rule.owners)


def render_github(rules_: list[Rule]) -> str:
    lines = [HEADER, "# GitHub：路径为 gitignore 通配符，后面的行优先；任一负责人批准即可。\n"]
    for r in rules_:
        lines.append(f"# {r.note}\n{_glob(r.folder)} {' '.join(_github_owners(r))}\n")
    return "\n".join(lines)


def approvers(regs: Staff, path: str) -> tuple[str, ...]:
    """The forge handles whose approval a change of ``path`` needs, as .github/CODEOWNERS rendered from
    ``regs`` says (the last matching rule; empty when no rule matches)."""
    segments = path.split("/")
    found: tuple[str, ...] = ()
    for rule in rules(regs)[0]:
        parts = rule.folder.rstrip("/").split("/")
        if len(segments) > len(parts) and all(fnmatchcase(s, p) for s, p in zip(segments, parts)):
            found = _github_owners(rule)
    return found


def render_gitea(rules_: list[Rule]) -> str:
    lines = [HEADER, "# Gitea/Forgejo：路径为 Go 正则表达式，所有匹配的行的负责人都会被请求审核。\n"]
    for r in rules_:
        lines.append(f"# {r.note}\n{_regexp(r.folder)} {' '.join(r.owners)}\n")
    return "\n".join(lines)


def render_gitlab(rules_: list[Rule]) -> str:
    lines = [HEADER, "# GitLab：每一节都须本节负责人批准；委员信息须专委会办公室和研究室分别批准。\n"]
    for section in (SECTION_RESEARCH, SECTION_COMMITTEE, SECTION_SECRETARIAT):
        members = [r for r in rules_ if r.section == section]
        if not members:
            continue
        lines.append(f"[{section}]")
        lines.extend(f"# {r.note}\n{_glob(r.folder)} {' '.join(r.owners)}" for r in members)
        lines.append("")
    return "\n".join(lines)


RENDER = {"github": render_github, "gitea": render_gitea, "gitlab": render_gitlab}


def expected(regs: Registries) -> tuple[dict[str, str], list[str]]:
    """Each CODEOWNERS path → its content; plus warnings."""
    rules_, warnings = rules(regs)
    return {path: RENDER[kind](rules_) for path, kind in FILES.items()}, warnings


def outdated(root: Path, regs: Registries) -> dict[str, int | None]:
    """CODEOWNERS files that differ from what the registries give: path → first differing line (None: missing)."""
    want, _ = expected(regs)
    out: dict[str, int | None] = {}
    for path, text in want.items():
        file = root / path
        if not file.is_file():
            out[path] = None
            continue
        have = file.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        if have != text:
            a, b = have.split("\n"), text.split("\n")
            out[path] = next((i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return out


# Pull-request templates, one per review step: (file stem, Chinese name). One source, three forges.
STEPS = (("new_item", "新建信息"), ("review", "审核决定"), ("compile_issue", "编发专刊"),
         ("signoff", "签发"), ("feedback", "反馈记录"))


def templates() -> dict[str, str]:
    """Each pull-request template path → its content (GitHub: one file a step and an index;
    GitLab: one file a step, named in Chinese; Gitea/Forgejo read only one template: all steps in it)."""
    source = resources.files("jianyan") / "data" / "forge"
    texts = {stem: (source / f"{stem}.md").read_text(encoding="utf-8") for stem, _ in STEPS}
    out = {f".github/PULL_REQUEST_TEMPLATE/{stem}.md": texts[stem] for stem, _ in STEPS}
    out.update({f".gitlab/merge_request_templates/{name}.md": texts[stem] for stem, name in STEPS})
    index = ["<!-- 请选用与本次步骤对应的模板：在拉取请求网址后加 ?template=文件名，或把下面相应模板的内容复制过来 -->",
             "## 本次步骤", ""]
    index += [f"- [ ] {name}：`.github/PULL_REQUEST_TEMPLATE/{stem}.md`（网址加 `?template={stem}.md`）"
              for stem, name in STEPS]
    out[".github/pull_request_template.md"] = "\n".join(index) + "\n"
    combined = ["<!-- Gitea/Forgejo 只支持一个模板：请保留与本次步骤对应的一节，删除其余各节 -->", ""]
    for stem, name in STEPS:
        combined += [f"# {name}", "", texts[stem].rstrip("\n"), ""]
    out[".gitea/PULL_REQUEST_TEMPLATE.md"] = "\n".join(combined)
    return out


def write(root: Path, regs: Registries) -> tuple[list[str], list[str]]:
    """Write the three CODEOWNERS files (when they changed) and any missing pull-request template
    (an existing template may have been edited by the campaign and is never overwritten).
    Returns (paths written, warnings)."""
    want, warnings = expected(regs)
    written = []
    for path, text in want.items():
        file = root / path
        if file.is_file() and file.read_bytes() == text.encode("utf-8"):
            continue
        write_atomic(file, text)
        written.append(path)
    for path, text in templates().items():
        if not (root / path).exists():
            write_atomic(root / path, text, exclusive=True)
            written.append(path)
    return written, warnings

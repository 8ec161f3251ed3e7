"""`jianyan init DIR`: a new campaign repository, ready to edit, that passes `jianyan check` at once.

The campaign repository is separate from the tool: it holds registries, content, templates and
CI files, and its Makefile installs jianyan from a wheelhouse or a source path. Registries come
from the current campaign (a start for next year's) or, with ``empty``, from a skeleton with one
example topic, unit and person, each marked 请修改. Forge files (CI workflows, CODEOWNERS, PR
templates, pre-commit, editor tasks) are copied from the current repository when it has them.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from jianyan import checks
from jianyan.core.findings import Findings
from jianyan.campaign import jsonschema, owners
from jianyan.campaign.calendar import CALENDAR_FILE
from jianyan.campaign.scaffold import create
from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import write_atomic
from jianyan.render import opendata
from jianyan.render.env import PACKAGE_TEMPLATES, environment, render
from jianyan.campaign.load import load_campaign, load_registries
from jianyan.campaign.paths import SCHEMA_DIR
from jianyan.campaign.where import NotACampaign, find_root

INIT_TEMPLATES = PACKAGE_TEMPLATES / "init"
# Registries every campaign has; the skeleton supplies each (settings is a template: it needs the year).
SKELETON_REGISTRIES = ("settings.yaml", "topics.yaml", "units.yaml", "roles.yaml", "reasons.yaml", "phrases.yaml")
# Files and folders of the current repository worth carrying over, when they exist.
FORGE_PATHS = (".github", ".gitea", ".forgejo", ".gitlab", ".gitlab-ci.yml", ".pre-commit-config.yaml",
               ".vscode", ".editorconfig", ".gitattributes")
# Carried over only with the current registries (they name the current people and units).
CAMPAIGN_PATHS = (".jianyan", "templates", "feedback/README.md")
# CI steps written for the tool's own repository install it with `pip install -e .`; a campaign
# repository has no pyproject.toml and installs the released package instead.
EDITABLE_INSTALL = re.compile(r"(pip install\b[^\n;]*?) -e \.(?=[\s;]|$)", re.M)
COMMIT_MESSAGE = "新建建言活动仓库（jianyan init）"
# Shown in templates/README.md (Jinja source, so it is passed as data, not written in the template).
OVERRIDE_EXAMPLE = '{% extends "default/site/base.html.j2" %}\n   {% block title %}我们的标题{% endblock %}'
FALLBACK_IDENTITY = ("-c", "user.name=jianyan init", "-c", "user.email=jianyan-init@localhost.invalid")

EXAMPLE_TITLE = "关于完善建言信息报送反馈机制的建议"
EXAMPLE_BODY = """\
这是 jianyan init 生成的示例信息，用来说明文件格式，可以直接删除，也可以照着它写第一条信息。正文开门见山，\
先用一两句话写清反映什么问题、发生在哪里、有多严重，最好有数据。例如：去年全年报送的建言信息中，约三成\
在报送后一个月内没有收到任何采用或退回的反馈，报送单位不清楚信息的去向，影响了继续报送的积极性。

## 一、存在的问题

一是反馈不及时。信息报送后要经过初审、编辑、审改、签发等环节，报送单位只能逐级电话询问进展。\
二是反馈不具体。退回的信息只写“不予采用”，没有说明原因，报送人难以改进。\
三是采用情况不公开。被采用的信息刊发在哪一期专刊、得到哪些批示，报送单位往往不知道。

## 二、原因分析

一是报送、审核、编刊分散在不同的表格和文件夹中，没有统一的台账。二是审核理由没有统一的表述，\
写起来费时。三是批示和办理情况由不同部门掌握，没有汇总到每条信息上。

## 三、对策建议

一是建立统一台账。每条信息一个文件，状态从报送、审核通过到采用全程留痕，报送单位随时可查。\
二是规范审核理由。退回和不予采用时从审核理由表中选用标准表述，并补充具体说明。\
三是定期通报。每月汇总各单位报送、采用和批示情况，在工作通报中公布。
"""


@dataclass
class InitResult:
    root: Path
    source: Path | None  # the campaign the registries were copied from (None: the skeleton)
    files: list[str] = field(default_factory=list)
    example: str = ""
    committed: bool = False
    git_error: str | None = None


class InitError(JianyanError):
    """The target cannot be used (str() is a Chinese message)."""


def _source_campaign(start: Path | None) -> Path | None:
    try:
        return find_root(start)
    except NotACampaign:
        return None


def _copy(src: Path, dest: Path) -> None:
    if src.is_symlink():
        return
    if src.is_dir():
        shutil.copytree(src, dest, symlinks=False, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".DS_Store"))
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)


def _adapt_ci(root: Path) -> None:
    """Make copied CI files install jianyan as a package (`-e .` needs the tool's own source tree)."""
    for name in FORGE_PATHS:
        base = root / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for path in files:
            if path.suffix not in (".yml", ".yaml"):
                continue
            text = path.read_text(encoding="utf-8")
            new = EDITABLE_INSTALL.sub(r"\1 jianyan", text)
            if new != text:
                write_atomic(path, new)


def _example(root: Path) -> str:
    """Write one draft item valid for the new registries; returns its repository-relative path."""
    regs, _ = load_registries(root)
    if regs is None:
        raise InitError("新仓库的登记表无效，无法生成示例信息。请检查 schema/ 下的文件")
    unit = next(iter(regs.units.values()))
    topic = min(regs.topics)
    submitter = unit.name if unit.kind != "committee" else "张某某"
    path = create(root, regs, unit=unit.code, title=EXAMPLE_TITLE, submitters=[submitter], topic=topic,
                  kind="suggestion", date=regs.settings.start, body=EXAMPLE_BODY)
    return path.relative_to(root).as_posix()


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)


def _commit(root: Path) -> str | None:
    """git init and a first commit; returns a Chinese error message, or None."""
    if shutil.which("git") is None:
        return "没有找到 git，未建立版本库。请安装 git 后在该目录运行：git init && git add -A && git commit -m 初始化"
    steps = [("init", "-q", "-b", "main"), ("add", "-A")]
    for step in steps:
        res = _git(root, *step)
        if res.returncode != 0:
            return f"git {step[0]} 失败：{res.stderr.strip()}"
    has_identity = _git(root, "config", "user.email").stdout.strip() != ""
    identity = () if has_identity else FALLBACK_IDENTITY
    res = _git(root, *identity, "commit", "-q", "--no-verify", "-m", COMMIT_MESSAGE)
    if res.returncode != 0:
        return f"git commit 失败：{res.stderr.strip()}"
    return None


def _default_templates() -> list[str]:
    return sorted(p.relative_to(PACKAGE_TEMPLATES).as_posix() for p in PACKAGE_TEMPLATES.rglob("*")
                  if p.is_file() and not p.relative_to(PACKAGE_TEMPLATES).parts[0] == "init"
                  and "__pycache__" not in p.parts)


def init(target: Path, empty: bool = False, source: Path | None = None, git: bool = True,
         today: dt.date | None = None) -> InitResult:
    """Create the campaign repository at ``target`` (missing or an empty folder)."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(f"{target} 已存在且不是空目录。为免覆盖已有文件，请指定一个新目录")
    src = _source_campaign(source)
    if src is not None and target.is_relative_to(src / SCHEMA_DIR):
        raise InitError("新仓库不能建在当前仓库的 schema/ 目录里，请换一个目录")
    use_empty = empty or src is None
    env = environment(None)
    target.mkdir(parents=True, exist_ok=True)
    year = (today or dt.date.today()).year
    # registries
    for name in SKELETON_REGISTRIES:
        dest = target / SCHEMA_DIR / name
        if not use_empty and (src / SCHEMA_DIR / name).is_file():  # type: ignore[operator]
            _copy(src / SCHEMA_DIR / name, dest)  # type: ignore[operator]
        elif (INIT_TEMPLATES / "schema" / f"{name}.j2").is_file():
            write_atomic(dest, render(env, f"init/schema/{name}.j2", None, year=year))
        else:
            _copy(INIT_TEMPLATES / "schema" / name, dest)
    if not use_empty:
        for extra in sorted((src / SCHEMA_DIR).glob("*.yaml")):  # type: ignore[operator]
            if not (target / SCHEMA_DIR / extra.name).exists():
                _copy(extra, target / SCHEMA_DIR / extra.name)
    elif src is not None and (src / CALENDAR_FILE).is_file():
        _copy(src / CALENDAR_FILE, target / CALENDAR_FILE)  # the holidays are the country's, not the campaign's
    # forge and editor files, then (with the current registries) the campaign's own extras
    if src is not None:
        for name in FORGE_PATHS + (() if use_empty else CAMPAIGN_PATHS):
            if (src / name).exists():
                _copy(src / name, target / name)
        _adapt_ci(target)
    regs, findings = load_registries(target)
    if regs is None:
        raise InitError("复制来的登记表有错误，请先在原仓库运行 jianyan check 改正：" +
                        "；".join(f"{f.path}:{f.line or 1}: {f.message}" for f in findings[:3]))
    jsonschema.write(target)
    opendata.write_schemas(target)  # the public site's open-data schemas (api/)
    if any((target / p).is_file() for p in owners.FILES):
        owners.write(target, regs)
    s = regs.settings
    example = _example(target)
    context = {"campaign": s.campaign, "organizer": s.organizer, "year": s.year, "empty": use_empty,
               "example": example, "example_id": Path(example).stem, "defaults": _default_templates(),
               "override_example": OVERRIDE_EXAMPLE}
    write_atomic(target / "README.md", render(env, "init/README.md.j2", None, **context))
    write_atomic(target / "Makefile", render(env, "init/Makefile.j2", None, **context))
    write_atomic(target / ".gitignore", (INIT_TEMPLATES / "gitignore").read_bytes())
    if not (target / "templates" / "README.md").exists():
        write_atomic(target / "templates" / "README.md", render(env, "init/templates-README.md.j2", None, **context))
    result = InitResult(target, None if use_empty else src, example=example)
    result.files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*")
                          if p.is_file() and ".git" not in p.relative_to(target).parts)
    if git:
        result.git_error = _commit(target)
        result.committed = result.git_error is None
    return result


def run_check(root: Path) -> Findings:
    """Findings of `jianyan check` on the new repository (in process)."""
    return checks.run(load_campaign(root))

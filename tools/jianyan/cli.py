"""The command line. It only wires the modules together: load → check/render → print."""
from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .findings import ERROR

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Failure(click.ClickException):
    """A clear Chinese message and exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


class Group(click.Group):
    """Catch anything unexpected: a short Chinese message, never a traceback (unless JIANYAN_DEBUG)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001
            from .repo import NotACampaign
            if isinstance(exc, NotACampaign):
                raise Failure(str(exc)) from None
            if os.environ.get("JIANYAN_DEBUG"):
                traceback.print_exc()
            raise Failure(f"jianyan 内部错误（{type(exc).__name__}: {exc}）。"
                          "这是工具本身的问题，不是您的文件写错了；请把这条信息发给维护人员。"
                          "设置环境变量 JIANYAN_DEBUG=1 可显示详细信息") from None


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="jianyan")
def main() -> None:
    """建言：政协建言活动的“文档即代码”工具。

    每条建言信息是 submissions/ 下的一个 Markdown 文件，专刊在 issues/ 下，批示和办理记录在 feedback/ 下。各岗位的操作说明见 docs/ 目录。

    \b
    常用命令：
      jianyan new            新建一条建言信息
      jianyan check          检查全部文件
      jianyan issue build    生成最新一期专刊
    """


# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 200


def load(root: Path | None = None, progress: bool = False):
    """Load the campaign; with ``progress``, show a bar on stderr while reading many files."""
    from .repo import load_campaign
    if not progress:
        return load_campaign(root)
    state: dict = {}

    def tick(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="读取文件", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    try:
        return load_campaign(root, progress=tick)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--base", metavar="REF", help="同时检查从 REF 的分叉点到工作区的改动（状态流转、删除、冻结字段、签发）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "gitlab", "sarif"]),
              default="text", show_default=True, help="输出格式。")
@click.option("--only", "families", multiple=True, metavar="CATEGORY",
              help="只运行某类检查（可重复），如 --only dup。")
@click.option("--progress/--no-progress", default=None, help="在终端显示进度（默认：终端上自动显示）。")
def check(paths: tuple[Path, ...], base: str | None, fmt: str, families: tuple[str, ...],
          progress: bool | None) -> None:
    """检查建言信息、专刊和登记表，逐条列出问题（文件:行:列）。

    \b
    退出码：0 没有错误（可以有警告）；1 有错误；2 用法错误或工具故障。
    示例：
      jianyan check                       检查整个仓库
      jianyan check submissions/2021/minge 只报告该目录下的问题
      jianyan check --base origin/main    拉取请求：另查本次改动
      jianyan check --format json         机器可读输出
    """
    from . import checks, output
    from .repo import find_root
    root = find_root()
    only = _scope(root, paths)
    show_progress = sys.stderr.isatty() if progress is None else progress
    campaign = load(root, progress=show_progress)
    ctx = checks.Context(only=only, options={"progress": show_progress})
    if base:  # changed paths first: other families (dup) look at ctx.changed
        from .workflow import GitError, check_change, prepare
        try:
            ctx.options["changeset"] = prepare(campaign, base)
        except GitError as exc:
            raise Failure(str(exc)) from None
        ctx.changed = ctx.options["changeset"].paths
    wanted = set(families) if families else None
    findings = checks.run(campaign, ctx, families=_families(wanted))
    if base:
        try:
            findings = checks.finalize(campaign, ctx, findings + list(check_change(campaign, base, ctx)))
        except GitError as exc:
            raise Failure(str(exc)) from None
    click.echo(output.RENDERERS[fmt](findings), nl=False)
    if fmt == "text":
        files = len(campaign.submissions) + len(campaign.issues)
        click.echo(output.summary_line(findings, files), err=True)
    sys.exit(EXIT_FINDINGS if any(f.severity == ERROR for f in findings) else EXIT_OK)


def _families(wanted: set[str] | None) -> set[str] | None:
    if wanted is None:
        return None
    from . import checks
    names = set(checks.FAMILIES)
    bad = wanted - names
    if bad:
        raise Failure(f"没有这类检查：{'、'.join(sorted(bad))}。可选：{'、'.join(sorted(names))}")
    return wanted


def _scope(root: Path, paths: tuple[Path, ...]) -> set[str] | None:
    """Repository-relative files under the given paths (None: everything)."""
    if not paths:
        return None
    out: set[str] = set()
    for p in paths:
        full = p.resolve()
        if not full.exists():
            raise Failure(f"路径不存在：{p}")
        try:
            full.relative_to(root)
        except ValueError:
            raise Failure(f"{p} 不在活动仓库 {root} 之内") from None
        files = [full] if full.is_file() else [x for x in full.rglob("*") if x.is_file()]
        out.update(x.relative_to(root).as_posix() for x in files)
    return out


@main.command()
@click.option("--unit", help="报送单位代码，如 minge（见 schema/units.yaml）。")
@click.option("--submitter", multiple=True, help="作者：单位名称或委员姓名；联名可重复此项。")
@click.option("--topic", type=int, help="重点选题编号 1–7。")
@click.option("--kind", type=click.Choice(["problem", "suggestion", "practice"]),
              help="类别：problem 反映问题 / suggestion 意见建议 / practice 经验做法。")
@click.option("--title", help="标题，如“关于……的建议”。")
@click.option("--contact", help="联系方式（不公开）。")
@click.option("--date", "date_", help="报送日期 YYYY-MM-DD（默认今天）。")
def new(unit, submitter, topic, kind, title, contact, date_) -> None:
    """新建一条建言信息：自动取下一个编号，生成“问题—原因—建议”正文模板。

    缺少的项会逐一询问。文件已存在时绝不覆盖。
    """
    from .model import KINDS
    from .scaffold import create
    campaign = load()
    regs = campaign.registries
    if regs is None:
        raise Failure("登记表（schema/）有错误，请先运行 jianyan check 并改正")
    if not unit:
        click.echo("报送单位代码（部分）：" + "、".join(f"{u.code} {u.name}" for u in list(regs.units.values())[:12]) + " …", err=True)
        unit = click.prompt("报送单位代码", err=True)
    if unit not in regs.units:
        raise Failure(f"单位代码“{unit}”未登记。请查看 schema/units.yaml")
    if not submitter:
        default = regs.units[unit].name if regs.units[unit].kind != "committee" else None
        submitter = (click.prompt("作者（单位或委员姓名，联名用顿号分隔）", default=default, err=True),)
    submitters = [s for item in submitter for s in item.replace("，", "、").split("、") if s.strip()]
    if topic is None:
        for t in regs.topics.values():
            click.echo(f"  {t.number}. {t.title}", err=True)
        topic = click.prompt("重点选题编号", type=click.IntRange(1, max(regs.topics)), err=True)
    if topic not in regs.topics:
        raise Failure(f"重点选题 {topic} 不存在，只能是 1–{max(regs.topics)}")
    if not kind:
        kind = click.prompt("类别（" + " / ".join(f"{k} {v}" for k, v in KINDS.items()) + "）",
                            type=click.Choice(list(KINDS)), default="suggestion", err=True)
    if not title:
        title = click.prompt("标题", err=True)
    try:
        day = dt.date.fromisoformat(date_) if date_ else dt.date.today()
    except ValueError:
        raise Failure(f"日期“{date_}”格式不对，应为 YYYY-MM-DD") from None
    path = create(campaign.root, regs, unit=unit, title=title, submitters=submitters, topic=topic,
                  kind=kind, date=day, contact=contact)
    click.echo(path.relative_to(campaign.root).as_posix())
    click.echo("已创建。请编辑正文，写好后把 status 改为 submitted，再运行 jianyan check。", err=True)


@main.command("schema")
def schema_cmd() -> None:
    """根据数据模型重新生成 schema/json/ 下的 JSON Schema（供编辑器提示和校验用）。"""
    from . import jsonschema
    from .repo import find_root
    root = find_root()
    written = jsonschema.write(root)
    for p in written:
        click.echo(p.relative_to(root).as_posix())
    click.echo(f"已更新 {len(written)} 个文件。" if written else "JSON Schema 已是最新。", err=True)


# --- commands defined in their own modules (each module imports ``main``/``Failure`` from here) ---
from .cli_dup import dup  # noqa: E402
from .cli_fix import fix_cmd  # noqa: E402
from .cli_history import history_cmd  # noqa: E402
from .cli_import import import_cmd  # noqa: E402
from .cli_init import init_cmd  # noqa: E402
from .cli_issue import issue  # noqa: E402
from .cli_owners import owners_cmd  # noqa: E402
from .cli_records import record  # noqa: E402
from .cli_site import site  # noqa: E402
from .cli_tracking import circular, export, feedback, stats  # noqa: E402

for _command in (issue, dup, fix_cmd, history_cmd, import_cmd, init_cmd, owners_cmd, record, site,
                 stats, export, feedback, circular):
    main.add_command(_command)

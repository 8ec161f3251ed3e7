"""The command line. It only wires the modules together: load → check/render → print."""
from __future__ import annotations

import calendar
import datetime as dt
import difflib
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Callable

import click

from jianyan import __version__
from jianyan.findings import ERROR

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Failure(click.ClickException):
    """A clear Chinese message and exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


# --- Chinese usage errors and help -------------------------------------------------------------------
# click writes its own messages in English. Every usage error is re-raised as UsageFailure, translated by
# the tables below. They match the messages of the installed click (8.5: click/exceptions.py, parser.py,
# core.py, types.py); a message no rule knows keeps its English text in parentheses.

class UsageFailure(click.UsageError):
    """A usage error in Chinese: the usage line, what is wrong, where to read more; exit status 2."""

    def show(self, file=None) -> None:
        lines = []
        if self.ctx is not None:
            lines.append(self.ctx.get_usage())
        lines.append(f"错误：{self.message}")
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            lines.append(f"运行 {self.ctx.command_path} --help 查看说明。")
        click.echo("\n".join(lines), err=True)


_QUOTED = r"""(['"])(.*?)\1"""  # click quotes names and values with repr()


def _unquote(text: str) -> str:
    """``'-o' / '--output'`` → ``-o / --output``."""
    return re.sub(_QUOTED, r"\2", text)


def _names(text: str) -> list[str]:
    """``'a', 'b'`` → ``["a", "b"]``."""
    return [m.group(2) for m in re.finditer(_QUOTED, text)]


def _maybe(names: list[str]) -> str:
    if not names:
        return ""
    return f"是不是 {names[0]}？" if len(names) == 1 else f"是不是以下之一：{'、'.join(names)}？"


def _range(text: str) -> str:
    m = re.fullmatch(r"(\S+)<=x<=(\S+)", text)
    return f"应在 {m.group(1)} 到 {m.group(2)} 之间" if m else f"范围是 {text}"


def _no_such_command(name: str, ctx: click.Context | None) -> str:
    group = ctx.command if ctx is not None else None
    commands = group.list_commands(ctx) if isinstance(group, click.Group) else []
    return f"没有 {name} 这个命令。" + _maybe(difflib.get_close_matches(name, commands, n=1))


_KINDS = {"Path": "路径", "File": "文件", "Directory": "目录"}
_NUMBERS = {"integer": "整数", "integer range": "整数", "float": "数字", "float range": "数字"}
_ACCESS = {"readable": "无法读取", "writable": "无法写入", "executable": "无法执行"}
_V = r"""(?:'(?P<v>.*)'|"(?P<w>.*)")"""  # a repr()-quoted value; see _value_of


def _value_of(m: re.Match) -> str:
    return m.group("v") if m.group("v") is not None else m.group("w")


# What is wrong with a value: the part after "Invalid value for '--x': ".
_VALUE_RULES: list[tuple[str, Callable[[re.Match], str]]] = [
    (_V + r" is not a valid (?P<t>integer|integer range|float|float range)\.",
     lambda m: f"“{_value_of(m)}”不是{_NUMBERS[m['t']]}"),
    (r"(?P<n>.+) is not in the range (?P<r>.+)\.", lambda m: f"{m['n']} 超出范围，{_range(m['r'])}"),
    (_V + r" is not one of (?P<c>.+)\.", lambda m: f"“{_value_of(m)}”不在可选范围内，可选：{'、'.join(_names(m['c']))}"),
    (_V + r" is not (?P<c>['\"].*['\"])\.", lambda m: f"“{_value_of(m)}”不在可选范围内，只能是 {_unquote(m['c'])}"),
    (r"(?P<k>Path|File|Directory) " + _V + r" does not exist\.", lambda m: f"{_KINDS[m['k']]}“{_value_of(m)}”不存在"),
    (r"(?P<k>Path|File|Directory) " + _V + r" is a file\.", lambda m: f"“{_value_of(m)}”是文件，这里要写目录"),
    (r"(?P<k>Path|File|Directory) " + _V + r" is a directory\.", lambda m: f"“{_value_of(m)}”是目录，这里要写文件"),
    (r"(?P<k>Path|File|Directory) " + _V + r" is not (?P<a>readable|writable|executable)\.",
     lambda m: f"{_KINDS[m['k']]}“{_value_of(m)}”{_ACCESS[m['a']]}"),
    (_V + r" is not a valid boolean\..*", lambda m: f"“{_value_of(m)}”不是是/否值，可写 yes/no、true/false、1/0"),
]


def _value(text: str) -> str:
    for pattern, say in _VALUE_RULES:
        m = re.fullmatch(pattern, text, re.S)
        if m:
            return say(m)
    if re.match(r"[“\u4e00-\u9fff]", text):  # already Chinese: our own parameter types (DATE)
        return text
    return f"值有误（{text}）"


def _param(hint: str) -> str:
    hint = _unquote(hint)
    return f"选项 {hint}" if hint.startswith("-") else f"参数 {hint}"


def _choose_from(tail: str | None) -> str:
    """The "Choose from:" list click adds to a missing choice."""
    return "可选：" + "、".join(c.strip() for c in tail.split(",") if c.strip()) if tail else ""


# The whole message of a usage error → Chinese (``ctx`` is the failing command's context).
_USAGE_RULES: list[tuple[str, Callable[[re.Match, click.Context | None], str]]] = [
    (r"Missing (?P<k>option|argument|parameter) (?P<h>.+?)\.(?: Choose from:(?P<c>.*))?",
     lambda m, ctx: f"缺少{'选项' if m['k'] == 'option' else '参数'} {_unquote(m['h'])}。{_choose_from(m['c'])}"),
    (r"Missing command\.", lambda m, ctx: "缺少命令：请在后面写上要运行的命令。"),
    (r"No such command " + _V + r"\.(?P<t>.*)", lambda m, ctx: _no_such_command(_value_of(m), ctx)),
    (r"No such option " + _V + r"\.(?P<t>.*)",
     lambda m, ctx: f"没有 {_value_of(m)} 这个选项。{_maybe(_names(m['t']))}"),
    (r"Option " + _V + r" requires an argument\.", lambda m, ctx: f"选项 {_value_of(m)} 后面要写一个值。"),
    (r"Option " + _V + r" requires (?P<n>\d+) arguments\.",
     lambda m, ctx: f"选项 {_value_of(m)} 后面要写 {m['n']} 个值。"),
    (r"Option " + _V + r" does not take a value\.", lambda m, ctx: f"选项 {_value_of(m)} 后面不能带值。"),
    (r"Got unexpected extra arguments? \((?P<a>.*)\)",
     lambda m, ctx: f"多出了参数：{m['a']}。含空格的值请加引号，选项名前要有 --。"),
    (r"Invalid value for (?P<h>.+?): (?P<m>.*)", lambda m, ctx: f"{_param(m['h'])}：{_value(m['m'])}"),
    (r"Invalid value: (?P<m>.*)", lambda m, ctx: _value(m["m"])),
]


def chinese_usage(message: str, ctx: click.Context | None = None) -> str:
    """Click's English usage message in Chinese (the English in parentheses only when no rule knows it)."""
    for pattern, say in _USAGE_RULES:
        m = re.fullmatch(pattern, message, re.S)
        if m:
            text = say(m, ctx)
            break
    else:
        text = f"命令写法有误（{message}）"
    return text if text.endswith(("。", "？")) else text + "。"


def _chinese(exc: click.UsageError, ctx: click.Context | None = None) -> click.UsageError:
    if isinstance(exc, (UsageFailure, click.exceptions.NoArgsIsHelpError)):
        return exc
    ctx = exc.ctx or ctx  # click's parser raises some errors without the context
    return UsageFailure(chinese_usage(exc.format_message(), ctx), ctx)


HELP_OPTION_TEXT = "显示本帮助并退出。"
OPTIONS_METAVAR = "[选项]"
_HEADINGS = {"Usage": "用法", "Options": "选项", "Commands": "命令", "Positional arguments": "参数"}
_EXTRAS = {"default": "默认", "required": "必填", "env var": "环境变量"}


def _extras(text: str) -> str:
    """The ``[default: x; required]`` click appends to an option's help → ``[默认：x；必填]``."""
    m = re.search(r"\[([^\[\]]*)\]$", text)
    if not m:
        return text
    items = []
    for item in m.group(1).split("; "):
        key, sep, rest = item.partition(": ")
        items.append(f"{_EXTRAS[key]}{'：' if sep else ''}{rest}" if key in _EXTRAS else item)
    return f"{text[:m.start()]}[{'；'.join(items)}]"


class Formatter(click.HelpFormatter):
    """click's help layout with Chinese headings: 用法 / 选项 / 命令."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _extras(text)) for term, text in rows], col_max, col_spacing)


class Context(click.Context):
    formatter_class = Formatter


def _localize_help_option(option: click.Option | None) -> click.Option | None:
    if option is not None:
        option.help = HELP_OPTION_TEXT
    return option


class _Chinese:
    """Chinese help for a click command class: headings, [选项], the help option's text."""

    context_class = Context

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx):
        return _localize_help_option(super().get_help_option(ctx))

    def parse_args(self, ctx, args):
        try:  # options and arguments: `jianyan --x`, `jianyan issue sign` without --by
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _chinese(exc, ctx) from None


class Command(_Chinese, click.Command):
    """Use for every command: ``@click.command("name", cls=Command)``."""


class Group(_Chinese, click.Group):
    """A group with Chinese help whose subcommands and subgroups are the same; usage errors in Chinese;
    anything unexpected: a short Chinese message, never a traceback (unless JIANYAN_DEBUG)."""

    command_class = Command
    group_class = type  # subgroups made with @group.group() are Groups too

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _localize_metavars(self)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # "No such command"; usage errors of cli_dup.py's plain click commands
            raise _chinese(exc) from None
        except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C, or input ended while asking
            click.echo("\n已中止。", err=True)
            raise click.exceptions.Exit(EXIT_FINDINGS) from None
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001
            from jianyan.campaign.frontmatter import ChangedWhileChecking
            from jianyan.where import NotACampaign
            if isinstance(exc, (NotACampaign, ChangedWhileChecking)):
                raise Failure(str(exc)) from None
            if os.environ.get("JIANYAN_DEBUG"):
                traceback.print_exc()
            raise Failure(f"jianyan 内部错误（{type(exc).__name__}: {exc}）。"
                          "这是工具本身的问题，不是您的文件写错了；请把这条信息发给维护人员。"
                          "设置环境变量 JIANYAN_DEBUG=1 可显示详细信息") from None


def _localize_metavars(group: click.Group) -> None:
    group.subcommand_metavar = group.subcommand_metavar.replace("COMMAND", "命令").replace("ARGS", "参数")


def localize(command: click.Command) -> None:
    """Chinese help for commands made with plain click classes (cli_dup.py), recursively."""
    if not isinstance(command, _Chinese):
        command.context_class = Context
        if command.options_metavar == "[OPTIONS]":
            command.options_metavar = OPTIONS_METAVAR
        if isinstance(command, click.Group):
            _localize_metavars(command)
        _localize_help_option(command.get_help_option(Context(command, **CONTEXT)))
    for sub in getattr(command, "commands", {}).values():
        localize(sub)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="jianyan", message="%(prog)s 版本 %(version)s",
                      help="显示版本号并退出。")
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


def load(root: Path | None = None, progress: bool = False, parallel: bool = True, lean: bool = False):
    """Load the campaign; with ``progress``, show a bar on stderr while reading many files;
    ``parallel``: parse over all cores; ``lean``: a large campaign's texts not held (repo.load_campaign:
    for commands that only read, as ``check``)."""
    from jianyan.campaign.load import load_campaign
    if not progress:
        return load_campaign(root, parallel=parallel, lean=lean)
    state: dict = {}

    def tick(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="读取文件", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    try:
        return load_campaign(root, progress=tick, parallel=parallel, lean=lean)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def require_registries(campaign, unable: str = ""):
    """The campaign's registries, or a Failure when schema/ has errors (``unable``: what cannot be done)."""
    regs = campaign.registries
    if regs is None or regs.broken:  # a broken registry's empty stand-in would make a wrong document
        which = "、".join(regs.paths[k] for k in sorted(regs.broken)) if regs is not None else "schema/"
        raise Failure(f"登记表（{which}）有错误，" + (f"{unable}。" if unable else "") + "请先运行 jianyan check 并改正")
    return regs


def load_with_registries(root: Path | None = None, unable: str = ""):
    """Load the campaign and insist its registries are valid (most commands need them)."""
    campaign = load(root)
    require_registries(campaign, unable)
    return campaign


class DateType(click.ParamType):
    """A date written YYYY-MM-DD; a clear Chinese message for a wrong format and for a day that does not exist."""

    name = "date"

    def get_metavar(self, param, ctx) -> str:
        return "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            return value
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value).strip())
        if not m:
            self.fail(f"“{value}”格式不对，日期应写成 YYYY-MM-DD，如 2021-03-01", param, ctx)
        year, month, day = map(int, m.groups())
        if not 1 <= month <= 12:
            self.fail(f"“{value}”不是有效日期：月份只能是 01–12", param, ctx)
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days or year < 1:
            self.fail(f"“{value}”不是有效日期：{year} 年 {month} 月只有 {days} 天" if year else
                      f"“{value}”不是有效日期：没有 0 年", param, ctx)
        return dt.date(year, month, day)


DATE = DateType()


def existing_paths(paths, root: Path | None = None) -> None:
    """Every path exists (and, with ``root``, lies inside the campaign repository)."""
    for p in paths:
        if not p.exists():
            raise Failure(f"路径不存在：{p}")
        if root is not None:
            try:
                p.resolve().relative_to(root)
            except ValueError:
                raise Failure(f"{p} 不在活动仓库 {root} 之内") from None


def submission_options(*, unit: str, submitter: str, topic: str, kind: str, title: str, contact: str, date: str):
    """The options `new` and `import` share; each command words their help for itself."""
    options = (
        click.option("--unit", help=unit),
        click.option("--submitter", multiple=True, help=submitter),
        click.option("--topic", type=int, help=topic),
        click.option("--kind", type=click.Choice(["problem", "suggestion", "practice"]), help=kind),
        click.option("--title", help=title),
        click.option("--contact", help=contact),
        click.option("--date", "date_", type=DATE, help=date),
    )

    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f
    return decorate


def ask(text: str, type: click.ParamType | None = None, default: str | None = None):
    """Ask on stderr until the answer fits ``type``; a wrong answer gets a Chinese message (click's is English)."""
    while True:
        answer = click.prompt(text, default=default, err=True)
        if type is None:
            return answer
        try:
            return type.convert(answer, None, None)
        except click.BadParameter as exc:
            click.echo(f"错误：{_value(exc.message)}。请重新输入。", err=True)


def split_names(values) -> list[str]:
    """--submitter values, each possibly a list joined with 、 or ，."""
    return [s for item in values for s in item.replace("，", "、").split("、") if s.strip()]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--base", metavar="REF", help="同时检查从 REF 的分叉点到工作区的改动（状态流转、删除、冻结字段、签发）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "gitlab", "sarif"]),
              default="text", show_default=True, help="输出格式。")
@click.option("--only", "families", multiple=True, metavar="CATEGORY",
              help="只运行某类检查（可重复），如 --only dup。检查有 ref length status feedback owners quality pii issue "
                   "practice dup。也可写问题类别（问题代码“类别.规则”的前半），只报告该类问题： encoding yaml "
                   "schema ref length dup quality pii workflow issue。")
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
    from jianyan import checks
    from jianyan.render import output
    from jianyan.accel import snapshot
    from jianyan.where import find_root
    from jianyan.checks.workflow import GitError, check_change, diff, pair_renames
    root = find_root()
    only = _scope(root, paths)
    run_families, categories = _selection(families)
    show_progress = sys.stderr.isatty() if progress is None else progress
    say = (lambda msg: click.echo(msg, err=True)) if show_progress else None
    part = warm = None
    collected = None if categories else run_families
    try:
        if base:  # changed paths first: other families (dup) look at ctx.changed
            cs = diff(root, base)
            # a stored check of the merge-base (or HEAD) spares reading the rest
            commits = [(cs.merge_base, cs.changes)] + ([(cs.head, None)] if cs.head else [])
            if only is None and not categories and (run_families is None or run_families <= snapshot.SAME_NAMED):
                part = snapshot.partial(root, commits, cs.git, cs.prefix, progress=say)
        ctx = checks.Context(only=only, options={"progress": say})
        if part is None and (collected is None or "dup" in collected):
            ctx.options["dup_warmup"] = warm = checks.dup_check.warm_up(root)  # overlaps the reading
        # while the warm-up's workers keep the cores busy, parsing in this process saves the pool's pickling
        campaign = part.campaign if part else load(root, progress=show_progress, parallel=not (warm and warm.busy),
                                                           lean=True)
        if base:
            ctx.options["changeset"] = pair_renames(campaign, cs)
            ctx.changed = cs.paths
            ctx.options["partial"] = part
        change = list(check_change(campaign, base, ctx)) if base else []
        stored, drafts = part.rest(run_families) if part else ([], set())
        raw = checks.collect(campaign, ctx, families=collected)
        campaign.verify_unchanged()  # a file saved during the run: its findings would mix two versions
    except GitError as exc:
        raise Failure(str(exc)) from None
    finally:
        if warm is not None:
            warm.stop()  # still running only when the duplication check did not need it
    if not part and only is None and not families:  # a full check of everything
        snapshot.save(campaign, raw)
    findings = checks.finalize(campaign, ctx, raw + change + stored, drafts)
    if categories:  # keep a category's findings, plus what the named families found
        from_families = set(checks.run(campaign, ctx, families=run_families)) if run_families else set()
        findings = [f for f in findings if f.code.split(".")[0] in categories or f in from_families]
    click.echo(output.RENDERERS[fmt](findings), nl=False)
    if fmt == "text":
        files = part.files if part else len(campaign.submissions) + len(campaign.issues)
        click.echo(output.summary_line(findings, files), err=True)
    sys.exit(EXIT_FINDINGS if any(f.severity == ERROR for f in findings) else EXIT_OK)


def _selection(wanted: tuple[str, ...]) -> tuple[set[str] | None, set[str]]:
    """--only names → (check families to run or None for all, finding categories to keep).

    A name that is both a family and a category (dup, pii…) is the family."""
    if not wanted:
        return None, set()
    from jianyan import checks
    from jianyan.findings import CATEGORIES
    families = set(checks.FAMILIES)
    bad = set(wanted) - families - set(CATEGORIES)
    if bad:
        raise Failure(f"没有这类检查：{'、'.join(sorted(bad))}。可选的检查：{'、'.join(checks.FAMILIES)}；"
                      f"问题类别：{'、'.join(CATEGORIES)}")
    return set(wanted) & families, set(wanted) - families


def _scope(root: Path, paths: tuple[Path, ...]) -> set[str] | None:
    """Repository-relative files under the given paths (None: everything)."""
    if not paths:
        return None
    existing_paths(paths, root)
    out: set[str] = set()
    for p in paths:
        full = p.resolve()
        files = [full] if full.is_file() else [x for x in full.rglob("*") if x.is_file()]
        out.update(x.relative_to(root).as_posix() for x in files)
    return out


@main.command()
@submission_options(
    unit="报送单位代码，如 minge（见 schema/units.yaml）。",
    submitter="作者：单位名称或委员姓名；联名可重复此项。",
    topic="重点选题编号 1–7。",
    kind="类别：problem 反映问题 / suggestion 意见建议 / practice 经验做法。",
    title="标题，如“关于……的建议”。",
    contact="联系方式（不公开）。",
    date="报送日期 YYYY-MM-DD（默认今天）。",
)
def new(unit, submitter, topic, kind, title, contact, date_) -> None:
    """新建一条建言信息：自动取下一个编号，生成“问题—原因—建议”正文模板。

    缺少的项会逐一询问。文件已存在时绝不覆盖。
    """
    from jianyan.campaign.model import KINDS
    from jianyan.campaign.scaffold import create
    campaign = load()
    regs = require_registries(campaign)
    if not unit:
        click.echo("报送单位代码（部分）：" + "、".join(f"{u.code} {u.name}" for u in list(regs.units.values())[:12]) + " …", err=True)
        unit = ask("报送单位代码")
    if unit not in regs.units:
        raise Failure(f"单位代码“{unit}”未登记。请查看 schema/units.yaml")
    if not submitter:
        default = regs.units[unit].name if regs.units[unit].kind != "committee" else None
        submitter = (ask("作者（单位或委员姓名，联名用顿号分隔）", default=default),)
    submitters = split_names(submitter)
    if topic is None:
        for t in regs.topics.values():
            click.echo(f"  {t.number}. {t.title}", err=True)
        topic = ask("重点选题编号", click.IntRange(1, max(regs.topics)))
    if topic not in regs.topics:
        raise Failure(f"重点选题 {topic} 不存在，只能是 1–{max(regs.topics)}")
    if not kind:
        kind = ask("类别（" + " / ".join(f"{k} {v}" for k, v in KINDS.items()) + "）", click.Choice(list(KINDS)),
                   default="suggestion")
    if not title:
        title = ask("标题")
    path = create(campaign.root, regs, unit=unit, title=title, submitters=submitters, topic=topic,
                  kind=kind, date=date_ or dt.date.today(), contact=contact)
    click.echo(path.relative_to(campaign.root).as_posix())
    click.echo("已创建。请编辑正文，写好后把 status 改为 submitted，再运行 jianyan check。", err=True)


@main.command("schema")
def schema_cmd() -> None:
    """根据数据模型重新生成 schema/json/ 下的 JSON Schema（供编辑器提示和校验用）。"""
    from jianyan.campaign import jsonschema
    from jianyan.where import find_root
    root = find_root()
    written = jsonschema.write(root)
    for p in written:
        click.echo(p.relative_to(root).as_posix())
    click.echo(f"已更新 {len(written)} 个文件。" if written else "JSON Schema 已是最新。", err=True)


# --- commands defined in their own modules (each module imports ``main``/``Failure`` from here) ---
from jianyan.cli.dup import dup  # noqa: E402
from jianyan.cli.fix import fix_cmd  # noqa: E402
from jianyan.cli.history import history_cmd  # noqa: E402
from jianyan.cli.importing import import_cmd  # noqa: E402
from jianyan.cli.init import init_cmd  # noqa: E402
from jianyan.cli.issue import issue  # noqa: E402
from jianyan.cli.owners import owners_cmd  # noqa: E402
from jianyan.cli.records import record  # noqa: E402
from jianyan.cli.site import site  # noqa: E402
from jianyan.cli.tracking import circular, export, feedback, stats  # noqa: E402

for _command in (issue, dup, fix_cmd, history_cmd, import_cmd, init_cmd, owners_cmd, record, site,
                 stats, export, feedback, circular):
    main.add_command(_command)
localize(main)  # last: commands made with plain click classes get the Chinese help too

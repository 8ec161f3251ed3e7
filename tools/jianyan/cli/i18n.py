"""Click in Chinese, through click's own hooks (click ≥ 8.2), never by rewriting its English output.

- Help: ``Command`` and ``Group`` write the usage line (用法：), the option list (选项：, each option's
  ``[默认：…；必填]`` built from ``Option.get_help_extra``), the command list (命令：), ``[选项]``,
  ``命令 [参数]...`` and the help option's own text.
- Values: ``INT``, ``IntRange``, ``Choice`` and ``PathType`` are click's types that refuse a value in Chinese;
  every parameter of every command uses one of them (or one of jianyan's own ``ChineseType`` types, as
  ``DATE``), which tests/test_i18n.py checks.
- Usage errors: whatever click raises while reading a command line becomes a ``UsageFailure`` whose
  message is written from the exception's fields (the parameter, the option's name, the suggestions).
  Click's English text is shown, in parentheses, only for a kind of error this module does not know.
"""
from __future__ import annotations

import difflib
import os
import stat

import click

from jianyan.core.errors import JianyanError

HELP_OPTION_TEXT = "显示本帮助并退出。"
OPTIONS_METAVAR = "[选项]"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UsageFailure(JianyanError, click.UsageError):
    """A usage error in Chinese: the usage line, what is wrong, where to read more; exit status 2.

    A click exception as well, so that click shows it even before any command runs (``jianyan --x``)."""

    def __init__(self, message: str, ctx: click.Context | None) -> None:
        click.UsageError.__init__(self, message if message.endswith(("。", "？")) else message + "。", ctx)

    def show(self, file=None) -> None:
        lines = []
        if self.ctx is not None:
            lines.append(self.ctx.get_usage())
        lines.append(f"错误：{self.message}")
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            lines.append(f"运行 {self.ctx.command_path} --help 查看说明。")
        click.echo("\n".join(lines), err=True)


# --- parameter types that refuse a value in Chinese ----------------------------------------------

class ChineseType:
    """Marks a parameter type whose refusals (``self.fail``) are written in Chinese."""


class Int(ChineseType, click.types.IntParamType):
    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"“{value}”不是整数", param, ctx)


INT = Int()


class IntRange(ChineseType, click.IntRange):
    """An integer range; a refusal names the bounds (both closed, as every jianyan range is)."""

    def convert(self, value, param, ctx):
        number = INT.convert(value, param, ctx)
        try:
            return super().convert(number, param, ctx)
        except click.BadParameter:
            if self.min is not None and self.max is not None:
                self.fail(f"{number} 超出范围，应在 {self.min} 到 {self.max} 之间", param, ctx)
            self.fail(f"{number} 超出范围，" + (f"不能小于 {self.min}" if self.min is not None else
                                                  f"不能大于 {self.max}"), param, ctx)


class Choice(ChineseType, click.Choice):
    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            choices = [str(c) for c in self.choices]
            allowed = f"只能是 {choices[0]}" if len(choices) == 1 else f"可选：{'、'.join(choices)}"
            self.fail(f"“{value}”不在可选范围内，{allowed}", param, ctx)


class PathType(ChineseType, click.Path):
    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(self._refusal(value), param, ctx)

    def _refusal(self, value) -> str:
        """Why click refused ``value``, asked of the file system in the order click asks."""
        name = click.format_filename(value)
        kind = "文件" if self.file_okay and not self.dir_okay else "目录" if self.dir_okay and not self.file_okay else "路径"
        try:
            mode = os.stat(value).st_mode
        except OSError:
            return f"{kind}“{name}”不存在"
        if not self.file_okay and stat.S_ISREG(mode):
            return f"“{name}”是文件，这里要写目录"
        if not self.dir_okay and stat.S_ISDIR(mode):
            return f"“{name}”是目录，这里要写文件"
        for wanted, access, cannot in ((self.readable, os.R_OK, "无法读取"), (self.writable, os.W_OK, "无法写入"),
                                       (self.executable, os.X_OK, "无法执行")):
            if wanted and not os.access(value, access):
                return f"{kind}“{name}”{cannot}"
        return f"{kind}“{name}”无法使用"


# --- usage errors ------------------------------------------------------------------------------------

def _named(param: click.Parameter, ctx: click.Context) -> str:
    """How a message names a parameter: ``选项 -o / --output``, ``参数 FILE``."""
    if isinstance(param, click.Option):
        return "选项 " + " / ".join(param.opts)
    return "参数 " + param.make_metavar(ctx)


def _maybe(names: list[str]) -> str:
    if not names:
        return ""
    return f"是不是 {names[0]}？" if len(names) == 1 else f"是不是以下之一：{'、'.join(names)}？"


def _option(ctx: click.Context, name: str) -> click.Option | None:
    return next((p for p in ctx.command.get_params(ctx)
                 if isinstance(p, click.Option) and name in (*p.opts, *p.secondary_opts)), None)


def _misused(ctx: click.Context, name: str) -> str | None:
    """An option written without its value, or a flag given one (click's BadOptionUsage)."""
    option = _option(ctx, name)
    if option is None:
        return None
    if option.is_flag or option.count:
        return f"选项 {name} 后面不能带值。"
    values = "一个值" if option.nargs == 1 else f" {option.nargs} 个值"
    return f"选项 {name} 后面要写{values}。"


def _message(exc: click.UsageError, ctx: click.Context) -> str:
    """What is wrong, in Chinese, from the fields of the exception click raised."""
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"缺少{_named(exc.param, ctx)}。"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        what = exc.message if isinstance(exc.param.type, ChineseType) else f"值有误（{exc.message}）"
        return f"{_named(exc.param, ctx)}：{what}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有 {exc.option_name} 这个选项。" + _maybe(sorted(exc.possibilities or []))
    if isinstance(exc, click.BadOptionUsage):
        return _misused(ctx, exc.option_name) or f"命令写法有误（{exc.format_message()}）"
    return f"命令写法有误（{exc.format_message()}）"


def _help_row(option: click.Option, ctx: click.Context) -> tuple[str, str]:
    """One line of the option list: the option's spellings, its help, ``[默认：x；必填]``."""
    spec = option.get_help_record(ctx)[0]
    extra = option.get_help_extra(ctx)
    notes = []
    if "envvars" in extra:
        notes.append(f"环境变量：{', '.join(extra['envvars'])}")
    if "default" in extra:
        notes.append(f"默认：{extra['default']}")
    if "range" in extra:
        notes.append(extra["range"])  # 1<=x<=20: no words to translate
    if "required" in extra:
        notes.append("必填")
    text = option.help or ""
    if notes:
        text = f"{text}  [{'；'.join(notes)}]" if text else f"[{'；'.join(notes)}]"
    return spec, text


# --- help layout and the command classes --------------------------------------------------------------

class Formatter(click.HelpFormatter):
    """click's help layout with Chinese punctuation: ``用法：`` and headings ending in ``：``."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class Context(click.Context):
    formatter_class = Formatter


class _Chinese:
    """What ``Command`` and ``Group`` share: the Chinese help and the Chinese usage errors."""

    context_class = Context

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def format_options(self, ctx, formatter) -> None:
        rows = [_help_row(p, ctx) for p in self.get_params(ctx) if isinstance(p, click.Option) and not p.hidden]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)

    def parse_args(self, ctx, args):
        strict = not ctx.allow_extra_args
        ctx.allow_extra_args = True  # extra arguments pass click's parser and are reported below, by name
        try:
            rest = super().parse_args(ctx, args)
        except (UsageFailure, click.exceptions.NoArgsIsHelpError):
            raise
        except click.UsageError as exc:
            raise UsageFailure(_message(exc, ctx), ctx) from None
        finally:
            ctx.allow_extra_args = not strict
        if strict and rest and not ctx.resilient_parsing:
            raise UsageFailure(f"多出了参数：{' '.join(rest)}。含空格的值请加引号，选项名前要有 --。", ctx)
        return rest


class Command(_Chinese, click.Command):
    """Every jianyan command: ``@click.command("name", cls=Command)``."""


class Group(_Chinese, click.Group):
    """Every jianyan group; its subcommands and subgroups are ``Command`` and ``Group`` too."""

    command_class = Command
    group_class = type  # subgroups made with @group.group() are of the group's own class

    def __init__(self, *args, **kwargs) -> None:
        optional = kwargs.get("invoke_without_command")  # the group runs without a command too: [命令]
        kwargs.setdefault("subcommand_metavar", "[命令] [参数]..." if optional else "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx, formatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("命令"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except UsageFailure:  # a first word that looks like an option, read by parse_args
            raise
        except click.UsageError:
            name = args[0]
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            raise UsageFailure(f"没有 {name} 这个命令。{_maybe(close)}", ctx) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # click's own, as "Missing command."
            if isinstance(exc, (UsageFailure, click.exceptions.NoArgsIsHelpError)):
                raise
            raise UsageFailure(_message(exc, exc.ctx or ctx), exc.ctx or ctx) from None

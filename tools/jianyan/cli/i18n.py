"""Click in Chinese: help headings, the help option, metavars and usage errors of every jianyan command."""
from __future__ import annotations

import difflib
import re
from typing import Callable

import click

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
        except click.UsageError as exc:  # "No such command"; usage errors of cli/dup.py's plain click commands
            raise _chinese(exc) from None


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

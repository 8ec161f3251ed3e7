"""Click in Chinese through its own hooks (cli/i18n.py): every kind of usage error, the help layout, and
every parameter of every command using a type that refuses in Chinese. In-process, with click's runner."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from jianyan.cli import main
from jianyan.cli.i18n import INT, ChineseType, Choice, Command, Group, IntRange, PathType

# What click writes in English when its messages leak through.
ENGLISH = re.compile(r"Error|Usage|Try '|Invalid value|Missing|No such|Got unexpected|requires|"
                     r"is not|does not exist|Traceback|Aborted|Show this|Options:|Commands:|\[default|\[required")


def run(command: click.Command, *args: str):
    return CliRunner().invoke(command, list(args), prog_name="jianyan")


def usage_error(result) -> list[str]:
    """The three lines of a usage error: 用法, 错误, where to read more."""
    assert result.exit_code == 2 and result.stdout == "", (result.stdout, result.stderr)
    assert not ENGLISH.search(result.stderr), result.stderr
    lines = result.stderr.rstrip("\n").split("\n")
    assert len(lines) == 3 and lines[0].startswith("用法：") and lines[2].endswith(" --help 查看说明。"), lines
    return lines


# One of each kind of usage error click raises, on the real commands: (arguments, the 错误 line).
KINDS = [
    pytest.param(("issue", "sign", "2021-005"), "缺少选项 --by。", id="missing option"),
    pytest.param(("import",), "缺少参数 PATHS...。", id="missing argument"),
    pytest.param(("dup", "report"), "缺少参数 编号。", id="missing argument with a metavar"),
    pytest.param(("check", "--format", "x"), "选项 --format：“x”不在可选范围内，可选：text、json、github、gitlab、sarif。",
                 id="bad choice"),
    pytest.param(("check", "--formt", "json"), "没有 --formt 这个选项。是不是 --format？", id="no such option, one guess"),
    pytest.param(("check", "--progres"), "没有 --progres 这个选项。是不是以下之一：--no-progress、--progress？",
                 id="no such option, several guesses"),
    pytest.param(("--x",), "没有 --x 这个选项。", id="no such option of the group"),
    pytest.param(("chek",), "没有 chek 这个命令。是不是 check？", id="no such command, a guess"),
    pytest.param(("zzzz",), "没有 zzzz 这个命令。", id="no such command"),
    pytest.param(("issue", "bild"), "没有 bild 这个命令。是不是 build？", id="no such subcommand"),
    pytest.param(("new", "--topic", "abc"), "选项 --topic：“abc”不是整数。", id="bad int"),
    pytest.param(("issue", "new", "--count", "50"), "选项 --count：50 超出范围，应在 1 到 20 之间。", id="int out of range"),
    pytest.param(("stats", "--from", "2021/3/1"), "选项 --from：“2021/3/1”格式不对，日期应写成 YYYY-MM-DD，如 2021-03-01。",
                 id="bad date"),
    pytest.param(("stats", "--to", "2021-02-30"), "选项 --to：“2021-02-30”不是有效日期：2021 年 2 月只有 28 天。",
                 id="no such day"),
    pytest.param(("history", "a", "b", "c"), "多出了参数：b c。含空格的值请加引号，选项名前要有 --。", id="extra arguments"),
    pytest.param(("issue", "list", "x"), "多出了参数：x。含空格的值请加引号，选项名前要有 --。", id="an extra argument"),
    pytest.param(("issue", "build", "--out"), "选项 --out 后面要写一个值。", id="option without its value"),
    pytest.param(("fix", "--apply=yes"), "选项 --apply 后面不能带值。", id="flag with a value"),
    pytest.param(("check", "--no-progress=x"), "选项 --no-progress 后面不能带值。", id="off-flag with a value"),
    pytest.param(("feedback", "import", "没有这个.xlsx"), "参数 FILE：文件“没有这个.xlsx”不存在。", id="no such file"),
    pytest.param(("feedback", "import", "folder"), "参数 FILE：“folder”是目录，这里要写文件。", id="a folder for a file"),
]


@pytest.mark.parametrize("args, message", KINDS)
def test_each_kind_of_usage_error_is_chinese(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    lines = usage_error(run(main, *args))
    assert lines[1] == f"错误：{message}"


@click.command(cls=Command)
@click.option("--pair", nargs=2, help="两个值。")
@click.option("--mode", type=Choice(["only"]), help="只有一种。")
@click.option("--level", type=IntRange(1, 3), required=True, help="级别。")
@click.option("--note", default="无", show_default=True)
@click.argument("folder", type=PathType(exists=True, file_okay=False))
@click.argument("twin", nargs=2, required=False)
def sample(**_) -> None:
    """一个示例命令。"""


@pytest.mark.parametrize("args, message", [
    (("--pair", "a"), "选项 --pair 后面要写 2 个值。"),
    (("--level", "1", "--mode", "x", "d"), "选项 --mode：“x”不在可选范围内，只能是 only。"),
    (("--level", "9", "d"), "选项 --level：9 超出范围，应在 1 到 3 之间。"),
    (("d",), "缺少选项 --level。"),
    (("--level", "1", "f"), "参数 FOLDER：“f”是文件，这里要写目录。"),
    (("--level", "1", "nothing"), "参数 FOLDER：目录“nothing”不存在。"),
])
def test_kinds_no_command_of_jianyan_raises_yet(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("", encoding="utf-8")
    assert usage_error(run(sample, *args))[1] == f"错误：{message}"


def test_an_unknown_kind_keeps_clicks_words_in_parentheses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    result = run(sample, "--level", "1", "d", "one")  # an argument of two values given one
    assert result.exit_code == 2
    assert result.stderr.split("\n")[1] == "错误：命令写法有误（Argument 'twin' takes 2 values.）。"


def test_help_is_chinese_in_clicks_layout():
    text = run(sample, "--help").stdout
    assert text.startswith("用法：jianyan [选项] FOLDER [TWIN]...\n\n  一个示例命令。\n\n选项：\n")
    assert re.search(r"^  --level INTEGER RANGE +级别。  \[1<=x<=3；必填\]$", text, re.M), text
    assert re.search(r"^  --note TEXT +\[默认：无\]$", text, re.M), text
    assert re.search(r"^  --help +显示本帮助并退出。$", text, re.M), text
    assert not ENGLISH.search(text), text


def test_group_help_names_commands_and_an_optional_command():
    top = run(main, "--help").stdout
    assert top.startswith("用法：jianyan [选项] 命令 [参数]...\n")
    assert "\n命令：\n  check " in top and "\n选项：\n  -V, --version " in top
    feedback = run(main, "feedback", "--help").stdout  # it runs without a command too
    assert feedback.startswith("用法：jianyan feedback [选项] [命令] [参数]...\n")
    assert "\n  --format [text|json|github|gitlab|sarif]\n" + " " * 34 + "输出格式。  [默认：text]\n" in \
        run(main, "check", "--help").stdout


def walk(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


@pytest.mark.parametrize("path, command", list(walk(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_speaks_chinese(path, command):
    assert isinstance(command, (Command, Group)), path
    for param in command.params:
        never_refuses = param.type is click.STRING or getattr(param, "is_flag", False)
        assert never_refuses or isinstance(param.type, ChineseType), (path, param.name, param.type)
    help_text = run(main, *path, "--help").stdout
    assert not ENGLISH.search(help_text), help_text


def test_types_refuse_in_chinese():
    with pytest.raises(click.BadParameter, match="^“x”不是整数$"):
        INT.convert("x", None, None)
    with pytest.raises(click.BadParameter, match="^0 超出范围，不能小于 1$"):
        IntRange(min=1).convert("0", None, None)
    with pytest.raises(click.BadParameter, match="^“b”不在可选范围内，可选：a、c$"):
        Choice(["a", "c"]).convert("b", None, None)
    assert IntRange(1, 3).convert("2", None, None) == 2


def test_every_command_has_a_summary_in_its_groups_help():
    """A long Chinese first line has no space for click to cut at: it showed only “...” (an 80-column terminal: click formats 78)."""
    for path, command in walk(main):
        if not isinstance(command, click.Group):
            continue
        text = CliRunner().invoke(main, [*path, "--help"], prog_name="jianyan", terminal_width=78).stdout
        listing = text.split("\n命令：\n", 1)[1]
        blank = [line for line in listing.splitlines() if line.rstrip().endswith(" ...") or line.strip() == "..."]
        assert not blank, (path, blank)

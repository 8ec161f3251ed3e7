"""What the commands share: Failure and its one handler (MainGroup), loading the campaign, DATE, helpers."""
from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import sys
import traceback
from pathlib import Path

import click

from jianyan.cli.i18n import Choice, ChineseType, Group, INT
from jianyan.core.errors import EXIT_FINDINGS, EXIT_USAGE, JianyanError


class Failure(JianyanError):
    """A command refuses what it was asked (a wrong option value, a missing file…): a Chinese message."""


class MainGroup(Group):
    """The top group, and the one place a failure becomes a message and an exit status: a JianyanError
    its Chinese message (``错误：…``) and its exit code; Ctrl-C 已中止; anything unexpected a short Chinese
    note, never a traceback (unless JIANYAN_DEBUG)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise  # click's own: usage errors (in Chinese, cli/i18n.py), --help, sys.exit
        except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C, or input ended while asking
            click.echo("\n已中止。", err=True)
            code = EXIT_FINDINGS
        except JianyanError as exc:
            click.echo(f"错误：{exc}", err=True)
            code = exc.exit_code
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("JIANYAN_DEBUG"):
                traceback.print_exc()
            click.echo(f"错误：jianyan 内部错误（{type(exc).__name__}: {exc}）。"
                       "这是工具本身的问题，不是您的文件写错了；请把这条信息发给维护人员。"
                       "设置环境变量 JIANYAN_DEBUG=1 可显示详细信息", err=True)
            code = EXIT_USAGE
        raise click.exceptions.Exit(code)


# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 200


def load(root: Path | None = None, progress: bool = False, parallel: bool = True, lean: bool = False):
    """Load the campaign; with ``progress``, show a bar on stderr while reading many files;
    ``parallel``: parse over all cores; ``lean``: a large campaign's texts not held (loadcache.load_fast:
    for commands that only read, as ``check``)."""
    from jianyan.accel.loadcache import load_fast  # lazy: pydantic and the parsers; --help starts without them
    if not progress:
        return load_fast(root, parallel=parallel, lean=lean)
    state: dict = {}

    def tick(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="读取文件", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    try:
        return load_fast(root, progress=tick, parallel=parallel, lean=lean)
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


def require_records(campaign, unable: str = "") -> None:
    """Stop when a feedback record (feedback/*.yaml) cannot be read: a report, a to-do list or a 催办函 made
    without it would silently leave out its 批示, 办理 and 督办 (``unable``: what cannot be done)."""
    from jianyan.tracking.feedback import tracking_of  # lazy: the feedback model (pydantic)
    broken = [f for f in tracking_of(campaign).findings if f.severity == "error"]
    if broken:
        f, more = broken[0], (f"（另有 {len(broken) - 1} 处错误）" if len(broken) > 1 else "")
        raise Failure(f"{f.path}:{f.line or 1}: {f.message}{more}\n批示办理记录有错误，"
                      + (f"{unable}。" if unable else "") + "请改正后再运行（jianyan check 列出全部问题）")


def as_of_day(campaign, given: dt.date | None, option: str = "--as-of") -> dt.date:
    """The day a report or a to-do list is taken on: ``given`` (--as-of), else today while the campaign runs,
    its end afterwards (settings.as_of). A given day before the campaign's start is refused: nothing had
    happened yet, and a period from the start would run backwards."""
    settings = campaign.registries.settings
    if given is None:
        return settings.as_of(dt.date.today())
    if given < settings.start:
        parsed = campaign.registries.lines.get("settings")
        line = parsed.line_of(("start",)) if parsed is not None else 1
        path = campaign.registries.paths.get("settings", "schema/settings.yaml")
        raise Failure(f"{option} {given} 早于活动开始日 {settings.start}（{path}:{line} 的 start）。"
                      f"请写 {settings.start} 以后的日期；如果活动开始日写错了，请改 {path} 的 start")
    return given


class DateType(ChineseType, click.ParamType):
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
        click.option("--topic", type=INT, help=topic),
        click.option("--kind", type=Choice(["problem", "suggestion", "practice"]), help=kind),
        click.option("--title", help=title),
        click.option("--contact", help=contact),
        click.option("--date", "date_", type=DATE, help=date),
    )

    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f
    return decorate


def ask(text: str, type: ChineseType | None = None, default: str | None = None):
    """Ask on stderr until the answer fits ``type`` (one that refuses in Chinese: click's own prompt would not)."""
    while True:
        answer = click.prompt(text, default=default, err=True)
        if type is None:
            return answer
        try:
            return type.convert(answer, None, None)
        except click.BadParameter as exc:
            click.echo(f"错误：{exc.message}。请重新输入。", err=True)


def documents(written: list[Path]) -> int:
    """How many documents ``written`` holds: each is one file per format (its path without the suffix)."""
    return len({p.with_suffix("") for p in written})


def split_names(values) -> list[str]:
    """--submitter values, each possibly a list joined with 、 or ，."""
    return [s for item in values for s in item.replace("，", "、").split("、") if s.strip()]

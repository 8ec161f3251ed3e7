"""Commands for tracking and feedback: stats, export, feedback (reports, import, template), circular."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from jianyan.cli.common import DATE, Failure, as_of_day, documents, load_with_registries, require_records
from jianyan.cli.i18n import Choice, Command, Group, INT, PathType
from jianyan.core.errors import EXIT_FINDINGS
from jianyan.core.fsutil import write_atomic


def _campaign():
    return load_with_registries(unable="无法统计")


def _period(campaign, since: dt.date | None, until: dt.date | None,
            as_of: dt.date | None = None, unable: str = "无法统计") -> tuple[dt.date | None, dt.date]:
    """--from and the as-of day: --as-of (or the older --to), else today while the campaign runs, its end afterwards."""
    if as_of and until and as_of != until:
        raise Failure(f"--as-of {as_of} 与 --to {until} 不一致。两者是同一项，只写 --as-of 即可")
    start, end = since, as_of_day(campaign, as_of or until, "--as-of" if as_of else "--to")
    if start and start > end:
        raise Failure(f"开始日期 {start} 晚于截止日期 {end}")
    _ = campaign.calendar  # a broken schema/calendar.yaml stops here, with its line, before anything is written
    require_records(campaign, unable)
    return start, end


FROM = click.option("--from", "since", type=DATE, help="起始日期（含），默认从活动开始。")


def TO(command):
    """--as-of DAY, and --to DAY, its older name (kept working)."""
    command = click.option("--to", "until", type=DATE, help="同 --as-of（旧写法，仍可使用）。")(command)
    return click.option("--as-of", "as_of", type=DATE,
                        help="截至哪一天（含）。默认：活动进行中为今天，活动结束后为结束日（schema/settings.yaml 的 end）；"
                             "生成后显示所用的统计时段。")(command)


@click.command(cls=Command)
@click.option("--format", "fmt", type=Choice(["json", "text"]), default="text", show_default=True)
@FROM
@TO
def stats(fmt: str, since: dt.date | None, until: dt.date | None, as_of: dt.date | None) -> None:
    """统计：信息总数、按状态、按重点选题、按单位（单位 → 状态 → 条数）、批示和办理。

    \b
    按报送日期筛选 --from/--as-of 期间的信息，状态以 --as-of 当日为准；
    审核等待和逾期天数按 schema/settings.yaml 的 deadlines 计（工作日或自然日）。
    示例：jianyan stats --format json --as-of 2021-04-30
    """
    from jianyan.tracking.ledger import stats as compute, stats_text  # lazy: the campaign model (pydantic)
    campaign = _campaign()
    start, end = _period(campaign, since, until, as_of)
    data = compute(campaign, end, start)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(stats_text(campaign, data), nl=False)


@click.command(cls=Command)
@click.option("--format", "fmt", type=Choice(["csv", "xlsx", "json"]), default="xlsx", show_default=True)
@click.option("--output", "-o", type=PathType(path_type=Path), help="输出文件（默认 build/export/台账.<格式>）。")
@TO
def export(fmt: str, output: Path | None, until: dt.date | None, as_of: dt.date | None) -> None:
    """导出台账：每条信息一行，含审核、采用、批示、办理的全部情况。"""
    from jianyan.render.exporting import write_ledger  # lazy: openpyxl
    campaign = _campaign()
    _, end = _period(campaign, None, until, as_of, "无法导出台账")
    out = output or campaign.root / "build" / "export" / f"台账.{fmt}"
    if out.suffix.lower() != f".{fmt}":
        raise Failure(f"输出文件 {out.name} 的扩展名与格式 {fmt} 不符")
    n = write_ledger(campaign, end, out, fmt)
    click.echo(_shown(campaign.root, out))
    click.echo(f"已导出 {n} 条信息的台账（截至 {end}）。", err=True)


def _shown(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@click.group(cls=Group, invoke_without_command=True)
@FROM
@TO
@click.option("--unit", metavar="CODE", help="只生成该单位的反馈（单位代码，如 minge）。")
@click.option("--member", metavar="NAME", help="只生成该委员的反馈（姓名）。")
@click.pass_context
def feedback(ctx, since, until, as_of, unit, member) -> None:
    """向委员和报送单位反馈：信息采用、领导批示和办理情况（build/feedback/，Markdown、HTML、Word）。

    \b
    每个报送单位、每位委员各一份反馈函。
    示例：
      jianyan feedback --from 2021-02-22 --as-of 2021-04-30
      jianyan feedback --unit minge
      jianyan feedback template 进展表.xlsx     生成部门填报表格
      jianyan feedback import 进展表.xlsx       导入部门报回的办理进展
    """
    if ctx.invoked_subcommand is not None:
        return
    if unit and member:
        raise Failure("--unit 和 --member 只能选一个")
    from jianyan.render.reports import write_feedback  # lazy: the renderers (jinja2, python-docx)
    campaign = _campaign()
    start, end = _period(campaign, since, until, as_of, "无法生成反馈函")
    if unit and unit not in campaign.registries.units:
        raise Failure(f"单位代码“{unit}”未登记。请查看 schema/units.yaml")
    written = write_feedback(campaign, start, end, unit=unit, member=member, today=dt.date.today())
    if not written:
        raise Failure(f"没有找到{'委员 ' + member if member else '单位 ' + unit if unit else ''}在此期间报送的信息")
    for p in written:
        click.echo(_shown(campaign.root, p))
    click.echo(written.period, err=True)
    click.echo(f"已生成 {documents(written)} 份反馈函。", err=True)


@feedback.command("template")
@click.argument("file", type=PathType(path_type=Path))
@click.option("--all", "include_done", is_flag=True, help="连已办结的也列出。")
@click.option("--department", metavar="NAME", help="只列该承办单位的事项，如 省发展改革委。")
def feedback_template(file: Path, include_done: bool, department: str | None) -> None:
    """生成办理进展填报表（.xlsx 或 .csv），预填尚未办结的事项，发给承办单位填写。"""
    from jianyan.importing.feedback import write_template  # lazy: openpyxl
    campaign = _campaign()
    if file.exists():
        raise Failure(f"{file} 已存在，不会覆盖。请换一个文件名或先删除它")
    n = write_template(campaign, file, include_done, department)
    click.echo(str(file))
    click.echo(f"已生成填报表，预填 {n} 个办理事项。", err=True)


@feedback.command("import")
@click.argument("file", type=PathType(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查，不修改记录文件。")
def feedback_import(file: Path, dry_run: bool) -> None:
    """导入承办单位报回的办理进展表（.xlsx 或 .csv）。

    任何一行有误，整个表格都不导入，并列出出错的行号和原因。
    """
    from jianyan.importing.feedback import SheetFailure, import_rows, read_sheet, summary  # lazy: openpyxl
    campaign = _campaign()
    try:
        rows = read_sheet(file)
    except SheetFailure as exc:  # the file's content: exit 1 like a bad row, not a usage error
        exc.exit_code = EXIT_FINDINGS
        raise
    outcome = import_rows(campaign, rows, file.name)
    if outcome.errors:
        for e in outcome.errors:
            click.echo(f"{file.name}：{e}", err=True)
        click.echo(f"有 {len(outcome.errors)} 行出错，整个表格未导入，记录文件没有任何改动。请改正后重新导入。", err=True)
        sys.exit(EXIT_FINDINGS)
    if not dry_run:
        for path, text in sorted(outcome.changed.items()):
            write_atomic(campaign.root / path, text)
    for path in sorted(outcome.changed):
        click.echo(path)
    click.echo(("检查通过（--dry-run，未写入）。" if dry_run else "") + summary(outcome), err=True)


@click.command(cls=Command, short_help="工作通报：出刊、报送采用、批示办理、逾期、排名（build/circular/）。")
@FROM
@TO
@click.option("--number", type=INT, help="通报期号（第N期）。")
def circular(since: dt.date | None, until: dt.date | None, as_of: dt.date | None, number: int | None) -> None:
    """生成《工作通报》（build/circular/，Word、HTML、Markdown）：出刊、报送采用、批示办理、逾期、排名。

    示例：jianyan circular --from 2021-03-01 --as-of 2021-04-30 --number 1
    """
    from jianyan.render.reports import write_circular  # lazy: the renderers (jinja2, python-docx)
    campaign = _campaign()
    start, end = _period(campaign, since, until, as_of, "无法生成工作通报")
    written = write_circular(campaign, start, end, number, today=dt.date.today())
    for p in written:
        click.echo(_shown(campaign.root, p))
    click.echo(written.period, err=True)

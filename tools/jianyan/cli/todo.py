"""jianyan todo: what waits on whom, in working days (text, Markdown, JSON, an .ics calendar)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from jianyan.cli.common import DATE, Failure, as_of_day, load_with_registries, require_records
from jianyan.cli.i18n import Choice, Command, IntRange, PathType

AS_OF = click.option("--as-of", "as_of", type=DATE,
                     help="以哪一天为准（默认：活动进行中为今天，活动结束后为结束日）。")
WITHIN = click.option("--within", type=IntRange(0, 366), default=None,
                      help="离办理时限不超过几天算“临近时限”（默认 5 个工作日）。")


@click.command("todo", cls=Command)
@click.option("--for", "who", metavar="对象",
              help="只列某人、某岗位、某单位或某承办单位的待办：姓名或代码（schema/roles.yaml）、"
                   "岗位（研究室、研究室主任、秘书长、办公厅秘书处、专门委员会办公室）、单位代码或名称、承办单位名称。")
@AS_OF
@WITHIN
@click.option("--format", "fmt", type=Choice(["text", "md", "json", "ics"]), default="text", show_default=True)
@click.option("--ics", "ics_file", type=PathType(dir_okay=False, path_type=Path),
              help="另把各项时限写成日历文件（.ics，可导入 Outlook、Thunderbird、手机日历）。")
def todo_cmd(who: str | None, as_of: dt.date | None, within: int | None, fmt: str, ics_file: Path | None) -> None:
    """待办清单：每个岗位、人员、单位和承办单位有哪些事在等他们办、已等了几个工作日、离时限还有几天，按紧急程度排列。

    \b
    示例：
      jianyan todo                              全部岗位的待办
      jianyan todo --for 研究室 --as-of 2021-07-31
      jianyan todo --for 周某 --format md        某人的待办（Markdown，可贴到拉取请求或邮件）
      jianyan todo --ics build/todo.ics          同时生成时限日历
    """
    from jianyan.render.todo import as_ics, as_json, as_markdown, as_text, write_ics  # lazy: the renderers (jinja2)
    from jianyan.tracking.todo import NEAR_DAYS, name_of, select, todo  # lazy: the campaign model (pydantic)
    campaign = load_with_registries(unable="无法列出待办")
    require_records(campaign, "无法列出待办")
    day = as_of_day(campaign, as_of)
    groups = todo(campaign, day, NEAR_DAYS if within is None else within)
    title = "待办清单"
    if who:
        try:
            groups = select(campaign, groups, who)
        except LookupError:
            raise Failure(f"不认识“{who}”。--for 可写姓名或代码（见 schema/roles.yaml）、岗位名称（如 研究室、办公厅秘书处）、"
                          "单位代码或名称（见 schema/units.yaml），或批示办理记录中的承办单位名称（如 省发展改革委）") from None
        title = f"{name_of(campaign, who)}的待办清单"
    if fmt == "json":
        click.echo(as_json(groups, day, who), nl=False)
    elif fmt == "md":
        click.echo(as_markdown(campaign, groups, day, title), nl=False)
    elif fmt == "ics":
        click.echo(as_ics(campaign, groups, day), nl=False)
    else:
        click.echo(as_text(groups, day, title), nl=False)
    if ics_file is not None:
        n = write_ics(campaign, groups, day, ics_file)
        click.echo(f"已写入日历文件 {ics_file}（{n} 个时限）。", err=True)

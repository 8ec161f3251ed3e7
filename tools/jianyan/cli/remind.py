"""jianyan remind: draft 催办函 for handling that is overdue or near its time limit."""
from __future__ import annotations

import datetime as dt

import click

from jianyan.cli.common import Failure, as_of_day, documents, load_with_registries, require_records
from jianyan.cli.i18n import Command, IntRange
from jianyan.cli.todo import AS_OF, WITHIN


@click.command("remind", cls=Command,
               short_help="催办函：给办理时限已过或临近的承办单位各起草一份（build/remind/<日期>/）。")
@AS_OF
@WITHIN
@click.option("--department", metavar="NAME", help="只给该承办单位起草，如 省发展改革委。")
@click.option("--reply-days", type=IntRange(1, 366), default=5, show_default=True, help="要求几个工作日内答复。")
def remind_cmd(as_of: dt.date | None, within: int | None, department: str | None, reply_days: int) -> None:
    """起草催办函（build/remind/<日期>/，Word、HTML、Markdown）：给办理时限已过或临近的承办单位，一个单位一份。

    \b
    函中提到的此前督办催办，只来自批示办理记录 follow_up 中登记的内容。
    催办函发出后，请在该信息的批示办理记录（feedback/…yaml）的 follow_up 下登记
    （date、kind: letter、by、department），以后的反馈函和工作通报才会写“已催办”。
    示例：
      jianyan remind --as-of 2021-06-10
      jianyan remind --department 省发展改革委 --within 10
    """
    from jianyan.campaign.calendar import days_text  # lazy: the calendar (yaml)
    from jianyan.render.remind import write_reminders  # lazy: the renderers (jinja2, python-docx)
    from jianyan.tracking.todo import NEAR_DAYS  # lazy: the campaign model (pydantic)
    campaign = load_with_registries(unable="无法起草催办函")
    require_records(campaign, "无法起草催办函")
    if department is not None:
        _known_department(campaign, department)
    day = as_of_day(campaign, as_of)
    within = NEAR_DAYS if within is None else within
    written = write_reminders(campaign, day, within, department, reply_days)
    if not written:
        who = department or "各承办单位"
        near = days_text(within, campaign.registries.settings.deadline("handling")[1])  # --within counts in that unit
        click.echo(f"截至 {day}，{who}都没有已超过或 {near}内到期的办理事项，不需要起草催办函。", err=True)
        return
    for p in written:
        try:
            click.echo(p.resolve().relative_to(campaign.root.resolve()).as_posix())
        except ValueError:
            click.echo(str(p))
    click.echo(f"已起草 {documents(written)} 份催办函（{written.period}）。发出后请在批示办理记录的 follow_up 下登记，例如：\n"
               f"  - date: {day.isoformat()}\n    kind: letter\n    by: 经办人姓名\n    department: 承办单位全称", err=True)


def _known_department(campaign, department: str) -> None:
    """A misspelt --department would otherwise read as "nothing due: no letter needed"."""
    from jianyan.tracking.feedback import tracking_of  # lazy: the campaign model (pydantic)
    known = sorted({h.department for r in tracking_of(campaign).by_item.values() for h in r.handling})
    if department not in known:
        listed = "、".join(known) if known else "（批示办理记录中还没有承办单位）"
        raise Failure(f"批示办理记录中没有承办单位“{department}”。--department 须与记录中 handling 的 department "
                      f"写法一致（全称），现有：{listed}")

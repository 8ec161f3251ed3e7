"""`jianyan new`: scaffold a submission with the next free id."""
from __future__ import annotations

import datetime as dt

import click

from jianyan.cli.common import Failure, ask, load, require_registries, split_names, submission_options
from jianyan.cli.i18n import Choice, Command, IntRange


@click.command("new", cls=Command)
@submission_options(
    unit="报送单位代码，如 minge（见 schema/units.yaml）。",
    submitter="作者：单位名称或委员姓名；联名可重复此项。",
    topic="重点选题编号 1–7。",
    kind="类别：problem 反映问题 / suggestion 意见建议 / practice 经验做法。",
    title="标题，如“关于……的建议”。",
    contact="联系方式（不公开）。",
    date="报送日期 YYYY-MM-DD（默认今天；今天不在活动期间时必须写明）。",
)
def new(unit, submitter, topic, kind, title, contact, date_) -> None:
    """新建一条建言信息：自动取下一个编号，生成“问题—原因—建议”正文模板。

    缺少的项会逐一询问。文件已存在时绝不覆盖。
    """
    from jianyan.campaign.model import KINDS  # lazy: pydantic; --help starts without it
    from jianyan.campaign.scaffold import create, submission_day  # lazy: the campaign model (pydantic)
    campaign = load()
    regs = require_registries(campaign)
    day = submission_day(regs.settings, date_, dt.date.today())  # before any question: outside the period, stop
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
        topic = ask("重点选题编号", IntRange(1, max(regs.topics)))
    if topic not in regs.topics:
        raise Failure(f"重点选题 {topic} 不存在，只能是 1–{max(regs.topics)}")
    if not kind:
        kind = ask("类别（" + " / ".join(f"{k} {v}" for k, v in KINDS.items()) + "）", Choice(list(KINDS)),
                   default="suggestion")
    if not title:
        title = ask("标题")
    path = create(campaign.root, regs, unit=unit, title=title, submitters=submitters, topic=topic,
                  kind=kind, date=day, contact=contact)
    click.echo(path.relative_to(campaign.root).as_posix())
    click.echo("已创建。请编辑正文，写好后把 status 改为 submitted，再运行 jianyan check。", err=True)

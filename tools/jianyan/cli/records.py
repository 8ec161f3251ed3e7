"""`jianyan record`: members' yearly performance records (委员履职档案)."""
from __future__ import annotations

import datetime as dt

import click

from jianyan.cli.common import DATE, Failure, documents, load_with_registries, require_records
from jianyan.cli.i18n import Command, INT


@click.command("record", cls=Command)
@click.argument("member", required=False, metavar="[委员]")
@click.option("--all", "all_", is_flag=True, help="为全部委员各生成一份，并生成汇总表。")
@click.option("--year", type=INT, help="年度（默认取 schema/settings.yaml 的 year）。")
@click.option("--as-of", "as_of", type=DATE, help="状态截至哪一天（默认该年12月31日，未到则今天）。")
@click.option("--to", "until", type=DATE, help="同 --as-of（旧写法，仍可使用）。")
def record(member: str | None, all_: bool, year: int | None, as_of: dt.date | None, until: dt.date | None) -> None:
    """委员履职档案：委员一年内报送的建言信息及其采用、批示、办理、向上报送情况。

    \b
    输出到 build/records/<年度>/<姓名>.{docx,html,md}；--all 另生成“汇总”表。
    委员按 schema/members.yaml 识别（姓名、代码或其他写法均可）；联名信息每位署名委员各记一条。
    示例：
      jianyan record 刘某某
      jianyan record liumm --year 2021
      jianyan record --all --year 2021
    """
    from jianyan.render.records import as_of as record_day, write_records  # lazy: the renderers (jinja2, python-docx)
    if bool(member) == all_:
        raise Failure("请指定一位委员（姓名或代码），或用 --all 生成全部委员的档案")
    if as_of and until and as_of != until:
        raise Failure(f"--as-of {as_of} 与 --to {until} 不一致。两者是同一项，只写 --as-of 即可")
    until = as_of or until
    campaign = load_with_registries(unable="无法生成履职档案")
    require_records(campaign, "无法生成履职档案")
    year = year or campaign.registries.settings.year
    if until and until.year != year:
        raise Failure(f"截止日期 {until} 不在 {year} 年内。履职档案按年度生成，请用 --year 指定年度")
    written = write_records(campaign, member, year, record_day(year, until, dt.date.today()))
    root = campaign.root
    for p in written:
        click.echo(p.relative_to(root).as_posix())
    click.echo(f"已生成 {documents(written)} 份（{year} 年度）。", err=True)

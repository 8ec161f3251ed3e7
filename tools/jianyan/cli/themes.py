"""`jianyan themes`: the theme analysis (综合分析) of a period's items."""
from __future__ import annotations

import datetime as dt
import json

import click

from jianyan.cli.common import DATE, Failure, as_of_day, load_with_registries
from jianyan.cli.i18n import Choice, Command


@click.command("themes", cls=Command,
               short_help="综合分析：把一段时间的建言信息按所谈的方面归类，生成综合分析初稿（Markdown、Word）和数据。")
@click.option("--from", "since", type=DATE, help="起始日期（含），默认从活动开始。")
@click.option("--to", "until", type=DATE, help="截止日期（含），默认今天（活动已结束的，为活动结束日）。要重复生成相同文件，请写明截止日期。")
@click.option("--format", "fmt", type=Choice(["text", "md", "docx", "json"]), default="text", show_default=True,
              help="text 在屏幕上列出；md 生成 Markdown 和 HTML 初稿；docx 另生成 Word 初稿；json 输出数据。")
@click.option("--related", "related", metavar="ID", help="只列出与这条信息相近（但不重复）的信息，供审核参考。")
def themes_cmd(since: dt.date | None, until: dt.date | None, fmt: str, related: str | None) -> None:
    """综合分析：把一段时间的建言信息按所谈的方面归类，列出每个方面的关键词、条数、报送单位和委员、与上一个同样长度时段相比的增减、代表性信息，以及采用、批示、圈阅情况。

    \b
    归类按标题和正文的关键词自动进行（离线，结果固定），同一方面中谈同一具体事项的另行标出；初稿供研究室修改。
    另给出每条信息“相近但不重复”的信息，和关键词更接近另一选题时的选题提示。
    示例：
      jianyan themes --from 2021-03-01 --to 2021-04-30 --format docx
      jianyan themes --format json --to 2021-04-30
      jianyan themes --related 2021-minge-001 --to 2021-04-30
    """
    from jianyan.render import themes  # lazy: jieba and the renderers
    campaign = load_with_registries(unable="无法分析")
    end = as_of_day(campaign, until, "--to")
    if since and since > end:
        raise Failure(f"开始日期 {since} 晚于截止日期 {end}")
    analysis, period = themes.run(campaign, since, end, dt.date.today())
    if related:
        if analysis.item(related) is None:
            raise Failure(f"信息“{related}”不在此期间（{analysis.period.label()}）收到的信息中"
                          "（草稿和已撤回的不参加分析）。请检查编号，或用 --from/--to 调整时段")
        click.echo(themes.related_text(analysis, related), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps(themes.to_json(analysis), ensure_ascii=False, indent=2))
    elif fmt == "text":
        click.echo(themes.to_text(analysis, period), nl=False)
    else:
        written = themes.write_draft(campaign, analysis, period, fmt)
        for p in written:
            try:
                click.echo(p.relative_to(campaign.root).as_posix())
            except ValueError:
                click.echo(str(p))
        click.echo(written.period, err=True)
        click.echo(f"已生成综合分析初稿：{len(analysis.themes)} 个方面，{len(analysis.items)} 条信息。", err=True)

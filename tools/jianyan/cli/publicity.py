"""`jianyan publicity ID…`: press-release and 新媒体 drafts of public, adopted items."""
from __future__ import annotations

import datetime as dt
import sys

import click

from jianyan.cli.common import DATE, load_with_registries
from jianyan.cli.i18n import Command
from jianyan.core.errors import EXIT_FINDINGS


@click.command("publicity", cls=Command,
               short_help="宣传报道：用已采用、可公开的建言信息生成新闻稿初稿和新媒体文章（build/publicity/）。")
@click.argument("ids", nargs=-1, required=True, metavar="ID…")
@click.option("--editor", metavar="NAME", help="“编辑”一栏署名（默认为专刊编印单位）。")
@click.option("--date", "day", type=DATE, help="落款日期（默认今天）。要重复生成相同文件，请写明日期。")
def publicity_cmd(ids: tuple[str, ...], editor: str | None, day: dt.date | None) -> None:
    """宣传报道：用已被专刊采用、标记适宜公开（public: true）的建言信息生成新闻稿初稿（Markdown、Word）和新媒体文章（一个 HTML 文件，可直接粘贴到公众号编辑器），放在 build/publicity/ 下。

    \b
    未公开或未采用的信息一律拒绝；文中不出现联系方式、审核记录和领导批示。
    标题、署名或正文中查出电话、身份证号等个人信息时拒绝生成，并列出位置。
    示例：
      jianyan publicity 2021-minge-001
      jianyan publicity 2021-minge-001 2021-minmeng-001 --editor 王某 --date 2021-03-10
    """
    from jianyan.render import output  # lazy: the renderers (jinja2, python-docx)
    from jianyan.render.publicity import write  # lazy: the renderers
    from jianyan.render.site import SiteRefused  # lazy: the renderers
    campaign = load_with_registries(unable="无法生成宣传稿")
    try:
        written = write(campaign, list(ids), editor, day or dt.date.today())
    except SiteRefused as exc:
        click.echo(output.text(exc.findings), nl=False)
        click.echo(f"宣传稿未生成：要公开的内容中有 {len(exc.findings)} 处个人信息（见上）。"
                   "请在列出的位置删去电话、身份证号、电子邮箱等，然后再运行 jianyan publicity。", err=True)
        sys.exit(EXIT_FINDINGS)
    for p in written:
        try:
            click.echo(p.relative_to(campaign.root).as_posix())
        except ValueError:
            click.echo(str(p))
    click.echo(f"已生成 {len(dict.fromkeys(ids))} 条信息的新闻稿初稿和新媒体文章。", err=True)  # an id given twice is one item

"""`jianyan site`: build the public static site."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.common import load_with_registries
from jianyan.cli.i18n import Command, PathType
from jianyan.core.errors import EXIT_FINDINGS


@click.command("site", cls=Command)
@click.option("--out", type=PathType(path_type=Path), default=None,
              help="输出目录（默认 build/site）。原目录会被整体替换。")
def site(out: Path | None) -> None:
    """生成公开网站（build/site/），可直接用浏览器打开 index.html，也可放到网站服务器上。

    \b
    只发布 public: true 且状态为 accepted（审核通过）或 adopted（已采用）的建言信息，
    以及 public: true 且已报送（dispatched）的专刊；只公开标题、报送单位、署名、选题、
    类别、日期和正文，从不公开联系方式、审核记录等内部信息。
    公开的标题、署名或正文里查出电话、身份证号等个人信息时，拒绝生成，并列出文件和行号。
    """
    from jianyan.render import output  # lazy: the renderers (jinja2)
    from jianyan.render.site import SiteRefused, build  # lazy: the renderers (jinja2)
    campaign = load_with_registries()
    try:
        result = build(campaign, out.resolve() if out else None)
    except SiteRefused as exc:
        click.echo(output.text(exc.findings), nl=False)
        click.echo(f"网站未生成（原有网站保持不变）：要公开的内容中有 {len(exc.findings)} 处个人信息（见上）。"
                   "请在列出的位置删去电话、身份证号、电子邮箱等（联系方式只写在 contact 字段），"
                   "或把该信息的 public 改为 false；位置在模板、设置或登记表中的，改相应文件。"
                   "然后再运行 jianyan site。", err=True)
        sys.exit(EXIT_FINDINGS)
    try:
        shown = result.out.relative_to(campaign.root)
    except ValueError:
        shown = result.out
    click.echo((shown / "index.html").as_posix())
    note = f"已生成公开网站：{result.items} 条建言信息、{result.issues} 期专刊，共 {result.pages} 个页面。"
    if result.skipped_invalid:
        note += f"另有 {result.skipped_invalid} 个标记公开的文件格式有误，未收录；请运行 jianyan check 查看。"
    click.echo(note, err=True)

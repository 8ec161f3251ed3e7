"""`jianyan dup <编号>` (查重报告) and `jianyan dup export FILE` (index for another campaign)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.common import Failure, load_with_registries
from jianyan.cli.i18n import Group, PathType
from jianyan.core.fsutil import write_atomic


class _DupGroup(Group):
    """`jianyan dup 2021-minge-001` runs the report; `jianyan dup export FILE` exports the index."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "report", self.commands["report"], args
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, "编号 | export 文件")


@click.group(cls=_DupGroup)
def dup() -> None:
    """查重：某条信息的查重报告，或导出本活动的查重索引。

    \b
    示例：
      jianyan dup 2021-minge-001          文字报告，并生成 build/dup/2021-minge-001.html（两文并排、相同片段高亮）
      jianyan dup export 2021索引.json.gz   导出本活动全部信息和专刊，供其他活动放入 dup.reference_dir 作参考资料
    """


def _progress(msg: str) -> None:
    if sys.stderr.isatty():
        click.echo(msg, err=True)


@dup.command("report")
@click.argument("ident", metavar="编号")
@click.option("--html/--no-html", default=True, show_default=True, help="同时生成 HTML 对照报告。")
def report_cmd(ident: str, html: bool) -> None:
    """一条信息的查重报告。"""
    from jianyan.dup.analysis import Analysis  # lazy: numpy and jieba; --help starts without them
    from jianyan.render.dup_report import context, html_report, text_report  # lazy: the renderers (jinja2)
    campaign = load_with_registries()
    analysis = Analysis.run(campaign, progress=_progress)
    entry = analysis.entry(ident)
    if entry is None:
        doc = campaign.submission(ident)
        if doc is not None:
            raise Failure(f"信息 {ident}（{doc.path}）的格式有错误，无法查重。请先运行 jianyan check 并改正")
        raise Failure(f"没有编号为 {ident} 的信息。编号形如 2021-minge-001，见 submissions/ 下的文件名")
    ctx = context(analysis.result(entry), analysis.index)
    rel = None
    if html:
        rel = f"build/dup/{ident}.html"
        write_atomic(campaign.root / rel, html_report(ctx, campaign.root))
    for problem in analysis.problems:
        click.echo(f"警告：{problem}", err=True)
    click.echo(text_report(ctx, rel), nl=False)


@dup.command("export")
@click.argument("file", metavar="文件", type=PathType(dir_okay=False, path_type=Path))
def export_cmd(file: Path) -> None:
    """导出本活动的查重索引（全部信息和已签发专刊的正文），供其他活动作参考资料。"""
    from jianyan.dup.index.engine import campaign_entries, export_index  # lazy: numpy and jieba
    campaign = load_with_registries()
    if not file.name.endswith(".json.gz"):
        raise Failure(f"导出文件名须以 .json.gz 结尾（如 {file.stem}.json.gz），参考资料目录按此识别索引文件")
    entries = campaign_entries(campaign)
    write_atomic(file, export_index(entries, campaign.registries.settings.campaign))
    click.echo(f"已导出 {len(entries)} 篇到 {file}。把它放进另一活动的 dup.reference_dir 目录即可作为查重参考资料。")

"""`jianyan history <id>`: an item's timeline from git."""
from __future__ import annotations

import json

import click

from jianyan.cli.common import load
from jianyan.cli.i18n import Choice, Command


@click.command("history", cls=Command)
@click.argument("ident", metavar="编号")
@click.option("--format", "fmt", type=Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式。")
def history_cmd(ident: str, fmt: str) -> None:
    """显示一条建言信息或一期专刊的全部改动记录（来自 git 历史，跟踪改名和移动）。

    \b
    每次改动列出：日期、作者、提交号、状态变化、改动的字段和正文、
    提交说明中的 Reviewed-by / Signed-off-by 等附注，以及签名验证结果。
    示例：
      jianyan history 2021-minge-001
      jianyan history 2021-001 --format json
    """
    from jianyan.vcs.history import render_text, timeline  # lazy: the campaign model (pydantic)
    campaign = load()
    t = timeline(campaign, ident)
    if fmt == "json":
        click.echo(json.dumps(t.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(t), nl=False)

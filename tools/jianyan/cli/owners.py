"""`jianyan owners`: write the CODEOWNERS files of the three forges from the registries."""
from __future__ import annotations

import sys

import click

from jianyan.cli.common import load, require_registries
from jianyan.cli.i18n import Command
from jianyan.core.errors import EXIT_FINDINGS, EXIT_OK


@click.command("owners", cls=Command)
@click.option("--check", "check_only", is_flag=True, help="只检查是否过期，不写文件（过期时退出码 1）。")
def owners_cmd(check_only: bool) -> None:
    """根据 schema/roles.yaml 和 schema/units.yaml 生成审核分工文件 CODEOWNERS。

    \b
    写入 .github/CODEOWNERS（GitHub）、.gitea/CODEOWNERS（Gitea/Forgejo）、.gitlab/CODEOWNERS（GitLab）：
      研究室负责 submissions/、issues/、schema/；各专门委员会办公室负责 submissions/*/<委员会代码>/；
      办公厅秘书处负责 feedback/。平台用户名取 roles.yaml 中的 forge_user（不填则用 code）。
    示例：
      jianyan owners           生成或更新
      jianyan owners --check   只检查（CI 中使用）
    """
    from jianyan.campaign import owners  # lazy: the campaign model (pydantic)
    campaign = load()
    regs = require_registries(campaign)
    if check_only:
        stale = owners.outdated(campaign.root, regs)
        for path, line in sorted(stale.items()):
            click.echo(f"{path}:{line or 1}: 已过期" if line else f"{path}: 缺少")
        click.echo("审核分工文件已过期，请运行 jianyan owners。" if stale else "审核分工文件是最新的。", err=True)
        sys.exit(EXIT_FINDINGS if stale else EXIT_OK)
    written, warnings = owners.write(campaign.root, regs)
    for w in warnings:
        click.echo(f"提示：{w}", err=True)
    for path in written:
        click.echo(path)
    click.echo(f"已更新 {len(written)} 个文件，请提交。" if written else "审核分工文件已是最新。", err=True)

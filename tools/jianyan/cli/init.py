"""`jianyan init DIR`: start a new campaign repository."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.i18n import Command, PathType
from jianyan.core.errors import EXIT_FINDINGS
from jianyan.core.findings import ERROR


@click.command("init", cls=Command)
@click.argument("directory", type=PathType(path_type=Path))
@click.option("--empty", is_flag=True,
              help="用空白样例登记表（一个示例选题、单位、人员，均标明“请修改”），不沿用当前活动的登记表。")
@click.option("--no-git", is_flag=True, help="不建立 git 版本库（默认 git init 并做第一次提交）。")
def init_cmd(directory: Path, empty: bool, no_git: bool) -> None:
    """新建一个建言活动仓库 DIRECTORY（目录须不存在或为空）。

    \b
    在现有活动仓库中运行时，沿用当前的登记表（选题、单位、人员、设置）作为起点，
    并复制流水线、CODEOWNERS、拉取请求模板、pre-commit 和 VS Code 任务等文件；
    不在活动仓库中或加 --empty 时，生成空白样例登记表。
    另生成 README、Makefile、templates/README.md 和一条示例信息，git init 并提交。
    新仓库不联网即可通过 jianyan check。
    示例：
      jianyan init ../建言2025           沿用本次活动的登记表
      jianyan init ../新活动 --empty      从空白样例开始
    """
    from jianyan.importing.init import init, run_check  # lazy: the campaign, its checks and templates
    from jianyan.render import output  # lazy: the renderers (jinja2)
    result = init(directory, empty=empty, git=not no_git)
    click.echo(result.root.as_posix())
    origin = f"登记表沿用 {result.source}" if result.source else "登记表为空白样例（标有“请修改”的都要改）"
    click.echo(f"已新建活动仓库，共 {len(result.files)} 个文件；{origin}；示例信息 {result.example}。", err=True)
    if result.git_error:
        click.echo(f"提示：{result.git_error}", err=True)
    elif result.committed:
        click.echo("已 git init 并完成第一次提交。", err=True)
    findings = run_check(result.root)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        click.echo(output.text(errors), nl=False)
        click.echo(f"新仓库的检查发现 {len(errors)} 个错误（见上），请改正后运行 jianyan check。", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"下一步：cd {directory}，按 README.md 修改 schema/ 下的登记表，然后运行 jianyan check。", err=True)

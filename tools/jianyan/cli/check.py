"""`jianyan check`: check submissions, issues and registries; print the findings."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.common import existing_paths, load
from jianyan.cli.i18n import Choice, Command, PathType
from jianyan.core.errors import EXIT_FINDINGS, EXIT_OK
from jianyan.campaign.where import find_root


@click.command("check", cls=Command)
@click.argument("paths", nargs=-1, type=PathType(path_type=Path))
@click.option("--base", metavar="REF", help="同时检查从 REF 的分叉点到工作区的改动（状态流转、删除、冻结字段、签发）。"
                                            "只列出改动的文件和受其影响的文件上的问题，以及任何文件上的错误；"
                                            "其他文件上原有的警告只报条数。")
@click.option("--all", "show_all", is_flag=True, help="与 --base 同用：列出全部文件上的全部问题。")
@click.option("--format", "fmt", type=Choice(["text", "json", "github", "gitlab", "sarif"]),
              default="text", show_default=True, help="输出格式。")
@click.option("--only", "families", multiple=True, metavar="CATEGORY",
              help="只运行某类检查（可重复），如 --only dup。检查有 ref length status feedback owners quality pii issue "
                   "practice dup。也可写问题类别（问题代码“类别.规则”的前半），只报告该类问题： encoding yaml "
                   "schema ref length dup quality pii workflow issue。")
@click.option("--progress/--no-progress", default=None, help="在终端显示进度（默认：终端上自动显示）。")
def check(paths: tuple[Path, ...], base: str | None, show_all: bool, fmt: str, families: tuple[str, ...],
          progress: bool | None) -> None:
    """检查建言信息、专刊和登记表，逐条列出问题（文件:行:列）。

    \b
    退出码：0 没有错误（可以有警告）；1 有错误；2 用法错误或工具故障。
    示例：
      jianyan check                       检查整个仓库
      jianyan check submissions/2021/minge 只报告该目录下的问题
      jianyan check --base origin/main    拉取请求：另查本次改动
      jianyan check --base origin/main --all  拉取请求：列出全部问题
      jianyan check --format json         机器可读输出
    """
    from jianyan.vcs.git import diff_soon, forget_soon  # lazy: subprocess; --help and other commands start without
    root = find_root()
    existing_paths(paths, root)
    try:
        if base:  # git lists the change (a stat of every file) while the checks are imported
            diff_soon(root, base)
        from jianyan.accel import pipeline  # lazy: the checks, pydantic and numpy; --help and other commands start without
        from jianyan.render import output  # lazy: the render package (jinja2, the campaign model) only to print findings
        show_progress = sys.stderr.isatty() if progress is None else progress
        say = (lambda msg: click.echo(msg, err=True)) if show_progress else None
        result = pipeline.check(root, paths, base, families, say=say, focus=not show_all, fmt=fmt,
                                load=lambda parallel: load(root, progress=show_progress, parallel=parallel, lean=True))
    finally:
        forget_soon()  # a listing no check took is not left for a later one in this process
    chunks, tally = result.printed(fmt, every=show_all, encoding=getattr(sys.stdout, "encoding", None))
    for chunk in chunks:  # written as it is made: never held whole
        click.echo(chunk, nl=False)
    if fmt == "text":
        click.echo(output.summary_of(tally.errors, tally.warnings, tally.infos, result.files), err=True)
    if tally.left_warnings or tally.left_infos:
        click.echo(output.left_out_of(tally.left_warnings, tally.left_infos, tally.left_files), err=True)
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)

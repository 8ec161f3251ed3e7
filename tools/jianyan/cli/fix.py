"""`jianyan fix [PATHS] [--apply]`: safe typography fixes to bodies, diff first."""
from __future__ import annotations

from pathlib import Path

import click

from jianyan.cli.common import existing_paths
from jianyan.cli.i18n import Command, PathType
from jianyan.campaign.where import find_root


@click.command("fix", cls=Command)
@click.argument("paths", nargs=-1, type=PathType(path_type=Path))
@click.option("--apply", "do_apply", is_flag=True, help="写入修改（默认只显示将做的修改）。")
def fix_cmd(paths: tuple[Path, ...], do_apply: bool) -> None:
    """自动修正正文里的排版问题：先显示修改（diff），加 --apply 才写入。

    \b
    只做不改变意思的修正：中文里的半角标点（, . ; : ? ! ( )）改为全角，
    直引号和「」改为“”，删去汉字之间的空格，全角字母数字改为半角，去掉文件开头的 BOM。
    文件头（--- 之间的元数据）、代码和网址从不改动；换行方式（LF/CRLF）保持不变；
    已审核通过、已采用的信息和已签发的专刊不改正文。

    \b
    示例：
      jianyan fix                                   显示全部信息和专刊的修改
      jianyan fix submissions/2021/minge --apply    修正该目录下的文件
    """
    from jianyan.checks import fix  # lazy: every check family (jieba, pydantic); --help starts without them
    root = find_root()
    existing_paths(paths, root)
    changed = manual = 0
    for path in fix.markdown_files(root, list(paths)):
        result = fix.fix_file(root, path)
        if result.note:
            click.echo(f"{result.path}: {result.note}", err=True)
        left = fix.remaining(result)
        if left:
            manual += left
            click.echo(f"{result.path}: 另有 {left} 处（如引号不成对）需要手工修改，见 jianyan check", err=True)
        if not result.changed:
            continue
        changed += 1
        click.echo(result.diff())
        if do_apply:
            fix.apply(root, result)
    if not changed:
        click.echo("没有需要自动修正的地方。", err=True)
    elif do_apply:
        click.echo(f"已修正 {changed} 个文件。请运行 jianyan check 复查。", err=True)
    else:
        click.echo(f"{changed} 个文件可以自动修正（以上为修改内容）。确认无误后运行 jianyan fix --apply 写入。", err=True)

"""`jianyan import`: Word/WPS documents → Markdown submissions (see importer.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.common import Failure, existing_paths, load, require_registries, split_names, submission_options
from jianyan.cli.i18n import Choice, Command, PathType
from jianyan.core.errors import EXIT_FINDINGS, EXIT_OK
from jianyan.core.findings import ERROR


@click.command("import", cls=Command)
@click.argument("paths", nargs=-1, required=True, type=PathType(path_type=Path))
@submission_options(
    unit="报送单位代码，如 minge（不填则按文件中的“报送单位：……”）。",
    submitter="作者：单位名称或委员姓名；联名可重复此项（不填则按文件中的“作者：……”）。",
    topic="重点选题编号 1–7（不填则按文件中的“选题：……”）。",
    kind="类别（不填则按文件中的“类别：……”，再不然按标题推断）。",
    title="标题（只导入一个文件时可用；不填则取文件中的标题）。",
    contact="联系方式（不公开；不填则取文件中的联系人、联系电话）。",
    date="报送日期 YYYY-MM-DD（不填则按文件中的日期，再不然用今天）。",
)
@click.option("--status", type=Choice(["draft", "submitted"]), default="draft", show_default=True,
              help="导入后的状态：draft 草稿 / submitted 已报送。")
@click.option("--keep-original/--no-keep-original", default=None,
              help="把原件以同一编号保存在建言信息旁（默认按 schema/settings.yaml 的 import.keep_original）。")
@click.option("--force", is_flag=True, help="即使已有同单位同标题的信息也导入（另取新编号，绝不覆盖）。")
@click.option("--dry-run", is_flag=True, help="只显示转换结果，不写文件。")
def import_cmd(paths, unit, submitter, topic, kind, title, contact, date_, status, keep_original, force,
               dry_run) -> None:
    """导入 Word/WPS 文件（.docx，以及经 LibreOffice 转换的 .doc/.wps），生成建言信息。

    \b
    标题、正文、小标题、编号、表格、脚注和加粗都会保留；文件中的
    “报送单位：”“作者：”“联系电话：”等行记入信息头（联系方式只进 contact，不进正文）。
    每个文件取下一个空闲编号，绝不覆盖已有文件；导入后立即检查新文件。
    示例：
      jianyan import 关于加快….docx             导入一个文件
      jianyan import 收件箱/ --unit minge        导入文件夹中的全部 Word 文件
      jianyan import a.docx --topic 3 --dry-run  只预览，不写文件
    """
    from jianyan import checks  # lazy: every check family (jieba, pydantic); --help starts without them
    from jianyan.importing.word import (ImportFailure, ImportedTitles, Options, collect, plan,  # lazy: python-docx
                                        preview, write)
    from jianyan.render import output  # lazy: the renderers (jinja2)
    campaign = load()
    regs = require_registries(campaign)
    existing_paths(paths)
    files = collect(list(paths))
    if not files:
        raise Failure("没有找到 Word 文件（.docx、.doc、.wps）")
    if title and len(files) > 1:
        raise Failure("--title 只能在导入一个文件时使用")
    keep = regs.settings.import_.keep_original if keep_original is None else keep_original
    opts = Options(unit=unit, submitters=split_names(submitter),
                   topic=topic, kind=kind, title=title, date=date_, status=status, contact=contact,
                   keep_original=keep, force=force)
    root = campaign.root
    imported = ImportedTitles(campaign.valid_submissions)
    created: list[tuple[Path, Path]] = []
    failed: list[tuple[Path, str]] = []
    for src in files:
        try:
            planned = plan(src, regs, opts)
            imported.check(src, planned, force)
        except ImportFailure as exc:
            failed.append((src, str(exc)))
            click.echo(f"错误：{exc}", err=True)
            continue
        for note in planned.notes:
            click.echo(f"提示：{src.name}：{note}", err=True)
        if dry_run:
            click.echo(preview(root, planned, status), nl=False)
            continue
        path, kept = write(root, regs, src, planned, opts)
        imported.add(planned, path.stem)
        created.append((src, path))
        click.echo(path.relative_to(root).as_posix())
        if kept is not None:
            click.echo(f"原件已保存为 {kept.relative_to(root).as_posix()}", err=True)
    findings = []
    if created:
        campaign = load(root)
        only = {p.relative_to(root).as_posix() for _, p in created}
        findings = checks.run(campaign, checks.Context(only=only))
        click.echo(output.text(findings), nl=False)
        click.echo(output.summary_line(findings, len(created)), err=True)
    if len(files) > 1:
        click.echo(summary(root, files, created, failed), err=True)
    elif created:
        click.echo("已导入为" + ("草稿" if status == "draft" else "已报送")
                   + "。请对照原件核对标题、正文和信息头，再运行 jianyan check。", err=True)
    bad = failed or any(f.severity == ERROR for f in findings)
    sys.exit(EXIT_FINDINGS if bad else EXIT_OK)


def summary(root: Path, files: list[Path], created: list[tuple[Path, Path]], failed: list[tuple[Path, str]]) -> str:
    """The Chinese summary of a batch import."""
    lines = [f"导入结果：共 {len(files)} 个文件，成功 {len(created)} 个，失败 {len(failed)} 个。"]
    if created:
        lines.append("已创建：")
        lines += [f"  {src} → {path.relative_to(root).as_posix()}" for src, path in created]
    if failed:
        lines.append("未导入（原因）：")
        lines += [f"  {src}：{why}" for src, why in failed]
    return "\n".join(lines)

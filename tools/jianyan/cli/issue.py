"""`jianyan issue …`: list, draft, build, review, sign and dispatch bulletin issues (专刊)."""
from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import click

from jianyan.campaign.steps import ISSUE_FROZEN, ISSUE_STATUSES
from jianyan.cli.common import DATE, Failure, load, load_with_registries
from jianyan.cli.i18n import Choice, ChineseType, Group, IntRange, PathType
from jianyan.core.errors import EXIT_FINDINGS

_BETWEEN_IDS = re.compile(r"[,，、\s]+")
COMBINE_EXAMPLE = "--combine 2021-minge-001,2021-nongye-001"


class ItemList(ChineseType, click.ParamType):
    """One --combine value: the ids of one combined article's items, the lead first, separated by commas (, or
    ，), 、 or spaces. A value without any id (``,``, ``，，``) is refused here, saying how to write it."""

    name = "ids"

    def get_metavar(self, param, ctx) -> str:
        return "ID,ID[,…]"

    def convert(self, value, param, ctx) -> list[str]:
        if isinstance(value, list):
            return value
        ids = [i for i in _BETWEEN_IDS.split(str(value)) if i]
        if not ids:
            self.fail(f"“{value}”中没有信息编号。综合稿至少要两条信息，编号之间用逗号分开，第一条为主稿，"
                      f"如 {COMBINE_EXAMPLE}", param, ctx)
        return ids


@click.group("issue", cls=Group)
def issue() -> None:
    """专刊：起草、生成（Word/PDF/网页/Markdown）、审改、签发、报送。

    \b
    流程：jianyan issue new（研究室起草）→ 编辑 issues/<年>/<期>.md →
          jianyan issue review（主任审改）→ jianyan issue sign（秘书长签发，信息自动标为已采用）→
          jianyan issue dispatch（秘书处报送）。任何时候都可用 jianyan issue build 生成校样。
    """


@issue.command("list")
def list_() -> None:
    """列出各期专刊：期号、日期、状态、所用信息（综合稿列出各篇的来源）。"""
    from jianyan.campaign.bulletin import sorted_issues  # lazy: the campaign model (pydantic)
    campaign = load()
    for d in sorted_issues(campaign):
        m = d.model
        combined = "；".join("+".join(s.item for s in a.sources) for a in m.articles)
        click.echo(f"{m.id}  第{m.number}期（总第{m.total}期）  {m.date}  {ISSUE_STATUSES[m.status]:<4}  "
                   f"{'、'.join(m.items)}" + (f"  （综合稿：{combined}）" if combined else ""))
    bad = [d.path for d in campaign.issues if d.model is None]
    for path in bad:
        click.echo(f"{path}  （有错误，请运行 jianyan check）", err=True)


@issue.command("new")
@click.option("--item", "items", multiple=True, metavar="ID",
              help="编入的信息编号（可重复）；不指定时先取紧急信息（urgent），再取最早审核通过且未编刊的信息。")
@click.option("--count", type=IntRange(1, 20), default=1, show_default=True,
              help="未指定 --item 时，取几条最早的信息。")
@click.option("--date", "date_", type=DATE, help="出刊日期（默认今天）；决定年份和期号。")
@click.option("--editor", help="责任编辑（姓名或代码；默认按 git 邮箱在 schema/roles.yaml 中查找）。")
@click.option("--combine", "combine", type=ItemList(), multiple=True,
              help="把几条信息综合成一篇稿件（综合稿），编号用逗号分开，第一条为主稿（可重复，每次一篇）。")
@click.option("--suggest", is_flag=True,
              help="只列出可以综合成一篇的信息组（内容相近或同一主题），不起草。")
def new(items: tuple[str, ...], count: int, date_: dt.date | None, editor: str | None,
        combine: tuple[list[str], ...], suggest: bool) -> None:
    """起草下一期专刊：自动取下一个期号和总期号，用所选信息生成正文初稿。

    已有的期号（包括已删除文件留下的空号之前的）绝不重复使用，已签发的各期不会被改动。

    \b
    综合稿：内容相近或同一主题的几条信息可以综合成一篇。
      --suggest  列出建议的组合（不起草）；
      --combine  按所选组合起草；
      不指定 --item/--combine 起草时，起草后也列出建议的组合供选择，不会自动合并。
    """
    from jianyan.campaign.bulletin import create_issue  # lazy: the campaign model (pydantic)
    campaign = load()
    if suggest:
        _print_groups(campaign, err=False)
        return
    draft = create_issue(campaign, list(items), date_ or dt.date.today(), editor, count, list(combine))
    click.echo(draft.path.relative_to(campaign.root).as_posix())
    click.echo(f"已起草第 {draft.ident} 期，所用信息：{'、'.join(draft.items)}。"
               f"请把正文压缩到{draft.chars_hint}，再运行 jianyan check 和 jianyan issue build 查看校样。", err=True)
    if not items and not combine:
        _print_groups(campaign, err=True, draft=draft.path.relative_to(campaign.root).as_posix())


def _print_groups(campaign, err: bool, draft: str | None = None) -> None:
    """The proposed combined articles among the accepted items not yet in any issue (nothing is written)."""
    from jianyan.tracking.combine import candidates  # lazy: jieba and the duplication features
    if campaign.registries is None:
        raise Failure("登记表（schema/）有错误，请先运行 jianyan check 并改正")
    groups = candidates(campaign)
    if not groups:
        if not err:
            click.echo("尚未编刊的审核通过信息中，没有内容相近或同一主题、适合综合成一篇的信息。")
        return
    click.echo("以下信息内容相近或属同一主题，可考虑综合成一篇稿件（综合稿），供选择：", err=err)
    for n, group in enumerate(groups, start=1):
        click.echo(f"  {n}. " + "；".join(f"{s.id}《{s.title}》" for s in group.items), err=err)
        for link in group.links:
            click.echo(f"     {link.a} 与 {link.b}：{link.reason()}", err=err)
        click.echo(f"     起草：jianyan issue new --combine {','.join(s.id for s in group.items)}", err=err)
    if draft:
        click.echo(f"（以上只是建议，{draft} 中没有合并。要采用，删去该文件后按上面的命令重新起草，"
                   "或在该文件中手工填写 articles，格式见 docs/file-format.md）", err=err)


@issue.command("build")
@click.argument("ident", required=False, metavar="[YYYY-NNN]")
@click.option("--format", "formats", multiple=True, type=Choice(["html", "md", "docx", "pdf"]),
              help="只生成某些格式（可重复）；默认全部四种。")
@click.option("--no-pdf", is_flag=True, help="不生成 PDF（不调用 Chromium，更快）。")
@click.option("--out", "out_dir", type=PathType(path_type=Path), help="输出目录（默认 build/issues/）。")
def build(ident: str | None, formats: tuple[str, ...], no_pdf: bool, out_dir: Path | None) -> None:
    """生成一期专刊（默认最新一期）：build/issues/<年>-<期>.{html,md,docx,pdf}。

    \b
    Word 版按 GB/T 9704-2012 排版；PDF 由 Chromium 按网页的打印样式生成。
    同样的输入总是生成完全相同的文件。模板出错时不写出任何文件。
    示例：
      jianyan issue build              生成最新一期
      jianyan issue build 2021-003     生成第 2021-003 期
      jianyan issue build --no-pdf     不生成 PDF
    """
    from jianyan.campaign.bulletin import find_issue  # lazy: the campaign model (pydantic)
    from jianyan.render.issue import FORMATS, TemplateFailure, build_issue  # lazy: jinja2, python-docx
    campaign = load_with_registries()
    doc = find_issue(campaign, ident)
    wanted = tuple(f for f in (formats or FORMATS) if not (no_pdf and f == "pdf"))
    start = time.perf_counter()
    try:
        result = build_issue(campaign, doc, out_dir=out_dir.resolve() if out_dir else None, formats=wanted)
    except TemplateFailure as exc:  # say that no format was written (build_issue writes all or none)
        raise Failure(f"{exc}。未生成任何文件", exit_code=EXIT_FINDINGS) from None
    for path in result.written:
        try:
            shown = path.relative_to(campaign.root).as_posix()
        except ValueError:
            shown = str(path)
        click.echo(shown)
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
    m = doc.model
    state = "" if m.status in ISSUE_FROZEN else f"（{ISSUE_STATUSES[m.status]}，带“校样”标记）"
    click.echo(f"已生成第 {m.id} 期{state}，用时 {time.perf_counter() - start:.1f} 秒。", err=True)


def _step(step: str, ident: str, by: str, date_: dt.date | None, note: str | None, dry_run: bool) -> None:
    from jianyan.campaign.bulletin import apply, find_issue, record_step  # lazy: the campaign model (pydantic)
    campaign = load_with_registries()
    doc = find_issue(campaign, ident)
    changes = record_step(campaign, doc, step, by, date_ or dt.date.today(), note)
    if not dry_run:
        apply(changes)
    for c in changes:
        click.echo(f"{c.rel}: {c.what}")
    if dry_run:
        click.echo("（试运行：以上文件均未改动）", err=True)
    else:
        click.echo("已修改以上文件（只改了相关的几行）。请用 git diff 查看，确认后提交。", err=True)


_by = click.option("--by", required=True, help="经办人姓名或代码（须在 schema/roles.yaml 中有相应角色）。")
_on = click.option("--date", "date_", type=DATE, help="日期（默认今天）。")
_note = click.option("--note", help="说明（可选）。")
_dry = click.option("--dry-run", is_flag=True, help="只显示将要做的修改，不改文件。")


@issue.command("review")
@click.argument("ident", metavar="YYYY-NNN")
@_by
@_on
@_note
@_dry
def review(ident: str, by: str, date_: dt.date | None, note: str | None, dry_run: bool) -> None:
    """研究室主任审改：记录 review（审改人、日期），状态改为 reviewed（已审改）。"""
    _step("review", ident, by, date_, note, dry_run)


@issue.command("sign")
@click.argument("ident", metavar="YYYY-NNN")
@_by
@_on
@_note
@_dry
def sign(ident: str, by: str, date_: dt.date | None, note: str | None, dry_run: bool) -> None:
    """秘书长签发：记录 signoff，状态改为 signed；所用信息改为 adopted（已采用）并写上 adopted_in。

    所有文件先在内存中改好并逐一核对，任何一条信息不能采用时，一个文件也不改。
    """
    _step("sign", ident, by, date_, note, dry_run)


@issue.command("dispatch")
@click.argument("ident", metavar="YYYY-NNN")
@_by
@_on
@_note
@_dry
def dispatch(ident: str, by: str, date_: dt.date | None, note: str | None, dry_run: bool) -> None:
    """办公厅秘书处报送：记录 dispatch，状态改为 dispatched（已报送）。"""
    _step("dispatch", ident, by, date_, note, dry_run)

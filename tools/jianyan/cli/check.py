"""`jianyan check`: check submissions, issues and registries; print the findings."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from jianyan.cli.common import Failure, existing_paths, load
from jianyan.cli.i18n import Choice, Command, PathType
from jianyan.errors import EXIT_FINDINGS, EXIT_OK
from jianyan.findings import ERROR


@click.command("check", cls=Command)
@click.argument("paths", nargs=-1, type=PathType(path_type=Path))
@click.option("--base", metavar="REF", help="同时检查从 REF 的分叉点到工作区的改动（状态流转、删除、冻结字段、签发）。")
@click.option("--format", "fmt", type=Choice(["text", "json", "github", "gitlab", "sarif"]),
              default="text", show_default=True, help="输出格式。")
@click.option("--only", "families", multiple=True, metavar="CATEGORY",
              help="只运行某类检查（可重复），如 --only dup。检查有 ref length status feedback owners quality pii issue "
                   "practice dup。也可写问题类别（问题代码“类别.规则”的前半），只报告该类问题： encoding yaml "
                   "schema ref length dup quality pii workflow issue。")
@click.option("--progress/--no-progress", default=None, help="在终端显示进度（默认：终端上自动显示）。")
def check(paths: tuple[Path, ...], base: str | None, fmt: str, families: tuple[str, ...],
          progress: bool | None) -> None:
    """检查建言信息、专刊和登记表，逐条列出问题（文件:行:列）。

    \b
    退出码：0 没有错误（可以有警告）；1 有错误；2 用法错误或工具故障。
    示例：
      jianyan check                       检查整个仓库
      jianyan check submissions/2021/minge 只报告该目录下的问题
      jianyan check --base origin/main    拉取请求：另查本次改动
      jianyan check --format json         机器可读输出
    """
    from jianyan import checks
    from jianyan.render import output
    from jianyan.accel import snapshot
    from jianyan.where import find_root
    from jianyan.checks.workflow import check_change, diff, pair_renames
    root = find_root()
    only = _scope(root, paths)
    run_families, categories = _selection(families)
    show_progress = sys.stderr.isatty() if progress is None else progress
    say = (lambda msg: click.echo(msg, err=True)) if show_progress else None
    part = warm = None
    collected = None if categories else run_families
    try:
        if base:  # changed paths first: other families (dup) look at ctx.changed
            cs = diff(root, base)
            # a stored check of the merge-base (or HEAD) spares reading the rest
            commits = [(cs.merge_base, cs.changes)] + ([(cs.head, None)] if cs.head else [])
            if only is None and not categories and (run_families is None or run_families <= snapshot.SAME_NAMED):
                part = snapshot.partial(root, commits, cs.git, cs.prefix, progress=say)
        ctx = checks.Context(only=only, options={"progress": say})
        if part is None and (collected is None or "dup" in collected):
            ctx.options["dup_warmup"] = warm = checks.dup_check.warm_up(root)  # overlaps the reading
        # while the warm-up's workers keep the cores busy, parsing in this process saves the pool's pickling
        campaign = part.campaign if part else load(root, progress=show_progress, parallel=not (warm and warm.busy),
                                                           lean=True)
        if base:
            ctx.options["changeset"] = pair_renames(campaign, cs)
            ctx.changed = cs.paths
            ctx.options["partial"] = part
        change = list(check_change(campaign, base, ctx)) if base else []
        stored, drafts = part.rest(run_families) if part else ([], set())
        raw = checks.collect(campaign, ctx, families=collected)
        campaign.verify_unchanged()  # a file saved during the run: its findings would mix two versions
    finally:
        if warm is not None:
            warm.stop()  # still running only when the duplication check did not need it
    if not part and only is None and not families:  # a full check of everything
        snapshot.save(campaign, raw)
    findings = checks.finalize(campaign, ctx, raw + change + stored, drafts)
    if categories:  # keep a category's findings, plus what the named families found
        from_families = set(checks.run(campaign, ctx, families=run_families)) if run_families else set()
        findings = [f for f in findings if f.code.split(".")[0] in categories or f in from_families]
    click.echo(output.RENDERERS[fmt](findings), nl=False)
    if fmt == "text":
        files = part.files if part else len(campaign.submissions) + len(campaign.issues)
        click.echo(output.summary_line(findings, files), err=True)
    sys.exit(EXIT_FINDINGS if any(f.severity == ERROR for f in findings) else EXIT_OK)


def _selection(wanted: tuple[str, ...]) -> tuple[set[str] | None, set[str]]:
    """--only names → (check families to run or None for all, finding categories to keep).

    A name that is both a family and a category (dup, pii…) is the family."""
    if not wanted:
        return None, set()
    from jianyan import checks
    from jianyan.findings import CATEGORIES
    families = set(checks.FAMILIES)
    bad = set(wanted) - families - set(CATEGORIES)
    if bad:
        raise Failure(f"没有这类检查：{'、'.join(sorted(bad))}。可选的检查：{'、'.join(checks.FAMILIES)}；"
                      f"问题类别：{'、'.join(CATEGORIES)}")
    return set(wanted) & families, set(wanted) - families


def _scope(root: Path, paths: tuple[Path, ...]) -> set[str] | None:
    """Repository-relative files under the given paths (None: everything)."""
    if not paths:
        return None
    existing_paths(paths, root)
    out: set[str] = set()
    for p in paths:
        full = p.resolve()
        files = [full] if full.is_file() else [x for x in full.rglob("*") if x.is_file()]
        out.update(x.relative_to(root).as_posix() for x in files)
    return out

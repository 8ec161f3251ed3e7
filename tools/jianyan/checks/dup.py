"""dup.*: the same matter sent twice, text copied from another item, a bulletin or an outside text.

Codes:
  dup.near_duplicate  the whole item is highly similar to (or contained in, or contains) another text
  dup.copied_text     a large share of the item's text is copied from another item or bulletin issue
  dup.reference       … copied from a reference text (settings dup.reference_dir)
  dup.copy_ratio      the total copy ratio is high although no single source is
  dup.series          similar to an item it is linked with through `related` (info)
  dup.reference_dir   the reference folder or one of its files cannot be read
Only the later of two similar items is reported (the earlier is the original). An item already
rejected as a duplicate (or for plagiarism), or withdrawn, gets info only: the office has handled it.
A draft gets warnings at most (strict at review, loose at draft).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from jianyan.dup.analysis import SERIES, Analysis, ItemResult, describe, first_span, pct
from jianyan.dup.index.engine import reference_entries
from jianyan.dup.index.parallel import Warmup
from jianyan.core.findings import ERROR, INFO, WARNING, Finding
from jianyan.campaign.load import Campaign, scan
from jianyan.campaign.paths import SETTINGS_FILE, SUBMISSIONS_DIR

HANDLED_REASONS = ("duplicate", "plagiarism")
MAX_SOURCES = 5
_RANK = {None: 0, INFO: 1, WARNING: 2, ERROR: 3}


def _level(value: float, warn: float, err: float) -> str | None:
    if value >= err:
        return ERROR
    if value >= warn:
        return WARNING
    return None


def _worst(*levels: str | None) -> str | None:
    return max(levels, key=lambda x: _RANK[x])


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    if regs is None:
        return
    settings = regs.settings.dup
    queries_paths = None
    if ctx.changed is not None:
        queries_paths = {p for p in ctx.changed if ctx.in_scope(p)}
    elif ctx.only is not None:
        queries_paths = set(ctx.only)
    wanted = [d for d in campaign.submissions if d.model is not None
              and (queries_paths is None or d.path in queries_paths)]
    settings_path = regs.paths.get("settings", SETTINGS_FILE)
    line = regs.lines["settings"].line_of(("dup", "reference_dir")) if "settings" in regs.lines else None
    if not wanted:  # nothing to compare: jieba is not even loaded
        if settings.reference_dir and (ctx.changed is None or settings_path in ctx.changed):
            for problem in reference_entries(campaign.root, settings.reference_dir)[1]:
                yield Finding(settings_path, line, None, ERROR, "dup.reference_dir", problem)
        return
    # with a snapshot (accel/snapshot.py) the texts not read this run are in its stored index
    analysis = Analysis.run(campaign, progress=ctx.progress, stored=ctx.dup_stored, warmup=ctx.dup_warmup)
    if ctx.dup_indexed is not None:
        ctx.dup_indexed()
    for problem in analysis.problems:
        yield Finding(settings_path, line, None, ERROR, "dup.reference_dir", problem)
    for res in analysis.results(analysis.queries(queries_paths)):
        yield from item_findings(res, settings)


def warm_up(root: Path):
    """Start computing the submissions' features into the cache while the repository is being read
    (dup/index/parallel.py); give the result to ``check`` as ``ctx.dup_warmup``."""
    return Warmup(root, [path for path, symlink in scan(root / SUBMISSIONS_DIR) if not symlink])


def item_findings(res: ItemResult, settings) -> Iterator[Finding]:
    q = res.entry
    handled = q.status == "withdrawn" or (q.status == "rejected" and q.reason in HANDLED_REASONS)
    fig = res.figures
    flagged = 0
    for m, rel in res.matches:
        if rel not in ("source", SERIES):
            continue
        sim = m.pair.similarity
        ratio = res.ratio_of(m)
        level = _worst(_level(sim, settings.similarity_warning, settings.similarity_error),
                       _level(ratio, settings.copy_ratio_warning, settings.copy_ratio_error))
        if level is None:
            continue
        if rel == SERIES:
            code, level = "dup.series", INFO
        elif m.entry.kind == "reference":
            code = "dup.reference"
        elif sim >= settings.similarity_warning:
            code = "dup.near_duplicate"
        else:
            code = "dup.copied_text"
        if flagged >= MAX_SOURCES and level != ERROR:
            continue
        flagged += 1
        line, col, text = first_span(res, m)
        msg = _message(code, res, m, sim, ratio, line, text)
        yield Finding(q.path, line or q.body_line, col, _adjust(level, q, handled), code, msg + _suffix(q, handled))
    if flagged == 0:
        level = _level(fig.ratio_unquoted, settings.copy_ratio_warning, settings.copy_ratio_error)
        counted = res.counted
        if level and counted:
            top = max(counted, key=lambda m: res.ratio_of(m))
            line, col, text = first_span(res, top)
            msg = (f"全文{_figures_text(res)}，复制自多篇来源，其中最多的是{describe(top.entry)}。"
                   f"首个复制片段在第 {line} 行：“{text}”。请改用自己的语言概括，引用须加引号并注明出处")
            yield Finding(q.path, line or q.body_line, col, _adjust(level, q, handled), "dup.copy_ratio",
                          msg + _suffix(q, handled))


def _figures_text(res: ItemResult) -> str:
    fig = res.figures
    return (f"总文字复制比 {pct(fig.ratio)}，去除引用文字复制比 {pct(fig.ratio_unquoted)}，"
            f"单篇最大文字复制比 {pct(fig.largest_ratio)}，重复字数 {fig.copied}")


def _message(code: str, res: ItemResult, m, sim: float, ratio: float, line: int | None, text: str) -> str:
    p = m.pair
    where = f"首个相同片段在第 {line} 行：“{text}”" if line else "未找到达到最短长度的连续相同片段"
    head = {
        "dup.near_duplicate": f"与{describe(m.entry)}高度相似",
        "dup.copied_text": f"大段文字与{describe(m.entry)}相同",
        "dup.reference": f"大段文字与{describe(m.entry)}相同",
        "dup.series": f"与同一系列的{describe(m.entry)}相似",
    }[code]
    hint = {
        "dup.near_duplicate": "同一事项请勿重复报送；如是对前一条信息的补充或后续，请在 related 中写明其编号",
        "dup.copied_text": "请改用自己的语言表述，直接引用须加引号并注明出处",
        "dup.reference": "请改用自己的语言表述，直接引用须加引号并注明出处",
        "dup.series": "related 已注明为同一系列，仅供参考",
    }[code]
    return (f"{head}：相似度 {pct(p.jaccard)}（Jaccard），本篇被对方包含 {pct(p.contained)}，"
            f"本篇包含对方 {pct(p.contains)}；来自该篇的文字复制比 {pct(res.ratio_of(m, quoted=True))}"
            f"（去除引用 {pct(ratio)}）；全文{_figures_text(res)}。"
            f"{where}。{hint}。详见 jianyan dup {res.entry.id}")


def _adjust(level: str, q, handled: bool) -> str:
    if handled:
        return INFO
    if q.status == "draft" and level == ERROR:
        return WARNING
    return level


def _suffix(q, handled: bool) -> str:
    if not handled:
        return ""
    if q.status == "withdrawn":
        return "（本条已撤回，仅供参考）"
    return "（本条已按重复或抄袭不予采用，仅供参考）"

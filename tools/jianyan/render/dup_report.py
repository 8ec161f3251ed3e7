"""The 查重报告 a reviewer reads: a text summary and an HTML page with both texts side by side."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jianyan.dup.compare import copied_chars
from jianyan.render.env import environment, render
from jianyan.dup.analysis import (DERIVED, LATER, SERIES, SOURCE, ItemResult, describe, excerpt, pct, span_source)

RELATION_LABELS = {
    SOURCE: "计入复制比",
    SERIES: "同一系列（related 已注明，不计入）",
    LATER: "晚于本篇报送（本篇为原文，不计入）",
    DERIVED: "专刊采用了本篇（不计入）",
}
MAX_SOURCES = 10


def source_ranges(entry, feats, spans) -> list[tuple[int, int]]:
    """Merged source character ranges of token spans."""
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        a, b = span_source(entry, feats, lo, hi)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


@dataclass
class Piece:
    text: str
    marked: bool


def marked_lines(source: str, ranges: list[tuple[int, int]], first_line: int) -> list[dict]:
    """The source split into lines, each a list of pieces marked or not (for the template)."""
    lines: list[dict] = []
    pos = 0
    ri = 0
    for number, line in enumerate(source.split("\n"), start=first_line):
        start, end = pos, pos + len(line)
        pieces: list[Piece] = []
        cur = start
        while ri < len(ranges) and ranges[ri][0] < end:
            a, b = max(ranges[ri][0], cur), min(ranges[ri][1], end)
            if a > cur:
                pieces.append(Piece(source[cur:a], False))
            if b > a:
                pieces.append(Piece(source[a:b], True))
                cur = b
            if ranges[ri][1] <= end:
                ri += 1
            else:
                break
        if cur < end:
            pieces.append(Piece(source[cur:end], False))
        lines.append({"number": number, "pieces": pieces})
        pos = end + 1
    return lines


def _sources(res: ItemResult, index) -> list[dict]:
    out = []
    for m, rel in res.matches[:MAX_SOURCES]:
        other = m.entry
        ofeats = index.feats[m.index]
        spans = []
        for lo, hi in m.pair.spans:
            line, _ = res.entry.file_line(int(res.feats.starts[lo]))
            spans.append({"line": line, "text": excerpt(res.entry, res.feats, lo, hi, limit=60)})
        out.append({
            "title": describe(other), "relation": RELATION_LABELS[rel], "counted": rel == SOURCE,
            "jaccard": pct(m.pair.jaccard), "contained": pct(m.pair.contained), "contains": pct(m.pair.contains),
            "ratio": pct(res.ratio_of(m, quoted=True)), "copied": copied_chars(res.feats, m.pair.mask),
            "spans": spans,
            "left": marked_lines(res.entry.source, source_ranges(res.entry, res.feats, m.pair.spans),
                                 res.entry.body_line),
            "right": marked_lines(other.source, source_ranges(other, ofeats, m.pair.other_spans),
                                  other.body_line),
            "other_path": other.path,
        })
    return out


def context(res: ItemResult, index) -> dict:
    fig = res.figures
    kinds = {"submission": 0, "issue": 0, "reference": 0}
    for e in index.entries:
        kinds[e.kind] += 1
    return {
        "id": res.entry.id, "title": res.entry.title, "path": res.entry.path,
        "chars": fig.chars, "ratio": pct(fig.ratio), "ratio_unquoted": pct(fig.ratio_unquoted),
        "largest": pct(fig.largest_ratio), "copied": fig.copied,
        "scope": f"信息 {kinds['submission'] - 1} 篇，专刊 {kinds['issue']} 期，参考资料 {kinds['reference']} 篇",
        "sources": _sources(res, index),
        "min_chars": index.min_chars,
    }


def text_report(ctx: dict, html_path: str | None) -> str:
    lines = [
        f"查重报告：{ctx['id']} {ctx['title']}",
        f"文件：{ctx['path']}",
        f"比对范围：{ctx['scope']}",
        f"参与比对字数 {ctx['chars']}；总文字复制比 {ctx['ratio']}；去除引用文字复制比 {ctx['ratio_unquoted']}；"
        f"单篇最大文字复制比 {ctx['largest']}；重复字数 {ctx['copied']}",
        "",
    ]
    if not ctx["sources"]:
        lines.append("没有找到相似的信息、专刊或参考资料。")
    for n, s in enumerate(ctx["sources"], start=1):
        lines.append(f"{n}. {s['title']}  [{s['relation']}]")
        lines.append(f"   相似度 {s['jaccard']}（Jaccard）；本篇被对方包含 {s['contained']}；本篇包含对方 {s['contains']}；"
                     f"文字复制比 {s['ratio']}；重复字数 {s['copied']}")
        for span in s["spans"][:5]:
            lines.append(f"   第 {span['line']} 行：“{span['text']}”")
        if len(s["spans"]) > 5:
            lines.append(f"   ……另有 {len(s['spans']) - 5} 处")
    if html_path:
        lines += ["", f"对照报告（两文并排，相同片段高亮）：{html_path}"]
    return "\n".join(lines) + "\n"


def html_report(ctx: dict, root: Path | None) -> str:
    return render(environment(root), "dup/report.html.j2", root, **ctx)

"""Horizontal bar charts, hand-written as SVG (for HTML and Markdown) and described as data the
Word writer draws as a table of shaded cells (python-docx cannot place SVG, and a rasteriser is
not worth a dependency for a few bars).

A bar has a total and an optional highlighted part drawn darker from the left: 报送 with 采用
inside it, or a progress percentage out of 100.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from jianyan.render import style

FONT = style.FACES["hei"].css.replace('"', "'")  # the house 黑体 (style.py), as every caption
DARK = "#b22222"
LIGHT = "#f2c4c4"


@dataclass
class Bar:
    label: str
    total: float
    part: float | None = None  # highlighted share of the total, drawn darker
    value_text: str = ""  # printed after the bar


@dataclass
class Chart:
    key: str  # file name stem: charts/<key>.svg
    caption: str  # 图1 ……
    bars: list[Bar]
    scale: float | None = None  # the value of a full bar (default: the largest total)
    legend: tuple[str, str] | None = None  # (dark part, light rest)
    unit: str = "条"
    meta: dict = field(default_factory=dict)

    @property
    def maximum(self) -> float:
        return self.scale or max((b.total for b in self.bars), default=0) or 1


def _w(text: str) -> float:
    """Approximate width of text in em (Han = 1, others 0.55)."""
    return sum(1.0 if ord(ch) > 0x2e7f else 0.55 for ch in text)


def svg(chart: Chart) -> str:
    """A self-contained SVG; the same chart gives the same bytes."""
    font_px = 14
    row_h = 26
    label_w = max((_w(b.label) for b in chart.bars), default=4) * font_px + 16
    bar_w = 360
    value_w = max((_w(b.value_text) for b in chart.bars), default=3) * font_px + 16
    top = 10 + (24 if chart.legend else 0)
    width = int(label_w + bar_w + value_w + 10)
    height = int(top + row_h * len(chart.bars) + 10)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(chart.caption)}" '
           f'font-family="{escape(FONT)}" font-size="{font_px}">',
           f"<title>{escape(chart.caption)}</title>"]
    if chart.legend:
        x = label_w
        for color, name in ((DARK, chart.legend[0]), (LIGHT, chart.legend[1])):
            out.append(f'<rect x="{x:.0f}" y="8" width="14" height="14" fill="{color}"/>')
            out.append(f'<text x="{x + 20:.0f}" y="20">{escape(name)}</text>')
            x += 20 + _w(name) * font_px + 24
    m = chart.maximum
    for i, b in enumerate(chart.bars):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8:.0f}" y="{y + 18}" text-anchor="end">{escape(b.label)}</text>')
        out.append(f'<rect x="{label_w:.0f}" y="{y + 4}" width="{bar_w}" height="18" fill="#f5f5f5"/>')
        total_w = bar_w * b.total / m
        if total_w > 0:
            out.append(f'<rect x="{label_w:.0f}" y="{y + 4}" width="{total_w:.1f}" height="18" '
                       f'fill="{LIGHT if b.part is not None else DARK}"/>')
        if b.part:
            out.append(f'<rect x="{label_w:.0f}" y="{y + 4}" width="{bar_w * b.part / m:.1f}" height="18" fill="{DARK}"/>')
        out.append(f'<text x="{label_w + bar_w + 8:.0f}" y="{y + 18}">{escape(b.value_text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def cells(chart: Chart, width: int = 20) -> list[tuple[str, int, int, str]]:
    """For a table chart: (label, dark cells, light cells, value text) out of ``width`` cells."""
    m = chart.maximum
    rows = []
    for b in chart.bars:
        total = round(width * b.total / m)
        if b.total > 0 and total == 0:
            total = 1
        if b.part is None:
            rows.append((b.label, total, 0, b.value_text))
            continue
        part = round(width * b.part / m)
        if b.part > 0 and part == 0:
            part = 1
        rows.append((b.label, min(part, total), max(total - part, 0), b.value_text))
    return rows

"""Markdown (as rendered from a report template) → an official-style Word document and HTML.

Generic: any report template can use it. What the Markdown may hold:
  ``#`` title (2号 小标宋, centred) · ``##`` 一、heading (黑体) · ``###`` （一）heading (楷体) ·
  paragraphs (3号 仿宋, first line indented two characters, **bold** kept) · tables (仿宋 小四) ·
  ``![图1 说明](charts/key.svg)`` a chart (SVG inline in HTML; shaded-cell bars in Word) ·
  ``{.sign}`` / ``{.center}`` / ``{.right}`` / ``{.noindent}`` on the line before a paragraph.
Layout follows GB/T 9704-2012: A4, margins 37/35/28/26 mm, 22 lines of 28 characters, page
numbers “— 1 —”. Word has no East-Asian font API in python-docx: fonts are set on w:rFonts.
"""
from __future__ import annotations

import io
import re
from functools import lru_cache

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin

from jianyan.render.charts import DARK, LIGHT, Chart, cells, svg
from jianyan.render.docx import set_fonts
from jianyan.render.office import deterministic_zip

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
TEXT_WIDTH_MM = 156


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark + tables + block attributes; raw HTML off (data is escaped by the md filter)."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").use(attrs_block_plugin)


_IMG = re.compile(r'<p><img src="charts/([\w-]+)\.svg" alt="([^"]*)" /></p>')


def to_html(markdown: str, charts: dict[str, Chart]) -> str:
    """Body HTML with each chart image replaced by the inline SVG and its caption."""
    html = parser().render(markdown)

    def figure(m: re.Match) -> str:
        chart = charts.get(m.group(1))
        if chart is None:
            return m.group(0)
        return f'<figure class="chart">{svg(chart)}<figcaption>{m.group(2)}</figcaption></figure>'

    return _IMG.sub(figure, html)


# --- Word -------------------------------------------------------------------------------

def _fonts(run, east: str, size: float | None = None, bold: bool | None = None) -> None:
    set_fonts(run._element.get_or_add_rPr(), east, size)
    if bold is not None:
        run.font.bold = bold


def _inline_runs(token) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    bold = 0
    for child in token.children or ():
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type in ("text", "code_inline"):
            out.append((child.content, bold > 0))
        elif child.type == "softbreak":
            continue
        elif child.type == "hardbreak":
            out.append(("\n", bold > 0))
    return out


def _shade(cell, color: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): color})
    tcpr.append(shd)


def _cell_text(cell, text: str, size: float, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.alignment = align
    if text:
        _fonts(p.add_run(text), BODY_FONT, size, bold)


def _widths(table, widths_mm: list[float]) -> None:
    """Column widths that Word and LibreOffice both honour: fixed layout, grid and every cell."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = tblpr.makeelement(qn("w:tblLayout"), {qn("w:type"): "fixed"})
    tblpr.append(layout)
    for col, w in zip(table.columns, widths_mm):
        col.width = Mm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)


def _fit(need: list[float], total: float) -> list[float]:
    """Water-filling: columns narrower than a cap keep their width, the wider ones get the cap."""
    if sum(need) <= total:
        return need
    ordered = sorted(need)
    spent = 0.0
    for k, n in enumerate(ordered):
        cap = (total - spent) / (len(ordered) - k)
        if n > cap:
            return [min(x, cap) for x in need]
        spent += n
    return need


def _text_em(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2e7f else 0.55 for ch in text)


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run("— "), "宋体", 14)
    run = p.add_run()
    _fonts(run, "宋体", 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        else:
            el = run._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            el.text = text
        run._element.append(el)
    _fonts(p.add_run(" —"), "宋体", 14)


class _Writer:
    def __init__(self, charts: dict[str, Chart], title: str) -> None:
        self.charts = charts
        self.doc = Document()
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by, props.revision = title, "jianyan", "jianyan", 1
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
        sec.footer_distance = Mm(20)
        _page_number_footer(sec)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(16)
        pf = normal.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(28.95)
        pf.space_before = pf.space_after = Pt(0)
        self.Pt = Pt

    def paragraph(self, runs: list[tuple[str, bool]], kind: str, classes: set[str]):
        Pt = self.Pt
        p = self.doc.add_paragraph()
        pf = p.paragraph_format
        font, size, bold = BODY_FONT, 16, None
        if kind == "h1":
            font, size = TITLE_FONT, 22
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(36)
            pf.space_after = Pt(14)
        elif kind == "h2":
            font = HEADING_FONT
            pf.first_line_indent = Pt(32)
        elif kind == "h3":
            font = KAI_FONT
            pf.first_line_indent = Pt(32)
        elif kind == "caption":
            font, size = HEADING_FONT, 12
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(20)
            pf.space_after = Pt(8)
        elif classes & {"sign", "right"}:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            pf.right_indent = Pt(64) if "sign" in classes else Pt(0)
        elif "center" in classes:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif "noindent" not in classes:
            pf.first_line_indent = Pt(32)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        for text, b in runs:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    p.add_run().add_break()
                if part:
                    _fonts(p.add_run(part), font, size, True if b else bold)
        return p

    def table(self, rows: list[list[list[tuple[str, bool]]]], aligns: list[str | None], header: bool) -> None:
        ncols = max(len(r) for r in rows)
        t = self.doc.add_table(rows=len(rows), cols=ncols)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        # 12 pt ≈ 4.23 mm an em, plus padding; wide columns give way when the table is too wide.
        need = [max((_text_em("".join(x for x, _ in r[j])) for r in rows if j < len(r)), default=2) * 4.23 + 6
                for j in range(ncols)]
        need = _fit([n * TEXT_WIDTH_MM / sum(need) for n in need] if sum(need) < TEXT_WIDTH_MM else need,
                    TEXT_WIDTH_MM)
        _widths(t, need)
        for i, row in enumerate(rows):
            for j in range(ncols):
                runs = row[j] if j < len(row) else []
                cell = t.cell(i, j)
                a = aligns[j] if j < len(aligns) else None
                align = (WD_ALIGN_PARAGRAPH.CENTER if (i == 0 and header) or a == "center"
                         else WD_ALIGN_PARAGRAPH.RIGHT if a == "right" else None)
                _cell_text(cell, "".join(t_ for t_, _ in runs), 12, bold=(i == 0 and header), align=align)
                if i == 0 and header:
                    _shade(cell, "E7E6E6")
        self.doc.add_paragraph().paragraph_format.line_spacing = self.Pt(8)

    def chart(self, chart: Chart, caption: str) -> None:
        width = 20
        rows = cells(chart, width)
        legend = 1 if chart.legend else 0
        t = self.doc.add_table(rows=len(rows) + legend, cols=width + 2)
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        label_mm = min(max((_text_em(r[0]) for r in rows), default=4) * 4.23 + 4, 60)
        value_mm = max((_text_em(r[3]) for r in rows), default=3) * 4.23 + 8
        _widths(t, [label_mm] + [(TEXT_WIDTH_MM - label_mm - value_mm) / width] * width + [value_mm])
        for row in t.rows:
            row.height = Mm(6)
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True  # the chart stays on one page
        if chart.legend:
            first = t.cell(0, 1).merge(t.cell(0, width + 1))
            p = first.paragraphs[0]
            p.paragraph_format.first_line_indent = self.Pt(0)
            p.paragraph_format.line_spacing = 1.0
            for color, name in ((DARK, chart.legend[0]), (LIGHT, chart.legend[1])):
                sq = p.add_run("■ ")
                _fonts(sq, BODY_FONT, 12)
                sq.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper())
                _fonts(p.add_run(name + "　"), BODY_FONT, 12)
        for i, (label, dark, light, value) in enumerate(rows, start=legend):
            _cell_text(t.cell(i, 0), label, 12, align=WD_ALIGN_PARAGRAPH.RIGHT)
            for k in range(width):
                if k < dark:
                    _shade(t.cell(i, 1 + k), DARK.lstrip("#").upper())
                elif k < dark + light:
                    _shade(t.cell(i, 1 + k), LIGHT.lstrip("#").upper())
            _cell_text(t.cell(i, width + 1), "  " + value, 12)
        self.paragraph([(caption, False)], "caption", set())

    def rule(self) -> None:
        """A red rule across the text area (the line under a 版头)."""
        p = self.doc.add_paragraph()
        p.paragraph_format.line_spacing = self.Pt(10)
        ppr = p._p.get_or_add_pPr()
        bdr = ppr.makeelement(qn("w:pBdr"), {})
        bottom = bdr.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "12", qn("w:space"): "1",
                                                  qn("w:color"): "C00000"})
        bdr.append(bottom)
        ppr.append(bdr)
        self.doc.add_paragraph().paragraph_format.line_spacing = self.Pt(10)

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return deterministic_zip(buf.getvalue())


def to_docx(markdown: str, charts: dict[str, Chart], title: str) -> bytes:
    w = _Writer(charts, title)
    tokens = parser().parse(markdown)
    i = 0
    kind = "p"
    classes: set[str] = set()
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            kind = {"h1": "h1", "h2": "h2"}.get(tok.tag, "h3")
        elif tok.type == "paragraph_open":
            classes = set(str(tok.attrs.get("class", "")).split())
        elif tok.type in ("heading_close", "paragraph_close"):
            kind, classes = "p", set()
        elif tok.type == "inline":
            kids = tok.children or []
            images = [c for c in kids if c.type == "image"]
            if images and kind == "p":
                src = images[0].attrGet("src") or ""
                m = re.fullmatch(r"charts/([\w-]+)\.svg", src)
                if m and m.group(1) in charts:
                    w.chart(charts[m.group(1)], images[0].content)
                    i += 1
                    continue
            w.paragraph(_inline_runs(tok), kind, classes)
        elif tok.type == "table_open":
            i = _table(w, tokens, i)
            continue
        elif tok.type == "hr":
            w.rule()
        i += 1
    return w.bytes()


def _table(w: _Writer, tokens, i: int) -> int:
    rows: list[list[list[tuple[str, bool]]]] = []
    aligns: list[str | None] = []
    header = False
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            header = True
        elif tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("th_open", "td_open"):
            style = str(tok.attrs.get("style", ""))
            a = "right" if "right" in style else "center" if "center" in style else None
            if len(rows) == 1:
                aligns.append(a)
        elif tok.type == "inline":
            rows[-1].append(_inline_runs(tok))
        i += 1
    w.table(rows, aligns, header)
    return i + 1


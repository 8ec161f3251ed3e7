"""Markdown (as rendered from a report template) → an official-style Word document and HTML.

Generic: any report template can use it. What the Markdown may hold:
  ``#`` title (2号 小标宋, centred, broken between words into balanced lines) · ``##`` 一、heading
  (黑体) · ``###`` （一）heading (楷体) · paragraphs (3号 仿宋, first line indented two characters,
  **bold** kept) · tables (仿宋 小四, header row 黑体 repeated on every page, column widths from their
  content within the 156 mm text width) · ``![图1 说明](charts/key.svg)`` a chart (SVG inline in
  HTML; shaded-cell bars in Word; figures numbered in the order they appear) ·
  ``{.sign}`` / ``{.center}`` / ``{.right}`` / ``{.noindent}`` on the line before a paragraph ·
  the 版头 (masthead): ``{.masthead}`` the red name, ``{.issue-number}`` 第N期,
  ``{.masthead-meta}`` the issuing office, a tab, the date; a ``---`` after it is the red rule ·
  the 信函 head (GB/T 9704 §10.1, letters): ``{.letterhead}`` the issuing office's name in red, a ``---``
  after it the red double rule (上粗下细, 170 mm); page 1 then has no page number and a red double rule
  (上细下粗) at its foot.
Layout, sizes and fonts are the house style (style.py, shared with the 专刊): A4, margins
37/35/28/26 mm, 22 lines of 28 characters, page numbers “— 1 —” outside. Headings keep with the
paragraph after them. Word has no East-Asian font API in python-docx: fonts are set on w:rFonts.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace
from functools import lru_cache
from html import escape, unescape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin

from jianyan.render import style
from jianyan.render.charts import DARK, LIGHT, Chart, cells, svg
from jianyan.render.docx import (border, embed_fonts, embed_wanted, house_defaults, house_page, page_frame, set_fonts,
                                 snap, title_paragraph)
from jianyan.render.office import deterministic_zip

BODY_FONT = style.FACES["fang"].name
TITLE_FONT = style.FACES["title"].name
HEADING_FONT = style.FACES["hei"].name
KAI_FONT = style.FACES["kai"].name
TEXT_WIDTH_MM = style.TEXT_WIDTH_MM
PITCH = style.LINE_PITCH_PT
_FIGURE = re.compile(r"(!\[)图\s*\d+\s*([^\]]*\]\(charts/([\w-]+)\.svg\))")
_CAPTION_NUMBER = re.compile(r"^图\s*\d+\s*")


def number_figures(markdown: str, charts: dict[str, Chart]) -> str:
    """Figures numbered in the order they appear: each ``![图N 说明](charts/key.svg)`` gets the next
    number, and the chart's own caption (its SVG title) the same."""
    n = 0

    def renumber(m: re.Match) -> str:
        nonlocal n
        n += 1
        key = m.group(3)
        if key in charts:
            charts[key] = replace(charts[key], caption=f"图{n} " + _CAPTION_NUMBER.sub("", charts[key].caption))
        return f"{m.group(1)}图{n} {m.group(2)}"

    return _FIGURE.sub(renumber, markdown)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark + tables + block attributes; raw HTML off (data is escaped by the md filter)."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").use(attrs_block_plugin)


_IMG = re.compile(r'<p><img src="charts/([\w-]+)\.svg" alt="([^"]*)" /></p>')
_H1 = re.compile(r"<h1>([^<]*)</h1>")
_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def _colgroup(m: re.Match) -> str:
    """The table with the Word file's column widths (column_widths), as percentages of the text width."""
    rows = [[unescape(re.sub(r"<[^>]+>", "", c)) for c in _CELL.findall(r)] for r in _ROW.findall(m.group(1))]
    if not rows or not any(rows):
        return m.group(0)
    widths = column_widths([r for r in rows if r], style.TABLE)
    cols = "".join(f'<col style="width:{w / TEXT_WIDTH_MM * 100:.1f}%">' for w in widths)
    return f'<table class="fitted"><colgroup>{cols}</colgroup>{m.group(1)}</table>'

_META = re.compile(r'(<p class="masthead-meta">)([^<\t]*)\t([^<]*)(</p>)')
_LETTERHEAD = re.compile(r'<p class="letterhead">([^<]*)</p>')


def to_html(markdown: str, charts: dict[str, Chart]) -> str:
    """Body HTML with each chart image replaced by the inline SVG and its caption, the title broken
    between words (``<br>``) and the masthead's office and date in two spans."""
    from jianyan.render.env import title_lines  # lazy: env loads Jinja; docmd is imported by the .docx writers too
    html = parser().render(markdown)
    html = _H1.sub(lambda m: "<h1>" + "<br>".join(escape(x, quote=False) for x in title_lines(unescape(m.group(1))))
                   + "</h1>", html)
    html = _META.sub(lambda m: f"{m.group(1)}<span>{m.group(2)}</span><span>{m.group(3)}</span>{m.group(4)}", html)
    html = _LETTERHEAD.sub(lambda m: f'<p class="letterhead" style="font-size:{style.letterhead_size(unescape(m.group(1)))}pt">'
                           f"{m.group(1)}</p>", html)
    html = _TABLE.sub(_colgroup, html)

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


def _cell_text(cell, text: str, size: float, bold: bool = False, align=None, face: str = BODY_FONT) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(size * 1.5)
    _off_grid(p)
    p.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.LEFT  # not justified: no gaps in a narrow cell
    if text:
        _fonts(p.add_run(text), face, size, bold)


def _off_grid(p) -> None:
    """Small text keeps its own line height instead of snapping to the 28.95 pt body grid."""
    snap(p._p.get_or_add_pPr(), False)


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


CELL_PAD_MM = 4.6  # Word's default cell margins (0.19 cm each side) and a little air
MIN_CHARS = 4  # no column narrower than four characters (交办日期, 采用率)
UNBROKEN = 6  # a cell up to six characters is never wrapped (3月10日, 100%, 已办结)


def column_widths(rows: list[list[str]], size: float, total: float = TEXT_WIDTH_MM) -> list[float]:
    """Column widths in mm from the cells' text, within ``total``.

    The fewest lines any row needs: for 1, 2, 3 … lines a row, each column takes what its longest cell
    needs to fit in that many lines (its short cells, up to ``UNBROKEN`` characters, on one line; at least
    four characters); the first count whose columns fit is used, and the room left is shared in
    proportion to what the columns would take to hold every cell on one line. Long titles get the
    width; dates, percentages and short states stay whole."""
    em = size / 72 * 25.4
    ncols = max(len(r) for r in rows)
    need = [[_text_em(r[j]) if j < len(r) else 0.0 for r in rows] for j in range(ncols)]
    budget = total / em - ncols * CELL_PAD_MM / em  # characters to share
    chars: list[float] = []
    for per_row in range(1, 50):
        chars = [max([w for w in col if w <= UNBROKEN] + [-(-w // per_row) for w in col if w > UNBROKEN]
                     + [min(MIN_CHARS, max(col))]) for col in need]
        if sum(chars) <= budget:
            break
    want = [max(col) for col in need]
    room = budget - sum(chars)
    extra = [max(w - c, 0) for w, c in zip(want, chars)]
    if room > 0 and sum(extra) > 0:
        chars = [c + min(e, room * e / sum(extra)) for c, e in zip(chars, extra)]
    widths = [c * em + CELL_PAD_MM for c in chars]
    return [w * total / sum(widths) for w in widths]


def _text_em(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2e7f else 0.55 for ch in text)


def _double_rule(p, side: str, space: int = 1) -> None:
    """A red double rule 170 mm long (style.LETTER_RULE_MM), thick line towards the text: under the
    letterhead (a bottom border) it reads 上粗下细, at the foot of the page (a top border) 上细下粗."""
    over = Mm((style.LETTER_RULE_MM - TEXT_WIDTH_MM) / 2)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = -over
    _off_grid(p)
    border(p._p.get_or_add_pPr(), side, round(sum(style.LETTER_RULE_PT) * 8), style.RED, space=space,
           val="thickThinSmallGap")


def _repeat_header(row) -> None:
    """The row is a header row: Word and LibreOffice repeat it at the top of every page the table runs onto."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "1"}))


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.insert(0, trpr.makeelement(qn("w:cantSplit"), {qn("w:val"): "1"}))


class _Writer:
    def __init__(self, charts: dict[str, Chart], title: str) -> None:
        self.charts = charts
        self.doc = Document()
        body = self.doc.element.body
        for child in list(body):  # the default template's empty paragraph
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by, props.revision = title, "jianyan", "jianyan", 1
        house_defaults(self.doc)
        house_page(self.doc)
        normal = self.doc.styles["Normal"]
        pf = normal.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(PITCH)
        pf.space_before = pf.space_after = Pt(0)
        self.after_masthead = False
        self.letterhead = None  # the 信函 name's paragraph, until the rule under it is drawn

    def paragraph(self, runs: list[tuple[str, bool]], kind: str, classes: set[str]):
        p = self.doc.add_paragraph()
        pf = p.paragraph_format
        font, size, bold, color = BODY_FONT, style.BODY, None, None
        if kind == "h1":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(style.TITLE * 1.6)
            pf.space_before = Pt(PITCH / 2)
            pf.space_after = Pt(PITCH)
            pf.keep_with_next = True
            _off_grid(p)
            title_paragraph(p, "".join(t for t, _ in runs), "title", style.TITLE)
            return p
        if kind in ("h2", "h3"):
            font = HEADING_FONT if kind == "h2" else KAI_FONT
            pf.first_line_indent = Pt(2 * style.BODY)
            pf.keep_with_next = True
        elif kind == "caption":
            font, size = HEADING_FONT, style.CAPTION
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(20)
            pf.space_after = Pt(8)
            _off_grid(p)
        elif "masthead" in classes:
            font, size, color = TITLE_FONT, style.MASTHEAD, RGBColor.from_string(style.RED)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(style.MASTHEAD * 1.4)
            pf.space_before = Pt(18)
            pf.space_after = Pt(6)
            pf.keep_with_next = True
            _off_grid(p)
        elif "letterhead" in classes:
            text = "".join(t for t, _ in runs)
            font, size, color = TITLE_FONT, style.letterhead_size(text), RGBColor.from_string(style.RED)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.left_indent = pf.right_indent = -Mm((style.LETTER_RULE_MM - TEXT_WIDTH_MM) / 2)
            pf.line_spacing = Pt(size * 1.3)
            pf.space_after = Pt(PITCH)
            pf.keep_with_next = True
            _off_grid(p)
            self.letterhead = p
            self._letter_page()
        elif "issue-number" in classes:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.keep_with_next = True
        elif "masthead-meta" in classes:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            pf.left_indent = pf.right_indent = Pt(style.BODY)
            pf.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - 2 * Pt(style.BODY), alignment=2)  # right tab
            pf.keep_with_next = True
            self.after_masthead = True
        elif classes & {"sign", "right"}:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            pf.right_indent = Pt(4 * style.BODY) if "sign" in classes else Pt(0)
        elif "center" in classes:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif "noindent" not in classes:
            pf.first_line_indent = Pt(2 * style.BODY)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        for text, b in runs:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    p.add_run().add_break()
                if part:
                    run = p.add_run(part)
                    _fonts(run, font, size, True if b else bold)
                    if color is not None:
                        run.font.color.rgb = color
        return p

    def table(self, rows: list[list[list[tuple[str, bool]]]], aligns: list[str | None], header: bool) -> None:
        ncols = max(len(r) for r in rows)
        t = self.doc.add_table(rows=len(rows), cols=ncols)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        texts = [["".join(x for x, _ in cell) for cell in row] for row in rows]
        _widths(t, column_widths(texts, style.TABLE))
        # Cells row by row: python-docx's Table.cell(i, j) lays out the whole grid on every call
        # (quadratic in the table's size), Row.cells lays out one row.
        for i, (row, trow) in enumerate(zip(rows, t.rows)):
            _cant_split(trow)
            if i == 0 and header:
                _repeat_header(trow)
            row_cells = trow.cells
            for j in range(ncols):
                runs = row[j] if j < len(row) else []
                cell = row_cells[j]
                a = aligns[j] if j < len(aligns) else None
                head = i == 0 and header
                align = (WD_ALIGN_PARAGRAPH.CENTER if head or a == "center"
                         else WD_ALIGN_PARAGRAPH.RIGHT if a == "right" else None)
                _cell_text(cell, "".join(t_ for t_, _ in runs), style.TABLE, align=align,
                           face=HEADING_FONT if head else BODY_FONT)
                if head:
                    _shade(cell, "E7E6E6")
        gap = self.doc.add_paragraph()
        gap.paragraph_format.line_spacing = Pt(8)
        _off_grid(gap)

    def chart(self, chart: Chart, caption: str) -> None:
        """Bars as a table of shaded cells: vector, sharp at any print resolution, and editable in Word."""
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
            _cant_split(row)
            for cell in row.cells:
                pf = cell.paragraphs[0].paragraph_format
                pf.keep_with_next = True  # the chart stays on one page
                pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                pf.line_spacing = Pt(style.TABLE * 1.2)
                _off_grid(cell.paragraphs[0])
        if chart.legend:
            first = t.cell(0, 1).merge(t.cell(0, width + 1))
            p = first.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            _off_grid(p)
            for color, name in ((DARK, chart.legend[0]), (LIGHT, chart.legend[1])):
                sq = p.add_run("■ ")
                _fonts(sq, BODY_FONT, style.TABLE)
                sq.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper())
                _fonts(p.add_run(name + "　"), BODY_FONT, style.TABLE)
        for (label, dark, light, value), row in zip(rows, t.rows[legend:]):
            row_cells = row.cells  # one row laid out, not the grid for every cell (see ``table``)
            _cell_text(row_cells[0], label, style.TABLE, align=WD_ALIGN_PARAGRAPH.RIGHT)
            for k in range(width):
                if k < dark:
                    _shade(row_cells[1 + k], DARK.lstrip("#").upper())
                elif k < dark + light:
                    _shade(row_cells[1 + k], LIGHT.lstrip("#").upper())
            _cell_text(row_cells[width + 1], "  " + value, style.TABLE)
        self.paragraph([(caption, False)], "caption", set())

    def _letter_page(self) -> None:
        """Page 1 of a 信函: no page number, a red double rule (上细下粗, 170 mm) at its foot."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        p = section.first_page_footer.paragraphs[0]
        _double_rule(p, "top")
        p.paragraph_format.line_spacing = Pt(1)  # the rule on the footer's bottom edge, 23 mm up (GB/T 9704: 20 mm)
        p.paragraph_format.space_after = Pt(0)

    def rule(self) -> None:
        """A rule across the text area: red under a 版头, black elsewhere; under a 信函's name the red
        double rule (上粗下细, 170 mm)."""
        if self.letterhead is not None:  # the name's own bottom border: no paragraph of its own to keep with it
            _double_rule(self.letterhead, "bottom", space=11)  # 11 pt = 4 mm below the name (GB/T 9704)
            page_frame(self.letterhead, style.LETTERHEAD_TOP_MM, style.LETTER_RULE_MM)  # the name's top 30 mm from the page's top
            self.letterhead = None
            return
        p = self.doc.add_paragraph()
        p.paragraph_format.line_spacing = Pt(10)
        _off_grid(p)
        border(p._p.get_or_add_pPr(), "bottom", 12, style.RED if self.after_masthead else "000000")
        self.after_masthead = False
        gap = self.doc.add_paragraph()
        gap.paragraph_format.line_spacing = Pt(10)
        _off_grid(gap)

    def bytes(self) -> bytes:
        if embed_wanted():
            embed_fonts(self.doc)
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
            css = str(tok.attrs.get("style", ""))
            a = "right" if "right" in css else "center" if "center" in css else None
            if len(rows) == 1:
                aligns.append(a)
        elif tok.type == "inline":
            rows[-1].append(_inline_runs(tok))
        i += 1
    w.table(rows, aligns, header)
    return i + 1


"""The Word version of an issue, laid out by GB/T 9704-2012 with python-docx.

Page: A4, margins top 37 mm / bottom 35 mm / left 28 mm / right 26 mm (twips 2098/1984/1587/1474),
text area 156 × 225 mm, a document grid of 22 lines × 28 characters (linePitch 579, charSpace −842
for 3号). Body 3号 仿宋_GB2312; titles 2号 方正小标宋简体; 一、 headings 黑体, （一） headings 楷体.
The red masthead (版头) holds the bulletin name, 第N期（总第N期）, compiling unit and date over a red
rule; the 版记 at the foot of the last page has full-width rules and the 报/送/发 lines in 4号 仿宋;
page numbers "— 1 —" in 4号 宋体, odd pages right, even pages left (PAGE fields).

python-docx has no East-Asian font API: every style and run gets ``w:rFonts`` with ``eastAsia``,
``w:hint="eastAsia"`` and ``<w:lang w:eastAsia="zh-CN"/>``, so “”‘’—… render full-width in the Chinese
font. The zip is rewritten with fixed timestamps so that the same input gives the same bytes.
"""
from __future__ import annotations

import copy

import datetime as dt
import io
import zipfile
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

from jianyan.render import style

# --- page geometry (twips) and type sizes (points): render/style.py --------------------------
def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


PAGE_W, PAGE_H = (_twips(mm) for mm in style.PAGE_MM)  # 11906 × 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = (_twips(style.MARGINS_MM[k])  # 2098, 1984, 1587, 1474
                                                        for k in ("top", "bottom", "left", "right"))
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 8845 twips = 156 mm
LINE_PITCH = round(style.LINE_PITCH_PT * 20)  # 579: 22 lines in 225 mm
CHAR_SPACE = -842  # 16 pt − 842/4096 pt = 15.794 pt a character: 28 characters in 156 mm
# "lines": a 22-line grid; the 28 characters a line come from CHAR_TIGHTEN below, which Word and
# LibreOffice both honour ("linesAndChars" with a negative charSpace is laid out by LibreOffice 7.x
# as two grid cells a character, 14 characters a line).
GRID_TYPE = "lines"
FOOTER_DISTANCE = _twips(style.FOOTER_MM)  # 1304: the page number about 7 mm below the text area
SIZE_3, SIZE_4, SIZE_2 = style.BODY, style.BANJI, style.TITLE  # 3号, 4号, 2号
MASTHEAD_SIZE = style.MASTHEAD  # 小初 for the red bulletin name
RED = RGBColor.from_string(style.RED)

FONTS = {key: face.name for key, face in style.FACES.items()}

# Element orders required by the WordprocessingML schema (successors of the element we insert).
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                      "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                      *_RPR_AFTER_LANG)
# Character spacing −0.3 pt (in twentieths of a point). Word fits 28 characters a line through the
# grid anyway; LibreOffice (7.x) cannot compress a character grid and gives a 16 pt glyph in a 15.8 pt
# cell two cells (14 characters a line), so the glyphs are made to fit the cell instead. At −0.25 pt
# 28 characters fill the 156 mm to within a hair, and LibreOffice 7.4 then loses a “。” that falls at
# the end of a full line (issue 20, 2021-005 “用于社区产业。”); at −0.3 pt it wraps correctly.
CHAR_TIGHTEN = -6
_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                   "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                   "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                   "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_PPR_AFTER_SNAP = _PPR_AFTER_PBDR[_PPR_AFTER_PBDR.index("w:snapToGrid") + 1:]


# --- low-level helpers -------------------------------------------------------------------------

def set_fonts(rpr, east: str, size: float | None = None) -> None:
    """East-Asian-aware fonts on an rPr element (style or run): ``east`` for Chinese and for Latin text too
    (公文 templates' “西文字体：使用中文字体”).

    A quotation mark next to a digit (“9710”) is a Latin character to LibreOffice, which ignores
    ``w:hint``: with a Latin font it comes out half-width. With the Chinese font everywhere, plus
    ``w:hint`` and the zh-CN East-Asian language for Word, “”‘’—… are full-width in both.
    """
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), east)
    fonts.set(qn("w:hAnsi"), east)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:cs"), east)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        rpr.get_or_add_sz().set(qn("w:val"), str(int(size * 2)))
        szcs = rpr.find(qn("w:szCs"))
        if szcs is None:
            szcs = OxmlElement("w:szCs")
            rpr.get_or_add_sz().addnext(szcs)
        szcs.set(qn("w:val"), str(int(size * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, *_RPR_AFTER_LANG)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def snap(ppr, on: bool) -> None:
    el = ppr.find(qn("w:snapToGrid"))
    if el is None:
        el = OxmlElement("w:snapToGrid")
        ppr.insert_element_before(el, *_PPR_AFTER_SNAP)
    el.set(qn("w:val"), "1" if on else "0")


def border(ppr, side: str, size: int, color: str = "000000", space: int = 1, val: str = "single") -> None:
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.insert_element_before(bdr, *_PPR_AFTER_PBDR)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), val)
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    bdr.append(el)


def page_frame(paragraph, top_mm: float, width_mm: float, rule_gap_mm: float = 4) -> None:
    """Put a one-line paragraph in a frame at ``top_mm`` from the top edge of the page, ``width_mm``
    wide and centred on the text area, the text flowing below it (w:framePr, which Word has read since
    Word 97 and LibreOffice imports as a frame): the 信函's 发文机关标志, whose top edge GB/T 9704 §10.1
    puts 30 mm from the top of the page, above the 37 mm margin every other page keeps. The line is
    set exactly FRAME_LINE of its type size, and its bottom border (the red double rule) drawn
    ``rule_gap_mm`` under the characters (measured in LibreOffice: the glyphs start FRAME_ASCENT of the
    line's extra height below its top)."""
    size = max((r.font.size.pt for r in paragraph.runs if r.font.size), default=style.BODY)
    line = size * FRAME_LINE
    paragraph.paragraph_format.line_spacing = Pt(line)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Twips(0)
    ppr = paragraph._p.get_or_add_pPr()
    bottom = ppr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}")
    if bottom is not None:  # border space: points from the line's foot to the rule
        bottom.set(qn("w:space"), str(max(0, round(rule_gap_mm / 25.4 * 72 - (line - size) * (1 - FRAME_ASCENT)
                                                   - size * 0.18))))
    frame = OxmlElement("w:framePr")
    left = style.MARGINS_MM["left"] - (width_mm - style.TEXT_WIDTH_MM) / 2
    for attr, value in (("w", _twips(width_mm)), ("hSpace", 0), ("vSpace", 0), ("wrap", "notBeside"),
                        ("vAnchor", "page"), ("hAnchor", "page"), ("x", _twips(left)),
                        ("y", _twips(top_mm) - round((line - size) * FRAME_ASCENT * 20)), ("hRule", "auto")):
        frame.set(qn(f"w:{attr}"), str(value))
    ppr.insert_element_before(frame, "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr",
                              *_PPR_AFTER_PBDR)


FRAME_LINE = 1.15
FRAME_ASCENT = 0.5


def _indent_chars(ppr, first: int = 0, left: int = 0, right: int = 0, hanging: int = 0, size: float = SIZE_3) -> None:
    """Indents in characters (hundredths, as Word's *Chars attributes) with twip fallbacks."""
    ind = ppr.get_or_add_ind()
    one = int(size * 20)
    for name, chars in (("firstLine", first), ("hanging", hanging), ("left", left), ("right", right)):
        if chars:
            ind.set(qn(f"w:{name}Chars"), str(chars * 100))
            ind.set(qn(f"w:{name}"), str(chars * one))


def _exact_lines(paragraph, points: float, before: float = 0, after: float = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(points)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    snap(paragraph._p.get_or_add_pPr(), False)


def _run(paragraph, text: str, face: str = "fang", size: float | None = None, bold: bool = False,
         italic: bool = False, color: RGBColor | None = None):
    run = paragraph.add_run()
    if text:
        run.text = text  # python-docx turns \t into <w:tab/> and \n into <w:br/>
    rpr = run._r.get_or_add_rPr()
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if color is not None:
        run.font.color.rgb = color
    set_fonts(rpr, FONTS[face], size)
    return run


def _field(paragraph, instr: str, shown: str, face: str, size: float) -> None:
    """A complex field (PAGE) with a cached result, as Word writes it."""
    def char(kind: str):
        run = _run(paragraph, "", face, size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    char("begin")
    run = _run(paragraph, "", face, size)
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    run._r.append(instr_el)
    char("separate")
    _run(paragraph, shown, face, size)
    char("end")


def _right_tab(paragraph, pos: int) -> None:
    paragraph.paragraph_format.tab_stops.add_tab_stop(Twips(pos), alignment=2)  # WD_TAB_ALIGNMENT.RIGHT


# --- document set-up ---------------------------------------------------------------------------

def house_defaults(doc) -> None:
    """Document defaults and Normal of the house style: 3号 仿宋 (Latin text in it too), no theme fonts
    (they would override eastAsia), no automatic space between Chinese and Latin or digits
    (autoSpaceDE/DN 0: the text carries its own spacing; Word and WPS honour it, LibreOffice 7.4 does
    not), the font table. overflowPunct is written out as 1, Word's own default: without it LibreOffice
    7.4 takes the paragraph as hanging its punctuation and drops a “。” or “：” that ends a full line
    (measured; with it, it wraps them)."""
    styles_el = doc.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, FONTS["fang"], SIZE_3)
    tighten = OxmlElement("w:spacing")
    tighten.set(qn("w:val"), str(CHAR_TIGHTEN))
    rpr_default.insert_element_before(tighten, *_RPR_AFTER_SPACING)
    defaults = styles_el.find(qn("w:docDefaults"))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    for child in list(ppr):
        ppr.remove(child)
    _no_autospace(ppr)
    normal = doc.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), FONTS["fang"], SIZE_3)
    _no_autospace(normal.element.get_or_add_pPr())
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = False
    font_table(doc)


def _no_autospace(ppr) -> None:
    for tag, value in (("w:overflowPunct", "1"), ("w:autoSpaceDE", "0"), ("w:autoSpaceDN", "0")):
        el = ppr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            after = _PPR_AFTER_PBDR[_PPR_AFTER_PBDR.index(tag) + 1:]
            ppr.insert_element_before(el, *after)
        el.set(qn("w:val"), value)


_FONT_SIG = ('<w:sig w:usb0="00000003" w:usb1="288F0000" w:usb2="00000016" w:usb3="00000000" '
             'w:csb0="00040001" w:csb1="00000000"/>')


def font_table(doc, embedded: dict[str, tuple[str, str]] | None = None, subsetted: bool = True) -> None:
    """word/fontTable.xml listing the house fonts, each with its Windows alternate name (altName),
    panose, GB2312 charset, family and pitch: what Word and WPS go by to substitute a look-alike when
    the font is missing (仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体). ``embedded``: font name → (relationship
    id, font key) of an embedded font file (fontembed.py); ``subsetted``: it holds only the glyphs used."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    embedded = embedded or {}

    def embed(name: str) -> str:
        if name not in embedded:
            return ""
        rid, key = embedded[name]
        return f'<w:embedRegular r:id="{rid}" w:fontKey="{key}"' + (' w:subsetted="1"/>' if subsetted else "/>")

    entries = [f'<w:font w:name="{face.name}"><w:altName w:val="{face.alt}"/><w:panose1 w:val="{face.panose}"/>'
               f'<w:charset w:val="{style.CHARSET_GB2312}"/><w:family w:val="{face.family}"/>'
               f'<w:pitch w:val="{face.pitch}"/>{_FONT_SIG}{embed(face.name)}</w:font>' for face in style.FACES.values()]
    entries.append('<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
                   '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>')
    part._blob = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                  + "".join(entries) + "</w:fonts>").encode("utf-8")


def embed_wanted() -> bool:
    """Whether Word files carry the free look-alikes (JIANYAN_EMBED_FONTS, fontembed.py; off by default)."""
    from jianyan.render.fontembed import mode  # lazy: fontembed's fontTools parts load only when embedding
    return mode() != "off"


def embed_fonts(doc) -> None:
    """Embed the free look-alikes of the house fonts the document uses (fontembed.py), list them in the
    font table and tell Word the file carries them."""
    from jianyan.render.fontembed import embed, mode  # lazy: as above
    how = mode()
    embedded = embed(doc, how)
    if not embedded:
        return
    font_table(doc, embedded, subsetted=how != "full")
    settings = doc.settings.element
    for tag in ("w:embedTrueTypeFonts", "w:saveSubsetFonts")[:1 if how == "full" else 2]:
        if settings.find(qn(tag)) is None:
            settings.insert_element_before(OxmlElement(tag), *_SETTINGS_AFTER_FONTS)


# CT_Settings children that follow saveSubsetFonts (the schema fixes the order; Word refuses others)
_SETTINGS_AFTER_FONTS = tuple("w:" + t for t in (
    "saveFormsData mirrorMargins alignBordersAndEdges bordersDoNotSurroundHeader bordersDoNotSurroundFooter "
    "gutterAtTop hideSpellingErrors hideGrammaticalErrors activeWritingStyle proofState formsDesign "
    "attachedTemplate linkStyles stylePaneFormatFilter stylePaneSortMethod documentType mailMerge revisionView "
    "trackRevisions doNotTrackMoves doNotTrackFormatting documentProtection autoFormatOverride styleLockTheme "
    "styleLockQFSet defaultTabStop autoHyphenation consecutiveHyphenLimit hyphenationZone doNotHyphenateCaps "
    "showEnvelope summaryLength clickAndTypeStyle defaultTableStyle evenAndOddHeaders bookFoldRevPrinting "
    "bookFoldPrinting bookFoldPrintingSheets drawingGridHorizontalSpacing drawingGridVerticalSpacing "
    "displayHorizontalDrawingGridEvery displayVerticalDrawingGridEvery doNotUseMarginsForDrawingGridOrigin "
    "drawingGridHorizontalOrigin drawingGridVerticalOrigin doNotShadeFormData noPunctuationKerning "
    "characterSpacingControl printTwoOnOne strictFirstAndLastChars noLineBreaksAfter noLineBreaksBefore "
    "savePreviewPicture doNotValidateAgainstSchema saveInvalidXml ignoreMixedContent alwaysShowPlaceholderText "
    "doNotDemarcateInvalidXml saveXmlDataOnly useXSLTWhenSaving saveThroughXslt showXMLTags "
    "alwaysMergeEmptyNamespace updateFields hdrShapeDefaults footnotePr endnotePr compat docVars rsids mathPr "
    "attachedSchema themeFontLang clrSchemeMapping doNotIncludeSubdocsInStats doNotAutoCompressPictures "
    "forceUpgrade captions readModeInkLockDown smartTagType schemaLibrary shapeDefaults doNotEmbedSmartTags "
    "decimalSymbol listSeparator").split())


def house_page(doc) -> None:
    """A4, GB/T 9704 margins, the 22-line grid, page numbers "— 1 —" in 4号 宋体 (odd pages right, one
    character in; even pages left)."""
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
    section.header_distance = Twips(851)
    section.footer_distance = Twips(FOOTER_DISTANCE)
    section.gutter = Twips(0)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    grid.set(qn("w:type"), GRID_TYPE)
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        ppr = p._p.get_or_add_pPr()
        snap(ppr, False)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            _indent_chars(ppr, right=1, size=SIZE_4)
        else:
            _indent_chars(ppr, left=1, size=SIZE_4)
        _run(p, "— ", "song", SIZE_4)
        _field(p, "PAGE", "1", "song", SIZE_4)
        _run(p, " —", "song", SIZE_4)


def title_paragraph(paragraph, title: str, face: str, size: float) -> None:
    """A title broken between words into balanced lines (text/titles.py), one ``w:br`` a break."""
    from jianyan.render.env import title_lines  # lazy: env loads Jinja, which a .docx alone does not need
    for i, line in enumerate(title_lines(title, style.chars_per_line(size))):
        run = _run(paragraph, line, face, size)
        if i:
            run._r.insert(run._r.index(run._r.find(qn("w:t"))), OxmlElement("w:br"))


def _setup(doc) -> None:
    house_defaults(doc)
    normal = doc.styles["Normal"]

    def add_style(name: str, face: str, size: float, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first: int = 0):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.quick_style = True
        set_fonts(st.element.get_or_add_rPr(), FONTS[face], size)
        st.paragraph_format.alignment = align
        if first:
            _indent_chars(st.element.get_or_add_pPr(), first=first, size=size)
        return st

    add_style("专刊正文", "fang", SIZE_3, first=2)
    add_style("专刊标题", "title", SIZE_2, WD_ALIGN_PARAGRAPH.CENTER)
    add_style("专刊一级标题", "hei", SIZE_3, first=2)
    add_style("专刊二级标题", "kai", SIZE_3, first=2)
    add_style("专刊编者按", "kai", SIZE_3, first=2)
    add_style("专刊版记", "fang", SIZE_4, WD_ALIGN_PARAGRAPH.LEFT)
    house_page(doc)


# --- content -----------------------------------------------------------------------------------

def _masthead(doc, ctx: dict[str, Any]) -> None:
    issue, bulletin = ctx["issue"], ctx["bulletin"]
    if not issue["final"] or not issue["public"]:
        p = doc.add_paragraph()
        _exact_lines(p, 28.95)
        if not issue["public"]:
            _run(p, "内部资料　注意保存", "hei", SIZE_3)
        if not issue["final"]:
            _right_tab(p, TEXT_W)
            _run(p, f"\t校样·{issue['status_label']}（未签发）", "hei", 12, color=RGBColor(0x77, 0x77, 0x77))
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(p, MASTHEAD_SIZE * 1.4, before=18, after=6)
    _run(p, bulletin["title"], "title", MASTHEAD_SIZE, color=RED)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(p, 28.95, after=6)
    _run(p, f"第{issue['number']}期（总第{issue['total']}期）", "fang", SIZE_3)
    p = doc.add_paragraph()
    _exact_lines(p, 28.95, after=0)
    ppr = p._p.get_or_add_pPr()
    border(ppr, "bottom", 12, "E60000", space=4)
    _indent_chars(ppr, left=1, right=1)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _right_tab(p, TEXT_W - 2 * 320)
    _run(p, f"{bulletin['compiler']}\t{issue['date_cn']}", "fang", SIZE_3)


STYLE_OF = {"para": "专刊正文", "code": "专刊正文", "quote": "专刊编者按", "note": "专刊编者按",
            "heading1": "专刊一级标题", "heading2": "专刊二级标题", "source": "专刊正文"}
FACE_OF = {"para": "fang", "code": "fang", "quote": "kai", "note": "kai", "heading1": "hei",
           "heading2": "kai", "source": "fang"}


def _articles(doc, ctx: dict[str, Any]) -> None:
    first = True
    size = style.ROLES["headline"][1]  # every item's headline is 2号 小标宋 (style.py)
    for art in ctx["articles"]:
        if art["title"]:
            p = doc.add_paragraph(style="专刊标题")
            _exact_lines(p, size * 1.6, before=28.95, after=28.95)
            p.paragraph_format.keep_with_next = True
            title_paragraph(p, art["title"], "title", size)
        elif not first:
            doc.add_paragraph()
        first = False
        for block in art["blocks"]:
            kind = block["kind"]
            p = doc.add_paragraph(style=STYLE_OF.get(kind, "专刊正文"))
            if kind == "source":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                p.paragraph_format.first_line_indent = Twips(0)
                _indent_chars(p._p.get_or_add_pPr(), right=1)
            if kind.startswith("heading"):
                p.paragraph_format.keep_with_next = True
            for r in block["runs"]:
                _run(p, r["text"], FACE_OF.get(kind, "fang"), None, bold=r["bold"], italic=r["italic"])


def _cell_borders(tc, top: int | None, bottom: int | None) -> None:
    tcpr = tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side, size in (("top", top), ("left", None), ("bottom", bottom), ("right", None)):
        el = OxmlElement(f"w:{side}")
        if size:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tcpr.append(borders)


def _table_props(tbl) -> None:
    """Full width, no side borders (the text box around it puts it at the foot of the page)."""
    tblpr = tbl.tblPr
    for child in list(tblpr):
        tblpr.remove(child)

    def add(tag: str, **attrs: str) -> None:
        el = OxmlElement(f"w:{tag}")
        for k, v in attrs.items():
            el.set(qn(f"w:{k}"), v)
        tblpr.append(el)

    add("tblW", w=str(TEXT_W), type="dxa")
    add("jc", val="center")
    add("tblLayout", type="fixed")
    mar = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "40" if side in ("top", "bottom") else "0")
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.append(mar)
    for col in tbl.tblGrid.findall(qn("w:gridCol")):
        col.set(qn("w:w"), str(TEXT_W))


EMU_PER_TWIP = 635
_BOX = (
    '<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
    '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264" behindDoc="0" '
    'locked="1" layoutInCell="1" allowOverlap="0"><wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>'
    '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
    '<wp:docPr id="1" name="版记"/><wp:cNvGraphicFramePr/>'
    '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
    '<wps:txbx><w:txbxContent/></wps:txbx>'
    '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" anchorCtr="0">'
    '<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
    '</mc:Choice>'
    # Word before 2010 reads the VML text box instead (same place, same content): the 版记 is never lost
    '<mc:Fallback><w:pict><v:rect style="position:absolute;margin-left:0;margin-top:0;width:{w}pt;height:{h}pt;'
    'z-index:251659264;mso-position-horizontal:center;mso-position-horizontal-relative:margin;'
    'mso-position-vertical:bottom;mso-position-vertical-relative:margin" filled="f" stroked="f">'
    '<v:textbox inset="0,0,0,0"><w:txbxContent/></v:textbox>'
    '<w10:wrap type="topAndBottom" anchorx="margin" anchory="margin"/></v:rect></w:pict></mc:Fallback>'
    '</mc:AlternateContent></w:r>')
_BOX_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
           'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
           'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w10="urn:schemas-microsoft-com:office:word"')


def _banji_lines(text: str, first_indent: int) -> int:
    """Lines a 版记 row takes: 4号 characters in the text width less the indents (wrapped under the label)."""
    from jianyan.text.titles import width  # lazy: only to size the 版记's box
    per = (TEXT_W / 20 / SIZE_4) - first_indent - 1
    return max(1, -(-int(width(text) + 0.999) // int(per)))


def _banji(doc, ctx: dict[str, Any]) -> None:
    """The 版记: one full-width column; rules above (0.35 mm), between the lines (0.25 mm) and
    below (0.35 mm); 报/送/发 lines in 4号 仿宋, one character in from each side; then the
    compiling unit and the date of issue. The table sits in a text box anchored to the foot of the
    text area (wrap top and bottom): Word and LibreOffice both put it at the bottom of the last page,
    where a floating table (w:tblpPr) stays in LibreOffice's text flow right after the last paragraph."""
    from docx.oxml import parse_xml  # lazy: only the 版记 needs raw DrawingML
    rows = [f"{r['label']}：{r['text']}" for r in ctx["recipients"]]
    if not rows:
        return
    texts = rows + [f"{ctx['bulletin']['compiler']}\t{ctx['issue']['date_cn']}印发"]
    table = doc.add_table(rows=len(texts), cols=1)
    _table_props(table._tbl)
    last = len(texts) - 1
    lines = 0
    for i, (row, text) in enumerate(zip(table.rows, texts)):
        cell = row.cells[0]
        cell.width = Twips(TEXT_W)
        _cell_borders(cell._tc, 8 if i == 0 else 4, 8 if i == last else None)
        p = cell.paragraphs[0]
        p.style = doc.styles["专刊版记"]
        _exact_lines(p, 28)
        ppr = p._p.get_or_add_pPr()
        if i == last:
            _indent_chars(ppr, left=1, right=1, size=SIZE_4)
            _right_tab(p, TEXT_W - 280)
            lines += 1
        else:
            _indent_chars(ppr, left=3, hanging=2, right=1, size=SIZE_4)
            lines += _banji_lines(text, 3)
        _run(p, text, "fang", SIZE_4)
    tbl = table._tbl
    tbl.getparent().remove(tbl)
    height = lines * 28 * 20 + len(texts) * 80 + 120  # twips: the lines, cell margins, rules
    anchor = doc.add_paragraph()
    _exact_lines(anchor, 1)
    run = parse_xml(_BOX.format(ns=_BOX_NS, cx=TEXT_W * EMU_PER_TWIP, cy=height * EMU_PER_TWIP,
                                w=TEXT_W / 20, h=height / 20))
    anchor._p.append(run)
    for n, content in enumerate(list(run.iter(qn("w:txbxContent")))):  # DrawingML's box, then VML's
        content.append(tbl if n == 0 else copy.deepcopy(tbl))
        content.append(OxmlElement("w:p"))  # a text box's content ends with a paragraph


def build_docx(ctx: dict[str, Any]) -> bytes:
    doc = Document()
    # The default template's body holds one empty paragraph: start clean.
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _setup(doc)
    _masthead(doc, ctx)
    _articles(doc, ctx)
    _banji(doc, ctx)
    if embed_wanted():
        embed_fonts(doc)
    issue = ctx["issue"]
    when = dt.datetime.fromisoformat(issue["date"] + "T00:00:00")
    props = doc.core_properties
    props.title = f"{ctx['bulletin']['title']} 第{issue['number']}期（总第{issue['total']}期）"
    props.author = props.last_modified_by = ctx["bulletin"]["compiler"]
    props.subject = ctx["campaign"]["name"]
    props.keywords = issue["id"]
    props.comments = ""
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return fixed_zip(out.getvalue(), when)


def fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite a zip with one fixed timestamp and fixed attributes: same content → same bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()

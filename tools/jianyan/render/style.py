"""The house style: one set of definitions for every generated document (专刊, 工作通报, 反馈函,
履职档案, letters, the 查重报告), read by the Word writers (docx.py, docmd.py), the HTML/PDF
templates (through the Jinja global ``house``, see env.py) and the Markdown templates.

GB/T 9704-2012: A4, margins top 37 mm / bottom 35 mm / left 28 mm / right 26 mm, text area
156 × 225 mm, 22 lines of 28 characters, body 3号 仿宋, document title 2号 小标宋, 一、 headings
3号 黑体, （一） headings 3号 楷体, 版记 4号 仿宋, page numbers 4号 宋体 "— 1 —". The 版头 (masthead):
the red name of the publication, 第N期, the issuing office on the left and the date on the right,
a red rule across the text area.

信函格式 (the 反馈函 and 催办函, GB/T 9704 §10.1): the issuing office's name (发文机关标志, settings'
organizer) in red 小标宋 centred at the top of page 1, its top edge 30 mm from the top of the page (Word: a
page-anchored frame, docx.page_frame; print CSS: page 1's top margin), a red double rule (上粗下细) 170 mm
long 4 mm under it,
a red double rule (上细下粗) at the foot of page 1, and no page number on page 1.

Item headlines in a 专刊 (decided for issue 20): every item's headline is the title of a document in
its own right, so it is 2号 小标宋 like any 公文 title, whether the issue holds one item or several.
Titles are broken only between words and balanced across lines (text/titles.py).

Fonts: each role names the font a Chinese office has (仿宋_GB2312, 方正小标宋简体, …). Word files carry a
font table entry per font with ``altName`` (the name Windows ships: 仿宋, 楷体, 宋体), panose,
charset 86 (GB2312), family and pitch, so Word and WPS substitute a look-alike when the original is
missing. LibreOffice 7.4 ignores those (measured) and asks fontconfig by name: the fontconfig file
``jianyan/data/fonts.conf`` maps each name to a free font of the same kind (FandolFang for 仿宋, …).
"""
from __future__ import annotations

from dataclasses import dataclass

# --- page ---------------------------------------------------------------------------------------
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = 156
TEXT_HEIGHT_MM = 225
LINES, CHARS = 22, 28
LINE_PITCH_PT = 28.95  # 225 mm / 22 lines
FOOTER_MM = 23  # page number about 7 mm below the text area

# --- type sizes (points) -----------------------------------------------------------------------
SIZES = {"小初": 36, "一号": 26, "二号": 22, "小二": 18, "三号": 16, "四号": 14, "小四": 12, "五号": 10.5}
BODY = SIZES["三号"]
TITLE = SIZES["二号"]  # a document title and every 专刊 item headline
MASTHEAD = SIZES["小初"]  # the red name in a 版头
BANJI = SIZES["四号"]
PAGE_NUMBER = SIZES["四号"]
TABLE = SIZES["小四"]
CAPTION = SIZES["小四"]

RED = "E60000"

# --- 信函格式 (letters) -------------------------------------------------------------------------
LETTER_RULE_MM = 170  # both red double rules: 7 mm past the text area on each side
LETTER_RULE_PT = (2.25, 0.75)  # 上粗下细 under the name; the foot of page 1 the other way round
LETTER_RULE_GAP_PT = 1.0
LETTERHEAD_TOP_MM = 30  # the 发文机关标志's top edge from the top of page 1 (GB/T 9704 §10.1)


@dataclass(frozen=True)
class Face:
    """A font role: the name documents use, its Windows alternate, and what substitution needs."""

    name: str  # the font a Chinese office uses
    alt: str  # Word's altName: the font Windows ships under another name
    panose: str
    family: str  # Word font family: roman | swiss | modern | script | decorative | auto
    pitch: str
    css: str  # CSS stack: the original names, then the free look-alikes fontconfig maps them to
    serif: bool = True


FACES: dict[str, Face] = {
    "fang": Face("仿宋_GB2312", "仿宋", "02010609030101010101", "modern", "fixed",
                 '"仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "FandolFang", '
                 '"AR PL KaitiM GB", "Noto Serif CJK SC", serif'),
    "kai": Face("楷体_GB2312", "楷体", "02010609030101010101", "modern", "fixed",
                '"楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "AR PL KaitiM GB", "FandolKai", '
                '"Noto Serif CJK SC", serif'),
    "hei": Face("黑体", "SimHei", "02010609060101010101", "modern", "fixed",
                '"黑体", "SimHei", "STHeiti", "Noto Sans CJK SC", "FandolHei", sans-serif', serif=False),
    "song": Face("宋体", "SimSun", "02010600030101010101", "auto", "variable",
                 '"宋体", "SimSun", "STSong", "Noto Serif CJK SC", "FandolSong", serif'),
    "title": Face("方正小标宋简体", "宋体", "02000000000000000000", "auto", "variable",
                  '"方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", '
                  '"Noto Serif CJK SC", serif'),
}
CHARSET_GB2312 = "86"

# What each kind of text is set in: (face, size in points).
ROLES = {
    "masthead": ("title", MASTHEAD),
    "title": ("title", TITLE),
    "headline": ("title", TITLE),  # a 专刊 item's headline
    "heading1": ("hei", BODY),
    "heading2": ("kai", BODY),
    "body": ("fang", BODY),
    "note": ("kai", BODY),
    "banji": ("fang", BANJI),
    "page_number": ("song", PAGE_NUMBER),
    "table": ("fang", TABLE),
    "table_header": ("hei", TABLE),
    "caption": ("hei", CAPTION),
}


def chars_per_line(size_pt: float, width_mm: float = TEXT_WIDTH_MM) -> int:
    """How many full-width characters of ``size_pt`` fit in a line of ``width_mm``."""
    return max(1, int(width_mm / 25.4 * 72 / size_pt + 1e-6))


def letterhead_size(name: str) -> float:
    """The 发文机关标志's size: 小初 when the name fits the text width, smaller (whole points) when not
    (“中国人民政治协商会议××省委员会办公厅” is 19 characters)."""
    return float(min(MASTHEAD, int(TEXT_WIDTH_MM / 25.4 * 72 / max(len(name), 1))))


def css_letter() -> str:
    """The 信函 page: the name, the double rules (170 mm, 上粗下细 under the name, 上细下粗 at the foot),
    no page number on page 1."""
    thick, thin = LETTER_RULE_PT
    over = (LETTER_RULE_MM - TEXT_WIDTH_MM) / 2
    rule = (f"border: 0; box-sizing: content-box; width: {LETTER_RULE_MM}mm; height: {LETTER_RULE_GAP_PT}pt; "
            f"margin: 0 0 {LINE_PITCH_PT}pt -{over}mm; "
            f"border-top: {thick}pt solid var(--red); border-bottom: {thin}pt solid var(--red);")
    foot = (f"content: \"\"; width: {LETTER_RULE_MM}mm; border-top: {thin}pt solid #{RED.lower()}; border-bottom: {thick}pt solid #{RED.lower()}; "
            f"height: {LETTER_RULE_GAP_PT}pt; vertical-align: top; margin-top: {MARGINS_MM['bottom'] - 20}mm;")
    m = MARGINS_MM
    # Chromium clips what overflows the page's margins: the page is 7 mm wider each side and the text
    # kept within 156 mm by the sheet's padding; the name and the rule take the full 170 mm.
    return (f"@page {{ margin-left: {m['left'] - over}mm; margin-right: {m['right'] - over}mm; }}\n"
            f"@page :right {{ @bottom-right {{ padding-right: calc(1em + {over}mm); }} }}\n"
            f"@page :left {{ @bottom-left {{ padding-left: calc(1em + {over}mm); }} }}\n"
            f"@page :first {{ margin-top: {LETTERHEAD_TOP_MM}mm; @bottom-right {{ content: none; }} @bottom-left {{ content: none; }}\n"
            f"  @bottom-center {{ {foot} }} }}\n"
            f"@media print {{ .sheet {{ padding: 0 {over}mm; }} }}\n"
            f"p.letterhead {{ font-family: var(--title); color: var(--red); text-align: center; text-indent: 0; "
            f"letter-spacing: 0; line-height: 1; margin: 0 -{over}mm 4mm; }}\n"
            f"p.letterhead + hr {{ {rule} }}\n"
            # a phone: the name on one line within the screen, the rule as wide as the text
            f"@media screen and (max-width: 230mm) {{ p.letterhead {{ margin: 0 0 4mm; font-size: 7vw !important; }}\n"
            f"  p.letterhead + hr {{ width: auto; margin-left: 0; }} }}")


def css_root() -> str:
    """The CSS custom properties every HTML template starts from (fonts, sizes, page, red)."""
    lines = [f"  --{key}: {face.css};" for key, face in FACES.items()]
    lines += [
        f"  --red: #{RED.lower()};",
        f"  --size: {BODY}pt;",
        f"  --title-size: {TITLE}pt;",
        f"  --masthead-size: {MASTHEAD}pt;",
        f"  --banji-size: {BANJI}pt;",
        f"  --table-size: {TABLE}pt;",
        f"  --pitch: {LINE_PITCH_PT}pt;",
        f"  --text-width: {TEXT_WIDTH_MM}mm;",
    ]
    return ":root {\n" + "\n".join(lines) + "\n}"


def css_page() -> str:
    """The printed page: A4, GB/T 9704 margins, "— 1 —" page numbers outside (odd right, even left)."""
    m = MARGINS_MM
    # The page-margin boxes see neither :root's custom properties nor the page's @font-face fonts
    # (Chromium 156, measured): the stack is written out, and the digits and dashes (GB/T 9704: 半角
    # 阿拉伯数字) come from a TrueType Latin face, which Chromium embeds as a real font, not Type 3.
    number = (f'content: "— " counter(page) " —"; font-family: "Times New Roman", "Liberation Serif", {FACES["song"].css}; '
              f"font-size: {PAGE_NUMBER}pt; vertical-align: top; padding-top: 7mm;")
    return (f"@page {{ size: A4; margin: {m['top']}mm {m['right']}mm {m['bottom']}mm {m['left']}mm; }}\n"
            f"@page :right {{ @bottom-right {{ {number} padding-right: 1em; }} }}\n"
            f"@page :left {{ @bottom-left {{ {number} padding-left: 1em; }} }}")


def template_vars() -> dict:
    """What templates see as ``house``."""
    return {
        "css_root": css_root(), "css_page": css_page(), "css_letter": css_letter(),
        "fonts": {k: f.css for k, f in FACES.items()},
        "sizes": dict(SIZES), "body": BODY, "title": TITLE, "masthead": MASTHEAD, "red": "#" + RED.lower(),
        "title_chars": chars_per_line(TITLE), "text_width_mm": TEXT_WIDTH_MM,
    }

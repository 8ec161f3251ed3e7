"""Every document a leader or member reads (专刊, 工作通报, 反馈函, 履职档案) as printed: the Word file opened
by LibreOffice (the closest stand-in here for WPS and for Word without the official fonts) and the HTML
printed by Chromium, both read back with poppler (pdftotext, pdffonts). Issue 20.

All conversions happen once, in one module fixture: the documents are built in process, LibreOffice
converts the four .docx in one call (with jianyan's fontconfig file, as the docs tell users to run it),
Chromium prints each HTML once (the 专刊's PDF is the one `jianyan issue build` makes).
Title breaking and table column widths are tested as functions, without any conversion."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from docx import Document

from conftest import ROOT, copy_campaign, invoke

DOCS = ("issue", "circular", "feedback", "record")
RENDERERS = ("libreoffice", "chromium")
FONTS_CONF = ROOT / "tools/jianyan/data/fonts.conf"
PAGE_NUMBER = re.compile(r"^[—-]\s*\d+\s*[—-]$")
XHTML = "{http://www.w3.org/1999/xhtml}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _run(*cmd: str, env: dict | None = None) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300, env=env).stdout


class Printed:
    """A PDF as poppler reads it: the text of each page, its text lines with their positions, its fonts."""

    def __init__(self, path: Path):
        self.path = path
        self.pages = _run("pdftotext", "-layout", str(path), "-").split("\f")[:-1]
        self.raw = _run("pdftotext", "-raw", str(path), "-")  # in drawing order: a table cell's lines together
        self.lines: list[list[tuple[float, str]]] = []  # per page: (bottom y, text) top to bottom
        self.tops: list[list[float]] = []  # per page: the top y of each text line, top to bottom
        tree = ET.fromstring(_run("pdftotext", "-bbox-layout", str(path), "-"))
        for page in tree.iter(f"{XHTML}page"):
            self.height = float(page.get("height"))
            rows = [(float(line.get("yMax")), "".join(w.text or "" for w in line.iter(f"{XHTML}word")))
                    for line in page.iter(f"{XHTML}line")]
            self.lines.append(sorted(rows))
            self.tops.append(sorted(float(line.get("yMin")) for line in page.iter(f"{XHTML}line")))
        self.fonts = [line.split()[:3] for line in _run("pdffonts", str(path)).splitlines()[2:]]

    @property
    def text(self) -> str:
        """All text in drawing order, no whitespace, no page numbers."""
        return squeeze("".join(line for line in self.raw.splitlines() if not PAGE_NUMBER.match(line.strip())))

    def body_lines(self, page: int) -> list[tuple[float, str]]:
        return [(y, t) for y, t in self.lines[page] if t.strip() and not PAGE_NUMBER.match(t.strip())]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert soffice and chromium, "LibreOffice and Chromium are needed (see .ci/run)"
    tmp = tmp_path_factory.mktemp("documents")
    root = copy_campaign(tmp / "campaign")
    for args in (("issue", "build"),
                 ("circular", "--from", "2021-03-01", "--to", "2021-07-31", "--number", "1"),
                 ("feedback", "--from", "2021-03-01", "--to", "2021-07-31", "--unit", "minge"),
                 ("record", "刘某某", "--year", "2021", "--to", "2021-12-31"),
                 ("remind", "--as-of", "2021-06-10")):
        result = invoke(root, *args)
        assert result.code == 0, result
    build = root / "build"
    sources = {"issue": build / "issues/2021-005", "circular": build / "circular/2021-03-01_2021-07-31/circular",
               "feedback": build / "feedback/2021-03-01_2021-07-31/unit-minge", "record": build / "records/2021/刘某某"}
    words, chromed = tmp / "docx", tmp / "chromium"
    words.mkdir()
    chromed.mkdir()
    for name, stem in sources.items():
        shutil.copy(stem.with_suffix(".docx"), words / f"{name}.docx")
    # the record again with its fonts embedded (JIANYAN_EMBED_FONTS=subset), converted last: the first file
    # of the session to embed them (LibreOffice keeps one embedded font per name per session, fontembed.py)
    assert invoke(root, "record", "刘某某", "--year", "2021", "--to", "2021-12-31",
                  env={"JIANYAN_EMBED_FONTS": "subset"}).code == 0
    shutil.copy(sources["record"].with_suffix(".docx"), words / "zz-embedded.docx")
    # LibreOffice converts the four files in one run while Chromium prints the three HTML files; its
    # fontconfig is jianyan's plus a stand-in for an installed official 楷体_GB2312 (AR PL KaitiM GB under
    # that name, weight Regular), which must win over the 楷 look-alike the files embed
    env = {**os.environ, "FONTCONFIG_FILE": _official_kai(tmp, sorted(words.glob("*.docx")))}
    office = subprocess.Popen([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to",
                               "pdf", "--outdir", str(tmp / "libreoffice"), *sorted(str(p) for p in words.glob("*.docx"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    from jianyan.render.pdf import html_to_pdf
    try:
        for name, stem in sources.items():
            if name == "issue":  # the PDF `jianyan issue build` made
                shutil.copy(stem.with_suffix(".pdf"), chromed / "issue.pdf")
            else:
                html = stem.with_suffix(".html").read_text(encoding="utf-8")
                (chromed / f"{name}.pdf").write_bytes(html_to_pdf(html, dt.date(2021, 7, 31), chromium))
    finally:
        assert office.wait(timeout=600) == 0
    out = {name: {"docx": Document(words / f"{name}.docx"),
                  "libreoffice": Printed(tmp / "libreoffice" / f"{name}.pdf"),
                  "chromium": Printed(chromed / f"{name}.pdf")} for name in DOCS}
    out["embedded"] = {"docx": Document(words / "zz-embedded.docx"),
                       "libreoffice": Printed(tmp / "libreoffice" / "zz-embedded.pdf")}
    remind = next((build / "remind/2021-06-10").glob("*.docx"))  # read, not converted: the letters share one path
    out["remind"] = {"docx": Document(remind), "html": remind.with_suffix(".html").read_text(encoding="utf-8")}
    return out


STAND_IN = "OfficialKaiStandIn"


def _official_kai(tmp: Path, docx: list[Path]) -> str:
    """A fontconfig file: jianyan's, and a folder holding a 楷体_GB2312 made from AR PL KaitiM GB's glyphs
    of the documents' 楷 characters (PostScript name STAND_IN)."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont
    from jianyan.render.fontembed import characters
    folder = tmp / "installed"
    folder.mkdir()
    chars = "".join(sorted({c for path in docx for c in characters(Document(path)).get("kai", "")}))
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    font = TTFont("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", lazy=True)
    options = subset.Options()
    options.layout_features = []
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    names = font["name"]
    names.names = [r for r in names.names if r.nameID not in (1, 2, 3, 4, 6, 16, 17)]
    for name_id, value in ((1, "楷体_GB2312"), (2, "Regular"), (3, STAND_IN), (4, "楷体_GB2312"), (6, STAND_IN)):
        names.setName(value, name_id, 3, 1, 0x409)
    font["OS/2"].usWeightClass = 400
    font.save(folder / "standin.ttf")
    conf = tmp / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>'
                    f"<include>{FONTS_CONF}</include><dir>{folder}</dir><cachedir>{tmp / 'fc-cache'}</cachedir>"
                    "</fontconfig>\n", encoding="utf-8")
    return str(conf)


def _paragraphs(doc) -> list[str]:
    """The Word file's own paragraphs (not tables or the 版记's box), whitespace dropped; the proof mark,
    which the HTML floats to the right of the secrecy line, left out."""
    return [t for p in doc.paragraphs if (t := squeeze(p.text)) and "校样" not in t and not _framed(p)]


def _framed(p) -> bool:
    """A paragraph placed on the page by a frame (the 信函's name), drawn apart from the text flow."""
    return p._p.pPr is not None and p._p.pPr.find(f"{W}framePr") is not None


def _headings(doc) -> list[str]:
    return [squeeze(p.text) for p in doc.paragraphs
            if p.paragraph_format.keep_with_next and squeeze(p.text) and p.runs and not p.runs[0].font.color.rgb]


def _header_tables(doc) -> list[tuple[list[str], list[str]]]:
    """Tables whose first row repeats on each page: (header cells, first cells of the other rows)."""
    out = []
    for table in doc.tables:
        first = table.rows[0]._tr
        if first.trPr is not None and first.trPr.find(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None:
            out.append(([squeeze(c.text) for c in table.rows[0].cells],
                        [squeeze(r.cells[0].text) for r in table.rows[1:]]))
    return out


pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", DOCS)
def test_every_paragraph_is_printed_whole_and_in_order(documents, name, renderer):
    doc, pdf = documents[name]["docx"], documents[name][renderer]
    text, at = pdf.text, 0
    assert all(squeeze(p.text) in text for p in doc.paragraphs if _framed(p))
    for para in _paragraphs(doc):
        found = text.find(para, at)
        assert found >= 0, f"{renderer} lost text of “{para[:40]}…” (after position {at})"
        at = found + len(para)
    for table in doc.tables:
        if len(table.columns) > 8:  # a bar chart drawn as shaded cells (an SVG in the HTML)
            continue
        for row in table.rows:
            for cell in row.cells:
                assert squeeze(cell.text) in text
    if name == "issue":
        assert "用于社区产业。三是" in text  # the “。” ending a full line (issue 20)


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", DOCS)
def test_chinese_quotation_marks_stay_chinese(documents, name, renderer):
    doc, pdf = documents[name]["docx"], documents[name][renderer]
    source = "".join(_paragraphs(doc))
    assert '"' not in pdf.text
    assert pdf.text.count("“") >= source.count("“") and pdf.text.count("”") >= source.count("”")
    if renderer == "libreoffice":
        # every run's Latin font is the Chinese one: no Latin face draws a “ half-width next to a digit
        latin = [f for f, *_ in pdf.fonts if re.search(r"Liberation|DejaVu|Times", f)]
        assert not latin, latin


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", DOCS)
def test_no_heading_ends_a_page(documents, name, renderer):
    doc, pdf = documents[name]["docx"], documents[name][renderer]
    headings = _headings(doc)
    assert headings or name == "record"
    for page in range(len(pdf.lines) - 1):
        lines = pdf.body_lines(page)
        if not lines:
            continue
        last = squeeze(lines[-1][1])
        stranded = [h for h in headings if len(last) >= 4 and h.endswith(last)]
        assert not stranded, f"{renderer} page {page + 1} ends with heading {stranded}"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_table_split_over_pages_repeats_its_header(documents, renderer):
    doc, pdf = documents["circular"]["docx"], documents["circular"][renderer]
    split = 0
    pages_text = [squeeze(p) for p in pdf.raw.split("\f")]
    for header, firsts in _header_tables(doc):
        # the table runs from the page holding its header and first row to the first page after that
        # holding its last row
        start = next(i for i, p in enumerate(pages_text) if all(h in p for h in header) and firsts[0] in p)
        end = next(i for i in range(start, len(pages_text)) if firsts[-1] in pages_text[i])
        pages = range(start, end + 1)
        if len(pages) > 1:
            split += 1
        for i in pages:
            page = pages_text[i]
            assert all(h in page for h in header), f"{renderer} page {i + 1}: header {header} not repeated"
    assert split, "the circular has a table running over a page (the test needs one)"


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", DOCS)
def test_body_and_titles_are_in_song_and_fangsong_faces(documents, name, renderer):
    fonts = [f for f, *_ in documents[name][renderer].fonts]
    assert any(re.search(r"Fang|仿宋", f) for f in fonts), fonts  # body: 仿宋 or its look-alike
    assert any(re.search(r"Song|Serif|小标宋", f) for f in fonts if "Liberation" not in f), fonts  # titles
    assert not [f for f in fonts if "Sans" in f], fonts  # no fallback to a sans face


def test_libreoffice_uses_the_embedded_look_alikes_and_an_installed_official_font(documents):
    """A record with JIANYAN_EMBED_FONTS=subset carries subsets of the free look-alikes (fontembed.py),
    which LibreOffice uses for the official names it lacks (its PDF names them …-Jianyan); where an
    official font is installed (the stand-in 楷体_GB2312) it wins over the embedded one. Every character
    is printed, in order."""
    from jianyan.render.fontembed import characters
    doc, pdf = documents["embedded"]["docx"], documents["embedded"]["libreoffice"]
    fonts = [f.split("+")[-1] for f, *_ in pdf.fonts]
    assert {"FandolFang-Jianyan", "FandolHei-Jianyan"} <= set(fonts), fonts  # from the file itself
    assert "kai" in characters(doc) and STAND_IN in fonts and "FandolKai-Jianyan" not in fonts, fonts
    assert not [f for f in fonts if "Sans" in f or not f.endswith("-Jianyan") and f != STAND_IN], fonts
    text, at = pdf.text, 0
    for para in _paragraphs(doc):
        at = text.find(para, at)
        assert at >= 0, para


@pytest.mark.parametrize("renderer", RENDERERS)
def test_banji_sits_at_the_foot_of_the_last_page(documents, renderer):
    pdf = documents["issue"][renderer]
    lines = pdf.body_lines(len(pdf.lines) - 1)
    printed = [y for y, t in lines if "印发" in t]
    assert printed and printed[-1] > 0.8 * pdf.height, (renderer, printed, pdf.height)
    assert "报：" in squeeze(pdf.pages[-1])


@pytest.mark.parametrize("name", DOCS)
def test_chromium_embeds_real_fonts_not_type3(documents, name):
    fonts = documents[name]["chromium"].fonts
    assert fonts and all(f[1:3] != ["Type", "3"] for f in fonts), fonts


def _red_share(pdf: Path, top: float) -> float:
    """The share of reddish pixels in the top ``top`` of page 1, rendered small."""
    data = subprocess.run(["pdftoppm", "-r", "20", "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                          check=True, timeout=60).stdout
    magic, width, height, _, pixels = data.split(maxsplit=4)
    assert magic == b"P6"
    width, height = int(width), int(height)
    rows = pixels[:width * int(height * top) * 3]
    red = sum(1 for i in range(0, len(rows), 3) if rows[i] > 180 and rows[i + 1] < 110 and rows[i + 2] < 110)
    return red / (len(rows) / 3)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_letter_has_its_letterhead(documents, renderer):
    """信函格式 (GB/T 9704 §10.1): the issuing office's name in red at the top of page 1 over a red double
    rule, no page number on page 1."""
    pdf = documents["feedback"][renderer]
    first = pdf.body_lines(0)
    y, text = first[0]
    assert squeeze(text) == "政协山东省委员会办公厅" and y < 0.3 * pdf.height, first[:2]  # settings.organizer
    top = pdf.tops[0][0] / 72 * 25.4  # its line's top edge, mm from the top of the page
    assert 27 <= top <= 31, top  # GB/T 9704 §10.1: 上边缘至上页边 30 mm (was 40 in Word)
    assert "关于" in squeeze(first[1][1])  # the title under it
    assert not [t for _, t in pdf.lines[0] if PAGE_NUMBER.match(t.strip())], "page 1 of a 信函 has no page number"
    assert _red_share(pdf.path, 0.3) > 0.01  # the name and the rule are red


def test_both_letters_share_the_letterhead(documents):
    """The 催办函 has the same head as the 反馈函 (one definition: docmd and style.css_letter)."""
    for name in ("feedback", "remind"):
        doc = documents[name]["docx"]
        head = doc.paragraphs[0]
        assert head.text == "政协山东省委员会办公厅" and str(head.runs[0].font.color.rgb) == "E60000"
        rule = head._p.pPr.find(f"{W}pBdr/{W}bottom")
        assert rule is not None and rule.get(f"{W}val") == "thickThinSmallGap"  # 上粗下细
        assert head._p.pPr.find(f"{W}framePr").get(f"{W}vAnchor") == "page"  # placed from the page's top edge
        assert doc.sections[0].different_first_page_header_footer  # page 1: the foot rule, no number
    html = documents["remind"]["html"]
    assert '<p class="letterhead"' in html and "p.letterhead + hr" in html


def test_the_banji_box_has_a_fallback_for_word_before_2010(documents):
    """Word 2007 reads no DrawingML text box (mc:Choice Requires="wps"): the VML box in mc:Fallback holds
    the same 版记, anchored the same way, so no reader loses the 报/送/发 lines."""
    body = documents["issue"]["docx"].element.body
    mc = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
    boxes = list(body.iter(f"{mc}AlternateContent"))
    assert boxes
    for box in boxes:
        choice, fallback = box.find(f"{mc}Choice"), box.find(f"{mc}Fallback")
        assert fallback is not None
        text = ["".join(t.text or "" for t in part.iter(f"{W}t")) for part in (choice, fallback)]
        assert "报：" in text[0] and text[0] == text[1]
        rect = fallback.find(".//{urn:schemas-microsoft-com:vml}rect")
        assert "mso-position-vertical:bottom" in rect.get("style")

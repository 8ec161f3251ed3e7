"""Bulletin outputs as a reader sees them: Word XML, PDF text, LibreOffice, HTML/Markdown escaping,
byte-identical rebuilds, template errors. Needs chromium, poppler-utils and LibreOffice (.ci/run)."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import copy_campaign, invoke

pytestmark = pytest.mark.e2e  # the PDF is printed by Chromium, the .docx opened by LibreOffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
INJECTED = "注入测试 {{ 7*7 }} 与 {% if true %}模板{% endif %} 以及 <script>alert(1)</script> 结束"


def _inject(root: Path) -> None:
    """Put template syntax and a script tag into the latest issue's text and into a title."""
    path = root / "issues/2021/005.md"
    text = path.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    body = body.replace("## 推进黄河滩区迁建社区后续产业发展",
                        "## 推进黄河滩区迁建{{ 7*7 }}<b>社区</b>", 1)
    path.write_text(head + "\n---\n" + INJECTED + "\n\n" + body, encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_campaign(tmp_path_factory.mktemp("render") / "campaign")
    _inject(root)
    result = invoke(root, "issue", "build")
    assert result.code == 0, result
    return root


def out(root: Path, ext: str) -> Path:
    return root / "build" / "issues" / f"2021-005.{ext}"


def test_build_writes_four_files_for_the_latest_issue(built):
    for ext in ("html", "md", "docx", "pdf"):
        assert out(built, ext).stat().st_size > 1000, ext


def _docx_xml(root: Path, part: str) -> str:
    with zipfile.ZipFile(out(root, "docx")) as z:
        return z.read(part).decode("utf-8")


def test_docx_page_margins_and_grid(built):
    doc = _docx_xml(built, "word/document.xml")
    sect = re.search(r"<w:sectPr.*?</w:sectPr>", doc, re.S).group(0)
    assert re.search(r'<w:pgSz w:w="11906" w:h="16838"', sect)  # A4
    for attr, value in (("top", 2098), ("bottom", 1984), ("left", 1587), ("right", 1474)):
        assert f'w:{attr}="{value}"' in sect, attr
    grid = re.search(r"<w:docGrid [^>]*/>", sect).group(0)
    assert 'w:linePitch="579"' in grid  # 22 lines in the 225 mm text area
    styles = _docx_xml(built, "word/styles.xml")
    # 28 characters a line: 16 pt characters tightened by 0.25 pt fit 156 mm (8845 twips) 28 times
    tighten = int(re.search(r'<w:rPrDefault><w:rPr>.*?<w:spacing w:val="(-?\d+)"', styles, re.S).group(1))
    assert int(8845 / (16 * 20 + tighten)) == 28


def test_docx_east_asian_fonts_and_sizes(built):
    doc = _docx_xml(built, "word/document.xml")
    styles = _docx_xml(built, "word/styles.xml")
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert 'w:eastAsia="仿宋_GB2312"' in defaults and 'w:hint="eastAsia"' in defaults
    assert '<w:sz w:val="32"/>' in defaults  # 3号
    assert 'w:eastAsia="zh-CN"' in defaults
    assert "Theme" not in defaults  # theme fonts would override eastAsia
    # the article title: 2号 (or 小二 when several) 方正小标宋简体; runs carry their own East-Asian font
    runs = re.findall(r"<w:r>.*?</w:r>", doc, re.S)
    title_run = next(r for r in runs if "支持海洋科技企业牵头组建创新联合体" in r)
    assert 'w:eastAsia="方正小标宋简体"' in title_run and re.search(r'<w:sz w:val="(44|36)"/>', title_run)
    body_run = next(r for r in runs if "青岛集聚全国" in r)
    assert 'w:eastAsia="仿宋_GB2312"' in body_run and 'w:hint="eastAsia"' in body_run
    assert '<w:lang w:val="en-US" w:eastAsia="zh-CN"/>' in body_run


def test_docx_masthead_red_rule_and_banji(built):
    doc = _docx_xml(built, "word/document.xml")
    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", doc))
    assert "为七个求突破建言专刊" in text and "第5期（总第5期）" in text
    masthead = next(r for r in re.findall(r"<w:r>.*?</w:r>", doc, re.S) if "为七个求突破建言专刊" in r)
    assert '<w:color w:val="E60000"/>' in masthead
    assert re.search(r'<w:bottom w:val="single" w:sz="12" w:space="\d+" w:color="E60000"/>', doc)  # red rule
    for line in ("报：省委、省人大常委会、省政府、省政协领导同志", "送：", "发：", "省政协研究室", "2021年3月30日印发"):
        assert line in text, line
    box = re.search(r"<wp:anchor .*?</wp:anchor>", doc, re.S).group(0)  # 版记 at the foot of the last page:
    assert '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align>' in box  # a text box anchored there
    table = re.search(r"<w:tbl>.*?</w:tbl>", box, re.S).group(0)
    assert 'w:sz="8"' in table and 'w:sz="4"' in table  # 0.35 mm outer rules, thinner inner ones
    assert '<w:sz w:val="28"/>' in table  # 4号


def test_docx_page_numbers_alternate_sides(built):
    settings = _docx_xml(built, "word/settings.xml")
    assert "<w:evenAndOddHeaders/>" in settings
    doc = _docx_xml(built, "word/document.xml")
    refs = dict((kind, rid) for kind, rid in re.findall(r'<w:footerReference w:type="(\w+)" r:id="(\w+)"/>', doc))
    assert set(refs) >= {"default", "even"}
    rels = _docx_xml(built, "word/_rels/document.xml.rels")
    for kind, align in (("default", "right"), ("even", "left")):
        target = re.search(rf'Id="{refs[kind]}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{refs[kind]}"', rels)
        footer = _docx_xml(built, "word/" + (target.group(1) or target.group(2)))
        assert f'<w:jc w:val="{align}"/>' in footer
        assert 'w:fldCharType="begin"' in footer and "PAGE" in footer
        shown = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", footer))
        assert shown.replace(" ", "") == "—1—"


def test_docx_zip_has_fixed_timestamps(built):
    with zipfile.ZipFile(out(built, "docx")) as z:
        stamps = {info.date_time for info in z.infolist()}
    assert stamps == {(2021, 3, 30, 0, 0, 0)}


def test_pdf_text_shows_masthead_number_article_and_banji(built):
    text = subprocess.run(["pdftotext", "-layout", str(out(built, "pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for expected in ("为七个求突破建言专刊", "第5期（总第5期）", "省政协研究室", "2021年3月30日",
                     "支持海洋科技企业牵头组建创新联合体", "（致公党山东省委会）",
                     "报：省委、省人大常委会、省政府、省政协领导同志", "2021年3月30日印发", "—1—"):
        assert expected in flat, expected
    assert "{{7*7}}" in flat and "<script>alert(1)</script>" in flat and "49" not in flat.split("注入测试")[1][:20]
    info = subprocess.run(["pdfinfo", str(out(built, "pdf"))], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert "2021" in re.search(r"CreationDate:(.*)", info).group(1)  # normalised to the issue date


def test_libreoffice_opens_the_docx(built, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed (apt-get install libreoffice-writer-nogui; see .ci/run)"
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out(built, "docx"))],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "2021-005.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "为七个求突破建言专刊" in flat and "第5期（总第5期）" in flat and "印发" in flat
    assert "{{7*7}}" in flat


def test_html_escapes_injected_markup(built):
    html = out(built, "html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "{% if true %}" in html
    assert "&lt;b&gt;社区&lt;/b&gt;" in html  # in a title too
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no external resources
    assert "@media print" in html and "@page" in html


def test_markdown_output_shows_injected_text_literally(built):
    md = out(built, "md").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" not in md  # braces escaped too, so no later Jinja/Liquid step can run them
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)  # a forge preview allows raw HTML
    assert "{{ 7*7 }}" in rendered and "{% if true %}模板{% endif %}" in rendered
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "<b>社区</b>" not in rendered
    assert "报：省委" in md and "第5期（总第5期）" in md


def test_rebuild_is_byte_identical(built, cli):
    before = {ext: out(built, ext).read_bytes() for ext in ("html", "md", "docx", "pdf")}
    result = cli(built, "issue", "build", "2021-005")
    assert result.code == 0, result
    for ext, data in before.items():
        assert out(built, ext).read_bytes() == data, ext


def test_bad_template_gives_chinese_error_with_file_and_line_and_no_output(campaign, cli):
    (campaign / "templates").mkdir(exist_ok=True)
    (campaign / "templates" / "issue.md.j2").write_text(
        "# {{ bulletin.title }}\n\n第{{ issue.numbr }}期\n", encoding="utf-8")
    result = cli(campaign, "issue", "build", "--no-pdf")
    assert result.code == 1
    assert "templates/issue.md.j2:3" in result.err and "numbr" in result.err and "未生成任何文件" in result.err
    assert "Traceback" not in result.err
    assert not (campaign / "build").exists()
    (campaign / "templates" / "issue.md.j2").write_text("{% if %}\n", encoding="utf-8")
    result = cli(campaign, "issue", "build", "--no-pdf")
    assert result.code == 1 and "templates/issue.md.j2:1" in result.err and "语法" in result.err


def test_campaign_template_can_extend_the_default(campaign, cli):
    (campaign / "templates").mkdir(exist_ok=True)
    (campaign / "templates" / "issue.html.j2").write_text(
        '{% extends "default/issue.html.j2" %}{% block banji %}<p>本期另行分送</p>{% endblock %}', encoding="utf-8")
    result = cli(campaign, "issue", "build", "--format", "html")
    assert result.code == 0, result
    html = (campaign / "build/issues/2021-005.html").read_text(encoding="utf-8")
    assert "本期另行分送" in html and "为七个求突破建言专刊" in html and "报：" not in html


def test_missing_field_names_file_and_line(campaign, cli):
    path = campaign / "issues/2021/005.md"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2021-03-30\n", ""), encoding="utf-8")
    result = cli(campaign, "issue", "build", "2021-005", "--no-pdf")
    assert result.code == 2
    assert "issues/2021/005.md:" in result.err and "date" in result.err
    assert not (campaign / "build").exists()


def test_pdf_skipped_with_message_when_chromium_is_missing(campaign, cli):
    result = cli(campaign, "issue", "build", env={"JIANYAN_CHROMIUM": "none"})
    assert result.code == 0, result
    assert "未找到 Chromium" in result.err
    for ext in ("html", "md", "docx"):
        assert (campaign / f"build/issues/2021-005.{ext}").is_file()
    assert not (campaign / "build/issues/2021-005.pdf").exists()

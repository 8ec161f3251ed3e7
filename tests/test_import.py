"""`jianyan import`: real .docx files (made here by python-docx and by LibreOffice) → submissions."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from jianyan.campaign.frontmatter import read_markdown
from jianyan.importing.word import ImportFailure, ImportedTitles, Planned
from jianyan.text.markdown import plain_text

TITLE = "关于加快黄河流域生态保护补偿机制建设的建议"
OPENING = ("黄河流域生态保护补偿是推动“共同抓好大保护、协同推进大治理”的重要抓手。2020年，我省与河南省签订"
           "黄河流域首个省际横向生态补偿协议，但省内市际补偿仍以纵向转移支付为主，补偿标准偏低，"
           "上下游之间的“受益者付费、保护者受偿”机制尚未建立。")
PROBLEM_1 = "一是补偿资金来源单一。省级财政资金占补偿资金的九成以上，社会资本和受益地区参与不足。"
PROBLEM_2 = "二是补偿标准与保护成本脱节。部分县区每年退耕还林、关停企业的机会成本超过3亿元，所获补偿不足五分之一。"
SUGGEST = ["建立市际横向补偿机制，按跨界断面水质和水量确定补偿额度。",
           "设立黄河流域生态保护基金，吸引社会资本参与，2022年底前形成稳定投入渠道。",
           "健全考核评估办法，把补偿资金绩效纳入对市县的高质量发展综合绩效考核。"]
TABLE = [["指标", "2019年", "2020年"], ["补偿资金（亿元）", "12.5", "14.8"], ["受偿县区（个）", "25", "31"]]
NOTE = "数据来源：《山东省生态环境状况公报（2020）》。"
PHONE = "0531-86061234"


def _bold_centered(doc, text: str, size: int = 22):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    return p


def make_docx(path: Path, *, header: bool = True, footnote: bool = True, unit_line: str = "民革山东省委会") -> Path:
    """A realistic member's document: centred bold title, header block, headings, numbered points,
    a Word auto-numbered list (List Number), a table, bold, Chinese quotes and a footnote."""
    doc = docx.Document()
    _bold_centered(doc, TITLE)
    if header:
        doc.add_paragraph(f"报送单位：{unit_line}")
        doc.add_paragraph("作者：王某某、李某")
        doc.add_paragraph(f"联系人：张某　　联系电话：{PHONE}")
        doc.add_paragraph("选题：1")
    for text in (OPENING,):
        p = doc.add_paragraph(text)
        p.runs[0].font.size = Pt(16)
    doc.add_paragraph("一、存在的问题")
    doc.add_paragraph(PROBLEM_1)
    p = doc.add_paragraph()
    r = p.add_run("二是补偿标准与保护成本脱节。")
    r.bold = True
    p.add_run(PROBLEM_2[len("二是补偿标准与保护成本脱节。"):] + ("[NOTE]" if footnote else ""))
    doc.add_heading("对策建议", level=1)
    for text in SUGGEST:
        doc.add_paragraph(text, style="List Number")
    table = doc.add_table(rows=len(TABLE), cols=3)
    for r_i, row in enumerate(TABLE):
        for c_i, cell in enumerate(row):
            table.cell(r_i, c_i).text = cell
    doc.add_paragraph("（民革山东省委会）")
    doc.add_paragraph("2021年3月1日")
    doc.save(path)
    if footnote:
        add_footnote(path, "[NOTE]", NOTE)
    return path


FOOTNOTES_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr><w:r><w:footnoteRef/></w:r>
<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>
</w:footnotes>"""


def add_footnote(path: Path, marker: str, text: str) -> None:
    """Word's way: a footnotes part, its relationship and content type, and a reference run."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    doc = parts["word/document.xml"].decode()
    ref = ('</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
           '<w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve">')
    assert marker in doc
    parts["word/document.xml"] = doc.replace(marker, ref).encode()
    parts["word/footnotes.xml"] = FOOTNOTES_XML.format(text=text).encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'footnotes" Target="footnotes.xml"/></Relationships>')).encode()
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace("</Types>", (
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.footnotes+xml"/></Types>')).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def front_and_body(path: Path):
    parsed = read_markdown(path.name, path.read_bytes())
    assert parsed.ok, parsed.findings
    return parsed.data, parsed.body


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_docx_becomes_a_submission_that_passes_check(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "民革-黄河补偿.docx")
    r = cli(campaign, "import", str(src))
    assert r.code == 0, r
    rel = r.out.splitlines()[0]
    assert re.fullmatch(r"submissions/2021/minge/2021-minge-\d{3}\.md", rel), rel
    path = campaign / rel
    data, body = front_and_body(path)
    assert data["title"] == TITLE
    assert data["unit"] == "minge"
    assert data["submitter"] == ["王某某", "李某"]
    assert data["topic"] == "1"
    assert data["kind"] == "suggestion"
    assert data["status"] == "draft"
    assert data["date"] == "2021-03-01"
    assert data["contact"] == f"张某 {PHONE}"
    assert data["id"] == path.stem and path.parent.name == "minge"
    # The phone and the header lines are not in the body; everything else is, in order.
    assert PHONE not in body and "报送单位" not in body and "联系人" not in body
    assert "\n## 一、存在的问题\n" in body
    assert "\n## 对策建议\n" in body
    assert "**二是补偿标准与保护成本脱节**。" in body  # bold kept, moved inside the full stop
    for n, text in enumerate(SUGGEST, 1):  # Word's automatic numbers, as Word shows them
        assert f"\n{n}. {text}\n" in body
    assert "| 指标 | 2019年 | 2020年 |\n|---|---|---|\n| 补偿资金（亿元） | 12.5 | 14.8 |" in body
    assert "成本超过3亿元，所获补偿不足五分之一。[^1]" in body
    assert body.rstrip().endswith(f"[^1]: {NOTE}")
    plain = squash(plain_text(body))
    for text in (OPENING, PROBLEM_1, PROBLEM_2, *SUGGEST, NOTE, "（民革山东省委会）", *sum(TABLE, [])):
        assert squash(text) in plain, text
    assert "“共同抓好大保护、协同推进大治理”" in body  # Chinese quotes untouched
    # And `jianyan check` is clean for it (the import already ran the checks and showed nothing).
    check = cli(campaign, "check", rel, "--format", "json")
    assert [f for f in check.json() if f["severity"] == "error"] == [], check
    assert "没有发现问题" in r.err or "0 个错误" in r.err


def test_options_override_and_submitted_status(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "a.docx", header=False, footnote=False)
    r = cli(campaign, "import", str(src), "--unit", "jingji", "--submitter", "赵某某", "--topic", "2",
            "--kind", "problem", "--date", "2021-03-15", "--status", "submitted", "--contact", "赵某某 13800000000")
    assert r.code in (0, 1), r
    data, body = front_and_body(campaign / r.out.splitlines()[0])
    assert (data["unit"], data["submitter"], data["topic"], data["kind"], data["status"], data["date"]) == \
        ("jingji", "赵某某", "2", "problem", "submitted", "2021-03-15")
    assert r.out.splitlines()[0].startswith("submissions/2021/jingji/2021-jingji-")
    assert "13800000000" not in body


def test_missing_unit_and_topic_are_explained_and_nothing_is_written(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "无表头.docx", header=False, footnote=False)
    before = sorted(p for p in (campaign / "submissions").rglob("*"))
    r = cli(campaign, "import", str(src))
    assert r.code == 1
    assert "没有“报送单位：……”一行" in r.err and "--unit" in r.err
    r = cli(campaign, "import", str(src), "--unit", "minge")
    assert "没有“选题：……”一行" in r.err and "最接近选题 1" in r.err
    assert sorted(p for p in (campaign / "submissions").rglob("*")) == before


def test_damaged_docx_one_line_no_file(campaign, cli, tmp_path):
    before = sorted(p for p in (campaign / "submissions").rglob("*"))
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"this is not a zip file at all")
    r = cli(campaign, "import", str(bad), "--unit", "minge", "--topic", "1")
    assert r.code == 1 and r.out == ""
    assert r.err.strip().count("\n") == 0, r.err
    assert r.err.startswith("错误：坏文件.docx 已损坏或不是 Word 文档")
    # A real zip with broken XML inside.
    good = make_docx(tmp_path / "good.docx", footnote=False)
    broken = tmp_path / "坏XML.docx"
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(broken, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            out.writestr(name, data[: len(data) // 2] if name == "word/document.xml" else data)
    r = cli(campaign, "import", str(broken))
    assert r.code == 1 and r.out == "" and r.err.strip().count("\n") == 0, r
    assert "坏XML.docx 已损坏，无法读取" in r.err
    assert sorted(p for p in (campaign / "submissions").rglob("*")) == before


def test_never_overwrites_and_reimport_is_refused(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "a.docx", footnote=False)
    first = cli(campaign, "import", str(src)).out.splitlines()[0]
    original = (campaign / first).read_bytes()
    again = cli(campaign, "import", str(src))
    assert again.code == 1 and "似乎已导入过" in again.err and "--force" in again.err
    forced = cli(campaign, "import", str(src), "--force")
    second = forced.out.splitlines()[0]
    assert second != first and (campaign / first).read_bytes() == original
    n1, n2 = int(first[-6:-3]), int(second[-6:-3])
    assert n2 == n1 + 1


def test_keep_original_is_an_allowed_companion(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "a.docx", footnote=False)
    settings = campaign / "schema" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("keep_original: false", "keep_original: true"),
                        encoding="utf-8")
    r = cli(campaign, "import", str(src))
    md = campaign / r.out.splitlines()[0]
    kept = md.with_suffix(".docx")
    assert kept.read_bytes() == src.read_bytes()
    assert "原件已保存为" in r.err
    check = cli(campaign, "check", "--format", "json")
    assert not [f for f in check.json() if f["code"] == "ref.unknown_file"], check
    # A stray Word file without its .md is still an error.
    shutil.copy(src, md.parent / "随手放的.docx")
    check = cli(campaign, "check", "--format", "json")
    assert [f["path"] for f in check.json() if f["code"] == "ref.unknown_file"] == [
        (md.parent / "随手放的.docx").relative_to(campaign).as_posix()]
    # --no-keep-original wins over the setting.
    r = cli(campaign, "import", str(src), "--force", "--no-keep-original")
    assert not (campaign / r.out.splitlines()[0]).with_suffix(".docx").exists()


def test_directory_import_summary(campaign, cli, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    make_docx(inbox / "1.docx", footnote=False)
    make_docx(inbox / "2.docx", footnote=False, unit_line="九三学社山东省委会")
    (inbox / "3.docx").write_bytes(b"PK\x03\x04 broken")
    (inbox / "~$1.docx").write_bytes(b"lock file")  # Word's owner file: skipped
    (inbox / "说明.txt").write_text("不是 Word 文件", encoding="utf-8")
    r = cli(campaign, "import", str(inbox))
    assert r.code == 1
    assert "导入结果：共 3 个文件，成功 2 个，失败 1 个。" in r.err
    assert "3.docx：3.docx 已损坏" in r.err
    created = r.out.splitlines()[:2]
    assert created[0].startswith("submissions/2021/minge/") and created[1].startswith("submissions/2021/jiusan/")


def test_dry_run_writes_nothing(campaign, cli, tmp_path):
    src = make_docx(tmp_path / "a.docx", footnote=False)
    before = sorted(p for p in (campaign / "submissions").rglob("*"))
    r = cli(campaign, "import", str(src), "--dry-run")
    assert r.code == 0 and r.out.startswith("---\nid: 2021-minge-")
    assert sorted(p for p in (campaign / "submissions").rglob("*")) == before


def test_form_table_header_and_chinese_numbering(campaign, cli, tmp_path):
    """A 报送表-style form table carries the header; Word's 一、/（一） numbering is rendered."""
    doc = docx.Document()
    _bold_centered(doc, "关于优化中小企业融资担保服务的建议")
    form = doc.add_table(rows=2, cols=4)
    for (r, c), text in {(0, 0): "报送单位", (0, 1): "省工商联", (0, 2): "联系电话", (0, 3): PHONE,
                         (1, 0): "选题", (1, 1): "畅通经济循环", (1, 2): "类别", (1, 3): "反映问题"}.items():
        form.cell(r, c).text = text
    doc.add_paragraph(OPENING)
    doc.add_paragraph("第一条措施", style="List Number")
    doc.save(tmp_path / "form.docx")
    # Turn the List Number numbering into 一、 (chineseCounting, "%1、") as Chinese templates do.
    path = tmp_path / "form.docx"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    numbering = parts["word/numbering.xml"].decode()
    numbering = re.sub(r'(<w:abstractNum [^>]*w:abstractNumId="(\d+)".*?</w:abstractNum>)',
                       lambda m: m.group(1).replace('w:val="decimal"', 'w:val="chineseCounting"')
                       .replace('w:val="%1."', 'w:val="%1、"'), numbering, flags=re.S)
    parts["word/numbering.xml"] = numbering.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    r = cli(campaign, "import", str(path), "--date", "2021-05-10")  # the form has no date line
    data, body = front_and_body(campaign / r.out.splitlines()[0])
    assert (data["unit"], data["topic"], data["kind"], data["contact"]) == ("gsl", "3", "problem", PHONE)
    assert "## 一、第一条措施" in body
    assert PHONE not in body and "报送单位" not in body


# --- LibreOffice: .docx made from text, and .doc conversion -------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is in .ci/run APT_PACKAGES")

HTML = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head><body>
<h1 style="text-align:center">关于建立山东省科技成果转化“揭榜挂帅”机制的建议</h1>
<p>报送单位：九三学社山东省委会</p>
<p>作者：刘某某</p>
<p>联系电话：{PHONE}</p>
<p>选题：2</p>
<p>我省高校和科研院所每年产出科技成果超过8000项，但在省内转化的不足三成。企业“找不到成果”、院所“找不到买家”的问题突出，成果转化中介服务能力薄弱。</p>
<h2>一、存在的问题</h2>
<p>一是供需对接不畅。二是中试熟化环节缺失。三是科研人员转化收益落实难。</p>
<h2>二、对策建议</h2>
<ol><li>建立“揭榜挂帅”项目库，由企业出题、政府立题、院所答题。</li>
<li>布局建设一批中试基地，对中试费用给予30%补助。</li>
<li>落实科研人员成果转化收益不低于70%的政策。</li></ol>
<table border="1"><tr><td>项目</td><td>数量</td></tr><tr><td>成果（项）</td><td>8000</td></tr></table>
<p>（九三学社山东省委会）</p>
</body></html>"""


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir / "profile").resolve().as_uri()
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to", fmt,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    return outdir / (src.stem + "." + fmt.split(":")[0])


@pytest.mark.e2e
@needs_soffice
def test_libreoffice_docx_from_html(campaign, cli, tmp_path):
    html = tmp_path / "jiusan.html"
    html.write_text(HTML, encoding="utf-8")
    src = soffice_convert(html, "docx:MS Word 2007 XML", tmp_path / "out")
    r = cli(campaign, "import", str(src), "--date", "2021-04-06")  # the file has no date line
    assert r.code == 0, r
    data, body = front_and_body(campaign / r.out.splitlines()[0])
    assert data["title"] == "关于建立山东省科技成果转化“揭榜挂帅”机制的建议"
    assert (data["unit"], data["submitter"], data["topic"], data["contact"]) == ("jiusan", "刘某某", "2", PHONE)
    assert "\n## 一、存在的问题\n" in body and "\n## 二、对策建议\n" in body and "###" not in body
    assert "1. 建立“揭榜挂帅”项目库" in body and "3. 落实科研人员" in body
    assert "| 项目 | 数量 |" in body and PHONE not in body


@pytest.mark.e2e
@needs_soffice
def test_doc_is_converted_through_libreoffice(campaign, cli, tmp_path):
    (tmp_path / "src").mkdir()
    src = make_docx(tmp_path / "src" / "a.docx")
    doc = soffice_convert(src, "doc", tmp_path / "legacy")
    r = cli(campaign, "import", str(doc))
    assert r.code == 0, r
    data, body = front_and_body(campaign / r.out.splitlines()[0])
    assert data["title"] == TITLE and data["unit"] == "minge"
    assert squash(NOTE) in squash(plain_text(body)) and "1. " + SUGGEST[0] in body


def test_doc_without_libreoffice_says_how_to_convert(campaign, cli, tmp_path):
    doc = tmp_path / "旧格式.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    r = cli(campaign, "import", str(doc), env={"JIANYAN_SOFFICE": "/nonexistent/soffice"})
    assert r.code == 1 and r.out == ""
    assert "没有安装 LibreOffice" in r.err and "另存为" in r.err and ".docx" in r.err


# --- the already-imported rule (importing.word.ImportedTitles), directly ------------------------------

def _planned(unit: str, title: str) -> Planned:
    return Planned(title=title, submitters=["某某"], unit=unit, topic=1, kind="suggestion", date=dt.date(2021, 3, 1),
                   contact=None, body="正文", notes=[])


@pytest.mark.parametrize("unit, title, force, refused", [
    ("minge", TITLE, False, True),
    ("minge", TITLE, True, False),  # --force: a second copy under a new id
    ("minmeng", TITLE, False, False),  # the same title from another unit
    ("minge", "关于另一件事的建议", False, False),
])
def test_a_unit_and_title_already_there_is_refused(unit, title, force, refused):
    imported = ImportedTitles([SimpleNamespace(unit="minge", title=f" {TITLE} ", id="2021-minge-001")])
    if not refused:
        imported.check(Path("收件箱/a.docx"), _planned(unit, title), force)
        return
    with pytest.raises(ImportFailure) as exc:
        imported.check(Path("收件箱/a.docx"), _planned(unit, title), force)
    assert str(exc.value) == ("a.docx 似乎已导入过：2021-minge-001 的单位和标题与它相同。"
                              "确需再次导入请加 --force（另取新编号）")


def test_a_document_written_earlier_in_the_run_counts():
    imported = ImportedTitles([])
    first = _planned("minge", TITLE)
    imported.check(Path("a.docx"), first)
    imported.add(first, "2021-minge-007")
    with pytest.raises(ImportFailure, match="2021-minge-007"):
        imported.check(Path("b.docx"), _planned("minge", TITLE))

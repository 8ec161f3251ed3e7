"""Imports that never silently lose or bloat (issue 18).

A CSV progress sheet is read strictly: a quote that does not pair up is an error with its row, and
nothing is imported unless every row of the file was read as a row. A Word or Excel package is
checked before any parser opens it (members, sizes, compression ratio, macros), and a document is
read under caps (paragraphs, characters, time); a refusal names the limit and writes nothing. The
readers stay linear on hostile shapes (a paragraph of 100 000 line breaks, a run of spaces).
"""
from __future__ import annotations

import csv
import time
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import copy_campaign
from helpers.office import HEADER, ROW_A, ROW_B, reopened, word, workbook

from jianyan.importing import docxread
from jianyan.importing.feedback import SheetFailure, read_sheet
from jianyan.importing.word import ImportFailure, extract, read_document
from jianyan.render.office import PackageLimits, PackageRefused, check_package


def tree(root: Path, *parts: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for part in parts for p in sorted((root / part).rglob("*"))
            if p.is_file()}


# --- CSV: nothing swallowed, nothing half-imported ------------------------------------------------

UNCLOSED = {
    # an opening quote never closed: the rest of the file would be one cell
    "to_the_end": [",".join(HEADER), '2021-minge-001,省财政厅,2021-06-20,95,"联调完成,办理中', ROW_B],
    # closed again by a second stray quote two rows down: strict parsing alone would pass this
    "closed_later": [",".join(HEADER), '2021-minge-001,省财政厅,2021-06-20,95,"联调完成,办理中', ROW_B,
                     '2021-minge-001,省生态环境厅,2021-06-22,96,复核",办理中'],
    # a quote, then text: ',' expected after '"'
    "text_after_quote": [",".join(HEADER), '2021-minge-001,省财政厅,2021-06-20,95,"联调"完成,办理中', ROW_B],
    # the stray quote closes on a line break, the swallowed row sits in the cell
    "closed_at_line_end": [",".join(HEADER), '2021-minge-001,省财政厅,2021-06-20,95,"联调完成', ROW_B + '"', ROW_A],
}


@pytest.mark.parametrize("case", sorted(UNCLOSED))
def test_an_unpaired_quote_is_an_error_with_its_row_and_nothing_is_imported(tmp_path, cli, case):
    root = reopened(tmp_path / "c")
    before = tree(root, "feedback")
    sheet = tmp_path / "进展.csv"
    sheet.write_text("\r\n".join(UNCLOSED[case]) + "\r\n", encoding="utf-8-sig")
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 1, res
    assert "第 2 行" in res.err and "引号" in res.err, res.err
    assert "已导入" not in res.err
    assert tree(root, "feedback") == before


def test_a_multi_line_cell_excel_wrote_is_still_one_cell(tmp_path, cli):
    """Excel quotes a cell holding line breaks; that is a note, not a lost row."""
    root = reopened(tmp_path / "c")
    sheet = tmp_path / "进展.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(["2021-minge-001", "省财政厅", "2021-06-20", "95", "一是联调完成，\n二是2021-06-30前试运行", "办理中"])
        w.writerow(ROW_B.split(","))
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 0, res
    assert "已导入 2 行" in res.err


def test_a_huge_field_is_refused_in_linear_time(tmp_path, cli):
    root = reopened(tmp_path / "c")
    before = tree(root, "feedback")
    sheet = tmp_path / "进展.csv"
    sheet.write_text(",".join(HEADER) + "\n" + ROW_A + "\n" + '2021-minge-001,省生态环境厅,2021-06-21,95,"'
                     + "长" * 1_000_000 + '",办理中\n', encoding="utf-8")
    started = time.monotonic()
    res = cli(root, "feedback", "import", str(sheet))
    assert time.monotonic() - started < 20
    assert res.code == 1, res
    assert "第 3 行" in res.err and "131072" in res.err, res.err
    assert tree(root, "feedback") == before


@pytest.mark.parametrize("content,words", [
    (",".join(HEADER) + "\n" + ROW_A + "\x00\n", ("第 2 行", "空字符")),
    (",".join(HEADER) + "\n2021-minge-001,省财政厅,2021-06-20,95,联调\r完成,办理中\n", ("第 2 行", "回车")),
    ("", ("空文件",)),
    ("信息编号,承办单位\n", ("缺少列", "进展日期")),
])
def test_other_unreadable_csv_is_one_chinese_line_and_exit_1(tmp_path, cli, content, words):
    root = reopened(tmp_path / "c")
    sheet = tmp_path / "进展.csv"
    sheet.write_bytes(content.encode("utf-8"))
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 1, res
    assert all(w in res.err for w in words), res.err
    assert "内部错误" not in res.err


def test_a_csv_over_the_size_cap_is_refused_unread(tmp_path, monkeypatch):
    from jianyan.importing import feedback as feedback_import
    monkeypatch.setattr(feedback_import, "MAX_CSV_BYTES", 1000)
    sheet = tmp_path / "进展.csv"
    sheet.write_text(",".join(HEADER) + "\n" + (ROW_A + "\n") * 100, encoding="utf-8")
    with pytest.raises(SheetFailure, match="上限"):
        read_sheet(sheet)


# --- Excel packages ------------------------------------------------------------------------------

def rezip(src: Path, dest: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts.update(replace or {})
    parts.update(add or {})
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return dest


def test_xlsm_is_named_a_macro_file(tmp_path, cli):
    root = reopened(tmp_path / "c")
    good = workbook(tmp_path / "a.xlsx", [HEADER, ROW_A.split(",")])
    for name, extra in (("进展.xlsm", {}), ("改名.xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})):
        sheet = rezip(good, tmp_path / name, add=extra)
        res = cli(root, "feedback", "import", str(sheet))
        assert res.code == 1, res
        assert "启用宏" in res.err and "另存为" in res.err and "已损坏" not in res.err, res.err


def test_xlsx_bomb_is_refused_before_openpyxl(tmp_path, cli, monkeypatch):
    import openpyxl
    root = reopened(tmp_path / "c")
    good = workbook(tmp_path / "a.xlsx", [HEADER, ROW_A.split(",")])
    with zipfile.ZipFile(good) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml")
    padding = b"<!--" + b" " * (40 * 1024 * 1024) + b"-->"
    bomb = rezip(good, tmp_path / "炸弹.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml + padding})
    assert bomb.stat().st_size < 200_000
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("opened"))
    res = cli(root, "feedback", "import", str(bomb))
    assert res.code == 1, res
    assert "上限" in res.err and "MB" in res.err, res.err


def test_xlsx_rows_far_down_are_capped(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(ROW_A.split(","))
    ws.cell(1_000_000, 1).value = "2021-minge-001"
    ws.cell(1_000_000, 16_000).value = "far right"
    wb.save(tmp_path / "远.xlsx")
    with pytest.raises(SheetFailure, match="第 1000000 行超出上限"):
        read_sheet(tmp_path / "远.xlsx")


def test_damaged_xlsx_inside_the_sheet_is_one_line(tmp_path):
    good = workbook(tmp_path / "a.xlsx", [HEADER, ROW_A.split(",")])
    with zipfile.ZipFile(good) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml")
    bad = rezip(good, tmp_path / "坏.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml[: len(sheet_xml) * 2 // 3]})
    with pytest.raises(SheetFailure, match="无法作为 Excel 文件打开"):
        read_sheet(bad)


# --- Word packages -------------------------------------------------------------------------------

def test_word_zip_bomb_is_refused_before_parsing_and_writes_nothing(tmp_path, cli, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    before = tree(root, "submissions")
    src = word(tmp_path / "炸弹.docx")
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    doc = members.pop("word/document.xml")
    head, tail = doc.split(b"</w:body>")
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:  # 256 MB of paragraphs
            fh.write(head)
            chunk = b"<w:p><w:r><w:t>" + "啊".encode() * 20 + b"</w:t></w:r></w:p>"
            block = chunk * (1024 * 1024 // len(chunk))
            for _ in range(256):
                fh.write(block)
            fh.write(b"</w:body>" + tail)
    assert src.stat().st_size < 1_000_000
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("parsed"))
    started = time.monotonic()
    res = cli(root, "import", str(src), "--unit", "minge", "--topic", "1")
    assert time.monotonic() - started < 10
    assert res.code == 1 and res.out == "", res
    assert "上限" in res.err and "没有写入" in res.err, res.err
    assert tree(root, "submissions") == before


@pytest.mark.parametrize("limit,value,words", [
    ("members", 5, ("部件", "上限 5 个")),
    ("xml", 1000, ("部件", "单个部件上限 1 KB")),
    ("total", 5000, ("解压后超过",)),
    ("ratio", 2, ("压缩比", "上限 2:1")),
    ("file", 100, ("文件有", "上限")),
])
def test_each_package_limit_is_named(tmp_path, limit, value, words):
    src = word(tmp_path / "a.docx", "<w:p><w:r><w:t>" + "正文" * 5000 + "</w:t></w:r></w:p>")
    limits = PackageLimits(**{limit: value}, **({"ratio_floor": 0} if limit == "ratio" else {}))
    with pytest.raises(PackageRefused) as exc:
        check_package(src, "word", limits)
    assert all(w in str(exc.value) for w in words), str(exc.value)


def test_docm_is_named_a_macro_file_and_not_kept(tmp_path, cli):
    root = copy_campaign(tmp_path / "c")
    before = tree(root, "submissions")
    good = word(tmp_path / "a.docx")
    renamed = rezip(good, tmp_path / "宏.docm")
    with zipfile.ZipFile(good) as z:
        types = z.read("[Content_Types].xml").replace(
            b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    disguised = rezip(good, tmp_path / "伪装.docx", replace={"[Content_Types].xml": types},
                      add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    for src in (renamed, disguised):
        res = cli(root, "import", str(src), "--keep-original")
        assert res.code == 1 and res.out == "", res
        assert "启用宏" in res.err and "另存为" in res.err and "已损坏" not in res.err, res.err
    assert tree(root, "submissions") == before


def test_a_folder_import_reports_the_macro_file_instead_of_skipping_it(tmp_path, cli):
    root = copy_campaign(tmp_path / "c")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    word(inbox / "宏.docm")
    res = cli(root, "import", str(inbox))
    assert res.code == 1 and "宏.docm" in res.err and "启用宏" in res.err, res


@pytest.mark.parametrize("field,value,words", [
    ("paragraphs", 50, ("段落", "50")),
    ("characters", 1000, ("字符", "1000")),
    ("seconds", 0, ("秒",)),
])
def test_read_caps_name_the_limit(tmp_path, monkeypatch, field, value, words):
    monkeypatch.setattr(docxread, "READ_LIMITS", docxread.ReadLimits(**{field: value}))
    src = word(tmp_path / "长.docx", "<w:p><w:r><w:t>第一段。</w:t></w:r></w:p>" * 60 + "<w:p><w:r><w:t>"
               + "字" * 2000 + "</w:t></w:r></w:p>")
    with pytest.raises(ImportFailure) as exc:
        read_document(src)
    assert all(w in str(exc.value) for w in words) and "上限" in str(exc.value), str(exc.value)
    assert str(exc.value).startswith("长.docx ")


def test_the_default_paragraph_cap_holds(tmp_path):
    cap = docxread.READ_LIMITS.paragraphs
    src = word(tmp_path / "多.docx", "".join(f"<w:p><w:r><w:t>第{i}段。</w:t></w:r></w:p>" for i in range(cap + 1)))
    with pytest.raises(ImportFailure, match=f"{cap}"):
        read_document(src)


# --- shapes that were quadratic or unbounded ------------------------------------------------------

NUMBERING = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>
<w:lvlText w:val="%1."/></w:lvl></w:abstractNum>
<w:num w:numId="9"><w:abstractNumId w:val="7"/></w:num>
</w:numbering>"""
NUMBERED = ('<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="9"/></w:numPr></w:pPr>'
            "<w:r><w:t>加强监管。</w:t></w:r></w:p>")


def _read_body(src: Path, budget: float = 20) -> str:
    started = time.monotonic()
    body = extract(read_document(src)).body
    assert time.monotonic() - started < budget
    return body


@pytest.mark.parametrize("fmt", ["lowerLetter", "upperRoman", "decimal", "chineseCounting"])
def test_a_huge_list_start_is_shown_as_a_number_not_built(tmp_path, fmt):
    src = word(tmp_path / "编号.docx", NUMBERED, {"word/numbering.xml": NUMBERING.format(start=2_000_000_000,
                                                                                     fmt=fmt).encode()})
    assert "2000000000" in _read_body(src)


def test_a_huge_grid_span_is_clamped(tmp_path):
    src = word(tmp_path / "表.docx", '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="300000000"/></w:tcPr>'
               "<w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:t>正文。</w:t></w:r></w:p>")
    assert "指标" in _read_body(src)


def test_many_line_breaks_in_one_paragraph_read_in_linear_time(tmp_path):
    src = word(tmp_path / "换行.docx", "<w:p><w:r><w:t>甲</w:t>" + "<w:br/>" * 100_000 + "<w:t>乙</w:t></w:r></w:p>")
    body = _read_body(src)
    assert "甲" in body and "乙" in body


def test_a_long_run_of_spaces_in_bold_text_reads_in_linear_time(tmp_path):
    src = word(tmp_path / "空格.docx", '<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">甲'
               + " " * 200_000 + "乙</w:t></w:r></w:p>")
    assert "**甲" in _read_body(src)


FOOTNOTES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{notes}</w:footnotes>"""


def test_many_footnotes_read_in_linear_time(tmp_path):
    n = 30_000
    notes = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:t>注{i}</w:t></w:r></w:p></w:footnote>' for i in range(1, n + 1))
    refs = "".join(f'<w:r><w:footnoteReference w:id="{i}"/></w:r>' for i in range(1, n + 1))
    src = word(tmp_path / "脚注.docx", f"<w:p><w:r><w:t>正文。</w:t></w:r>{refs}</w:p>",
               {"word/footnotes.xml": FOOTNOTES.format(notes=notes).encode()})
    _add_rel(src, "footnotes", "footnotes.xml", "wordprocessingml.footnotes+xml", "/word/footnotes.xml")
    content = read_docx_timed(src)
    assert len(content.notes) == n


def read_docx_timed(src: Path, budget: float = 20):
    started = time.monotonic()
    content = read_document(src)
    assert time.monotonic() - started < budget
    return content


def _add_rel(path: Path, kind: str, target: str, ctype: str, part: str) -> None:
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    rels = members["word/_rels/document.xml.rels"].decode()
    members["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        f'<Relationship Id="rIdX{kind}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'{kind}" Target="{target}"/></Relationships>')).encode()
    ct = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = ct.replace("</Types>", (
        f'<Override PartName="{part}" ContentType="application/vnd.openxmlformats-officedocument.{ctype}"/>'
        "</Types>")).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)


def test_entities_in_a_side_part_are_not_expanded(tmp_path):
    """A billion-laughs numbering part: refused or read, never expanded into gigabytes."""
    laughs = ('<?xml version="1.0"?><!DOCTYPE w:numbering [<!ENTITY a "' + "哈" * 100 + '">'
              + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9))
              + ']><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/>'
              '<w:lvlText w:val="&j;"/></w:lvl></w:abstractNum><w:num w:numId="9"><w:abstractNumId w:val="7"/>'
              "</w:num></w:numbering>")
    src = word(tmp_path / "笑.docx", NUMBERED, {"word/numbering.xml": laughs.encode()})
    try:
        body = _read_body(src)
    except ImportFailure as exc:
        assert str(exc).startswith("笑.docx ")
    else:
        assert len(body) < 10_000


def test_a_valid_document_still_imports(tmp_path, cli):
    root = copy_campaign(tmp_path / "c")
    src = word(tmp_path / "好.docx")
    res = cli(root, "import", str(src), "--date", "2021-04-01")  # the sample campaign ran in 2021
    assert res.code == 0 and res.out.split("\n")[0].endswith(".md"), res
    assert "正文。" in (root / res.out.split("\n")[0]).read_text(encoding="utf-8")


def test_read_document_peeks_at_the_head_only(tmp_path, monkeypatch):
    """The first bytes say what a file is; a huge file is not read whole to find out."""
    src = word(tmp_path / "a.docx")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read whole"))
    assert read_document(src).blocks

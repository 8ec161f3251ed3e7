"""The ledger (台账) written as .csv, .xlsx or .json."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from .fsutil import write_atomic
from .ledger import LEDGER_COLUMNS, ledger
from .office import xlsx_bytes
from .repo import Campaign


def write_ledger(campaign: Campaign, until: dt.date, out: Path, fmt: str) -> int:
    rows = ledger(campaign, until)
    keys = [k for k, _ in LEDGER_COLUMNS]
    header = [h for _, h in LEDGER_COLUMNS]
    if fmt == "json":
        data = json.dumps({"as_of": until.isoformat(), "columns": dict(LEDGER_COLUMNS), "items": rows},
                          ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        w.writerows([r[k] for k in keys] for r in rows)
        data = "\ufeff" + buf.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly
    else:
        widths = {"A": 18, "B": 44, "D": 20, "F": 16, "J": 10, "N": 30, "R": 50, "S": 40, "T": 24}
        data = xlsx_bytes([(f"台账（截至{until.isoformat()}）", header, [[r[k] for k in keys] for r in rows],
                            {"widths": widths})])
    write_atomic(out, data)
    return len(rows)

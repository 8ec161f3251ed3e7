"""The ledger (台账) written as .csv, .xlsx or .json; the tables through office.py, whose cells no
spreadsheet runs as a formula (a title like ``=HYPERLINK(…)`` stays text)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jianyan.core.fsutil import write_atomic
from jianyan.tracking.ledger import LEDGER_COLUMNS, ledger
from jianyan.render.office import csv_text, xlsx_bytes
from jianyan.campaign.load import Campaign


def write_ledger(campaign: Campaign, until: dt.date, out: Path, fmt: str) -> int:
    rows = ledger(campaign, until)
    keys = [k for k, _ in LEDGER_COLUMNS]
    header = [h for _, h in LEDGER_COLUMNS]
    if fmt == "json":
        data = json.dumps({"as_of": until.isoformat(), "columns": dict(LEDGER_COLUMNS), "items": rows},
                          ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        data = csv_text(header, ([r[k] for k in keys] for r in rows))
    else:
        widths = {"A": 18, "B": 44, "D": 20, "F": 16, "J": 10, "N": 30, "R": 50, "S": 40, "T": 24, "X": 30}
        data = xlsx_bytes([(f"台账（截至{until.isoformat()}）", header, [[r[k] for k in keys] for r in rows],
                            {"widths": widths})])
    write_atomic(out, data)
    return len(rows)

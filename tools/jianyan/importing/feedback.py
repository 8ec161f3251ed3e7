"""Bulk import of handling progress from the spreadsheet departments send back (.xlsx or .csv).

The sheet has one row per (item, department) and the columns in ``COLUMNS``; ``template``
writes it pre-filled with every handling task not yet done. ``import_rows`` is all-or-nothing:
every row is checked first (row numbers as the spreadsheet shows them, header = row 1); if any
row is bad nothing is written. Records are edited line by line, so comments, order and
everything else in a record file stay as they were; the result is read back and checked
before anything is written.

Hostile sheets (issue 18): the template's cells are written through office.py, so a title or a
department that looks like a formula stays text. On import a formula (an .xlsx formula cell, or
text a spreadsheet would run: ``formula_like``) in a column whose value is taken is a row error
naming the column. A CSV is read by the standard library's parser in strict mode: a quote that
does not pair up is an error with its row, and a cell may run over several lines only if none of
them is itself a row (so the rows read are the rows the file holds, or nothing is imported).
An .xlsx is checked before openpyxl opens it (office.check_package: sizes, ratio, macros); the
rows read are capped in number, width and time. A file that cannot be read at all is one
Chinese line and exit status 1.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jianyan.checks import Context
from jianyan.checks.feedback import check as check_feedback
from jianyan.campaign.edit import yaml_scalar
from jianyan.core.errors import JianyanError
from jianyan.core.findings import ERROR
from jianyan.campaign.frontmatter import compose_limited
from jianyan.core.fsutil import write_atomic
from jianyan.campaign.model import ID_RE
from jianyan.render.office import MACRO_SUFFIXES, PackageRefused, check_package, csv_text, formula_like, xlsx_bytes
from jianyan.campaign.load import Campaign
from jianyan.campaign.paths import feedback_path
from jianyan.tracking.feedback import (HANDLING_STATES, STATE_WORDS, FeedbackRecord, Tracking, dispatch_date, parse_record,
                       percent_on, tracking_of)

# (key, header). Headers are what people see; a department fills the last six.
COLUMNS = [
    ("item", "信息编号"), ("title", "信息标题"), ("department", "承办单位"), ("assigned", "交办日期"),
    ("deadline", "办理时限"), ("last", "上次进度(%)"), ("date", "进展日期"), ("percent", "办理进度(%)"),
    ("note", "进展情况"), ("state", "办理状态"), ("closed", "办结日期"), ("result", "办理结果"),
]
HEADERS = {h: k for k, h in COLUMNS}
REQUIRED_HEADERS = ("信息编号", "承办单位", "进展日期", "办理进度(%)", "进展情况")
INSTRUCTIONS = [
    "1. 每行是一条信息的一个承办单位。前六列由省政协办公厅秘书处预先填好，请勿改动（新增承办单位时须填交办日期）。",
    "2. 进展日期：填写本次进展的日期，格式 2021-04-10。",
    "3. 办理进度(%)：0 到 100 的整数，不带 % 号，不得低于上次进度。",
    "4. 进展情况：简要说明本次进展（一两句话）。",
    "5. 办理状态：从下拉列表选择“办理中”或“已办结”；已办结的，请填写办结日期（不填则取进展日期）和办理结果。",
    "6. 本次没有新进展的行可以留空，导入时跳过。",
    "7. 填好后发回省政协办公厅秘书处，由其运行 jianyan feedback import 导入；任何一行有误，整表都不会导入，并会指出行号。",
]


class SheetFailure(JianyanError):
    """A progress sheet that cannot be read at all (not a row problem), or a template that cannot be written."""


@dataclass
class Row:
    number: int  # as the spreadsheet shows it
    values: dict[str, Any]


@dataclass
class Outcome:
    changed: dict[str, str] = field(default_factory=dict)  # repo path → new text
    errors: list[str] = field(default_factory=list)
    applied: int = 0
    skipped: int = 0


# --- reading ------------------------------------------------------------------------------

# What a progress sheet may be: a department's sheet has tens of rows and a dozen columns.
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
READ_SECONDS = 60
# Columns read from the sheet; the title and the last progress are pre-filled for people and ignored.
IMPORTED = tuple(k for k, _ in COLUMNS if k not in ("title", "last"))
HEADER_OF = dict(COLUMNS)


class Formula(str):
    """The text of a spreadsheet cell that holds a formula (refused on import, see ``_row_change``)."""


def read_sheet(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx" or suffix in MACRO_SUFFIXES["excel"]:  # a macro workbook is refused by name
        return _read_xlsx(path)
    raise SheetFailure(f"只能导入 .xlsx 或 .csv 文件，{path.name} 不是。旧版 .xls 请在 Excel/WPS 中另存为 .xlsx")


def _header_map(header: list, name: str) -> dict[int, str]:
    cols: dict[int, str] = {}
    for i, h in enumerate(header):
        key = HEADERS.get(str(h or "").strip().replace("（", "(").replace("）", ")"))
        if key:
            cols[i] = key
    missing = [h for h in REQUIRED_HEADERS if HEADERS[h] not in cols.values()]
    if missing:
        raise SheetFailure(f"{name} 第 1 行（表头）缺少列：{'、'.join(missing)}。"
                           "请用 jianyan feedback template 生成的表格填写，不要改动表头")
    return cols


def _read_csv(path: Path) -> list[Row]:
    """The standard library's parser in strict mode: a quote that does not pair up is an error with its
    row, never a cell that silently runs on over the following rows."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise SheetFailure(f"{path.name} 有 {size // (1024 * 1024)} MB，超过办理进展表的上限 "
                           f"{MAX_CSV_BYTES // (1024 * 1024)} MB，不像是填报表。请核对文件")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetFailure(f"{path.name} 既不是 UTF-8 也不是 GBK 编码，无法读取")
    # Rows end where the file's lines end: at \n when it has any (a lone \r in a cell is then an error,
    # not a row silently cut in two), else at \r (old Mac files).
    reader = csv.reader(io.StringIO(text, newline="\n" if "\n" in text else ""), strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []  # the file's line on which each row begins
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SheetFailure(_csv_problem(path.name, len(rows) + 1, start, exc)) from None
        if any("\x00" in cell for cell in row):
            raise SheetFailure(f"{path.name} {_where(len(rows) + 1, start)}含有空字符（NUL），不是正常的文本表格。"
                               "请用 Excel/WPS 打开后另存为 .csv 或 .xlsx 再导入")
        rows.append(row)
        starts.append(start)
    if not rows:
        raise SheetFailure(f"{path.name} 是空文件")
    cols = _header_map(rows[0], path.name)
    _check_swallowed(path.name, rows, starts, next(i for i, k in cols.items() if k == "item"))
    return [Row(n, {cols[i]: v for i, v in enumerate(r) if i in cols}) for n, r in enumerate(rows[1:], start=2)]


def _where(row: int, line: int) -> str:
    return f"第 {row} 行" + (f"（文件第 {line} 行）" if line != row else "")


def _csv_problem(name: str, row: int, line: int, exc: csv.Error) -> str:
    """csv's English error as one Chinese line naming the row."""
    what = str(exc)
    at = f"{name} {_where(row, line)}"
    tail = "。请改正后重新导入；整个表格未导入，记录文件没有任何改动"
    if "unexpected end of data" in what:
        return (f"{at}有一个英文双引号 \" 没有配对：从这里到文件末尾都成了一个单元格，"
                "后面的行会被吞掉。请在该单元格末尾补上 \"，或删去多余的 \"" + tail)
    if "expected after" in what:
        return (f"{at}：英文双引号 \" 后面紧跟着其他文字（引号没有配对，"
                "或单元格里的 \" 没有写成两个 \"\"）" + tail)
    if "field larger than field limit" in what:
        return (f"{at}起有一个单元格超过 {csv.field_size_limit()} 个字符（上限），不像是办理进展，"
                "多半是引号没有配对" + tail)
    if "new-line character" in what:
        return f"{at}的单元格中有单独的回车符。请用 Excel/WPS 打开后另存为 .csv 或 .xlsx 再导入"
    return f"{at}无法按 CSV 读取（{what}）。请用 Excel/WPS 打开后另存为 .csv 或 .xlsx 再导入"


def _check_swallowed(name: str, rows: list[list[str]], starts: list[int], item_col: int) -> None:
    """Every line of the file that is a row of the sheet was read as a row: a cell running over several
    lines (Excel writes those, quoted) must not hold a line that is itself a row (信息编号 in its place),
    which is what an unclosed quote closed again by another one rows later produces."""
    for n, (row, start) in enumerate(zip(rows, starts), start=1):
        for col, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            for piece in cell.splitlines()[1:]:
                try:
                    fields = next(csv.reader([piece]))
                except (csv.Error, StopIteration):
                    continue
                if len(fields) >= 3 and item_col < len(fields) and ID_RE.match(fields[item_col].strip()):
                    head = rows[0][col].strip() if col < len(rows[0]) else ""
                    raise SheetFailure(
                        f"{name} {_where(n, start)}的“{head or f'第 {col + 1} 列'}”单元格里夹着像是另一行的内容"
                        f"（“{_shown(piece)}”）：多半是这个单元格少了一个英文双引号 \"，把后面的行并了进来。"
                        "请改正后重新导入；整个表格未导入，记录文件没有任何改动")


def _read_xlsx(path: Path) -> list[Row]:
    """Formulas are read as formulas (not their cached values) so that they can be refused; the package
    is checked before openpyxl opens it, and the rows read are capped in number, width and time."""
    from openpyxl import load_workbook  # lazy: openpyxl takes a second to import; only a spreadsheet needs it
    try:
        check_package(path, "excel")
    except PackageRefused as exc:
        raise SheetFailure(f"{path.name} {exc}") from None
    damaged = f"{path.name} 无法作为 Excel 文件打开（{{}}）。请确认文件未损坏、未加密"
    try:
        wb = load_workbook(path, read_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file, not our bug
        raise SheetFailure(damaged.format(type(exc).__name__)) from None
    try:
        return _xlsx_rows(wb, path.name)
    except SheetFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - the sheet's XML is read lazily, row by row
        raise SheetFailure(damaged.format(type(exc).__name__)) from None
    finally:
        wb.close()


def _xlsx_rows(wb, name: str) -> list[Row]:
    if not wb.worksheets:
        raise SheetFailure(f"{name} 中没有工作表")
    ws = wb.worksheets[0]
    header = next(ws.iter_rows(max_row=1, max_col=MAX_COLUMNS), None)
    if not header:
        raise SheetFailure(f"{name} 的第一个工作表是空的")
    cols = _header_map([c.value for c in header], name)
    deadline = time.monotonic() + READ_SECONDS
    out = []
    for n, cells in enumerate(ws.iter_rows(min_row=2, max_col=max(cols) + 1), start=2):
        values = {}
        for i, c in enumerate(cells):
            if i in cols and c.value is not None:
                v = c.value
                if c.data_type == "f":
                    v = Formula(getattr(v, "text", None) or (v if isinstance(v, str) else "=…"))
                elif cols[i] == "percent" and isinstance(v, float) and "%" in (c.number_format or "") and v <= 1:
                    v = v * 100
                values[cols[i]] = v
        if time.monotonic() > deadline:
            raise SheetFailure(f"{name} 读取超过 {READ_SECONDS} 秒（上限），不像是办理进展表。请核对文件，"
                               "或另存为新的 .xlsx 再导入")
        if n > MAX_ROWS:  # empty rows far down (formatting) are passed over; a value there is refused
            if values:
                raise SheetFailure(f"{name} 的第 {n} 行超出上限（最多 {MAX_ROWS} 行），不像是办理进展表。请核对文件")
            continue
        out.append(Row(n, values))
    return out


# --- cell values --------------------------------------------------------------------------

def _shown(value: Any, width: int = 40) -> str:
    """A cell's text for a message: control characters as spaces, long text cut."""
    t = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)).strip()
    return t if len(t) <= width else t[:width] + "…"


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _date(v: Any) -> dt.date | None:
    if v is None or _text(v) == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", _text(v))
    if not m:
        raise ValueError(f"日期“{_text(v)}”无法识别，请写成 2021-04-10")
    try:
        return dt.date(*map(int, m.groups()))
    except ValueError:
        raise ValueError(f"“{_text(v)}”不是有效日期") from None


def _percent(v: Any) -> int | None:
    t = _text(v).rstrip("%％").strip()
    if t == "":
        return None
    try:
        n = float(t)
    except ValueError:
        raise ValueError(f"办理进度“{_text(v)}”不是数字，请填 0 到 100 的整数") from None
    if not n.is_integer() or not 0 <= n <= 100:
        raise ValueError(f"办理进度“{_text(v)}”应为 0 到 100 的整数")
    return int(n)


# --- the template -------------------------------------------------------------------------

def template_rows(campaign: Campaign, include_done: bool = False, department: str | None = None) -> list[list]:
    today = dt.date.today()
    rows = []
    for item, rec in sorted(tracking_of(campaign).by_item.items()):
        sub = campaign.submission(item)
        title = sub.model.title if sub else ""
        for h in rec.handling:
            if (not include_done and h.state == "done") or (department and h.department != department):
                continue
            rows.append([item, title, h.department, h.assigned.isoformat(),
                         h.deadline.isoformat() if h.deadline else "", percent_on(h, today),
                         "", "", "", "", "", ""])
    return rows


def write_template(campaign: Campaign, out: Path, include_done: bool = False, department: str | None = None) -> int:
    rows = template_rows(campaign, include_done, department)
    header = [h for _, h in COLUMNS]
    if out.suffix.lower() == ".csv":
        write_atomic(out, csv_text(header, rows))
        return len(rows)
    if out.suffix.lower() != ".xlsx":
        raise SheetFailure(f"模板只能生成 .xlsx 或 .csv，{out.name} 不是")
    last = max(len(rows) + 200, 500)
    widths = {"A": 18, "B": 40, "C": 18, "D": 12, "E": 12, "F": 10, "G": 12, "H": 12, "I": 40,
              "J": 10, "K": 12, "L": 40}
    data = xlsx_bytes([
        ("办理进展", header, rows, {"widths": widths, "validations": [(f"J2:J{last}", ["办理中", "已办结"])],
                                "percent_cols": [f"H2:H{last}"]}),
        ("填表说明", ["填表说明"], [[line] for line in INSTRUCTIONS], {"widths": {"A": 110}}),
    ])
    write_atomic(out, data)
    return len(rows)


# --- import -------------------------------------------------------------------------------

@dataclass
class _Change:
    row: int
    handling: int | None  # index in the record; None = a new handling entry
    entry: dict  # progress entry
    department: str
    assigned: dt.date | None = None
    deadline: dt.date | None = None
    state: str | None = None
    closed: dt.date | None = None
    result: str | None = None


def import_rows(campaign: Campaign, rows: list[Row], source: str) -> Outcome:
    """Check every row, then build the new text of every record touched (nothing written here)."""
    out = Outcome()
    tracking = tracking_of(campaign)
    broken = {d.path for d in tracking.records if d.model is None}
    pending: dict[str, list[_Change]] = {}
    # The state each (item, department) has reached, including earlier rows of this sheet.
    reached: dict[tuple[str, str], tuple[dt.date | None, int, bool]] = {}
    for row in rows:
        v = row.values
        if not any(_text(v.get(k)) for k in ("date", "percent", "note", "state", "closed", "result")):
            out.skipped += 1
            continue
        try:
            change = _row_change(campaign, row, tracking, broken, reached, source)
        except ValueError as exc:
            out.errors.append(f"第 {row.number} 行：{exc}")
            continue
        item = _text(v.get("item"))
        pending.setdefault(item, []).append(change)
    if out.errors:
        return out
    for item, changes in pending.items():
        path = feedback_path(item)
        try:
            out.changed[path] = _apply(campaign, path, changes)
        except ValueError as exc:
            rows_ = "、".join(str(c.row) for c in changes)
            out.errors.append(f"第 {rows_} 行：{exc}")
        out.applied += len(changes)
    if out.errors:
        out.changed.clear()
    return out


def _row_change(campaign, row: Row, tracking, broken, reached, source) -> _Change:
    v = row.values
    for key in IMPORTED:
        value = v.get(key)
        if isinstance(value, Formula) or (isinstance(value, str) and formula_like(value)):
            raise ValueError(f"“{HEADER_OF[key]}”一栏是公式“{_shown(value)}”。表格中的公式不导入（打开表格时会被执行，"
                             "可能外传数据）。请直接填写文字或数字；确需以 = + - @ 开头的文字，请在开头加一个汉字（如“注：”）")
    item = _text(v.get("item"))
    dept = _text(v.get("department"))
    if not item:
        raise ValueError("缺少信息编号")
    if not dept:
        raise ValueError("缺少承办单位")
    path = feedback_path(item)
    if path in broken:
        raise ValueError(f"记录文件 {path} 本身有错误，请先运行 jianyan check 改正")
    doc = tracking.record(item)
    if doc is None:
        sub = campaign.submission(item)
        if sub is None:
            raise ValueError(f"信息编号 {item} 不存在，请核对")
        raise ValueError(f"信息 {item} 还没有批示办理记录（{path}）。请先登记领导批示和交办情况，再导入进展")
    rec: FeedbackRecord = doc.model
    date = _date(v.get("date"))
    percent = _percent(v.get("percent"))
    note = _text(v.get("note"))
    state_word = _text(v.get("state"))
    if state_word and state_word not in STATE_WORDS:
        raise ValueError(f"办理状态“{state_word}”无效，只能填“办理中”或“已办结”")
    state = STATE_WORDS.get(state_word) if state_word else None
    if date is None:
        raise ValueError("缺少进展日期")
    if percent is None:
        percent = 100 if state == "done" else None
        if percent is None:
            raise ValueError("缺少办理进度(%)（0 到 100 的整数）")
    if not note:
        raise ValueError("缺少进展情况")
    closed = _date(v.get("closed"))
    result = _text(v.get("result"))
    index = next((i for i, h in enumerate(rec.handling) if h.department == dept), None)
    assigned = _date(v.get("assigned"))
    deadline = _date(v.get("deadline"))
    if index is None:
        known = "、".join(h.department for h in rec.handling) or "（尚无）"
        if assigned is None:
            raise ValueError(f"信息 {item} 的记录中没有承办单位“{dept}”（已有：{known}）。"
                             "如是新增承办单位，请填写交办日期；否则请核对单位名称")
        sent = dispatch_date(campaign, rec.issue or (campaign.submission(item).model.adopted_in
                                                     if campaign.submission(item) else None))
        if sent and assigned < sent:
            raise ValueError(f"交办日期 {assigned} 早于专刊报送日期 {sent}")
        last_date, last_pct, done = None, 0, False
    else:
        h = rec.handling[index]
        if assigned is not None and assigned != h.assigned:
            raise ValueError(f"交办日期 {assigned} 与记录中的 {h.assigned} 不符。预填列请勿改动")
        if deadline is not None and deadline != h.deadline:
            raise ValueError(f"办理时限 {deadline} 与记录中的 {h.deadline or '（未定）'} 不符。"
                             "预填列请勿改动；确需延期的，请在记录文件中修改 deadline")
        assigned = h.assigned
        last = h.progress[-1] if h.progress else None
        last_date, last_pct, done = (last.date if last else None), (last.percent if last else 0), h.state == "done"
    last_date, last_pct, done = reached.get((item, dept), (last_date, last_pct, done))
    if done:
        raise ValueError(f"{dept} 对信息 {item} 的办理已办结，不能再导入进展")
    if date < assigned:
        raise ValueError(f"进展日期 {date} 早于交办日期 {assigned}")
    if last_date is not None and date < last_date:
        raise ValueError(f"进展日期 {date} 早于上次进展的日期 {last_date}")
    if percent < last_pct:
        raise ValueError(f"办理进度 {percent}% 低于上次的 {last_pct}%，进度不能倒退")
    if date > dt.date.today():
        raise ValueError(f"进展日期 {date} 在今天之后")
    if state == "done":
        if percent != 100:
            raise ValueError(f"办理状态为已办结，但办理进度是 {percent}%。已办结请填 100")
        if not result:
            raise ValueError("办理状态为已办结，须填写办理结果")
        closed = closed or date
        if closed < date:
            raise ValueError(f"办结日期 {closed} 早于进展日期 {date}")
    elif closed or result:
        raise ValueError("填写了办结日期或办理结果，但办理状态不是“已办结”。已办结请在办理状态中选择“已办结”")
    reached[(item, dept)] = (date, percent, state == "done")
    entry = {"date": date.isoformat(), "percent": str(percent), "note": note,
             "source": f"{source} 第 {row.number} 行"}
    return _Change(row.number, index, entry, dept, assigned if index is None else None,
                   deadline if index is None else None, state, closed, result or None)


# --- editing a record's text --------------------------------------------------------------

def _last_line(node: yaml.Node) -> int:
    """0-based line of the last character that belongs to ``node``."""
    if isinstance(node, yaml.MappingNode) and node.value and node.flow_style is False:
        return _last_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and node.flow_style is False:
        return _last_line(node.value[-1])
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _mapping_get(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _block(entry: dict, indent: int, dash: bool) -> list[str]:
    """``entry`` as YAML lines; a list item when ``dash``."""
    lines = []
    for n, (k, val) in enumerate(entry.items()):
        lead = " " * indent + ("- " if dash and n == 0 else "  " if dash else "")
        lines.append(f"{lead}{k}: {yaml_scalar(str(val))}")
    return lines


class _Text:
    """Lines of a record, edited from the bottom up so earlier positions stay valid."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.root = compose_limited(text)
        if not isinstance(self.root, yaml.MappingNode) or self.root.flow_style:
            raise ValueError(f"{path} 不是常规的“键: 值”格式，无法自动修改")

    def handling_node(self, index: int) -> yaml.MappingNode:
        found = _mapping_get(self.root, "handling")
        node = found[1].value[index]
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise ValueError(f"{self.path} 的第 {index + 1} 个承办单位不是常规的多行写法，无法自动修改")
        return node

    def edits_for(self, index: int, entries: list[dict], scalars: dict[str, str]) -> list[tuple[int, int, list[str]]]:
        """(start, stop, new lines) replacements for handling[index]: progress appended, scalars set."""
        node = self.handling_node(index)
        col = node.start_mark.column
        edits = []
        found = _mapping_get(node, "progress")
        if found is not None and isinstance(found[1], yaml.SequenceNode) and found[1].value:
            seq = found[1]
            if seq.flow_style:
                raise ValueError(f"{self.path} 的 progress 写成了一行，无法自动追加。请改成每条进展一项的多行写法")
            at = _last_line(seq) + 1
            new = [ln for e in entries for ln in _block(e, seq.start_mark.column, True)]
            edits.append((at, at, new))
        else:
            new = [" " * col + "progress:"] + [ln for e in entries for ln in _block(e, col + 2, True)]
            if found is not None:  # `progress: []`
                line = found[0].start_mark.line
                edits.append((line, line + 1, new))
            else:
                at = _last_line(node) + 1
                edits.append((at, at, new))
        for key, value in scalars.items():
            found = _mapping_get(node, key)
            rendered = " " * col + f"{key}: {yaml_scalar(value)}"
            if found is not None:
                start = found[0].start_mark.line
                edits.append((start, _last_line(found[1]) + 1, [rendered]))
            else:
                at = _last_line(node) + 1
                edits.append((at, at, [rendered]))
        return edits

    def new_handling(self, entry: dict, progress: list[dict], scalars: dict[str, str]) -> list[tuple[int, int, list[str]]]:
        """Append a handling entry (a department not in the record yet)."""
        found = _mapping_get(self.root, "handling")
        seq = found[1] if found is not None else None
        has_items = isinstance(seq, yaml.SequenceNode) and bool(seq.value) and not seq.flow_style
        indent = seq.start_mark.column if has_items else 2
        lines = _block(entry, indent, True) + [" " * (indent + 2) + "progress:"]
        lines += [ln for e in progress for ln in _block(e, indent + 4, True)]
        lines += [" " * (indent + 2) + f"{k}: {yaml_scalar(v)}" for k, v in scalars.items()]
        if has_items:
            at = _last_line(seq) + 1
            return [(at, at, lines)]
        if found is not None:  # `handling: []`
            line = found[0].start_mark.line
            return [(line, _last_line(found[1]) + 1, ["handling:"] + lines)]
        at = _last_line(self.root) + 1
        return [(at, at, ["handling:"] + lines)]

    def apply(self, edits: list[tuple[int, int, list[str]]]) -> str:
        # At the same place, an edit given later must end up later: apply it first.
        order = sorted(range(len(edits)), key=lambda i: (edits[i][0], edits[i][1], i), reverse=True)
        for i in order:
            start, stop, new = edits[i]
            self.lines[start:stop] = new
        return "\n".join(self.lines)


def _apply(campaign: Campaign, path: str, changes: list[_Change]) -> str:
    full = campaign.root / path
    text = full.read_bytes().decode("utf-8").replace("\r\n", "\n")
    before, _ = parse_record(path, text.encode("utf-8"))
    expected = copy.deepcopy(before.parsed.data)
    doc = _Text(text, path)
    edits = []
    by_index: dict[int, list[_Change]] = {}
    new_depts: dict[str, list[_Change]] = {}
    for c in changes:
        if c.handling is None:
            new_depts.setdefault(c.department, []).append(c)
        else:
            by_index.setdefault(c.handling, []).append(c)
    for index, group in by_index.items():
        scalars = _final_scalars(group)
        edits += doc.edits_for(index, [c.entry for c in group], scalars)
        target = expected["handling"][index]
        target.setdefault("progress", [])
        if not isinstance(target["progress"], list):
            target["progress"] = []
        target["progress"] += [dict(c.entry) for c in group]
        target.update(scalars)
    for dept, group in new_depts.items():
        first = group[0]
        entry: dict = {"department": dept, "role": "assist" if expected.get("handling") else "lead",
                       "assigned": first.assigned.isoformat()}
        if first.deadline:
            entry["deadline"] = first.deadline.isoformat()
        scalars = _final_scalars(group)
        edits += doc.new_handling(entry, [c.entry for c in group], scalars)
        entry["progress"] = [dict(c.entry) for c in group]
        entry.update(scalars)
        if not isinstance(expected.get("handling"), list):
            expected["handling"] = []
        expected["handling"].append(entry)
    result = doc.apply(edits)
    if not result.endswith("\n"):
        result += "\n"
    after, findings = parse_record(path, result.encode("utf-8"))
    if after.parsed.data != expected:
        raise ValueError(f"无法安全地自动修改 {path}（改后读回的内容与预期不符），请手工登记")
    errors = [f for f in findings if f.severity == ERROR]
    if not errors:
        errors = [f for f in _recheck(campaign, path, after) if f.severity == ERROR]
    if errors:
        raise ValueError(f"导入后 {path} 第 {errors[0].line} 行：{errors[0].message}")
    return result


def _final_scalars(group: list[_Change]) -> dict[str, str]:
    last = group[-1]
    if last.state == "done":
        return {"state": "done", "closed": last.closed.isoformat(), "result": last.result or ""}
    return {}


def _recheck(campaign: Campaign, path: str, doc) -> list:
    """The feedback checks on the campaign with this one record replaced (in memory)."""
    tracking = tracking_of(campaign)
    trial = Tracking([doc if d.path == path else d for d in tracking.records], list(tracking.unknown_files), [])
    saved = campaign._jianyan_tracking  # type: ignore[attr-defined]
    campaign._jianyan_tracking = trial  # type: ignore[attr-defined]
    try:
        return [f for f in check_feedback(campaign, Context()) if f.path == path]
    finally:
        campaign._jianyan_tracking = saved  # type: ignore[attr-defined]


def summary(outcome: Outcome) -> str:
    states = "、".join(HANDLING_STATES.values())
    return (f"已导入 {outcome.applied} 行进展，更新 {len(outcome.changed)} 个记录文件；"
            f"{outcome.skipped} 行没有新进展，已跳过。（办理状态可选：{states}）")


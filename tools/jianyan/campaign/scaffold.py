"""`jianyan new`: the next free id and a submission skeleton."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import write_atomic
from jianyan.campaign.model import KINDS, Settings
from jianyan.campaign.load import Registries
from jianyan.campaign.paths import SUBMISSIONS_DIR, submission_path
from jianyan.campaign.steps import SUBMISSION_STATUSES

BODY_TEMPLATE = """\
（开门见山，用一两句话写清反映什么问题、发生在哪里、有多严重，最好有数据。）

## 一、存在的问题

（写具体问题和事实，不写背景铺垫。）

## 二、原因分析

（写问题产生的主要原因。）

## 三、对策建议

一是……（具体措施、责任部门，能量化的写明数字或时限）。

二是……。

三是……。
"""


def next_id(root: Path, year: int, unit: str) -> str:
    """The next free ``YYYY-unit-NNN``: one past the highest number in use (gaps are never reused).

    Any file with that stem counts as in use (a kept Word original too), so nothing is ever overwritten.
    """
    folder = root / SUBMISSIONS_DIR / str(year) / unit
    pattern = re.compile(rf"^{year}-{re.escape(unit)}-(\d{{3,}})$")
    used = [int(m.group(1)) for p in folder.iterdir() if (m := pattern.match(p.stem))] if folder.is_dir() else []
    return f"{year}-{unit}-{max(used, default=0) + 1:03d}"


def _yaml_str(value: str) -> str:
    """Quote a value when YAML might misread it."""
    if re.fullmatch(r"[\w\u4e00-\u9fff（）《》“”、，。·\-]+", value) and not re.fullmatch(
            r"(?i)(y|n|yes|no|on|off|true|false|null|~|[\d.:_+-]+)", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# the statuses a new file may start in (steps.SUBMISSION_STARTS), as its comment explains them
STATUS_COMMENTS = {"draft": f"{SUBMISSION_STATUSES['draft']}；写好后改为 submitted（{SUBMISSION_STATUSES['submitted']}）",
                   "submitted": SUBMISSION_STATUSES["submitted"]}


def render(ident: str, title: str, submitters: list[str], unit: str, topic: int, kind: str,
           date: dt.date, contact: str | None, status: str = "draft", body: str = BODY_TEMPLATE) -> str:
    sub = _yaml_str(submitters[0]) if len(submitters) == 1 else "[" + ", ".join(map(_yaml_str, submitters)) + "]"
    lines = [
        "---",
        f"id: {ident}",
        f"title: {_yaml_str(title)}",
        f"submitter: {sub}",
        f"unit: {unit}",
        f"topic: {topic}",
        f"kind: {kind}  # {KINDS[kind]}",
        f"status: {status}  # {STATUS_COMMENTS[status]}",
        f"date: {date.isoformat()}",
        "public: false  # 适宜公开宣传的改为 true",
    ]
    if contact:
        lines.append(f"contact: {_yaml_str(contact)}  # 联系方式只写在这里，不会进入专刊和网站")
    lines.append("---")
    return "\n".join(lines) + "\n" + body


class OutsidePeriod(JianyanError):
    """A new submission's day is outside the campaign's period (settings start, end): nothing is written."""


def _period_words(settings: Settings) -> str:
    return f"{settings.start} 至 {settings.end}" if settings.end else f"{settings.start} 起"


def submission_day(settings: Settings, given: dt.date | None, today: dt.date, found: dt.date | None = None,
                   what: str = "") -> dt.date:
    """The day a new submission is dated: ``given`` (--date), else ``found`` (a date read from the document),
    else ``today`` while the campaign runs. A day outside the period (settings start, end) stops with the fix,
    so that no id gets a year outside the campaign; ``what``: the file, for the message."""
    start, end = settings.start, settings.end
    day = given or found or today
    if start <= day and (end is None or day <= end):
        return day
    period = _period_words(settings)
    where = f"{what}：" if what else ""
    if given is not None:
        raise OutsidePeriod(f"{where}--date {day} 不在本次活动期间（{period}，见 schema/settings.yaml）。"
                            "请核对日期；如果活动起止日期有变，先改 schema/settings.yaml 的 start、end")
    if found is not None:
        raise OutsidePeriod(f"{where}文件中的报送日期 {day} 不在本次活动期间（{period}）。"
                            "请用 --date YYYY-MM-DD 写明实际报送日期")
    raise OutsidePeriod(f"{where}今天（{today}）不在本次活动期间（{period}），不能默认按今天报送。"
                        "请用 --date YYYY-MM-DD 写明报送日期（编号的年份取自这个日期）")


def create(root: Path, regs: Registries, *, unit: str, title: str, submitters: list[str], topic: int,
           kind: str, date: dt.date, contact: str | None = None, status: str = "draft",
           body: str = BODY_TEMPLATE) -> Path:
    """Write the new file and return its path; never overwrites (retries the next id on a race)."""
    for _ in range(100):
        ident = next_id(root, date.year, unit)
        path = root / submission_path(ident)
        try:
            write_atomic(path, render(ident, title, submitters, unit, topic, kind, date, contact, status, body),
                         exclusive=True)
            return path
        except FileExistsError:
            continue
    raise RuntimeError("无法取得空闲编号")

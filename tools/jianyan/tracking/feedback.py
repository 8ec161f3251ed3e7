"""Tracking after dispatch: leaders' instructions (批示) and departments' handling (办理).

One record per adopted item: ``feedback/<YYYY>/<item-id>.yaml`` (format in docs/feedback.md).
This module holds the pydantic models, the loader (never raises for bad input; problems are
findings at file:line, like campaign/load.py does for submissions) and small pure helpers that tell the
state of a handling task on a given day, used by checks, stats, reports and the circular.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from jianyan.core.findings import Finding
from jianyan.campaign.frontmatter import read_yaml
from jianyan.campaign.model import ID_RE, ISSUE_ID_RE, Bool, Date, Strict, Text
from jianyan.campaign.load import IGNORED_NAMES, Campaign, Doc, read_content, refused, rel, scan, to_doc, unreadable
from jianyan.campaign.paths import FEEDBACK_DIR, FEEDBACK_SUFFIX

INSTRUCTION_KINDS = {
    "directive": "指示性批示",     # 请……研究办理 / 阅处
    "affirmative": "肯定性批示",   # 建议很好，……
    "circled": "圈阅",
}
HANDLING_STATES = {"in_progress": "办理中", "done": "已办结"}
HANDLING_ROLES = {"lead": "主办", "assist": "协办"}
# How the secretariat followed a handling task up (督办/催办): the record's follow_up entries.
FOLLOW_UP_KINDS = {"phone": "电话催办", "letter": "发函催办", "meeting": "会议督办", "visit": "上门督办"}
# Words a department may type in a spreadsheet instead of the codes.
STATE_WORDS = {"办理中": "in_progress", "在办": "in_progress", "in_progress": "in_progress",
               "已办结": "done", "办结": "done", "done": "done"}

InstructionKind = Literal["directive", "affirmative", "circled"]
HandlingState = Literal["in_progress", "done"]
HandlingRole = Literal["lead", "assist"]
FollowUpKind = Literal["phone", "letter", "meeting", "visit"]


class Instruction(Strict):
    """A leader's written instruction (批示) on the item as sent in the bulletin."""

    leader: Text = Field(description="批示领导姓名（匿名化，如 刘某某）")
    title: Text = Field(description="职务，如 副省长、省委副书记")
    date: Date = Field(description="批示日期")
    kind: InstructionKind = Field("directive", description="directive 指示性批示 / affirmative 肯定性批示 / circled 圈阅")
    text: str | None = Field(None, description="批示原文")
    summary: str | None = Field(None, description="批示要点（无原文时填写）")
    departments: list[Text] = Field(default_factory=list, description="批示交办的部门")

    @model_validator(mode="after")
    def _has_words(self) -> "Instruction":
        if self.kind != "circled" and not (self.text or self.summary):
            raise PydanticCustomError("jianyan_instruction_text",
                                      "须填写批示原文 text 或批示要点 summary（圈阅可不填）", {})
        return self

    @property
    def wording(self) -> str:
        return self.text or self.summary or ""


class Progress(Strict):
    """One dated entry of the handling timeline."""

    date: Date = Field(description="进展日期")
    percent: int = Field(ge=0, le=100, description="办理进度（0–100）")
    note: Text = Field(description="进展情况")
    source: str | None = Field(None, description="来源（批量导入时自动填写表格名和行号）")


class Handling(Strict):
    """A department's handling of the item (办理)."""

    department: Text = Field(description="承办单位，如 省发展改革委")
    role: HandlingRole = Field("lead", description="lead 主办 / assist 协办")
    instruction: int | None = Field(None, ge=1, description="据第几条批示交办（从 1 起）")
    assigned: Date = Field(description="交办日期")
    deadline: Date | None = Field(None, description="办理时限")
    progress: list[Progress] = Field(default_factory=list, description="办理进展（按日期先后）")
    state: HandlingState = Field("in_progress", description="in_progress 办理中 / done 已办结")
    closed: Date | None = Field(None, description="办结日期（已办结时必填）")
    result: str | None = Field(None, description="办理结果（已办结时必填）")
    contact: str | None = Field(None, description="承办单位联系人（不公开）")

    @model_validator(mode="after")
    def _done_has_result(self) -> "Handling":
        if self.state == "done" and (self.closed is None or not (self.result or "").strip()):
            raise PydanticCustomError("jianyan_done",
                                      "已办结（state: done）时须填写办结日期 closed 和办理结果 result", {})
        return self


class FollowUp(Strict):
    """One dated follow-up action (督办/催办) on a department's handling: the only ground for any
    督办/催办 wording in letters, records and the circular."""

    date: Date = Field(description="督办日期")
    kind: FollowUpKind = Field(description="督办方式：phone 电话催办 / letter 发函催办 / meeting 会议督办 / visit 上门督办")
    by: Text = Field(description="经办人（办公厅秘书处）")
    department: Text = Field(description="被督办的承办单位，须与 handling 中的 department 一致")
    reference: str | None = Field(None, description="催办函文号（发函催办时填写）")
    promised: str | None = Field(None, description="承办单位的答复或承诺")
    promised_date: Date | None = Field(None, description="承诺办结日期")
    note: str | None = Field(None, description="备注")

    @property
    def kind_label(self) -> str:
        return FOLLOW_UP_KINDS[self.kind]


class Forwarding(Strict):
    """The item sent on to a higher level (向上报送, e.g. 全国政协) and what became of it there."""

    to: Text = Field(description="报送对象，如 全国政协办公厅")
    date: Date = Field(description="报送日期")
    by: str | None = Field(None, description="经办人（研究室）")
    title: str | None = Field(None, description="报送时的标题（改写后与原标题不同时填写）")
    adopted: Bool = Field(False, description="上级是否已采用：true / false")
    adopted_date: Date | None = Field(None, description="上级采用日期（adopted: true 时必填）")
    bulletin: str | None = Field(None, description="上级采用刊物及期号，如 《全国政协信息专报》第38期（adopted: true 时必填）")
    note: str | None = Field(None, description="备注，如上级领导批示情况")

    @model_validator(mode="after")
    def _adopted_has_reference(self) -> "Forwarding":
        if self.adopted and (self.adopted_date is None or not (self.bulletin or "").strip()):
            raise PydanticCustomError("jianyan_upward",
                                      "上级已采用（adopted: true）时须填写采用日期 adopted_date 和采用刊物及期号 bulletin，"
                                      "如 bulletin: 《全国政协信息专报》第38期", {})
        if not self.adopted and (self.adopted_date is not None or (self.bulletin or "").strip()):
            raise PydanticCustomError("jianyan_upward",
                                      "填写了上级采用日期或刊物，但 adopted 不是 true。上级已采用请写 adopted: true", {})
        return self


class FeedbackRecord(Strict):
    """Everything that happened to one item after dispatch, and its forwarding upward."""

    item: Text = Field(description="被采用的建言信息编号，与文件名一致")
    issue: str | None = Field(None, description="采用该信息的专刊期号（不填则取该信息的 adopted_in）")
    instructions: list[Instruction] = Field(default_factory=list, description="领导批示")
    handling: list[Handling] = Field(default_factory=list, description="部门办理")
    forwarded: list[Forwarding] = Field(default_factory=list, description="向上级（全国政协等）报送及采用情况")
    follow_up: list[FollowUp] = Field(default_factory=list, description="督办催办记录（按日期先后）")
    feedback_sent: Date | None = Field(None, description="办理结果已向报送单位和委员反馈的日期（研究室填写）")
    note: str | None = Field(None, description="备注")

    @field_validator("item")
    @classmethod
    def _item_form(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise PydanticCustomError("jianyan_id", "信息编号“{value}”格式不对，应为 年份-单位代码-三位序号，如 2021-minge-001",
                                      {"value": v})
        return v

    @field_validator("issue")
    @classmethod
    def _issue_form(cls, v: str | None) -> str | None:
        if v is not None and not ISSUE_ID_RE.match(v):
            raise PydanticCustomError("jianyan_issue_id", "期号“{value}”格式不对，应为 年份-三位期号，如 2021-001",
                                      {"value": v})
        return v


# --- loading ----------------------------------------------------------------------------

@dataclass
class Tracking:
    records: list[Doc[FeedbackRecord]] = field(default_factory=list)
    unknown_files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def record(self, item_id: str) -> Doc[FeedbackRecord] | None:
        for doc in self.records:
            if doc.model is not None and doc.model.item == item_id:
                return doc
        return None

    @property
    def by_item(self) -> dict[str, FeedbackRecord]:
        """Valid records by item id (the first one wins if an item has two; the check reports it)."""
        out: dict[str, FeedbackRecord] = {}
        for doc in self.records:
            if doc.model is not None:
                out.setdefault(doc.model.item, doc.model)
        return out


def load_record(root: Path, path: Path, limit: int) -> tuple[Doc[FeedbackRecord], list[Finding]]:
    raw, refusal, _ = read_content(root, path, limit)
    if raw is None:
        return refused(refusal)
    return parse_record(rel(root, path), raw)


def parse_record(relpath: str, raw: bytes) -> tuple[Doc[FeedbackRecord], list[Finding]]:
    return to_doc(read_yaml(relpath, raw), FeedbackRecord)


def load_tracking(campaign: Campaign) -> Tracking:
    root = campaign.root
    limit = campaign.registries.settings.limits.file_max_bytes if campaign.registries else 1_000_000
    out = Tracking()
    unreadable_folders: list[tuple[Path, OSError]] = []
    for path, special in scan(root / FEEDBACK_DIR, unreadable_folders):
        if path.name in IGNORED_NAMES:
            continue
        if path.suffix != FEEDBACK_SUFFIX or special:  # symlinks, pipes, devices: listed, never opened
            out.unknown_files.append(rel(root, path))
            continue
        doc, found = load_record(root, path, limit)
        out.records.append(doc)
        out.findings.extend(found)
    out.findings.extend(unreadable(rel(root, path), exc, folder=True) for path, exc in unreadable_folders)
    return out


def tracking_of(campaign: Campaign) -> Tracking:
    """The campaign's feedback records, loaded once per loaded campaign."""
    cached = getattr(campaign, "_jianyan_tracking", None)
    if cached is None:
        cached = load_tracking(campaign)
        campaign._jianyan_tracking = cached  # type: ignore[attr-defined]
    return cached


# --- state on a given day ---------------------------------------------------------------

def dispatch_date(campaign: Campaign, issue_id: str | None) -> dt.date | None:
    doc = campaign.issue(issue_id) if issue_id else None
    if doc is None or doc.model is None or doc.model.status != "dispatched":
        return None
    return doc.model.dispatch.date if doc.model.dispatch else doc.model.date


def is_done(h: Handling, day: dt.date) -> bool:
    return h.state == "done" and h.closed is not None and h.closed <= day


def percent_on(h: Handling, day: dt.date) -> int:
    """Progress reported on or before ``day`` (100 once handled)."""
    if is_done(h, day):
        return 100
    seen = [p.percent for p in h.progress if p.date <= day]
    return seen[-1] if seen else 0


def latest_progress(h: Handling, day: dt.date) -> Progress | None:
    seen = [p for p in h.progress if p.date <= day]
    return seen[-1] if seen else None


def is_overdue(h: Handling, day: dt.date) -> bool:
    """Deadline passed on ``day`` without being handled by then."""
    return h.assigned <= day and h.deadline is not None and h.deadline < day and not is_done(h, day)


def closed_late(h: Handling) -> bool:
    return h.state == "done" and h.deadline is not None and h.closed is not None and h.closed > h.deadline


def follow_ups(record: FeedbackRecord | None, department: str, day: dt.date) -> list[FollowUp]:
    """The follow-up actions on ``department``'s handling recorded on or before ``day``, oldest first."""
    if record is None:
        return []
    return sorted((f for f in record.follow_up if f.department == department and f.date <= day),
                  key=lambda f: f.date)


def state_label(h: Handling, day: dt.date) -> str:
    if is_done(h, day):
        return "已办结（逾期）" if closed_late(h) else "已办结"
    return "办理中（已逾期）" if is_overdue(h, day) else "办理中"

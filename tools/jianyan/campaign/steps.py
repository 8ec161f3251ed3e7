"""The workflow as one table: the statuses of a submission and of a bulletin issue, the changes allowed
between them, the recorded steps of an issue and who does each, the roles, and the Chinese labels of
statuses and fields. The data model (its status and role types), the checks (status, issue, workflow),
the bulletin commands (``jianyan issue review|sign|dispatch``) and the renderers all read it from here.

To change the workflow, change the tables below; the rest follows:

- a submission status: one ``Status`` in ``SUBMISSION_FLOW`` (its label, the statuses it may change to,
  and its flags); list it in the ``next`` of the statuses that may change to it. The model accepts it and
  the workflow check allows exactly those changes (the contract fixes today's graph: a new status is a
  change of the contract).
- an issue step: one ``IssueStep`` in ``ISSUE_STEPS`` (the record's key, the command that records it,
  the status before and after, the role that may do it), the status it leads to in ``ISSUE_FLOW``, a
  field of that key in ``model.Issue``, and a command in ``cli/issue.py`` calling ``bulletin.record_step``.
  Each step needs the one before it: the issue check asks an issue in a status for the records of every
  step up to it, and the command refuses a date before the previous step's.
- a role: one ``Role`` in ``ROLE_TABLE``; people get it in schema/roles.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """One status of a submission or an issue."""

    name: str  # as written in the file's front matter
    label: str  # in Chinese, in every message, report and page
    next: tuple[str, ...]  # the statuses it may change to, one step per change (workflow.transition)
    start: bool = False  # a new file may have it (workflow.new_status)
    reviewed: bool = False  # a submission the research office has decided on: it carries a review record
    reason: bool = False  # the review names a reason code (schema/reasons.yaml, whose ``applies`` lists these)
    frozen: bool = False  # the text no longer changes: a submission's body once accepted, a signed issue
    accepted: bool = False  # a submission the research office took: it may be used (and shown on the public site)


# The contract's graph; nothing else is allowed.
SUBMISSION_FLOW = (
    Status("draft", "草稿", ("submitted",), start=True),
    Status("submitted", "已报送", ("returned", "accepted", "rejected", "withdrawn"), start=True),
    Status("returned", "退回修改", ("submitted", "withdrawn"), reviewed=True, reason=True),
    Status("accepted", "审核通过", ("adopted", "rejected", "withdrawn"), reviewed=True, frozen=True, accepted=True),
    Status("rejected", "不予采用", (), reviewed=True, reason=True),
    Status("withdrawn", "已撤回", ()),
    Status("adopted", "已采用", (), reviewed=True, frozen=True, accepted=True),  # used in a signed bulletin issue
)
ISSUE_FLOW = (
    Status("draft", "编辑中", ("reviewed",), start=True),
    Status("reviewed", "已审改", ("signed", "draft")),  # back to draft: the director sends it back for editing
    Status("signed", "已签发", ("dispatched",), frozen=True),
    Status("dispatched", "已报送", (), frozen=True),
)


@dataclass(frozen=True)
class IssueStep:
    """A dated step recorded in a bulletin issue (``<key>: {by, date, note}``) that moves it one status on."""

    key: str  # the record's key in the issue's front matter (a field of model.Issue)
    command: str  # jianyan issue <command> records it
    before: str  # the issue's status when the step is done
    after: str  # its status once done
    role: str  # who may do it (ROLE_TABLE; holders in schema/roles.yaml)
    label: str  # the step in Chinese, as messages name it
    hint: str  # what the workflow check says when the record is missing or by someone else


ISSUE_STEPS = (
    IssueStep("review", "review", "draft", "reviewed", "director", "研究室主任审改",
              "请由研究室主任审改后填写 review（by、date）"),
    IssueStep("signoff", "sign", "reviewed", "signed", "secretary_general", "秘书长签发",
              "签发只能由秘书长进行"),
    IssueStep("dispatch", "dispatch", "signed", "dispatched", "secretariat", "秘书处报送",
              "请由办公厅秘书处报送后填写 dispatch（by、date）"),
)


@dataclass(frozen=True)
class Role:
    """A role people hold in schema/roles.yaml."""

    name: str
    label: str  # the role itself: “X不是{label}”
    holder: str  # a person holding it, in the workflow check's messages: “不是{holder}”


ROLE_TABLE = (
    Role("research_office", "研究室", "研究室人员"),
    Role("director", "研究室主任", "研究室主任"),
    Role("secretary_general", "秘书长", "秘书长"),
    Role("secretariat", "办公厅秘书处", "办公厅秘书处"),
    Role("committee_office", "专门委员会办公室", "该专门委员会办公室人员"),
)

# --- derived views (read these; change the tables above) ----------------------------------------

SUBMISSION_STATUSES = {s.name: s.label for s in SUBMISSION_FLOW}
SUBMISSION_TRANSITIONS = {s.name: s.next for s in SUBMISSION_FLOW}
ISSUE_STATUSES = {s.name: s.label for s in ISSUE_FLOW}
ISSUE_TRANSITIONS = {s.name: s.next for s in ISSUE_FLOW}
SUBMISSION_STARTS = tuple(s.name for s in SUBMISSION_FLOW if s.start)
ISSUE_STARTS = tuple(s.name for s in ISSUE_FLOW if s.start)
# A submission in one of these statuses has been decided on by the research office (it has a review).
REVIEWED = tuple(s.name for s in SUBMISSION_FLOW if s.reviewed)
# Statuses whose review names a reason (alphabetical: the order schema/json and messages show).
REASON_STATUSES = tuple(sorted(s.name for s in SUBMISSION_FLOW if s.reason))
BODY_FROZEN = tuple(s.name for s in SUBMISSION_FLOW if s.frozen)
# Accepted by the research office (审核通过 or already used in an issue).
ACCEPTED = tuple(s.name for s in SUBMISSION_FLOW if s.accepted)
# A signed issue: published, its text fixed (the items it uses are adopted).
ISSUE_FROZEN = tuple(s.name for s in ISSUE_FLOW if s.frozen)
ROLES = {r.name: r.label for r in ROLE_TABLE}
# Who records a submission's review, and a member item's review by its committee (ref.*, workflow.*_role).
SUBMISSION_REVIEWERS = ("research_office", "director")
COMMITTEE_REVIEWERS = ("committee_office",)
ROLE_HOLDERS = {r.name: r.holder for r in ROLE_TABLE}
STEP_BY_COMMAND = {s.command: s for s in ISSUE_STEPS}


def previous_step(step: IssueStep) -> IssueStep | None:
    """The step done before ``step`` (None for the first)."""
    at = ISSUE_STEPS.index(step)
    return ISSUE_STEPS[at - 1] if at else None


def steps_required(status: str) -> tuple[IssueStep, ...]:
    """The steps an issue in ``status`` has done: every step up to the one that led to it."""
    done = next((i + 1 for i, s in enumerate(ISSUE_STEPS) if s.after == status), 0)
    return ISSUE_STEPS[:done]


# --- field labels ---------------------------------------------------------------------------------

# Field labels for messages, and Chinese keys people type by mistake.
FIELD_LABELS = {
    "id": "编号", "title": "标题", "submitter": "作者/报送人", "unit": "报送单位", "topic": "重点选题",
    "kind": "信息类别", "status": "状态", "date": "报送日期", "public": "是否公开", "contact": "联系方式",
    "committee_review": "专委会审核", "review": "研究室审核", "adopted_in": "采用期号", "by": "经办人",
    "opinion": "意见", "reason": "原因代码", "note": "说明", "number": "期号", "total": "总期号",
    "items": "所用信息", "editor": "责任编辑", "signoff": "签发", "dispatch": "报送",
    "recipients": "报送范围", "keywords": "关键词", "related": "相关信息", "urgent": "紧急",
    # feedback records (tracking/feedback.py)
    "item": "信息编号", "issue": "专刊期号", "instructions": "领导批示", "leader": "批示领导",
    "text": "批示原文", "summary": "批示要点", "departments": "交办部门", "handling": "部门办理",
    "department": "承办单位", "role": "主办/协办", "instruction": "所据批示", "assigned": "交办日期",
    "deadline": "办理时限", "progress": "办理进展", "percent": "办理进度", "state": "办理状态",
    "closed": "办结日期", "result": "办理结果", "source": "来源",
    "urgent_reason": "紧急理由", "forwarded": "向上报送", "to": "报送对象", "adopted": "上级是否采用",
    "adopted_date": "上级采用日期", "bulletin": "上级刊物及期号",
    # members and quotas (schema/members.yaml, schema/quotas.yaml)
    "committee": "所在专门委员会", "sector": "界别", "term": "届次", "aliases": "其他写法",
    "members": "委员", "quotas": "量化指标", "year": "年度", "by_kind": "按单位类别", "units": "单位",
}
# Where a message names one field in brackets, e.g. “不能修改 submitter（作者）”.
SHORT_LABELS = {"submitter": "作者"}
CHINESE_KEYS = {label: key for key, label in FIELD_LABELS.items()}
CHINESE_KEYS.update({"作者": "submitter", "提交人": "submitter", "单位": "unit", "选题": "topic",
                     "类别": "kind", "日期": "date", "公开": "public", "联系人": "contact",
                     "电话": "contact", "编号": "id"})


def short_label(key: str) -> str:
    """The field's label where a message names it beside its key."""
    return SHORT_LABELS.get(key, FIELD_LABELS[key])

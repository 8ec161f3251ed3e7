"""The data model: submissions, bulletin issues and the registries, as pydantic models.

Front matter reaches these models with every scalar as a string; the field types below do
the conversion, as written: a number is digits (``Int``, ``Number``), so ``topic: 7.0``,
``7_0`` or a full-width ７ is refused rather than read as 7 (pydantic's lax parsing would take
them, and ``nan``/``inf`` as numbers), and the settings have sane ranges (a similarity is a
ratio from 0 to 1; a warning threshold is not above its error threshold). The statuses, roles and
issue steps, and the Chinese labels of statuses and fields, are the workflow's table (steps.py).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationInfo,
                      WithJsonSchema, field_validator, model_validator)
from pydantic_core import PydanticCustomError

from jianyan.campaign.calendar import UNITS
from jianyan.campaign.paths import ALLOWED_SIGNERS, registry_path
from jianyan.campaign.steps import ISSUE_FLOW, ISSUE_STATUSES, ISSUE_STEPS, REASON_STATUSES, ROLES, SUBMISSION_STATUSES

KINDS = {"problem": "反映问题", "suggestion": "意见建议", "practice": "经验做法"}
UNIT_KINDS = {
    "party": "民主党派省委会",
    "federation": "省工商联",
    "city": "市政协",
    "liaison": "信息联系点政协",
    "committee": "省政协专门委员会",
}

# The values each field takes are the keys of its labels; statuses and roles are the workflow's (steps.py):
# a status or role added there is accepted here.
SubmissionStatus = Literal[tuple(SUBMISSION_STATUSES)]  # type: ignore[valid-type]
IssueStatus = Literal[tuple(ISSUE_STATUSES)]  # type: ignore[valid-type]
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
UnitKind = Literal[tuple(UNIT_KINDS)]  # type: ignore[valid-type]
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]
_STEP_LABELS = {step.key: step.label for step in ISSUE_STEPS}

ID_RE = re.compile(r"^(?P<year>\d{4})-(?P<unit>[a-z0-9]+)-(?P<seq>\d{3,})$")
ISSUE_ID_RE = re.compile(r"^(?P<year>\d{4})-(?P<seq>\d{3,})$")
UNIT_CODE_RE = re.compile(r"^[a-z0-9]+$")


# --- scalar types -----------------------------------------------------------------------

def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("true", "是"):
        return True
    if text in ("false", "否"):
        return False
    raise PydanticCustomError("jianyan_bool", "应填 true（是）或 false（否），现在是“{value}”",
                              {"value": text})


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not m:
        raise PydanticCustomError("jianyan_date", "日期应写成 YYYY-MM-DD（如 2021-03-01，月和日都要两位），现在是“{value}”",
                                  {"value": text})
    try:
        return dt.date(*map(int, m.groups()))
    except ValueError:
        raise PydanticCustomError("jianyan_date", "“{value}”不是有效日期（请检查月份和日期）", {"value": text}) from None


_INT_RE = re.compile(r"-?[0-9]+")
MAX_DIGITS = 18
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _to_int(value: Any) -> Any:
    """A whole number written with ASCII digits (leading zeros allowed); other values go to pydantic."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not _INT_RE.fullmatch(text):
        raise PydanticCustomError("jianyan_int", "应为整数，只写阿拉伯数字（如 3），现在是“{value}”", {"value": text})
    _not_too_long(text)
    return int(text)


def _not_too_long(text: str) -> None:
    """No number here needs more than MAX_DIGITS digits (Python refuses to read over 4300, in English)."""
    digits = len(text) - text.count("-") - text.count(".")
    if digits > MAX_DIGITS:
        raise PydanticCustomError("jianyan_digits", "数字太长（{n} 位），这里的数字不会超过 {max} 位，请改正",
                                  {"n": digits, "max": MAX_DIGITS})


def _to_number(value: Any) -> Any:
    """A number written as digits with an optional decimal part (no nan, inf, 1e3 or 1_0)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not _NUMBER_RE.fullmatch(text):
        raise PydanticCustomError("jianyan_number", "应为数字，只写阿拉伯数字和小数点（如 0.8），现在是“{value}”",
                                  {"value": text})
    _not_too_long(text)
    return float(text)


def _to_ratio(value: Any) -> Any:
    number = _to_number(value)
    if isinstance(number, float) and not 0 <= number <= 1:
        raise PydanticCustomError("jianyan_ratio", "应是 0 到 1 之间的比例（如 0.8 表示 80%），现在是“{value}”",
                                  {"value": str(value).strip()})
    return number


def _to_str_list(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _nonempty(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("jianyan_empty", "不能为空", {})
    return _strip(value)


Bool = Annotated[bool, BeforeValidator(_to_bool)]
Int = Annotated[int, BeforeValidator(_to_int)]
Number = Annotated[float, BeforeValidator(_to_number)]
Ratio = Annotated[float, BeforeValidator(_to_ratio), Field(ge=0, le=1)]  # (the Field bounds: for the JSON Schema)
Date = Annotated[dt.date, BeforeValidator(_to_date), PlainSerializer(lambda d: d.isoformat(), return_type=str)]
Text = Annotated[str, BeforeValidator(_nonempty)]
def _code(value: Any) -> Any:
    value = _nonempty(value)
    if isinstance(value, str) and not UNIT_CODE_RE.match(value):
        raise PydanticCustomError("jianyan_code", "代码“{value}”只能用小写字母和数字", {"value": value})
    return value


Code = Annotated[str, BeforeValidator(_code)]
Names = Annotated[list[Text], BeforeValidator(_to_str_list), Field(min_length=1),
                  WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1},
                                            {"type": "array", "items": {"type": "string"}, "minItems": 1}]})]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def not_below(low: str):
    """A field validator: the value is not below the field ``low`` (validated before it), e.g. an error
    threshold not below its warning threshold, an end not before the start; reported on this field's line."""
    def check(cls, value, info: ValidationInfo):
        other = info.data.get(low)
        if value is not None and other is not None and value < other:
            words = "不能早于" if isinstance(value, dt.date) else "不能小于"
            raise PydanticCustomError("jianyan_order", "{words} {low}（{other}），现在是“{value}”。请改正其中之一",
                                      {"words": words, "low": low, "other": str(other), "value": str(value)})
        return value
    return check


# --- submissions --------------------------------------------------------------------------

class CommitteeReview(Strict):
    """The special committee's review of a member's item (before the research office sees it)."""

    by: Text = Field(description="专委会办公室经办人（姓名或代码，见 schema/roles.yaml）")
    date: Date = Field(description="审核日期")
    opinion: Text = Field("同意报送", description="审核意见")


class Review(Strict):
    """The research office's decision on an item."""

    by: Text = Field(description="研究室审核人")
    date: Date = Field(description="审核日期")
    reason: str | None = Field(None, description="退回或不予采用的原因代码（见 schema/reasons.yaml）")
    note: str | None = Field(None, description="补充说明")


class Submission(Strict):
    """One suggestion (建言信息)."""

    id: Text = Field(description="编号：<年份>-<单位代码>-<三位序号>，与文件名一致")
    title: Text = Field(description="标题，如“关于……的建议”")
    submitter: Names = Field(description="作者：单位或委员姓名；联名时写成列表")
    unit: Text = Field(description="报送单位代码（见 schema/units.yaml）；委员信息填所联系的专门委员会")
    topic: Int = Field(description="重点选题编号 1–7（见 schema/topics.yaml）")
    status: SubmissionStatus = Field(description="状态")
    date: Date = Field(description="报送日期 YYYY-MM-DD")
    kind: Kind = Field("suggestion", description="类别：problem 反映问题 / suggestion 意见建议 / practice 经验做法")
    public: Bool = Field(False, description="是否适宜公开宣传")
    contact: str | None = Field(None, description="联系方式（不公开，不进入专刊和网站）")
    keywords: list[Text] = Field(default_factory=list, description="关键词")
    committee_review: CommitteeReview | None = Field(None, description="专委会审核记录（委员信息必填）")
    review: Review | None = Field(None, description="研究室审核记录")
    adopted_in: str | None = Field(None, description="采用该信息的专刊期号，如 2021-001")
    related: list[Text] = Field(default_factory=list, description="同一事项的前序信息编号（连续报道）")
    urgent: Bool = Field(False, description="急事急报：true 时按紧急信息优先审核、优先编刊（须填 urgent_reason）")
    urgent_reason: str | None = Field(None, description="紧急的理由（urgent: true 时必填）")

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise PydanticCustomError("jianyan_id", "编号“{value}”格式不对，应为 年份-单位代码-三位序号，如 2021-minge-001",
                                      {"value": v})
        return v

    @field_validator("adopted_in")
    @classmethod
    def _issue_ref(cls, v: str | None) -> str | None:
        if v is not None and not ISSUE_ID_RE.match(v):
            raise PydanticCustomError("jianyan_issue_id", "期号“{value}”格式不对，应为 年份-三位期号，如 2021-001",
                                      {"value": v})
        return v


# --- bulletin issues --------------------------------------------------------------------

class Step(Strict):
    """A dated step done by a person: director's review, sign-off, dispatch."""

    by: Text = Field(description="经办人（姓名或代码）")
    date: Date = Field(description="日期")
    note: str | None = Field(None, description="说明")


class Recipients(Strict):
    """The 报/送/发 lines of the 版记."""

    bao: list[Text] = Field(default_factory=list, description="报")
    song: list[Text] = Field(default_factory=list, description="送")
    fa: list[Text] = Field(default_factory=list, description="发")


class Source(Strict):
    """One source of a combined article (综合稿): an item and the part it plays."""

    item: Text = Field(description="所用信息编号（须同时列在本期 items 中）")
    role: Text = Field(description="角色：主稿 / 综合，或活动设置 combined.roles 中的其他名称")
    share: Ratio | None = Field(None, description="本来源分得的采用计分份额（0–1，可不填；填了则本篇各来源都要填，合计为 1）")


class Article(Strict):
    """A combined article (综合稿): one article of the issue drawn from several items."""

    title: Text = Field(description="稿件标题，与正文中该篇 ## 后的标题一致")
    sources: list[Source] = Field(min_length=2, description="所综合的信息及其角色（至少两条）")


class Issue(Strict):
    """One bulletin issue (专刊的一期)."""

    id: Text = Field(description="期号：年份-三位序号，与文件路径 issues/<年份>/<序号>.md 一致")
    number: Int = Field(ge=1, description="本年期号")
    total: Int = Field(ge=1, description="总期号（总第N期）")
    date: Date = Field(description="出刊日期")
    status: IssueStatus = Field(description="状态：" + " / ".join(f"{s.name} {s.label}" for s in ISSUE_FLOW))
    items: list[Text] = Field(default_factory=list, description="所用建言信息编号")
    articles: list[Article] = Field(default_factory=list,
                                    description="综合稿：一篇稿件综合了几条信息时，在此列出标题和各来源（来源也要列在 items 中）")
    editor: Text = Field(description="责任编辑（研究室）")
    title: str | None = Field(None, description="本期要目（可选）")
    # one field per step of steps.ISSUE_STEPS
    review: Step | None = Field(None, description=_STEP_LABELS["review"])
    signoff: Step | None = Field(None, description=_STEP_LABELS["signoff"])
    dispatch: Step | None = Field(None, description=_STEP_LABELS["dispatch"])
    recipients: Recipients | None = Field(None, description="报送范围（不填则用活动设置）")
    public: Bool = Field(False, description="是否在公开网站发布")

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not ISSUE_ID_RE.match(v):
            raise PydanticCustomError("jianyan_issue_id", "期号“{value}”格式不对，应为 年份-三位期号，如 2021-001",
                                      {"value": v})
        return v


# --- registries -------------------------------------------------------------------------

class Topic(Strict):
    number: Int = Field(ge=1)
    title: Text
    short: Text
    key_points: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[Topic]


class Unit(Strict):
    code: Text
    name: Text
    full_name: Text
    kind: UnitKind

    @field_validator("code")
    @classmethod
    def _code_form(cls, v: str) -> str:
        if not UNIT_CODE_RE.match(v):
            raise PydanticCustomError("jianyan_code", "单位代码“{value}”只能用小写字母和数字", {"value": v})
        return v


class UnitsFile(Strict):
    units: list[Unit]


class Person(Strict):
    code: Text
    name: Text
    roles: list[Role] = Field(min_length=1)
    title: str | None = None
    unit: str | None = None
    email: str | None = None
    principal: str | None = None
    forge_user: str | None = Field(None, description="代码托管平台（GitHub/Gitea/GitLab）用户名，用于 CODEOWNERS；不填则用 code")


class RolesFile(Strict):
    people: list[Person]


class Member(Strict):
    """A CPPCC member (省政协委员) whose items go through a special committee (schema/members.yaml)."""

    code: Code = Field(description="代码：小写字母和数字，如 liumm")
    name: Text = Field(description="姓名（匿名化，如 刘某某），与建言信息 submitter 中的写法一致")
    committee: Text = Field(description="所联系的专门委员会（schema/units.yaml 中 kind: committee 的单位代码）")
    sector: Text = Field(description="界别，如 经济界、科学技术界")
    term: Int = Field(ge=1, description="届次，如 12 表示十二届省政协委员")
    title: str | None = Field(None, description="工作单位及职务（可选，写入履职档案）")
    aliases: list[Text] = Field(default_factory=list, description="其他写法（如曾用名、带空格的写法），用于识别作者")


class MembersFile(Strict):
    members: list[Member] = Field(default_factory=list)


class Target(Strict):
    """A yearly target (量化指标) of one unit."""

    submitted: Int = Field(0, ge=0, description="全年报送信息条数（不含草稿）")
    adopted: Int = Field(0, ge=0, description="全年被专刊采用条数")


class YearQuotas(Strict):
    year: Int = Field(ge=2000, le=2100, description="年度")
    by_kind: dict[UnitKind, Target] = Field(default_factory=dict,
                                            description="按单位类别的指标（party / federation / city / liaison / committee）")
    units: dict[str, Target] = Field(default_factory=dict, description="个别单位的指标（单位代码 → 指标），优先于按类别的指标")


class QuotasFile(Strict):
    quotas: list[YearQuotas] = Field(default_factory=list)


class Reason(Strict):
    code: Text
    label: Text
    applies: list[Literal[REASON_STATUSES]] = Field(min_length=1)  # type: ignore[valid-type]


class ReasonsFile(Strict):
    reasons: list[Reason]


class Limits(Strict):
    title_max: Int = Field(40, ge=1, description="标题最多字数")
    body_min: Int = Field(300, ge=0, description="正文最少字数")
    body_max: Int = Field(1500, ge=1, validate_default=True, description="正文最多字数")
    file_max_bytes: Int = Field(1_000_000, ge=1000, le=50_000_000, description="单个文件最大字节数，超过即拒收")

    _body_max = field_validator("body_max")(not_below("body_min"))


class BulletinSettings(Strict):
    title: Text = Field(description="专刊名称（报头）")
    compiler: Text = Field(description="编印单位")
    target_chars: Int = Field(500, ge=1, description="每期目标字数")
    tolerance: Ratio = Field(0.3, description="字数允许偏差（比例）")
    per_week_min: Int = Field(1, ge=0, description="每周最少期数")
    per_week_max: Int = Field(2, ge=1, validate_default=True, description="每周最多期数")
    start: Date | None = Field(None, description="首期日期（此后按周检查出刊节奏）")
    require_signature: Bool = Field(False, description="签发提交是否必须带 SSH 签名")
    allowed_signers: str = Field(ALLOWED_SIGNERS,
                                 description="登记签名公钥的 allowed_signers 文件（从基准分支读取）")
    recipients: Recipients = Field(default_factory=Recipients)

    _per_week_max = field_validator("per_week_max")(not_below("per_week_min"))


class DupSettings(Strict):
    similarity_warning: Ratio = 0.5
    similarity_error: Ratio = Field(0.8, validate_default=True)  # checked against a warning written alone
    copy_ratio_warning: Ratio = 0.3
    copy_ratio_error: Ratio = Field(0.5, validate_default=True)
    min_span_chars: Int = Field(20, ge=1)

    _similarity_error = field_validator("similarity_error")(not_below("similarity_warning"))
    _copy_ratio_error = field_validator("copy_ratio_error")(not_below("copy_ratio_warning"))
    reference_dir: str | None = None


class ImportSettings(Strict):
    """`jianyan import` (Word intake)."""

    keep_original: Bool = Field(False, description="导入时把 Word/WPS 原件以同一编号保存在建言信息旁（如 2021-minge-001.docx）")


class QualitySettings(Strict):
    """Thresholds of the writing-quality and personal-data checks (quality.*, pii.*)."""

    phrases: str = Field(registry_path("phrases"), description="空话套话词表（相对仓库根目录）")
    empty_talk_per_100: Number = Field(1.0, ge=0, description="空话套话每百字达到此数即提示")
    empty_talk_min_hits: Int = Field(4, ge=1, description="且至少有这么多处")
    intensifier_stack: Int = Field(3, ge=1, description="一句话里“进一步、切实、认真……”等修饰语达到此数即提示堆砌")
    sentence_max: Int = Field(150, ge=1, description="一句话最多字数")
    paragraph_max: Int = Field(450, ge=1, description="一段最多字数")
    topic_min_keywords: Int = Field(2, ge=1, description="一个选题的关键词出现几个（不同的）才算涉及该选题")
    topics_max: Int = Field(2, ge=1, description="涉及的选题超过此数即提示“一文多事”")
    landline_context: Int = Field(8, ge=0, description="不带区号的电话号码：前面多少字内出现“电话”等词才算电话")


class ScoringSettings(Strict):
    """Points of the unit ranking (排名计分办法; documented in docs/records-and-quotas.md)."""

    submitted: Number = Field(1, ge=0, description="报送一条信息（不含草稿）")
    adopted: Number = Field(3, ge=0, description="被专刊采用一条")
    instruction: Number = Field(2, ge=0, description="获省领导批示一件次（指示性、肯定性批示）")
    circled: Number = Field(1, ge=0, description="获省领导圈阅一件次")
    forwarded: Number = Field(1, ge=0, description="向上级（全国政协等）报送一条")
    upward_adopted: Number = Field(5, ge=0, description="被上级（全国政协等）采用一条")


CREDIT_RULES = {"full": "各来源各计采用一条", "equal": "一篇计一条，各来源平分",
                "weights": "一篇计一条，按角色权重分配"}
CreditRule = Literal[tuple(CREDIT_RULES)]  # type: ignore[valid-type]


class CombinedSettings(Strict):
    """Combined articles (综合稿): the source roles and how the adoption credit is shared (docs/records-and-quotas.md)."""

    roles: list[Text] = Field(default_factory=lambda: ["主稿", "综合"], min_length=1,
                              description="来源的角色名称，第一个是主稿")
    credit: CreditRule = Field("full", description="采用计分：full 各计一条 / equal 平分一条 / weights 按角色权重分一条")
    weights: dict[str, Number] = Field(default_factory=lambda: {"主稿": 2.0, "综合": 1.0},
                                       description="credit: weights 时各角色的权重（按比例分配一条）")
    suggest_similarity: Ratio = Field(0.3, description="jianyan issue new 提议综合：两条信息的相似度达到此数即算内容相近")
    suggest_keywords: Int = Field(2, ge=1, description="jianyan issue new 提议综合：同一选题且共同关键词达到此数即算同一主题")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        roles = info.data.get("roles") or []
        unknown = [k for k in v if roles and k not in roles]
        if unknown:
            raise PydanticCustomError("jianyan_role", "权重中的角色“{names}”不在 roles 中（{roles}）。请改正其中之一",
                                      {"names": "、".join(unknown), "roles": "、".join(roles)})
        negative = [k for k, w in v.items() if w < 0]
        if negative:  # a negative weight would give the other sources more than the article and this one less than 0
            raise PydanticCustomError("jianyan_weight", "角色“{names}”的权重是负数。权重应为 0 或正数，请改正",
                                      {"names": "、".join(negative)})
        return v


class UrgentSettings(Strict):
    """How long an urgent item (急事急报) may wait at each step, in calendar days."""

    review_days: Int = Field(3, ge=0, description="报送后多少天内须审核")
    adopt_days: Int = Field(7, ge=0, description="审核通过后多少天内须编入专刊（以出刊日期为准）")
    dispatch_days: Int = Field(1, ge=0, description="专刊签发后多少天内须报送")


DeadlineUnit = Literal[tuple(UNITS)]  # type: ignore[valid-type]


class Deadline(Strict):
    """One time limit: how many days, counted in working days (工作日, schema/calendar.yaml) or calendar days."""

    days: Annotated[Int, Field(ge=0, le=366)] | None = Field(None, description="天数（不填：按各记录自己写的日期）")
    unit: DeadlineUnit = Field("calendar", description="working 工作日 / calendar 自然日")


class Deadlines(Strict):
    """The unit (and length) of each time limit; without this key every limit counts calendar days, as before."""

    review: Deadline = Field(default_factory=lambda: Deadline(days=5), description="研究室审核：报送后多少天内审核")
    urgent: Deadline = Field(default_factory=Deadline,
                             description="急事急报各环节（天数见 urgent:，这里只定单位）")
    handling: Deadline = Field(default_factory=Deadline,
                               description="部门办理：交办后多少天内办结（记录里写了 deadline 的以记录为准）")
    feedback: Deadline = Field(default_factory=Deadline, description="办理结果反馈：办结后多少天内反馈")


class Settings(Strict):
    campaign: Text = Field(description="活动名称")
    year: Int = Field(ge=2000, le=2100)
    organizer: Text = Field(description="主办单位")
    notice: str | None = Field(None, description="活动通知文号或日期")
    start: Date
    end: Date | None = None
    limits: Limits = Field(default_factory=Limits)
    bulletin: BulletinSettings
    dup: DupSettings = Field(default_factory=DupSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    import_: ImportSettings = Field(default_factory=ImportSettings, alias="import", description="Word 导入设置")
    scoring: ScoringSettings = Field(default_factory=ScoringSettings, description="单位排名计分办法")
    combined: CombinedSettings = Field(default_factory=CombinedSettings, description="综合稿的来源角色和采用计分办法")
    urgent: UrgentSettings = Field(default_factory=UrgentSettings, description="紧急信息各环节时限")
    deadlines: Deadlines = Field(default_factory=Deadlines, description="各类时限按工作日还是自然日计算、多少天")
    severity: dict[str, Literal["error", "warning", "info", "off"]] = Field(
        default_factory=dict, description="按规则代码调整严重级别，如 quality.empty_talk: warning")

    _end = field_validator("end")(not_below("start"))

    @model_validator(mode="before")
    @classmethod
    def _start_of_the_year(cls, data: Any) -> Any:
        """A settings file written before the campaign period existed has no ``start``: the campaign's year
        begins it (checks/status.py warns schema.period_default and asks for the real day), so that an
        upgraded campaign keeps working instead of every command stopping at its settings."""
        if isinstance(data, dict) and data.get("start") is None and re.fullmatch(r"\d{4}", str(data.get("year", ""))):
            return {**data, "start": f"{data['year']}-01-01"}
        return data

    def deadline(self, name: str) -> tuple[int | None, str]:
        """(days, unit) of a time limit: review, urgent_review, urgent_adopt, urgent_dispatch, handling,
        feedback; unit "working" or "calendar" (days None: no default length, records carry their dates)."""
        if name.startswith("urgent_"):
            return getattr(self.urgent, f"{name[len('urgent_'):]}_days"), self.deadlines.urgent.unit
        limit: Deadline = getattr(self.deadlines, name)
        return limit.days, limit.unit

    def as_of(self, today: dt.date) -> dt.date:
        """The day a report is taken on by default: today while the campaign runs, its end afterwards (and
        its start when today is before it)."""
        return max(self.start, min(today, self.end)) if self.end else max(self.start, today)

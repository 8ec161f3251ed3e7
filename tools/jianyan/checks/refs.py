"""ref.*: registries and cross-file references — units, topics, people, reasons, paths, ids."""
from __future__ import annotations

import difflib
from typing import Iterator

from jianyan.core.findings import Finding, error, warning
from jianyan.campaign.model import ID_RE
from jianyan.campaign.load import Campaign, Doc
from jianyan.campaign.paths import issue_path, submission_path
from jianyan.campaign.steps import COMMITTEE_REVIEWERS, REASON_STATUSES, ROLES, SUBMISSION_REVIEWERS
from jianyan.checks.common import repeated


def _close(word: str, options) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"是不是“{match[0]}”？" if match else ""


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    for path in campaign.unknown_files:
        yield error(path, None, "ref.unknown_file",
                    "submissions/ 和 issues/ 下只能放 .md 文件（建言信息或专刊）。"
                    "Word 原件请用 jianyan import 导入（导入时保留的原件与建言信息同名，如 2021-minge-001.docx，可以留在旁边），"
                    "其他材料请移出这两个目录")
    regs = campaign.registries
    if regs is None:
        return
    for doc in campaign.submissions:
        if doc.model is not None:
            yield from _check_submission(campaign, doc)
    for ident, doc, others in repeated(campaign.submissions, lambda d: d.model.id):
        yield error(doc.path, doc.line("id"), "ref.duplicate_id",
                    f"编号 {ident} 与 {others} 重复。请用 jianyan new 取得下一个可用编号")


def _check_submission(campaign: Campaign, doc: Doc) -> Iterator[Finding]:
    regs = campaign.registries
    s = doc.model
    p = doc.path
    m = ID_RE.match(s.id)
    expected = submission_path(s.id)
    if p != expected:
        yield error(p, doc.line("id"), "ref.path",
                    f"文件位置与编号不符：编号 {s.id} 的文件应为 {expected}。请移动或改名（git mv），不要复制")
    if m["unit"] != s.unit:
        yield error(p, doc.line("unit"), "ref.id_unit",
                    f"编号中的单位代码“{m['unit']}”与 unit“{s.unit}”不一致。请改正其中之一")
    if int(m["year"]) != s.date.year:
        yield warning(p, doc.line("date"), "ref.id_year",
                      f"编号年份 {m['year']} 与报送日期 {s.date.isoformat()} 的年份不同。请确认编号或日期")
    if s.unit not in regs.units:
        yield error(p, doc.line("unit"), "ref.unknown_unit",
                    f"报送单位代码“{s.unit}”未在 schema/units.yaml 中登记。{_close(s.unit, regs.units)}"
                    "请使用登记表中的代码，新单位请先登记")
    if s.topic not in regs.topics:
        nums = "、".join(str(n) for n in sorted(regs.topics))
        yield error(p, doc.line("topic"), "ref.unknown_topic",
                    f"重点选题“{s.topic}”不存在，只能是 {nums}（见 schema/topics.yaml）")
    unit = regs.units.get(s.unit)
    is_member_item = unit is not None and unit.kind == "committee"
    if s.review is not None:
        yield from _person(campaign, doc, ("review", "by"), s.review.by, SUBMISSION_REVIEWERS)
        if s.review.reason is not None:
            reason = regs.reasons.get(s.review.reason)
            if reason is None:
                yield error(p, doc.line("review", "reason"), "ref.unknown_reason",
                            f"原因代码“{s.review.reason}”未登记。{_close(s.review.reason, regs.reasons)}"
                            f"可用：{'、'.join(f'{c}（{r.label}）' for c, r in regs.reasons.items())}")
            elif s.status in REASON_STATUSES and s.status not in reason.applies:
                yield error(p, doc.line("review", "reason"), "ref.reason_status",
                            f"原因“{reason.label}”不适用于状态 {s.status}。"
                            f"请选用适用于该状态的原因代码（见 schema/reasons.yaml 的 applies）")
    if s.committee_review is not None:
        if not is_member_item:
            yield warning(p, doc.line("committee_review"), "ref.committee_review_unexpected",
                          "只有委员通过专门委员会报送的信息才需要 committee_review；本单位直接报送的信息请删除此项")
        else:
            yield from _person(campaign, doc, ("committee_review", "by"), s.committee_review.by,
                               COMMITTEE_REVIEWERS, unit=s.unit)
    if s.adopted_in is not None:
        issue = campaign.issue(s.adopted_in)
        if campaign.broken_issue(s.adopted_in):
            pass  # the issue file exists but has errors of its own, reported there
        elif issue is None:
            yield error(p, doc.line("adopted_in"), "ref.unknown_issue",
                        f"采用期号 {s.adopted_in} 不存在（应有文件 {issue_path(s.adopted_in)}）")
        elif s.id not in issue.model.items:
            yield error(p, doc.line("adopted_in"), "ref.not_in_issue",
                        f"第 {s.adopted_in} 期的 items 中没有本信息 {s.id}。请核对期号，或在该期 items 中补上")
    for i, other in enumerate(s.related):
        if campaign.submission(other) is None:
            yield error(p, doc.parsed.line_of(("related", i), value=True), "ref.unknown_related",
                        f"相关信息 {other} 不存在。请填写已有信息的编号")


def _person(campaign: Campaign, doc: Doc, key: tuple, who: str, roles: tuple, unit: str | None = None):
    regs = campaign.registries
    person = regs.person(who)
    line = doc.parsed.line_of(key, value=True)
    wanted = "或".join(ROLES[r] for r in roles)
    if person is None:
        names = [x.name for x in regs.people if set(roles) & set(x.roles)]
        yield error(doc.path, line, "ref.unknown_person",
                    f"“{who}”不在 schema/roles.yaml 中。此处应填{wanted}人员：{'、'.join(names)}")
        return
    if not set(roles) & set(person.roles):
        yield error(doc.path, line, "ref.wrong_role",
                    f"{person.name} 不是{wanted}人员，不能在此签字。请填写{wanted}人员")
    elif unit is not None and person.unit != unit:
        office = [x.name for x in regs.holders("committee_office", unit)]
        yield error(doc.path, line, "ref.wrong_committee",
                    f"{person.name} 是其他专门委员会的办公室人员。本信息由 {unit} 审核，应填：{'、'.join(office) or '（该委员会尚未登记办公室人员）'}")

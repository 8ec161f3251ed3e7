"""The workflow table (campaign/steps.py) and the path rules (campaign/paths.py), and that the model, the
bulletin commands and the workflow check follow them."""
from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from jianyan.campaign import model, paths, steps
from jianyan.campaign.bulletin import BulletinError, record_step
from jianyan.campaign.frontmatter import read_markdown
from jianyan.campaign.load import Doc
from jianyan.campaign.model import Issue, Person, Submission
from jianyan.campaign.validate import validate
from jianyan.checks import workflow
from jianyan.vcs.git import Change
from jianyan.campaign.where import find_root

# --- the table is the contract's ----------------------------------------------------------------

@pytest.mark.parametrize("status,label", [
    ("draft", "草稿"), ("submitted", "已报送"), ("returned", "退回修改"), ("accepted", "审核通过"),
    ("rejected", "不予采用"), ("withdrawn", "已撤回"), ("adopted", "已采用"),
])
def test_submission_status_label(status, label):
    assert steps.SUBMISSION_STATUSES[status] == label


@pytest.mark.parametrize("status,label", [
    ("draft", "编辑中"), ("reviewed", "已审改"), ("signed", "已签发"), ("dispatched", "已报送"),
])
def test_issue_status_label(status, label):
    assert steps.ISSUE_STATUSES[status] == label


def test_statuses_are_exactly_the_contracts():
    assert list(steps.SUBMISSION_STATUSES) == ["draft", "submitted", "returned", "accepted", "rejected",
                                               "withdrawn", "adopted"]
    assert list(steps.ISSUE_STATUSES) == ["draft", "reviewed", "signed", "dispatched"]


# CONTRACT: draft→submitted; submitted→returned|accepted|rejected|withdrawn; returned→submitted|withdrawn;
# accepted→adopted|rejected|withdrawn. Nothing else.
CONTRACT_GRAPH = {("draft", "submitted"), ("submitted", "returned"), ("submitted", "accepted"),
                  ("submitted", "rejected"), ("submitted", "withdrawn"), ("returned", "submitted"),
                  ("returned", "withdrawn"), ("accepted", "adopted"), ("accepted", "rejected"),
                  ("accepted", "withdrawn")}


def test_submission_transitions_are_the_contracts_graph():
    table = {(s.name, n) for s in steps.SUBMISSION_FLOW for n in s.next}
    assert table == CONTRACT_GRAPH


def test_every_next_status_is_a_status():
    for flow in (steps.SUBMISSION_FLOW, steps.ISSUE_FLOW):
        names = {s.name for s in flow}
        assert all(n in names for s in flow for n in s.next)


@pytest.mark.parametrize("status,reviewed,reason,frozen", [
    ("draft", False, False, False),
    ("submitted", False, False, False),
    ("returned", True, True, False),
    ("accepted", True, False, True),
    ("rejected", True, True, False),
    ("withdrawn", False, False, False),
    ("adopted", True, False, True),
])
def test_what_each_submission_status_requires(status, reviewed, reason, frozen):
    assert (status in steps.REVIEWED, status in steps.REASON_STATUSES, status in steps.BODY_FROZEN) == \
        (reviewed, reason, frozen)


def test_new_files_start_as_draft_or_submitted_and_issues_as_draft():
    assert steps.SUBMISSION_STARTS == ("draft", "submitted")
    assert steps.ISSUE_STARTS == ("draft",)
    assert steps.ISSUE_FROZEN == ("signed", "dispatched")


# --- the issue steps --------------------------------------------------------------------------------

@pytest.mark.parametrize("command,key,previous,role,before,after,label", [
    ("review", "review", None, "director", "draft", "reviewed", "研究室主任审改"),
    ("sign", "signoff", "review", "secretary_general", "reviewed", "signed", "秘书长签发"),
    ("dispatch", "dispatch", "signoff", "secretariat", "signed", "dispatched", "秘书处报送"),
])
def test_issue_step(command, key, previous, role, before, after, label):
    step = steps.STEP_BY_COMMAND[command]
    prev = steps.previous_step(step)
    assert (step.key, prev.key if prev else None, step.role, step.before, step.after, step.label) == \
        (key, previous, role, before, after, label)
    assert after in steps.ISSUE_TRANSITIONS[before]


@pytest.mark.parametrize("status,required", [
    ("draft", ()), ("reviewed", ("review",)), ("signed", ("review", "signoff")),
    ("dispatched", ("review", "signoff", "dispatch")),
])
def test_steps_required_by_status(status, required):
    assert tuple(s.key for s in steps.steps_required(status)) == required


def test_each_step_is_a_field_of_the_issue_labelled_as_the_step():
    for step in steps.ISSUE_STEPS:
        assert Issue.model_fields[step.key].description == step.label
        assert step.role in steps.ROLES


@pytest.mark.parametrize("role,label,holder", [
    ("research_office", "研究室", "研究室人员"), ("director", "研究室主任", "研究室主任"),
    ("secretary_general", "秘书长", "秘书长"), ("secretariat", "办公厅秘书处", "办公厅秘书处"),
    ("committee_office", "专门委员会办公室", "该专门委员会办公室人员"),
])
def test_role_labels(role, label, holder):
    assert (steps.ROLES[role], steps.ROLE_HOLDERS[role]) == (label, holder)


@pytest.mark.parametrize("key,label", [("submitter", "作者"), ("id", "编号"), ("unit", "报送单位"),
                                       ("date", "报送日期"), ("title", "标题")])
def test_short_field_labels(key, label):
    assert steps.short_label(key) == label


@pytest.mark.parametrize("typed,key", [("作者/报送人", "submitter"), ("作者", "submitter"), ("标题", "title"),
                                       ("单位", "unit"), ("领导批示", "instructions")])
def test_chinese_keys_point_back_to_fields(typed, key):
    assert steps.CHINESE_KEYS[typed] == key


# --- the model reads the table ---------------------------------------------------------------------

def _submission(status: str) -> dict:
    return {"id": "2021-minge-001", "title": "关于某事的建议", "submitter": "民革省委会", "unit": "minge",
            "topic": "1", "status": status, "date": "2021-03-01"}


def test_the_model_accepts_exactly_the_tables_statuses_and_roles():
    for status in steps.SUBMISSION_STATUSES:
        assert Submission.model_validate(_submission(status)).status == status
    with pytest.raises(ValidationError):
        Submission.model_validate(_submission("approved"))
    assert model.Person.model_validate({"code": "x", "name": "某", "roles": list(steps.ROLES)})


def test_a_status_added_to_the_table_is_accepted_by_the_model(monkeypatch):
    monkeypatch.setattr(steps, "SUBMISSION_STATUSES", {**steps.SUBMISSION_STATUSES, "archived": "已归档"})
    name = "jianyan.campaign._model_with_archived"
    spec = importlib.util.spec_from_file_location(name, model.__file__)
    fresh = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, fresh)
    spec.loader.exec_module(fresh)
    assert fresh.Submission.model_validate(_submission("archived")).status == "archived"
    with pytest.raises(ValidationError):
        Submission.model_validate(_submission("archived"))


# --- the workflow check reads the table ----------------------------------------------------------

SUB_PATH = "submissions/2021/minge/2021-minge-001.md"
ISSUE_PATH = "issues/2021/001.md"
ANCHORS = workflow.Anchors(people=[], units={}, require_signature=False, signature_why="", signers_path="",
                           signers=None)


def _sub_text(status: str) -> bytes:
    return ("---\nid: 2021-minge-001\ntitle: 关于某事的建议\nsubmitter: 民革省委会\nunit: minge\ntopic: 1\n"
            f"status: {status}\ndate: 2021-03-01\n---\n正文。\n").encode()


def _issue_text(status: str, records: str = "") -> bytes:
    return ("---\nid: 2021-001\nnumber: 1\ntotal: 1\ndate: 2021-03-10\n"
            f"status: {status}\nitems: []\neditor: 张某\n{records}public: false\n---\n正文。\n").encode()


def _doc(path: str, raw: bytes, kind) -> Doc:
    parsed = read_markdown(path, raw)
    return Doc(path, parsed, validate(kind, parsed)[0])


@pytest.mark.parametrize("old", list(steps.SUBMISSION_STATUSES))
@pytest.mark.parametrize("new", list(steps.SUBMISSION_STATUSES))
def test_workflow_allows_a_submission_exactly_the_tables_changes(old, new):
    found = workflow._submission(ANCHORS, Change("M", SUB_PATH, SUB_PATH), read_markdown(SUB_PATH, _sub_text(old)),
                                 _doc(SUB_PATH, _sub_text(new), Submission))
    refused = any(f.code == "workflow.transition" for f in found)
    assert refused == (old != new and (old, new) not in CONTRACT_GRAPH)


@pytest.mark.parametrize("old", list(steps.ISSUE_STATUSES))
@pytest.mark.parametrize("new", list(steps.ISSUE_STATUSES))
def test_workflow_allows_an_issue_exactly_the_tables_changes(old, new):
    found = workflow._issue(ANCHORS, workflow.History(), Change("M", ISSUE_PATH, ISSUE_PATH),
                            read_markdown(ISSUE_PATH, _issue_text(old)), _doc(ISSUE_PATH, _issue_text(new), Issue))
    refused = any(f.code == "workflow.transition" for f in found)
    assert refused == (old != new and new not in steps.ISSUE_TRANSITIONS[old])


@pytest.mark.parametrize("step", steps.ISSUE_STEPS, ids=lambda s: s.key)
def test_workflow_names_the_steps_role(step):
    """Reaching a step's status with its record by someone without its role: workflow.<key>_role,
    naming the role as the table words it."""
    def records(status: str) -> str:  # every step up to ``status``, by someone holding no role
        return "".join(f"{s.key}:\n  by: 王某\n  date: 2021-03-0{i + 1}\n"
                       for i, s in enumerate(steps.steps_required(status)))

    old = read_markdown(ISSUE_PATH, _issue_text(step.before, records(step.before)))
    found = workflow._issue(ANCHORS, workflow.History(), Change("M", ISSUE_PATH, ISSUE_PATH), old,
                            _doc(ISSUE_PATH, _issue_text(step.after, records(step.after)), Issue))
    codes = {f.code: f.message for f in found}
    assert f"workflow.{step.key}_role" in codes
    assert f"不是{steps.ROLE_HOLDERS[step.role]}" in codes[f"workflow.{step.key}_role"]


# --- the bulletin commands read the table --------------------------------------------------------

PEOPLE = [Person.model_validate({"code": role, "name": f"{label}某", "roles": [role]})
          for role, label in steps.ROLES.items()]


def _campaign(root: Path):
    regs = SimpleNamespace(person=lambda who: next((p for p in PEOPLE if who in (p.name, p.code)), None))
    return SimpleNamespace(root=root, registries=regs, submission=lambda ident: None)


def _issue_before(step: steps.IssueStep, tmp_path: Path) -> Doc:
    records = "".join(f"{s.key}:\n  by: {s.role}\n  date: 2021-03-0{i + 1}\n"
                      for i, s in enumerate(steps.steps_required(step.before)))
    raw = _issue_text(step.before, records)
    (tmp_path / ISSUE_PATH).parent.mkdir(parents=True)
    (tmp_path / ISSUE_PATH).write_bytes(raw)
    return _doc(ISSUE_PATH, raw, Issue)


@pytest.mark.parametrize("step", steps.ISSUE_STEPS, ids=lambda s: s.command)
def test_bulletin_records_the_step_after_the_previous_one(step, tmp_path):
    doc = _issue_before(step, tmp_path)
    [change] = record_step(_campaign(tmp_path), doc, step.command, step.role, dt.date(2021, 3, 9))
    lines = change.text.split("\n")
    assert f"status: {step.after}" in lines
    prev = steps.previous_step(step)
    assert lines.index(f"{step.key}:") > lines.index(f"{prev.key}:" if prev else "editor: 张某")


@pytest.mark.parametrize("step", steps.ISSUE_STEPS, ids=lambda s: s.command)
def test_bulletin_refuses_anyone_without_the_steps_role(step, tmp_path):
    doc = _issue_before(step, tmp_path)
    for other in steps.ROLES:
        if other != step.role:
            with pytest.raises(BulletinError, match=f"不是{steps.ROLES[step.role]}"):
                record_step(_campaign(tmp_path), doc, step.command, other, dt.date(2021, 3, 9))


@pytest.mark.parametrize("step", steps.ISSUE_STEPS, ids=lambda s: s.command)
def test_bulletin_refuses_a_step_out_of_order(step, tmp_path):
    doc = _issue_before(step, tmp_path)
    for other in steps.ISSUE_STEPS:
        if other.before != step.before and other.after != step.before:
            with pytest.raises(BulletinError, match=f"须先到“{steps.ISSUE_STATUSES[other.before]}”"):
                record_step(_campaign(tmp_path), doc, other.command, other.role, dt.date(2021, 3, 9))


# --- paths ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ident,path", [
    ("2021-minge-001", "submissions/2021/minge/2021-minge-001.md"),
    ("2022-jinan-1234", "submissions/2022/jinan/2022-jinan-1234.md"),
    ("2021-a-b-001", "submissions/2021/a-b/2021-a-b-001.md"),  # not a valid id, but shaped like one
    ("2021-x", None), ("minge-2021-001", None), ("2021/x-001", None), ("", None),
])
def test_submission_path(ident, path):
    assert paths.submission_path(ident) == path


@pytest.mark.parametrize("ident,path", [("2021-006", "issues/2021/006.md"), ("2022-1001", "issues/2022/1001.md")])
def test_issue_path(ident, path):
    assert paths.issue_path(ident) == path
    m = paths.ISSUE_FILE.fullmatch(path)
    assert m and f"{m.group(1)}-{m.group(2)}" == ident


def test_feedback_path():
    assert paths.feedback_path("2021-minge-001") == "feedback/2021/2021-minge-001.yaml"


@pytest.mark.parametrize("name", ["settings", "topics", "units", "roles", "reasons", "members", "quotas"])
def test_registry_path(name):
    assert paths.registry_path(name) == f"schema/{name}.yaml"


def test_the_campaign_root_is_the_folder_with_the_settings_file(tmp_path, monkeypatch):
    monkeypatch.delenv("JIANYAN_ROOT", raising=False)
    (tmp_path / paths.SETTINGS_FILE).parent.mkdir()
    (tmp_path / paths.SETTINGS_FILE).write_text("campaign: x\n", encoding="utf-8")
    (tmp_path / "submissions" / "2021").mkdir(parents=True)
    assert find_root(tmp_path / "submissions" / "2021") == tmp_path.resolve()

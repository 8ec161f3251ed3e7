"""Issue 18, inputs that were accepted without a word: each is now a finding at the file and line
a user has to change (or, for an edit made during a check, a stop with a clear message)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import check_in_process, copy_campaign

from jianyan import checks
from jianyan.accel import loadcache
from jianyan.campaign import load
from jianyan.campaign.frontmatter import ChangedWhileChecking, read_markdown, read_yaml
from jianyan.campaign.model import Settings, Submission
from jianyan.campaign.validate import validate

ITEM = "submissions/2021/minge/2021-minge-001.md"
ISSUE = "issues/2021/001.md"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_campaign(tmp_path / "c")


run_check = check_in_process


def edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace ``old`` (a whole line) by ``new`` lines; the line number of the first new line."""
    path = root / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(old)
    lines[at:at + 1] = new.split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 1


def at(found: list[dict], path: str) -> set[tuple[str, int | None, str]]:
    return {(f["code"], f["line"], f["severity"]) for f in found if f["path"] == path}


# --- an issue that lists an item twice -------------------------------------------------------------

def test_an_item_listed_twice_in_an_issue_is_an_error_at_the_second(root, monkeypatch):
    first = edit(root, ISSUE, "items: [2021-minge-001, 2021-minmeng-001, 2021-gsl-001]",
                 "items:\n  - 2021-minge-001\n  - 2021-minmeng-001\n  - 2021-minge-001\n  - 2021-gsl-001") + 1
    code, found, out = run_check(root, monkeypatch)
    assert code == 1, out
    hits = [f for f in found if f["path"] == ISSUE and f["code"] == "issue.duplicate_item"]
    assert [(f["line"], f["severity"]) for f in hits] == [(first + 2, "error")]
    assert "2021-minge-001" in hits[0]["message"] and f"第 {first} 行" in hits[0]["message"]


def test_an_item_listed_twice_on_one_line_names_the_entries(root, monkeypatch):
    line = edit(root, ISSUE, "items: [2021-minge-001, 2021-minmeng-001, 2021-gsl-001]",
                "items: [2021-minge-001, 2021-minmeng-001, 2021-gsl-001, 2021-minmeng-001]")
    code, found, _ = run_check(root, monkeypatch)
    hits = [f for f in found if f["path"] == ISSUE and f["code"] == "issue.duplicate_item"]
    assert code == 1 and [f["line"] for f in hits] == [line]
    assert "第 2 项" in hits[0]["message"] and "第 4 项" in hits[0]["message"]


# --- dates in the future ---------------------------------------------------------------------------

def status_findings(root: Path, today: dt.date, path: str = ITEM) -> set[tuple[str, int | None, str]]:
    campaign = load.load_campaign(root)
    found = checks.run(campaign, checks.Context(today=today), families=["status"])
    return {(f.code, f.line, f.severity) for f in found if f.path == path}


def test_a_far_future_date_is_an_error(root):
    line = edit(root, ITEM, "date: 2021-02-25", "date: 9999-12-31")
    assert ("schema.future_date", line, "error") in status_findings(root, dt.date(2021, 3, 1))


def test_the_day_comes_from_the_check_not_the_clock(root):
    line = edit(root, ITEM, "date: 2021-02-25", "date: 2021-02-28")
    assert not {c for c, _, _ in status_findings(root, dt.date(2022, 1, 1))} & {"schema.future_date"}
    assert ("schema.future_date", line, "error") in status_findings(root, dt.date(2021, 2, 20))


def test_tomorrow_is_only_a_warning_for_time_zones(root):
    line = edit(root, ITEM, "date: 2021-02-25", "date: 2021-03-02")
    assert ("schema.future_date", line, "warning") in status_findings(root, dt.date(2021, 3, 1))


def test_a_review_dated_in_the_future_is_an_error(root):
    text = (root / ITEM).read_text(encoding="utf-8")
    assert "  date: 2021-03-01" in text.split("\n")
    line = edit(root, ITEM, "  date: 2021-03-01", "  date: 2099-03-01")
    assert ("schema.future_date", line, "error") in status_findings(root, dt.date(2021, 3, 5))


# --- numbers and empties written loosely -----------------------------------------------------------

SUB = ("---\nid: 2021-minge-901\ntitle: 关于某事的建议\nsubmitter: 民革山东省委会\nunit: minge\ntopic: {topic}\n"
       "status: submitted\ndate: 2021-03-10\n---\n正文\n")


def sub_errors(text: str):
    parsed = read_markdown("s.md", text.encode("utf-8"))
    model, found = validate(Submission, parsed)
    return model, [(f.code, f.line) for f in parsed.findings + found]


@pytest.mark.parametrize("topic", ["7.0", "7.", "7_0", "７", "+7", "7e0", "0x7", "1_0"])
def test_a_topic_not_written_as_a_whole_number_is_refused(topic):
    model, found = sub_errors(SUB.format(topic=topic))
    assert model is None and ("schema.invalid", 6) in found, found


@pytest.mark.parametrize("topic,number", [("7", 7), ("07", 7), ('"3"', 3)])
def test_a_topic_written_as_a_number_is_read(topic, number):
    model, _ = sub_errors(SUB.format(topic=topic))
    assert model is not None and model.topic == number


@pytest.mark.parametrize("submitter,line", [("[null, ~]", 4), ("~", 4), ("null", 4), ("[王某某, NULL]", 4)])
def test_a_yaml_null_is_empty_not_a_name(submitter, line):
    model, found = sub_errors(SUB.format(topic=1).replace("submitter: 民革山东省委会", f"submitter: {submitter}"))
    assert model is None and ("schema.invalid", line) in found, found


def test_a_quoted_null_is_the_word():
    model, _ = sub_errors(SUB.format(topic=1).replace("submitter: 民革山东省委会", 'submitter: "null"'))
    assert model is not None and model.submitter == ["null"]


def test_an_optional_value_written_null_is_empty():
    model, _ = sub_errors(SUB.format(topic=1).replace("unit: minge", "unit: minge\ncontact: ~"))
    assert model is not None and not model.contact


def test_an_issue_number_with_a_fraction_is_refused(root, monkeypatch):
    line = edit(root, ISSUE, "number: 1", "number: 1.0")
    code, found, _ = run_check(root, monkeypatch)
    assert code == 1 and ("schema.invalid", line, "error") in at(found, ISSUE)


# --- settings out of their sane range ----------------------------------------------------------------

SETTINGS = "schema/settings.yaml"


def settings_errors(root: Path) -> set[tuple[str, int | None]]:
    parsed = read_yaml(SETTINGS, (root / SETTINGS).read_bytes())
    model, found = validate(Settings, parsed, "schema")
    return {(f.code, f.line) for f in parsed.findings + found}


def settings_line(root: Path, starts: str) -> tuple[str, int]:
    lines = (root / SETTINGS).read_text(encoding="utf-8").split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.strip().startswith(starts))
    return lines[i], i + 1


@pytest.mark.parametrize("key,value", [
    ("similarity_error", "8"), ("similarity_warning", "-0.1"), ("copy_ratio_error", "1.5"),
    ("similarity_error", "nan"), ("copy_ratio_warning", "inf"), ("min_span_chars", "0"),
    ("tolerance", "2"), ("target_chars", "0"), ("per_week_max", "-1"), ("file_max_bytes", "0"),
    ("file_max_bytes", "100000000000"), ("title_max", "0"), ("body_max", "-5"), ("year", "20211"),
    ("sentence_max", "0"), ("empty_talk_per_100", "-1"), ("adopted", "nan"), ("upward_adopted", "-5"),
])
def test_a_setting_out_of_range_is_refused_at_its_line(root, key, value):
    old, line = settings_line(root, f"{key}:")
    edit(root, SETTINGS, old, old.split(":")[0] + f": {value}")
    assert ("schema.invalid", line) in settings_errors(root)


@pytest.mark.parametrize("key,value", [("similarity_warning", "0.9"), ("copy_ratio_warning", "0.6"),
                                       ("per_week_min", "3"), ("body_min", "2000")])
def test_settings_that_contradict_each_other_are_refused_at_the_line(root, key, value):
    old, line = settings_line(root, f"{key}:")
    edit(root, SETTINGS, old, old.split(":")[0] + f": {value}")
    assert ("schema.invalid", line) in settings_errors(root) or \
        ("schema.invalid", line + 1) in settings_errors(root)  # reported on the other key of the pair


def test_a_campaign_that_ends_before_it_starts_is_refused(root):
    old, line = settings_line(root, "start:")
    edit(root, SETTINGS, old, f"{old}\nend: 2020-12-31")
    assert ("schema.invalid", line + 1) in settings_errors(root)


def test_the_sample_settings_are_sane(root):
    assert settings_errors(root) == set()


def test_a_bad_setting_is_reported_by_check_at_settings_yaml(root, monkeypatch):
    old, line = settings_line(root, "similarity_error:")
    edit(root, SETTINGS, old, old.split(":")[0] + ": 8")
    code, found, out = run_check(root, monkeypatch)
    assert code == 1, out
    hits = [f for f in found if f["path"] == SETTINGS and f["line"] == line]
    assert hits and "0" in hits[0]["message"] and "1" in hits[0]["message"]


# --- an edit made during a check ---------------------------------------------------------------------

def test_an_edit_during_a_small_check_is_detected(root, monkeypatch):
    campaign = loadcache.load_fast(root, cache=False, lean=True)
    assert len(campaign.submissions) < loadcache.LEAN_FILES
    campaign.verify_unchanged()
    path = root / ITEM
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # same size, saved again
    with pytest.raises(ChangedWhileChecking) as exc:
        campaign.verify_unchanged()
    assert ITEM in str(exc.value)


def test_check_stops_when_a_file_is_edited_while_it_runs(root, monkeypatch, cli):
    original = checks.FAMILIES["ref"]

    def ref_while_someone_saves(campaign, ctx):
        path = root / ITEM
        path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
        return original.check(campaign, ctx)

    monkeypatch.setitem(checks.FAMILIES, "ref", dataclasses.replace(original, check=ref_while_someone_saves))
    res = cli(root, "check")
    assert res.code == 2 and ITEM in res.out + res.err and "重新运行" in res.out + res.err, res


@pytest.mark.parametrize("value", ["1" * 5000, "1" * 19, "0." + "1" * 5000, "-" + "1" * 19])
def test_a_number_with_thousands_of_digits_is_a_chinese_finding(value):
    from pydantic import ValidationError

    from jianyan.campaign.model import Int, Number
    from pydantic import TypeAdapter
    adapter = TypeAdapter(Number if "." in value else Int)
    with pytest.raises(ValidationError) as exc:
        adapter.validate_python(value)
    assert "数字太长" in str(exc.value)


@pytest.mark.parametrize("value", ["0.12345678901234567", "-123456789012345678"])
def test_a_number_of_eighteen_digits_with_a_point_or_sign_is_accepted(value):
    from pydantic import TypeAdapter

    from jianyan.campaign.model import Int, Number
    assert TypeAdapter(Number if "." in value else Int).validate_python(value) == \
        (float(value) if "." in value else int(value))

"""The family table (checks.FAMILIES): every code has a family, every category one owner, every cross-file
family says what its findings depend on, and the runner, the findings cache, the snapshot and `check --only`
read the table (a family the snapshot cannot follow is refused, not silently served stale findings)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import copy_campaign, in_process
from gitrepo import git

from jianyan import checks
from jianyan.accel import findingscache, snapshot
from jianyan.campaign.load import load_campaign
from jianyan.checks.common import today
from jianyan.core.findings import CATEGORIES
from jianyan.vcs.git import Git

PACKAGE = Path(checks.__file__).resolve().parents[1]
CODE = re.compile(r"""["'](?P<code>(?:%s)\.[a-z_]*)""" % "|".join(CATEGORIES))
REAL = list(checks.FAMILIES.values())


def _fake(**fields) -> checks.Family:
    return checks.Family("fake", lambda campaign, ctx: iter(()), owns=(), **fields)


# --- the table itself --------------------------------------------------------------------------

def test_every_category_has_exactly_one_owner():
    owners = [c for f in REAL for c in f.owns]
    assert sorted(owners) == sorted(CATEGORIES)


@pytest.mark.parametrize("family", REAL, ids=lambda f: f.name)
def test_what_a_family_mints_is_in_a_category_another_family_owns(family):
    for code in family.mints:
        category = code.split(".", 1)[0]
        assert category in CATEGORIES and category not in family.owns, code


@pytest.mark.parametrize("family", REAL, ids=lambda f: f.name)
def test_a_family_module_reports_only_codes_its_record_declares(family):
    """Each code written in a family's own module is one the family declares (the codes of the reader and of
    the rule tables it calls are the loader's and the owning family's: the run below covers those)."""
    if family.check is None:
        return
    source = Path(family.check.__code__.co_filename).read_text(encoding="utf-8")
    codes = {m["code"] for m in CODE.finditer(source)} - {f"{c}." for c in CATEGORIES}
    assert codes, family.name
    undeclared = {c for c in codes if not family.declares(c)}
    # a module may name other families' codes to explain or skip them; it must not report them
    assert not undeclared, (family.name, undeclared)


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_finding_comes_from_a_family_that_declares_its_code(campaign):
    """On a campaign with problems of many kinds, each family (the loader included) reports only codes its
    record declares: what `--only CATEGORY` runs is complete."""
    _edit(campaign, "submissions/2021/minge/2021-minge-001.md", "目前", "目前,联系电话13800138000.")
    _edit(campaign, "submissions/2021/gsl/2021-gsl-001.md", "\ntitle:", "\nurgent: no\ntitle:")
    _edit(campaign, "submissions/2021/jiusan/2021-jiusan-001.md", "status: adopted", "status: accepted")
    _edit(campaign, "submissions/2021/jinan/2021-jinan-001.md", "\nunit: jinan", "\nunit: nosuch")
    _edit(campaign, "submissions/2021/dezhou/2021-dezhou-001.md", "\ntitle:", "\ntitle:\ntitle:")
    _edit(campaign, "schema/phrases.yaml", "\n", "\nbogus: 1\n")
    record = next((campaign / "feedback").rglob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8") + "\nbogus: 1\n", encoding="utf-8")
    (campaign / "submissions/2021/minge/notes.txt").write_text("x", encoding="utf-8")
    found = checks.collect(load_campaign(campaign), checks.Context())
    codes = {(name, f.code) for name, each in found.items() for f in each}
    assert {c.split(".")[0] for _, c in codes} >= {"yaml", "schema", "ref", "quality", "pii", "issue"}
    assert {(name, code) for name, code in codes if not checks.FAMILIES[name].declares(code)} == set()


@pytest.mark.parametrize("family", [f for f in REAL if f.cross_file], ids=lambda f: f.name)
def test_a_cross_file_family_says_what_its_findings_depend_on(family):
    assert family.depends_on, f"{family.name}: a cross-file family must list its dependencies"
    assert set(family.depends_on) <= checks.DEPENDENCIES.keys()


def test_the_snapshot_follows_every_dependency_a_family_may_declare():
    assert set(checks.DEPENDENCIES) == set(snapshot.HONOURED)
    assert snapshot.supports(REAL)


def test_the_per_file_families_are_the_ones_the_findings_cache_keeps():
    assert [f.name for f in REAL if f.per_file] == ["length", "quality", "pii"]


def test_withheld_codes_follow_the_registries_each_family_needs():
    assert checks.withheld({"topics"}) == {"ref.unknown_topic", "quality.multi_topic"}
    assert checks.withheld({"units"}) == {"ref.unknown_unit", "ref.wrong_committee", "ref.committee_review_unexpected",
                                          "ref.codeowners_outdated", "ref.member_committee"}
    assert checks.withheld(()) == set()


# --- a family that does not declare its dependencies is refused ----------------------------------

@pytest.mark.parametrize("fake", [
    _fake(cross_file=True),  # cross-file, dependencies not said
    _fake(cross_file=True, depends_on=("the_weather",)),  # a dependency the snapshot cannot follow
], ids=["undeclared", "unknown"])
def test_the_snapshot_refuses_a_family_it_cannot_follow(fake):
    assert not snapshot.supports([fake])
    assert not snapshot.supports([*REAL, fake])
    assert snapshot.supports([_fake(cross_file=True, depends_on=("related",)), _fake()])


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """The sample campaign committed on main and checked once (its snapshot stored), then an item edited."""
    root = copy_campaign(tmp_path_factory.mktemp("families") / "c")
    (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    mp = pytest.MonkeyPatch()
    try:
        res = in_process(mp)(root, "check", "--format", "json")
    finally:
        mp.undo()
    assert res.code in (0, 1), res
    assert list((root / ".jianyan-cache").glob("snapshot-v*/*/meta.bin"))
    git(root, "checkout", "-q", "-b", "pr")
    item = root / "submissions/2021/minge/2021-minge-001.md"
    item.write_text(item.read_text(encoding="utf-8").replace("目前", "目前确实", 1), encoding="utf-8")
    return root


def _partial(root: Path, families):
    git_ = Git(root)
    head = git_.head()
    return snapshot.partial(root, [(head, None)], git_, "", families, today=dt.date.today())


def test_the_partial_check_consults_the_table(stored):
    assert _partial(stored, REAL) is not None
    assert _partial(stored, [*REAL, _fake(cross_file=True)]) is None


def test_check_runs_in_full_when_a_family_does_not_declare_its_dependencies(stored, monkeypatch):
    run = in_process(monkeypatch)
    quick = run(stored, "check", "--base", "main", "--format", "json", "--progress")
    assert "增量检查" in quick.err
    found = []

    def fake_check(campaign, ctx):
        found.append(len(campaign.submissions))
        return iter(())

    monkeypatch.setitem(checks.FAMILIES, "fake", checks.Family("fake", fake_check, owns=(), cross_file=True))
    full = run(stored, "check", "--base", "main", "--format", "json", "--progress")
    assert "增量检查" not in full.err
    assert full.out == quick.out and full.code == quick.code
    assert found == [len(load_campaign(stored).submissions)]  # it saw every submission


# --- the findings cache and the runner read the table ---------------------------------------------

def test_the_findings_cache_keeps_only_per_file_families(campaign, monkeypatch):
    """A family whose findings depend on the day is run every time, never served from the cache."""
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    camp = load_campaign(campaign)
    calls = []

    def counting(c, ctx):
        calls.append(ctx.today)
        return iter(())

    daily = checks.Family("daily", counting, owns=(), depends_on=("day",))
    for day in (dt.date(2021, 5, 1), dt.date(2021, 5, 1), dt.date(2021, 5, 2)):
        findingscache.cached_family(daily, camp, checks.Context(today=day))
    assert len(calls) == 3
    quality = checks.FAMILIES["quality"]
    first = findingscache.cached_family(quality, camp, checks.Context())
    assert list((campaign / ".jianyan-cache").glob("findings-v*/quality.bin"))
    assert not list((campaign / ".jianyan-cache").glob("findings-v*/daily.bin"))
    assert findingscache.cached_family(quality, camp, checks.Context()) == first


def test_the_workflow_family_runs_only_with_a_base(campaign):
    camp = load_campaign(campaign)
    found = checks.collect(camp, checks.Context())
    assert "workflow" not in found and set(found) == set(checks.FAMILIES) - {"workflow"}


# --- check --only resolves through the table ---------------------------------------------------

@pytest.mark.parametrize("names, families, categories, whole", [
    ((), None, set(), set()),
    (("dup",), {"loader", "workflow", "dup"}, set(), {"loader", "dup"}),
    (("status",), {"loader", "workflow", "status"}, set(), {"loader", "status"}),
    (("schema",), {"loader", "workflow", "status", "feedback", "quality", "practice"}, {"schema"}, set()),
    (("workflow",), {"loader", "workflow"}, {"workflow"}, set()),
    (("encoding",), {"loader", "workflow", "feedback", "quality"}, {"encoding"}, set()),
    (("pii", "yaml"), {"loader", "workflow", "pii", "feedback", "quality"}, {"yaml"}, {"loader", "pii"}),
])
def test_only_names_resolve_through_the_table(names, families, categories, whole):
    sel = checks.select(names)
    assert sel.families == (None if families is None else frozenset(families))
    assert sel.categories == frozenset(categories) and sel.whole == frozenset(whole)


def test_only_accepts_every_family_name_and_category_and_nothing_else():
    for name in (*checks.NAMES, *CATEGORIES):
        checks.select([name])
    assert "loader" not in checks.NAMES and "workflow" not in checks.NAMES
    with pytest.raises(checks.UnknownCheck, match="没有这类检查：spelling。可选的检查：ref、length"):
        checks.select(["spelling"])


# --- the context -------------------------------------------------------------------------------

def test_the_context_is_typed_and_nothing_writes_into_it():
    ctx = checks.Context(today=dt.date(2021, 4, 1))
    assert today(ctx) == dt.date(2021, 4, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.today = dt.date(2022, 1, 1)
    assert not hasattr(ctx, "options")
    assert checks.Context().today == dt.date.today()


def test_the_status_family_judges_dates_against_the_context_day(campaign):
    item = next((campaign / "submissions").rglob("*.md"))
    text = item.read_text(encoding="utf-8")
    day = re.search(r"\ndate: (\S+)", text)[1]
    camp = load_campaign(campaign)
    rel = item.relative_to(campaign).as_posix()
    before = dt.date.fromisoformat(day) - dt.timedelta(days=5)
    found = checks.run(camp, checks.Context(today=before), families=["status"])
    assert ("schema.future_date", "error") in {(f.code, f.severity) for f in found if f.path == rel}
    assert not [f for f in checks.run(camp, checks.Context(), families=["status"]) if f.path == rel
                and f.code == "schema.future_date"]


def test_findings_saying_the_same_hold_one_message(campaign):
    """Many drafts make the same slip: their findings say the same and hold one string between them (a
    check of 100 000 drafts keeps a third as many messages), with the message each would have alone."""
    from helpers.items import body_of, write_item
    body = "近年来，随着经济社会的快速发展，" + body_of(campaign / "submissions/2021/minge/2021-minge-001.md")
    for ident in ("2021-jinan-901", "2021-jinan-902"):
        write_item(campaign, ident, body)
    found = [f for f in checks.run_family(checks.FAMILIES["quality"], load_campaign(campaign), checks.Context())
             if f.code == "quality.opening" and "jinan-90" in f.path]
    assert len(found) == 2 and found[0].message == found[1].message
    assert found[0].message.startswith("开头是套路写法“近年来") and "开门见山" in found[0].message
    assert found[0].message is found[1].message

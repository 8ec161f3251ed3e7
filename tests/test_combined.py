"""Combined articles (综合稿, issue 22 point 1): one bulletin article drawn from several items.

The sample's draft issue 2021-005 is made one combined article of its three items (a member's item as
the lead, two units' items combined into it), reviewed and signed through the CLI; then every source
is adopted, the credit each rule gives is what an independent helper here computes, the letters and
the member's record say how the item was used, and the bulletin's source line names every source.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from jianyan import checks
from jianyan.campaign.load import load_campaign
from jianyan.campaign.model import CombinedSettings
from jianyan.checks import issues as issue_checks, refs, status
from jianyan.render.records import write_records
from jianyan.render.reports import write_feedback
from jianyan.tracking.combine import candidates
from jianyan.tracking.ledger import stats

ISSUE = "issues/2021/005.md"
TITLE = "推动滩区、海洋和侨务资源服务产业发展"
LEAD, OTHERS = "2021-nongye-001", ("2021-qingdao-002", "2021-zhigong-001")
SOURCES = [(LEAD, "主稿"), (OTHERS[0], "综合"), (OTHERS[1], "综合")]
UNTIL = dt.date(2021, 12, 31)


def issue_text(sources=SOURCES, items=None, source_line="（省政协委员 杨某）", title=TITLE, extra="") -> str:
    """Issue 2021-005 (a draft) as one combined article of ``sources`` [(item, role[, share])]."""
    items = items if items is not None else [s[0] for s in sources]
    lines = ["---", "id: 2021-005", "number: 5", "total: 5", "date: 2021-03-30", "status: draft",
             f"items: [{', '.join(items)}]", "articles:", f"  - title: {title}", "    sources:"]
    for item, role, *share in sources:
        lines += [f"      - item: {item}", f"        role: {role}"] + ([f"        share: {share[0]}"] if share else [])
    lines += ["editor: 孙某某", "public: false", "---", extra,
              f"## {TITLE}", "",
              "黄河滩区迁建社区产业薄弱，海洋科技企业创新主体作用不强，海外联络站运转不畅，三方面问题都影响产业发展。"
              "建议：一是省农业农村厅编制滩区产业发展规划。二是省科技厅遴选龙头企业牵头组建海洋创新联合体。"
              "三是省商务厅整合设立省级海外联络站。", "", source_line, ""]
    return "\n".join(lines)


def write_issue(root: Path, text: str) -> None:
    (root / ISSUE).write_text(text, encoding="utf-8")


def set_settings(root: Path, old: str, new: str) -> None:
    path = root / "schema/settings.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def signed(campaign: Path, cli) -> Path:
    """The sample with 2021-005 made one combined article, reviewed and signed through the CLI."""
    write_issue(campaign, issue_text())
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    result = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert result.code == 0, result.err
    return campaign


# --- the independent helper: what each rule gives each source (the rule as the settings document it) ------

def expected_shares(rule: str, sources, weights=None) -> dict[str, Fraction]:
    if any(len(s) > 2 for s in sources):  # shares written in the issue are used as written
        return {s[0]: Fraction(str(s[2])) for s in sources}
    if rule == "full":
        return {s[0]: Fraction(1) for s in sources}
    if rule == "equal":
        return {s[0]: Fraction(1, len(sources)) for s in sources}
    total = sum(Fraction(weights[s[1]]) for s in sources)
    return {s[0]: Fraction(weights[s[1]]) / total for s in sources}


def test_every_source_is_adopted_in_the_issue(signed: Path):
    camp = load_campaign(signed)
    for item, _ in SOURCES:
        sub = camp.submission(item).model
        assert (sub.status, sub.adopted_in) == ("adopted", "2021-005")
    # the status rules, the references (adopted_in) and the issue rules all agree with the signed issue
    found = [f for check in (status.check, refs.check, issue_checks.check) for f in check(camp, checks.Context())]
    assert [f for f in found if f.severity == "error"] == []
    assert [f.code for f in found if f.path == ISSUE and f.code.startswith("issue.source")] == ["issue.source_line"]


@pytest.mark.parametrize("rule, settings, sources", [
    ("full", None, SOURCES),
    ("equal", None, SOURCES),
    ("weights", None, SOURCES),  # 主稿 2, 综合 1: 1/2, 1/4, 1/4
    ("weights", "weights: {主稿: 3, 综合: 1}", SOURCES),
    ("equal", None, [(LEAD, "主稿", 0.5), (OTHERS[0], "综合", 0.3), (OTHERS[1], "综合", 0.2)]),
    ("full", None, [(LEAD, "主稿", 0.334), (OTHERS[0], "综合", 0.333), (OTHERS[1], "综合", 0.333)]),
])
def test_credit_by_each_rule(campaign: Path, cli, rule, settings, sources):
    write_issue(campaign, issue_text(sources))
    set_settings(campaign, "credit: full", f"credit: {rule}")
    if settings:
        set_settings(campaign, "weights: {主稿: 2, 综合: 1}", settings)
    weights = {"主稿": 3, "综合": 1} if settings else {"主稿": 2, "综合": 1}
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    assert cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30").code == 0
    want = expected_shares(rule, sources, weights)
    if rule == "weights" and not settings:
        assert want == {LEAD: Fraction(1, 2), OTHERS[0]: Fraction(1, 4), OTHERS[1]: Fraction(1, 4)}
    data = stats(load_campaign(campaign), UNTIL)
    ranking = {r["unit"]: r for r in data["ranking"]}
    # 致公党 has only this item adopted; its score counts 3 points per adoption
    zhigong = ranking["zhigong"]
    # (the figures are shown to four decimals: 1/3 → 0.3333)
    assert zhigong["counts"]["adopted"] == pytest.approx(float(want[OTHERS[1]]), abs=1e-4)
    assert zhigong["points"]["adopted"] == pytest.approx(3 * float(want[OTHERS[1]]), abs=1e-4)
    # 青岛市政协 has a quota: 2021-qingdao-001 adopted alone (1) plus its share here
    actual = data["quotas"]["units"]["qingdao"]["adopted"]["actual"]
    assert actual == pytest.approx(1 + float(want[OTHERS[0]]), abs=1e-4)
    assert data["adopted"] == 15  # every source counts as an adopted item (12 before, 3 here)
    if rule == "full" and len(sources[0]) == 2:
        assert isinstance(actual, int) and actual == 2  # whole numbers stay whole in the JSON


def _md(paths) -> str:
    return next(Path(p) for p in paths if str(p).endswith(".md")).read_text(encoding="utf-8")


def test_letters_and_records_say_it_was_combined(signed: Path):
    camp = load_campaign(signed)
    letter = _md(write_feedback(camp, None, UNTIL, unit="zhigong"))
    assert f"与省政协委员 杨某、青岛市政协报送的信息综合为《{TITLE}》一文（综合稿，本信息为综合），编入" in letter
    assert "2021年第5期（总第5期）" in letter
    member = _md(write_feedback(camp, None, UNTIL, member="杨某"))
    assert f"与青岛市政协、致公党山东省委会报送的信息综合为《{TITLE}》一文（综合稿，本信息为主稿）" in member
    record = _md(write_records(camp, "杨某", 2021, UNTIL))
    assert "第5期（综合稿）" in record
    assert f"与青岛市政协、致公党山东省委会报送的信息综合为《{TITLE}》一文（综合稿，本信息为主稿），编入" in record
    assert "2021年第5期" in record


def test_circular_marks_the_issue_with_a_combined_article(signed: Path):
    from jianyan.render.env import environment, render
    from jianyan.render.reports import circular_context, report_period
    camp = load_campaign(signed)
    ctx, _ = circular_context(camp, report_period(camp, None, UNTIL), None)
    text = render(environment(signed), "circular.md.j2", signed, **ctx)  # the Markdown the circular is made from
    assert "| 第5期（总第5期） | 2021年3月30日 | 3条（含综合稿1篇） |" in text
    assert text.count("含综合稿") == 1  # the other issues have none


def test_publicity_says_the_item_was_printed_as_part_of_the_combined_article(signed: Path, cli):
    """2021-nongye-001 is public: the issue printed the combined article, not the item as written."""
    result = cli(signed, "publicity", LEAD, "--date", "2021-04-01")
    assert result.code == 0, result.err
    folder = signed / "build/publicity" / LEAD
    release = (folder / "新闻稿.md").read_text(encoding="utf-8")
    assert f"2021年第5期，刊发的《{TITLE}》一文综合了政协山东省委员会农业和农村委员会杨某在" in release
    assert "和其他2条建言信息。" in release and "刊发了省政协" not in release
    wechat = (folder / "新媒体.html").read_text(encoding="utf-8")
    assert f"2021年第5期，刊发的《{TITLE}》一文综合了" in wechat


def test_issue_list_shows_the_combined_article(signed: Path, cli):
    result = cli(signed, "issue", "list")
    line = next(x for x in result.out.splitlines() if x.startswith("2021-005"))
    assert line.endswith(f"（综合稿：{LEAD}+{OTHERS[0]}+{OTHERS[1]}）")


def test_bulletin_source_line_names_every_source(signed: Path, cli):
    result = cli(signed, "issue", "build", "2021-005", "--format", "md")
    assert result.code == 0, result.err
    text = (signed / "build/issues/2021-005.md").read_text(encoding="utf-8")
    assert "（省政协委员 杨某、青岛市政协、致公党山东省委会）" in text
    assert "（省政协委员 杨某）\n" not in text


# --- the checks, each as a function ------------------------------------------------------------------

def issue_findings(root: Path) -> list:
    return [f for f in issue_checks.check(load_campaign(root), checks.Context()) if f.path == ISSUE]


@pytest.mark.parametrize("text, settings, code, words", [
    # a source used twice: in two articles of one issue …
    (issue_text(extra="").replace("editor:", "  - title: 另一篇\n    sources:\n      - item: 2021-zhigong-001\n"
                                  "        role: 主稿\n      - item: 2021-qingdao-002\n        role: 综合\neditor:"),
     None, "issue.source_reused", "已是《"),
    # … or by another issue (2021-minge-001 is in 2021-001)
    (issue_text(sources=[(LEAD, "主稿"), ("2021-minge-001", "综合")], items=[LEAD, OTHERS[0], OTHERS[1]]),
     None, "issue.source_reused", "已编入第 2021-001 期"),
    (issue_text(sources=[(LEAD, "主稿"), ("2021-minge-001", "综合")], items=[LEAD, OTHERS[0], OTHERS[1]]),
     None, "issue.source_not_listed", "没有列在本期 items 中"),
    # sources that are not accepted (submitted, rejected)
    (issue_text(sources=[(LEAD, "主稿"), ("2021-minge-002", "综合")]), None, "issue.source_status", "submitted"),
    (issue_text(sources=[(LEAD, "主稿"), ("2021-binzhou-001", "综合")]), None, "issue.source_status", "rejected"),
    (issue_text(sources=[(LEAD, "主稿"), ("2021-nosuch-001", "综合")]), None, "issue.unknown_source", "不存在"),
    # credit that does not add up
    (issue_text(sources=[(LEAD, "主稿", 0.5), (OTHERS[0], "综合", 0.3), (OTHERS[1], "综合", 0.3)]), None,
     "issue.credit", "合计为 1.1"),
    (issue_text(sources=[(LEAD, "主稿", 0.5), (OTHERS[0], "综合"), (OTHERS[1], "综合")]), None,
     "issue.credit", "只给部分来源写了 share"),
    (issue_text(sources=[(LEAD, "主稿"), (OTHERS[0], "参考"), (OTHERS[1], "综合")]),
     ("roles: [主稿, 综合]", "roles: [主稿, 综合, 参考]\n  credit: weights"), "issue.credit", "“参考”"),
    (issue_text(sources=[(LEAD, "主稿"), (OTHERS[0], "协办"), (OTHERS[1], "综合")]), None,
     "issue.source_role", "“协办”"),
    (issue_text(title="别的标题"), None, "issue.article_title", "别的标题"),
    (issue_text(), None, "issue.source_line", "青岛市政协、致公党山东省委会"),
])
def test_combined_article_checks(campaign: Path, text, settings, code, words):
    write_issue(campaign, text)
    if settings:
        set_settings(campaign, *settings)
        set_settings(campaign, "credit: full", "")
    found = [f for f in issue_findings(campaign) if f.code == code]
    assert found and any(words in f.message for f in found), [(f.code, f.message) for f in issue_findings(campaign)]


def test_a_complete_combined_article_is_clean(campaign: Path):
    write_issue(campaign, issue_text(source_line="（省政协委员 杨某、青岛市政协、致公党山东省委会）"))
    found = issue_findings(campaign)
    assert [f for f in found if f.code.startswith("issue.source") or f.code in ("issue.credit", "issue.article_title")] == []
    assert [f for f in found if f.severity == "error"] == []


# --- proposing combined articles -----------------------------------------------------------------------

def test_issue_new_proposes_groups_and_drafts_the_chosen_one(campaign: Path, cli):
    before = sorted(p.name for p in (campaign / "issues/2021").iterdir())
    result = cli(campaign, "issue", "new", "--suggest")
    assert result.code == 0, result.err
    # the two 法治化营商环境 items (topic 5) among the unused accepted ones; 2021-dezhou-001 is about cadres
    assert "2021-rongcheng-001《" in result.out and "2021-taimeng-001《" in result.out
    assert "2021-dezhou-001" not in result.out
    assert "jianyan issue new --combine 2021-rongcheng-001,2021-taimeng-001" in result.out
    assert sorted(p.name for p in (campaign / "issues/2021").iterdir()) == before  # nothing written
    result = cli(campaign, "issue", "new", "--combine", "2021-rongcheng-001,2021-taimeng-001", "--item",
                 "2021-dezhou-001", "--date", "2021-04-12", "--editor", "孙某某")
    assert result.code == 0, result.err
    text = (campaign / "issues/2021/006.md").read_text(encoding="utf-8")
    assert "items: [2021-rongcheng-001, 2021-taimeng-001, 2021-dezhou-001]" in text
    assert "      - item: 2021-rongcheng-001\n        role: 主稿\n      - item: 2021-taimeng-001\n        role: 综合" in text
    assert "（荣成市政协、台盟山东省委会）" in text
    # each source's suggestions in a paragraph of their own: 台盟's 一是 starts one, not the middle of 荣成's
    assert "\n\n一是设立涉台商事调解中心。" in text
    found = [f for f in issue_checks.check(load_campaign(campaign), checks.Context())
             if f.path == "issues/2021/006.md" and f.severity == "error"]
    assert found == []


@pytest.mark.parametrize("spec", [",", "，，", " , "])
def test_a_combine_list_without_ids_says_how_to_write_it(campaign: Path, cli, spec):
    """--combine , (nothing between the commas) was refused as 只有一条信息: it has none."""
    result = cli(campaign, "issue", "new", "--combine", spec, "--date", "2021-04-12", "--editor", "孙某某")
    assert result.code == 2 and result.out == "", result
    assert f"选项 --combine：“{spec}”中没有信息编号" in result.err, result.err
    assert "编号之间用逗号分开" in result.err and "如 --combine 2021-minge-001,2021-nongye-001" in result.err
    assert "只有一条信息" not in result.err and "Traceback" not in result.err
    assert not (campaign / "issues/2021/006.md").exists()


def test_combine_ids_may_be_separated_by_a_chinese_comma_or_enumeration_mark(campaign: Path, cli):
    result = cli(campaign, "issue", "new", "--combine", "2021-rongcheng-001、2021-taimeng-001", "--date",
                 "2021-04-12", "--editor", "孙某某")
    assert result.code == 0, result
    text = (campaign / "issues/2021/006.md").read_text(encoding="utf-8")
    assert "items: [2021-rongcheng-001, 2021-taimeng-001]" in text
    one = cli(campaign, "issue", "new", "--combine", "2021-dezhou-001，", "--date", "2021-04-12")
    assert one.code != 0 and "--combine 2021-dezhou-001 只有一条信息" in one.err, one


def test_plain_issue_new_prints_the_proposal_without_using_it(campaign: Path, cli):
    result = cli(campaign, "issue", "new", "--date", "2021-04-12", "--editor", "孙某某")
    assert result.code == 0, result.err
    assert result.out.strip() == "issues/2021/006.md"
    assert "可考虑综合成一篇稿件" in result.err and "没有合并" in result.err
    assert "articles:" not in (campaign / "issues/2021/006.md").read_text(encoding="utf-8")


def test_sign_refuses_a_source_missing_from_items(campaign: Path, cli):
    write_issue(campaign, issue_text(items=[LEAD, OTHERS[0]]))
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    result = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert result.code != 0
    assert f"{ISSUE}:15：综合稿《{TITLE}》的来源 {OTHERS[1]} 没有列在本期 items 中。请把它加进 items" in result.err
    assert "status: accepted" in (campaign / "submissions/2021/nongye/2021-nongye-001.md").read_text(encoding="utf-8")


def test_sign_and_check_tell_an_unknown_source_to_check_its_id(campaign: Path, cli):
    """A mistyped source: one error at its line saying it does not exist, not "add it to items"."""
    write_issue(campaign, issue_text(sources=[(LEAD, "主稿"), (OTHERS[0], "综合"), ("2021-nosuch-001", "综合")],
                                     items=[LEAD, *OTHERS]))
    found = [f for f in issue_findings(campaign) if f.code in ("issue.source_not_listed", "issue.unknown_source")]
    assert [(f.code, f.line) for f in found] == [("issue.unknown_source", 15)]
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    result = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert result.code != 0 and "Traceback" not in result.err
    assert f"{ISSUE}:15：综合稿《{TITLE}》的来源 2021-nosuch-001 不存在（或其文件有错误）。请核对编号" in result.err


def test_a_mistyped_credit_rule_is_reported_at_its_line(campaign: Path, cli):
    """An invalid settings.yaml (here combined.credit) is one finding at its line, never an internal error
    (the feedback records' overdue wording needed the settings)."""
    set_settings(campaign, "credit: full", "credit: halves")
    result = cli(campaign, "check")
    assert result.code == 1 and "内部错误" not in result.err, result
    line = next(n for n, x in enumerate((campaign / "schema/settings.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if "credit: halves" in x)
    assert f"schema/settings.yaml:{line}:" in result.out and "combined.credit" in result.out and "full、equal、weights" in result.out


def test_settings_weights_name_registered_roles():
    with pytest.raises(ValidationError) as caught:
        CombinedSettings(roles=["主稿", "综合"], weights={"主稿": "2", "参考": "1"})
    assert "“参考”不在 roles 中（主稿、综合）" in str(caught.value)
    assert CombinedSettings(roles=["主稿", "综合", "参考"], weights={"主稿": "2", "参考": "1"}).weights["参考"] == 1.0


def test_settings_weights_are_not_negative():
    """A negative weight would credit the other sources with more than the article (3 and -1: 1.5 and -0.5)."""
    with pytest.raises(ValidationError) as caught:
        CombinedSettings(credit="weights", weights={"主稿": "3", "综合": "-1"})
    assert "角色“综合”的权重是负数" in str(caught.value)
    assert CombinedSettings(credit="weights", weights={"主稿": "1", "综合": "0"}).weights["综合"] == 0.0


def test_near_duplicates_are_proposed_across_topics(campaign: Path):
    """Another unit's item that repeats most of 2021-dezhou-001 under another topic: proposed as 内容相近."""
    text = (campaign / "submissions/2021/dezhou/2021-dezhou-001.md").read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    head = (head.replace("2021-dezhou-001", "2021-qufu-002").replace("unit: dezhou", "unit: qufu")
            .replace("submitter: 德州市政协", "submitter: 曲阜市政协").replace("topic: 7", "topic: 4"))
    paragraphs = body.split("\n\n")
    (campaign / "submissions/2021/qufu/2021-qufu-002.md").write_text(
        head + "\n---\n" + "\n\n".join(paragraphs[:-1]) + "\n", encoding="utf-8")
    groups = candidates(load_campaign(campaign))
    pairs = {tuple(s.id for s in g.items): [link.reason() for link in g.links] for g in groups}
    assert pairs[("2021-dezhou-001", "2021-qufu-002")][0].startswith("内容相近（相似度 ")
    assert "同一选题" not in pairs[("2021-dezhou-001", "2021-qufu-002")][0]


def test_letters_call_a_second_source_of_the_same_unit_its_own(campaign: Path, cli):
    """Two sources from one unit (致公党): its letter says 贵单位的另1条信息, never names itself among the others."""
    first = campaign / "submissions/2021/zhigong/2021-zhigong-001.md"
    second = first.with_name("2021-zhigong-002.md")
    second.write_text(first.read_text(encoding="utf-8").replace("2021-zhigong-001", "2021-zhigong-002"), encoding="utf-8")
    sources = [(LEAD, "主稿"), (OTHERS[1], "综合"), ("2021-zhigong-002", "综合")]
    write_issue(campaign, issue_text(sources))
    assert cli(campaign, "issue", "review", "2021-005", "--by", "李某某", "--date", "2021-03-29").code == 0
    result = cli(campaign, "issue", "sign", "2021-005", "--by", "王某某", "--date", "2021-03-30")
    assert result.code == 0, result.err
    camp = load_campaign(campaign)
    letter = _md(write_feedback(camp, None, UNTIL, unit="zhigong"))
    assert letter.count(f"与省政协委员 杨某报送的信息及贵单位的另1条信息综合为《{TITLE}》一文") == 2
    assert "致公党山东省委会报送的信息" not in letter
    member = _md(write_feedback(camp, None, UNTIL, member="杨某"))
    assert f"与致公党山东省委会报送的信息综合为《{TITLE}》一文（综合稿，本信息为主稿）" in member

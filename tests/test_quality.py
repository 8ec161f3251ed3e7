"""quality.*: each rule hits its fault and not a near miss; strict by status; measured accuracy."""
from __future__ import annotations

from pathlib import Path

import pytest

import lintdata
from conftest import ROOT, SUMMARIES, copy_campaign
from jianyan import checks
from jianyan.checks.rules import RULES
from jianyan.campaign.load import load_campaign

TITLE = "关于完善黄河滩区迁建社区就业帮扶的建议"
OPEN = "黄河滩区迁建社区 28 个，安置群众约 60 万人，其中 11 个社区周边 5 公里内没有规模以上企业，群众就近就业困难。\n\n"
PROBLEMS = "## 一、存在的问题\n\n一是就业岗位少，外出务工比例超过四成。二是培训与岗位脱节。\n\n"
ADVICE = ("## 二、对策建议\n\n一是建议省发展改革委 2021 年底前为每个社区制定产业清单。"
          "二是由省人力资源社会保障厅开设订单式培训。\n")


def good(opening: str = OPEN, problems: str = PROBLEMS, advice: str = ADVICE) -> str:
    return opening + problems + advice


# rule → (hit, near miss): each a (body, overrides of the front matter).
PAIRS = {
    "quality.empty_talk": (
        good(OPEN + "各级要高度重视，认清形势，统一思想，狠抓落实，营造良好氛围。\n\n"),
        good(OPEN + "省里已高度重视这一问题，2020 年安排专项资金 2 亿元。\n\n")),
    "quality.stacked_intensifiers": (
        good(advice=ADVICE + "\n三是进一步切实认真做好就业统计。\n"),
        good(advice=ADVICE + "\n三是进一步做好就业统计，由省统计局每季度发布。\n")),
    "quality.opening": (
        good("近年来，随着经济社会快速发展，滩区迁建不断推进。" + OPEN),
        good("随着迁建工程完工，" + OPEN)),
    "quality.closing": (
        good(advice=ADVICE + "\n以上建议仅供参考。\n"),
        good(advice=ADVICE + "\n以上建议请省发展改革委牵头研究。\n")),
    "quality.missing_problem": (
        "为帮助迁建群众就近就业，提出以下建议。\n\n一是建议省发展改革委年底前制定产业清单。\n",
        "为帮助迁建群众就近就业，针对就业岗位少的困难，提出以下建议。\n\n一是建议省发展改革委年底前制定产业清单。\n"),
    "quality.missing_suggestion": (
        OPEN + PROBLEMS,
        OPEN + PROBLEMS + "建议省发展改革委年底前制定产业清单。\n"),
    "quality.unnumbered": (
        good(advice="## 二、对策建议\n\n由省发展改革委制定产业清单。\n\n由省人力资源社会保障厅开设培训。\n"),
        good(advice="## 二、对策建议\n\n一是由省发展改革委制定产业清单。\n\n二是由省人力资源社会保障厅开设培训。\n")),
    "quality.vague_point": (
        good(advice="## 二、对策建议\n\n一是进一步加强组织领导。\n\n二是由省人力资源社会保障厅开设订单式培训。\n"),
        good(advice="## 二、对策建议\n\n一是由省发展改革委加强组织协调。\n\n二是由省人力资源社会保障厅开设订单式培训。\n")),
    "quality.title_form": (
        (good(), {"title": "加快滩区迁建社区产业发展"}),
        (good(), {"title": "滩区迁建社区发展产业的做法"})),
    "quality.multi_topic": (
        good(OPEN + "黄河流域生态保护、半岛城市群、区域协调发展；科技创新、成果转化、创新人才；"
             "中小企业、融资难、融资贵都有问题。\n\n"),
        good(OPEN + "黄河流域生态保护、半岛城市群、区域协调发展需要科技创新和成果转化支撑。\n\n")),
    "quality.long_sentence": (
        good(OPEN + "迁建社区" + "周边既没有企业也没有车间，" * 12 + "群众只能外出务工。\n\n"),
        good(OPEN + "迁建社区" + "周边既没有企业也没有车间，" * 9 + "群众只能外出务工。\n\n")),
    "quality.long_paragraph": (
        good(OPEN + "周边没有企业，群众只能外出务工。" * 30 + "\n\n"),
        good(OPEN + "周边没有企业，群众只能外出务工。" * 20 + "\n\n")),
    "quality.halfwidth_punct": (
        good("黄河滩区迁建社区28个,安置群众约60万人(其中滨州8万人).\n\n"),
        good("黄河滩区迁建社区 28 个，投资 13,800 万元，比例 1:2，增长 3.5%，见 https://www.sd.gov.cn/a,b。\n\n")),
    "quality.quotes": (
        good("群众反映最多的是\"就业难\"问题，28 个社区中有 11 个周边没有企业。\n\n"),
        good("群众反映最多的是“就业难”问题，28 个社区中有 11 个周边没有企业，英文名 \"Yellow River\"。\n\n")),
    "quality.cjk_space": (
        good("黄河滩区迁建社区 28 个，部分社区周边 没有规模以上企业。\n\n"),
        good("黄河滩区迁建社区 28 个，部分社区周边没有规模以上企业。\n\n（省政协委员 王某某、李某）\n\n"
             "应执行《信息技术 互联网内容无障碍可访问性技术要求与测试方法》（GB/T 37668-2019）。\n\n")),
    "quality.fullwidth_alnum": (
        good("黄河滩区迁建社区２８个，ＧＤＰ增速偏低，部分社区周边没有规模以上企业。\n\n"),
        good("黄河滩区迁建社区 28 个，GDP 增速偏低，部分社区周边没有规模以上企业。\n\n")),
}
KIND_PAIRS = {  # rules that depend on the kind of item
    "quality.missing_cause": (
        (OPEN + "建议省发展改革委年底前制定产业清单。\n", {"kind": "problem"}),
        (OPEN + "由于规划重住房轻产业，导致岗位不足。建议省发展改革委年底前制定产业清单。\n", {"kind": "problem"})),
    "quality.missing_practice": (
        ("某县迁建社区 4 个，2020 年引进企业 6 家，吸纳就业 1200 人。\n", {"kind": "practice"}),
        ("某县迁建社区 4 个，主要做法是引进企业 6 家，吸纳就业 1200 人。\n", {"kind": "practice"})),
}


def _split(spec):
    return spec if isinstance(spec, tuple) else (spec, {})


def write_item(root: Path, n: int, body: str, **front) -> str:
    return lintdata.write_item(root, n, body=body, **{"title": TITLE, **front})


@pytest.fixture(scope="module")
def pairs_run(tmp_path_factory):
    """One campaign holding a hit and a near miss for every rule; checked once."""
    root = copy_campaign(tmp_path_factory.mktemp("pairs"), parts=("schema",))
    where = {}
    n = 900
    for rule, (hit, miss) in {**PAIRS, **KIND_PAIRS}.items():
        for label, spec in (("hit", hit), ("miss", miss)):
            body, front = _split(spec)
            n += 1
            where[rule, label] = write_item(root, n, body, **front)
    findings = checks.run(load_campaign(root), families={"quality"})
    return where, findings


@pytest.mark.parametrize("rule", sorted({**PAIRS, **KIND_PAIRS}))
def test_rule_hits_fault_and_not_near_miss(pairs_run, rule):
    where, findings = pairs_run
    hit = [f for f in findings if f.path == where[rule, "hit"]]
    miss = [f for f in findings if f.path == where[rule, "miss"]]
    assert rule in {f.code for f in hit}, hit
    assert rule not in {f.code for f in miss}, miss
    # the fix hint of the rule ends every message
    assert all(f.message.endswith(RULES[f.code].hint) for f in hit if f.code == rule)


def test_near_misses_are_entirely_clean(pairs_run):
    """A near miss must not trip some other rule either (the miss items are otherwise good)."""
    where, findings = pairs_run
    misses = {where[key] for key in where if key[1] == "miss"}
    assert [f for f in findings if f.path in misses] == []


def run_one(campaign: Path, body: str, families=("quality",), **front):
    rel = write_item(campaign, 950, body, **front)
    found = checks.run(load_campaign(campaign), families=set(families))
    return rel, [f for f in found if f.path == rel]


def test_empty_talk_names_phrases_and_lines(campaign):
    body = good(OPEN + "各级要高度重视，认清形势。\n\n统一思想，狠抓落实，营造良好氛围。\n\n")
    rel, found = run_one(campaign, body)
    talk = [f for f in found if f.code == "quality.empty_talk"]
    assert len(talk) == 1
    f = talk[0]
    # body starts on file line 11; the phrases are on body lines 2 and 4
    assert (f.line, f.column) == (13, 4)
    assert "第13行“高度重视”" in f.message and "第15行“狠抓落实”" in f.message and "每百字" in f.message


def test_positions_are_file_lines_and_columns(campaign):
    body = good("黄河滩区迁建社区28个,安置群众约60万人。\n\n")
    rel, found = run_one(campaign, body)
    f = next(f for f in found if f.code == "quality.halfwidth_punct")
    assert (f.line, f.column) == (11, 12)
    lines = (campaign / rel).read_text(encoding="utf-8").split("\n")
    assert lines[f.line - 1][f.column - 1] == ","


def test_draft_gets_warnings_only_submitted_gets_errors(campaign):
    body = good()
    _, submitted = run_one(campaign, body, title="加快滩区迁建社区产业发展")
    assert {(f.code, f.severity) for f in submitted} == {("quality.title_form", "error")}
    _, draft = run_one(campaign, body, title="加快滩区迁建社区产业发展", status="draft")
    assert {(f.code, f.severity) for f in draft} == {("quality.title_form", "warning")}


def test_severity_set_in_settings_and_draft_stays_soft(campaign):
    settings = campaign / "schema" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + "\nseverity:\n  quality.title_form: off\n  quality.cjk_space: error\n", encoding="utf-8")
    body = good("黄河滩区迁建社区 28 个，部分社区周边 没有规模以上企业。\n\n")
    _, found = run_one(campaign, body, title="加快滩区迁建社区产业发展")
    assert {(f.code, f.severity) for f in found} == {("quality.cjk_space", "error")}
    _, draft = run_one(campaign, body, title="加快滩区迁建社区产业发展", status="draft")
    assert {(f.code, f.severity) for f in draft} == {("quality.cjk_space", "warning")}


def test_thresholds_come_from_settings(campaign):
    settings = campaign / "schema" / "settings.yaml"
    text = settings.read_text(encoding="utf-8").replace("sentence_max: 150", "sentence_max: 30")
    settings.write_text(text, encoding="utf-8")
    _, found = run_one(campaign, good())
    assert "quality.long_sentence" in {f.code for f in found}


def test_phrase_list_problems_are_reported(campaign):
    phrases = campaign / "schema" / "phrases.yaml"
    text = phrases.read_text(encoding="utf-8")
    phrases.write_text(text.replace("{text: 高度重视, source: [caiyes, formats]}",
                                    "{text: 高度重视, source: nowhere}"), encoding="utf-8")
    found = checks.run(load_campaign(campaign), families={"quality"})
    bad = [f for f in found if f.path == "schema/phrases.yaml"]
    line = next(i for i, ln in enumerate(phrases.read_text(encoding="utf-8").split("\n"), 1) if "nowhere" in ln)
    assert [(f.code, f.line) for f in bad] == [("schema.invalid", line)]
    assert "nowhere" in bad[0].message
    phrases.unlink()
    found = checks.run(load_campaign(campaign), families={"quality"})
    assert [f.code for f in found if f.path == "schema/phrases.yaml"] == ["quality.no_phrases"]


def test_every_phrase_names_a_registered_source():
    import yaml
    data = yaml.safe_load((ROOT / "schema" / "phrases.yaml").read_text(encoding="utf-8"))
    for kind in ("phrases", "intensifiers", "openings", "closings"):
        for entry in data[kind]:
            sources = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
            assert sources and all(s in data["sources"] for s in sources), entry


def test_every_rule_has_code_severity_and_one_line_hint():
    for code, rule in RULES.items():
        assert code.split(".")[0] in ("quality", "pii") and rule.severity in ("error", "warning", "info")
        assert rule.hint and "\n" not in rule.hint and rule.name


def test_cli_end_to_end(campaign, cli):
    rel = write_item(campaign, 960, good("近年来，随着经济社会快速发展，滩区迁建不断推进。" + OPEN),
                     title="加快滩区迁建社区产业发展")
    result = cli(campaign, "check", "--only", "quality", "--format", "json")
    assert result.code == 1, result
    mine = {(f["code"], f["line"], f["severity"]) for f in result.json() if f["path"] == rel}
    assert mine == {("quality.title_form", 3, "error"), ("quality.opening", 11, "warning")}
    text = cli(campaign, "check", "--only", "quality", rel)
    assert f"{rel}:11:1: warning: 开头是套路写法“近年来，随着……”" in text.out


def test_sample_campaign_has_no_quality_or_pii_findings():
    found = checks.run(load_campaign(ROOT), families={"quality", "pii"})
    assert found == [], "\n".join(f"{f.path}:{f.line}: {f.message} [{f.code}]" for f in found)


def test_accuracy_on_labelled_set(tmp_path, request):
    """Per-rule precision and recall on tests/data/lint/cases.yaml plus the sample campaign (all clean);
    the table is printed at the end of the run."""
    labelled = lintdata.build(tmp_path / "lab")
    got = lintdata.found_codes(tmp_path / "lab")
    samples = {d.path: {"expect": []} for d in load_campaign(ROOT).submissions}
    sample_got = {}
    for f in checks.run(load_campaign(ROOT), families=lintdata.FAMILIES):
        sample_got.setdefault(f.path, set()).add(f.code)
    rules = [r for r in RULES if r != "quality.no_phrases"]
    rows = lintdata.score({**labelled, **samples}, {**got, **sample_got}, rules)
    report = (f"jianyan lint accuracy: {len(labelled)} labelled items (tests/data/lint/cases.yaml) "
              f"+ {len(samples)} sample items (clean)\n" + lintdata.table(rows))
    request.config.stash.setdefault(SUMMARIES, []).append(report)
    for rule, tp, fp, fn in rows:
        assert tp + fn > 0, f"{rule} has no labelled positive"
        assert tp / (tp + fp) >= 0.9 if tp + fp else True, (rule, tp, fp)
        assert tp / (tp + fn) >= 0.9, (rule, tp, fn)


def test_measures_run_together_in_one_paragraph_need_numbers(campaign):
    crowded = OPEN + PROBLEMS + ("## 三、对策建议\n\n建议省发展改革委年底前制定滩区产业清单；省财政厅安排专项资金 2 亿元；"
                                 "省人力资源社会保障厅每年培训 1 万人次。\n")
    _, found = run_one(campaign, crowded)
    assert [f.code for f in found if f.code == "quality.unnumbered"] == ["quality.unnumbered"]
    assert "3 项措施" in next(f.message for f in found if f.code == "quality.unnumbered")
    two = OPEN + PROBLEMS + "## 三、对策建议\n\n建议省发展改革委年底前制定滩区产业清单；省财政厅安排专项资金 2 亿元。\n"
    _, found = run_one(campaign, two)
    assert "quality.unnumbered" not in {f.code for f in found}

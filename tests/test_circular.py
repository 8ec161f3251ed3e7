"""`jianyan circular`: the work circular's figures checked against the sample files read with PyYAML."""
from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import copy_campaign, invoke
from helpers.campaigns import other_campaign
from helpers.tables import table_rows

FROM, TO = "2021-02-22", "2021-06-15"


def front_matter(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n", 2)[1], Loader=yaml.BaseLoader)


def expected(root: Path) -> dict:
    items = [front_matter(p) for p in sorted((root / "submissions").rglob("*.md"))]
    issues = {i["id"]: i for i in (front_matter(p) for p in sorted((root / "issues").rglob("*.md")))}
    received = [i for i in items if i["status"] != "draft" and FROM <= i["date"] <= TO]
    adopted = [i for i in received if i["status"] == "adopted" and issues[i["adopted_in"]]["date"] <= TO]
    recs = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) for p in (root / "feedback").rglob("*.yaml")]
    instructions = [ins for r in recs for ins in r.get("instructions", []) if FROM <= ins["date"] <= TO]
    tasks = [h for r in recs for h in r.get("handling", []) if h["assigned"] <= TO]
    done = [h for h in tasks if h.get("state") == "done" and h["closed"] <= TO]
    overdue = [h for h in tasks if h not in done and h.get("deadline") and h["deadline"] < TO]
    published = [i for i in issues.values() if FROM <= i["date"] <= TO and i["status"] in ("signed", "dispatched")]
    return {"items": items, "received": received, "adopted": adopted, "instructions": instructions,
            "tasks": tasks, "done": done, "overdue": overdue, "published": published}


def build(campaign, cli) -> Path:
    result = cli(campaign, "circular", "--from", FROM, "--to", TO, "--number", "2")
    assert result.code == 0, result
    return campaign / f"build/circular/{FROM}_{TO}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """One campaign copy with the circular built, shared by the read-only tests below."""
    root = copy_campaign(tmp_path_factory.mktemp("circular") / "campaign")
    return root, build(root, invoke)


def test_circular_totals_match_the_sample(built):
    campaign, folder = built
    want = expected(campaign)
    md = (folder / "circular.md").read_text(encoding="utf-8")
    rate = f"{len(want['adopted']) / len(want['received']) * 100:.1f}%"
    assert f"共编发《为七个求突破建言专刊》{len(want['published'])}期" in md
    assert f"共收到建言信息{len(want['received'])}条，采用{len(want['adopted'])}条，采用率{rate}" in md
    written = [i for i in want["instructions"] if i.get("kind", "directive") != "circled"]
    circled = [i for i in want["instructions"] if i.get("kind") == "circled"]
    assert circled  # 圈阅 is counted apart, never as a 批示 (issue 21)
    assert f"作出批示{len(written)}件次" in md and f"圈阅{len(circled)}件次" in md
    # The one task open past its deadline on 15 June (省发展改革委, deadline 31 May), in working days:
    # June 1–4 (4), 7–11 (5), [Mon 14 端午], 15 (1) = 10
    assert "（时限2021年5月31日，已逾期10个工作日" in md
    assert (f"办理事项{len(want['tasks'])}项，已办结{len(want['done'])}项，正在办理"
            f"{len(want['tasks']) - len(want['done'])}项") in md
    assert f"超过办理时限尚未办结{len(want['overdue'])}项" in md
    for h in want["overdue"]:
        assert f"{h['department']}办理的《" in md


def test_circular_unit_and_topic_tables(built):
    campaign, folder = built
    want = expected(campaign)
    units = {u["code"]: u for u in yaml.safe_load((campaign / "schema/units.yaml").read_text())["units"]}
    topics = {str(t["number"]): t for t in yaml.safe_load((campaign / "schema/topics.yaml").read_text())["topics"]}
    md = (folder / "circular.md").read_text(encoding="utf-8")
    got = {r[1]: r for r in table_rows(md, "各单位报送采用情况及排名")}
    rec_c = Counter(i["unit"] for i in want["received"])
    ado_c = Counter(i["unit"] for i in want["adopted"])
    ranked = {c for c in rec_c if units[c]["kind"] != "committee"}
    assert set(got) == {units[c]["name"] for c in ranked}
    for code in ranked:
        row = got[units[code]["name"]]
        assert (int(row[2]), int(row[3])) == (rec_c[code], ado_c[code])
    ranks = [(int(r[0]), -int(r[3])) for r in got.values()]
    assert ranks == sorted(ranks) and ranks[0][0] == 1  # ranked by adoption first
    topic_rows = table_rows(md, "（四）按重点选题")
    t_rec = Counter(i["topic"] for i in want["received"])
    t_ado = Counter(i["topic"] for i in want["adopted"])
    for row in topic_rows:
        number = row[0].split(".")[0]
        assert row[0] == f"{number}. {topics[number]['title']}"
        assert (int(row[1]), int(row[2])) == (t_rec[number], t_ado[number])
    committees = {r[0]: r for r in table_rows(md, "（三）委员建言")}
    for code, n in rec_c.items():
        if units[code]["kind"] == "committee":
            assert int(committees[units[code]["name"]][1]) == n


def test_circular_word_html_and_charts(built):
    from docx import Document
    campaign, folder = built
    want = expected(campaign)
    html = (folder / "circular.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3
    # figures numbered in the order they appear: the unit kinds come before the topics
    assert html.index("图1 各类单位信息报送和采用情况") < html.index("图2 各重点选题信息报送和采用情况")
    assert "<script" not in html
    doc = Document(folder / "circular.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    # the 版头: red name, 第N期, issuing office and date; then the title
    assert text.startswith("工作通报\n第2期\n政协山东省委员会办公厅\t2021年6月15日\n")
    assert "\n为七个求突破建言活动工作通报\n" in text
    assert f"共收到建言信息{len(want['received'])}条" in text
    assert "图3 批示件办理进度" in text
    # tables: the 4 issue/unit/committee/topic tables, the handling table and 3 bar charts
    assert len(doc.tables) >= 8
    svg = (folder / "charts/topics.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "重大国家战略" in svg


def test_circular_is_deterministic_and_rejects_bad_periods(campaign, cli):
    folder = build(campaign, cli)
    first = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    folder = build(campaign, cli)
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == first
    bad = cli(campaign, "circular", "--from", "2021-06-01", "--to", "2021-03-01")
    assert bad.code == 2 and "晚于" in bad.err


def test_campaign_template_override_is_used(campaign, cli):
    (campaign / "templates").mkdir(exist_ok=True)
    (campaign / "templates/circular.md.j2").write_text(
        '{% extends "default/circular.md.j2" %}{% block next_steps %}\n## 五、下一步安排\n\n请各单位于{{ date }}前报送。\n{% endblock %}',
        encoding="utf-8")
    md = (build(campaign, cli) / "circular.md").read_text(encoding="utf-8")
    assert "## 五、下一步安排" in md and "下一步工作要求" not in md
    assert dt.date.fromisoformat(TO)


def test_circular_wording_comes_from_the_campaign_not_the_sample(tmp_path, cli):
    root = other_campaign(copy_campaign(tmp_path / "campaign"))
    md = (build(root, cli) / "circular.md").read_text(encoding="utf-8")
    assert "要求，各民主党派省委会、省工商联、各市政协和省政协各专门委员会围绕三个重点选题积极建言。" in md
    assert "各单位要紧扣三个重点选题" in md and "篇幅一般不超过1200字" in md
    assert "七个" not in md and "信息联系点" not in md and "全国政协" not in md
    assert "向中共山东省委办公厅报送信息" in md
    assert "省政协研究室将定期向报送单位和委员反馈" in md  # the compiler in settings.bulletin


def test_circular_of_an_empty_init_campaign_with_three_topics(tmp_path, cli):
    assert cli(tmp_path, "init", "camp", "--empty").code == 0
    root = tmp_path / "camp"
    topics = yaml.safe_load((root / "schema/topics.yaml").read_text(encoding="utf-8"))
    # (copies, not shared lists: PyYAML would write shared values as anchors, which registries refuse)
    topics["topics"] = [dict(copy.deepcopy(topics["topics"][0]), number=n, title=f"第{n}个选题", short=f"选题{n}")
                        for n in (1, 2, 3)]
    (root / "schema/topics.yaml").write_text(yaml.safe_dump(topics, allow_unicode=True), encoding="utf-8")
    settings = yaml.safe_load((root / "schema/settings.yaml").read_text(encoding="utf-8"))
    result = cli(root, "circular", "--to", f"{settings['year']}-06-30")
    assert result.code == 0, result
    folder = root / f"build/circular/{settings['start']}_{settings['year']}-06-30"  # from the campaign's start
    md = (folder / "circular.md").read_text(encoding="utf-8")
    assert "示例单位（请修改）围绕三个重点选题积极建言" in md and "各单位要紧扣三个重点选题" in md
    assert "七个" not in md and "全国政协" not in md and "省工商联" not in md
    kinds = [r[0] for r in table_rows(md, "（一）按单位类别")]
    assert kinds == ["民主党派省委会", "合计"]  # only the kinds the campaign has


def test_circular_without_from_starts_at_the_campaign_start(campaign):
    from jianyan.campaign.load import load_campaign
    from jianyan.render.reports import write_circular
    written = write_circular(load_campaign(campaign), None, dt.date.fromisoformat(TO), None)
    assert written.period == "统计时段：2021年2月22日（活动开始）至2021年6月15日"
    assert written[-1] == campaign / f"build/circular/2021-02-22_{TO}/circular.docx"
    md = (written[-1].parent / "circular.md").read_text(encoding="utf-8")
    assert "（2021年2月22日至2021年6月15日）" in md and "start" not in str(written[-1])


def test_handling_closed_after_its_deadline_is_not_called_within_it(built):
    """At 2021-07-31 nothing is open, but two tasks were closed after their deadline: the circular said
    “所有批示件均在办理时限内” beside a table marking them 已办结（逾期）."""
    from jianyan.campaign.load import load_campaign
    from jianyan.render.env import environment, render
    from jianyan.render.reports import circular_context, report_period
    root, _ = built
    day = "2021-07-31"
    recs = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) for p in (root / "feedback").rglob("*.yaml")]
    tasks = [h for r in recs for h in r.get("handling", []) if h["assigned"] <= day]
    assert all(h.get("state") == "done" and h["closed"] <= day for h in tasks)
    late = sorted(h["department"] for h in tasks if h["closed"] > h["deadline"])
    assert len(late) == 2
    campaign = load_campaign(root)
    ctx, _ = circular_context(campaign, report_period(campaign, None, dt.date.fromisoformat(day)), None)
    md = render(environment(root), "circular.md.j2", root, **ctx)
    assert "所有批示件均在办理时限内" not in md
    assert f"截至2021年7月31日，没有超过办理时限尚未办结的事项；{len(late)}项超过办理时限后办结：" in md
    for department in late:
        assert f"{department}办理的《" in md.split("项超过办理时限后办结：", 1)[1].split("\n", 1)[0]

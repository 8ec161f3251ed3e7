"""`jianyan record`: members' yearly records checked against the sample files read with plain PyYAML."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import copy_campaign, invoke
from helpers.campaigns import other_campaign
from helpers.tables import table_rows

YEAR, END = "2021", "2021-12-31"


def front_matter(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n", 2)[1], Loader=yaml.BaseLoader)


def load_yaml(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def authors(item: dict) -> list[str]:
    s = item["submitter"]
    return [s] if isinstance(s, str) else list(s)


def expected(root: Path) -> dict[str, dict]:
    """Per registered member: counts computed straight from the files."""
    members = load_yaml(root / "schema/members.yaml")["members"]
    items = [front_matter(p) for p in sorted((root / "submissions").rglob("*.md"))]
    issues = {i["id"]: i for i in (front_matter(p) for p in (root / "issues").rglob("*.md"))}
    records = {r["item"]: r for r in (load_yaml(p) for p in (root / "feedback").rglob("*.yaml"))}
    out = {}
    for m in members:
        mine = [i for i in items if m["name"] in authors(i) and i["status"] != "draft" and i["date"].startswith(YEAR)]
        adopted = [i for i in mine if i["status"] == "adopted" and issues[i["adopted_in"]]["date"] <= END]
        given = [x for i in adopted if issues[i["adopted_in"]]["status"] == "dispatched"
                 for x in records.get(i["id"], {}).get("instructions", []) if x["date"] <= END]
        instr = sum(1 for x in given if x.get("kind") != "circled")  # 批示 only: 圈阅 is counted apart
        circled = sum(1 for x in given if x.get("kind") == "circled")
        fwd = [i for i in mine if any(f["date"] <= END for f in records.get(i["id"], {}).get("forwarded", []))]
        up = [i for i in mine if any(f.get("adopted") == "true" and f["adopted_date"] <= END
                                     for f in records.get(i["id"], {}).get("forwarded", []))]
        out[m["name"]] = {"member": m, "items": mine, "total": len(mine),
                          "joint": sum(1 for i in mine if len(authors(i)) > 1), "adopted": len(adopted),
                          "instructions": instr, "circled": circled, "forwarded": len(fwd), "upward_adopted": len(up)}
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_campaign(tmp_path_factory.mktemp("records") / "campaign")
    result = invoke(root, "record", "--all", "--year", YEAR)
    assert result.code == 0, result
    return root, root / "build/records" / YEAR


def test_every_member_gets_a_record_and_the_summary_counts_match(built):
    root, folder = built
    want = expected(root)
    for name in want:
        for ext in ("md", "html", "docx"):
            assert (folder / f"{name}.{ext}").is_file(), f"{name}.{ext}"
    summary = (folder / "汇总.md").read_text(encoding="utf-8")
    rows = {r[1]: r for r in table_rows(summary, "（统计截至")}
    assert set(rows) == set(want)
    for name, w in want.items():
        r = rows[name]
        assert r[2] == w["member"]["sector"]
        assert [int(x) for x in r[4:11]] == [w["total"], w["joint"], w["adopted"], w["instructions"], w["circled"],
                                             w["forwarded"], w["upward_adopted"]], name
    assert f"共有{sum(1 for w in want.values() if w['total'])}位委员" in summary


def test_a_members_record_reads_like_the_files_say(built):
    root, folder = built
    want = expected(root)["刘某某"]
    md = (folder / "刘某某.md").read_text(encoding="utf-8")
    assert "| 届次 | 十二届省政协委员 |" in md and f"| 界别 | {want['member']['sector']} |" in md
    alone = want["total"] - want["joint"]
    assert (f"报送建言信息{want['total']}条（独立撰写{alone}条，与其他委员联名{want['joint']}条）") in md
    assert f"采用{want['adopted']}条，获省领导批示{want['instructions']}件次" in md
    assert f"被上级采用{want['upward_adopted']}条" in md
    for item in want["items"]:
        assert item["title"] in md
    joint = next(i for i in want["items"] if len(authors(i)) > 1)
    partner = [a for a in authors(joint) if a != "刘某某"][0]
    assert f"与{partner}委员联名（第一署名）" in md
    rec = load_yaml(root / f"feedback/2021/{joint['id']}.yaml")
    assert rec["instructions"][0]["text"] in md
    fwd = rec["forwarded"][0]
    assert f"被{fwd['bulletin']}采用" in md and fwd["to"] in md
    # the series: the follow-up names the earlier item in `related`
    follow = next(i for i in want["items"] if i.get("related"))
    assert "## 五、跟踪连续报道" in md
    series = md.split("跟踪连续报道", 1)[1]
    assert series.index(joint["title"]) < series.index(follow["title"])


def test_a_joint_author_is_credited_too(built):
    root, folder = built
    want = expected(root)["张某某"]
    md = (folder / "张某某.md").read_text(encoding="utf-8")
    assert want["joint"] == want["total"] >= 1
    assert "与刘某某委员联名（第二署名）" in md


def test_a_member_without_items_gets_an_entry_saying_so(built):
    root, folder = built
    idle = [n for n, w in expected(root).items() if w["total"] == 0]
    assert idle
    md = (folder / f"{idle[0]}.md").read_text(encoding="utf-8")
    assert f"{idle[0]}委员暂未通过专门委员会报送建言信息" in md and "## 二、" not in md


def test_the_word_file_is_an_official_style_document(built):
    from docx import Document
    _, folder = built
    doc = Document(folder / "刘某某.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("省政协委员履职档案")
    assert "一、总体情况" in text and "四、向上级报送和采用情况" in text
    assert len(doc.tables) == 2  # basic facts and the list of items


def test_members_are_found_by_code_or_loose_spelling_and_output_is_deterministic(campaign, cli):
    first = cli(campaign, "record", "liumm")
    assert first.code == 0, first
    path = campaign / "build/records/2021/刘某某.docx"
    data = path.read_bytes()
    again = cli(campaign, "record", "刘 某某委员")
    assert again.code == 0, again
    assert path.read_bytes() == data
    assert first.out.splitlines()[0] == "build/records/2021/刘某某.md"


def test_unknown_member_and_missing_argument_are_explained(campaign, cli):
    bad = cli(campaign, "record", "刘某")
    assert bad.code == 2 and "找不到委员“刘某”" in bad.err and "是不是“刘某某”" in bad.err
    assert "Traceback" not in bad.err
    none = cli(campaign, "record")
    assert none.code == 2 and "--all" in none.err


def test_unknown_author_of_a_committee_item_is_a_warning_with_a_hint(campaign, cli):
    path = campaign / "submissions/2021/jingji/2021-jingji-002.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("submitter: 黄某\n", "submitter: 黄某某\n"), encoding="utf-8")
    line = text.split("\n").index("submitter: 黄某") + 1
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["code"] == "ref.unknown_member"]
    assert len(found) == 1
    f = found[0]
    assert (f["path"], f["line"], f["severity"]) == ("submissions/2021/jingji/2021-jingji-002.md", line, "warning")
    assert "是不是“黄某”" in f["message"] and "members.yaml" in f["message"]
    # an unregistered author still gets a record, marked as not registered
    result = cli(campaign, "record", "黄某某")
    assert result.code == 0, result
    assert "尚未在委员名单" in (campaign / "build/records/2021/黄某某.md").read_text(encoding="utf-8")


def test_registry_problems_are_reported(campaign, cli):
    path = campaign / "schema/members.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("committee: gangao", "committee: gangaotai"), encoding="utf-8")
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["path"] == "schema/members.yaml"]
    assert [f["code"] for f in found] == ["ref.unknown_unit"]
    assert found[0]["line"] == text.split("\n").index("    committee: gangao") + 1


def test_upward_bodies_come_from_the_forwarding_records(tmp_path, cli):
    root = other_campaign(copy_campaign(tmp_path / "campaign"))  # forwarded to 中共山东省委办公厅 instead
    result = cli(root, "record", "--all", "--year", YEAR)
    assert result.code == 0, result
    folder = root / "build/records" / YEAR
    summary = (folder / "汇总.md").read_text(encoding="utf-8")
    assert "；向中共山东省委办公厅报送2条，被上级采用2条。" in summary
    record = (folder / "刘某某.md").read_text(encoding="utf-8")
    assert "；向中共山东省委办公厅报送" in record
    assert "全国政协" not in summary + record
    # a year without any forwarding does not claim 0 items sent upward
    for rec in (root / "feedback").rglob("*.yaml"):
        lines = rec.read_text(encoding="utf-8").split("\nforwarded:", 1)[0]
        rec.write_text(lines.rstrip("\n") + "\n", encoding="utf-8")
    assert cli(root, "record", "--all", "--year", YEAR).code == 0
    summary = (folder / "汇总.md").read_text(encoding="utf-8")
    opening = summary.split("| 序号", 1)[0]
    assert "获省领导批示" in opening and "报送0条" not in opening and "上级采用0条" not in opening

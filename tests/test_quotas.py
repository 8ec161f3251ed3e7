"""Quotas, the ranking score and forwarding upward: stats and the circular checked against the files (PyYAML)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from helpers.tables import table_rows

FROM, TO = "2021-02-22", "2021-06-15"
POINTS = ("submitted", "adopted", "instruction", "circled", "forwarded", "upward_adopted")


def front_matter(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n", 2)[1], Loader=yaml.BaseLoader)


def load_yaml(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def expected_ranking(root: Path, since: str | None, until: str) -> list[tuple[str, float]]:
    """(unit code, score) best first, computed from the files and the documented scoring."""
    units = {u["code"]: u for u in load_yaml(root / "schema/units.yaml")["units"]}
    weights = {k: float(v) for k, v in load_yaml(root / "schema/settings.yaml")["scoring"].items()}
    issues = {i["id"]: i for i in (front_matter(p) for p in (root / "issues").rglob("*.md"))}
    records = {r["item"]: r for r in (load_yaml(p) for p in (root / "feedback").rglob("*.yaml"))}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(POINTS, 0))
    for p in (root / "submissions").rglob("*.md"):
        i = front_matter(p)
        if i["status"] == "draft" or i["date"] > until or (since and i["date"] < since):
            continue
        if units[i["unit"]]["kind"] == "committee":
            continue
        c = counts[i["unit"]]
        c["submitted"] += 1
        rec = records.get(i["id"], {})
        issue = issues.get(i.get("adopted_in", ""))
        if i["status"] == "adopted" and issue["date"] <= until:
            c["adopted"] += 1
            if issue["status"] == "dispatched" and issue["dispatch"]["date"] <= until:
                for ins in rec.get("instructions", []):
                    if ins["date"] <= until:
                        c["circled" if ins.get("kind") == "circled" else "instruction"] += 1
        fwd = [f for f in rec.get("forwarded", []) if f["date"] <= until]
        c["forwarded"] += bool(fwd)
        c["upward_adopted"] += any(f.get("adopted") == "true" and f["adopted_date"] <= until for f in fwd)
    score = {code: sum(c[k] * weights[k] for k in POINTS) for code, c in counts.items()}
    return sorted(score.items(), key=lambda kv: -kv[1])


def expected_quotas(root: Path, until: str) -> dict[str, tuple[int, int, int, int]]:
    """unit → (target submitted, submitted, target adopted, adopted), year to date."""
    units = {u["code"]: u for u in load_yaml(root / "schema/units.yaml")["units"]}
    year = next(q for q in load_yaml(root / "schema/quotas.yaml")["quotas"] if q["year"] == until[:4])
    issues = {i["id"]: i for i in (front_matter(p) for p in (root / "issues").rglob("*.md"))}
    items = [front_matter(p) for p in (root / "submissions").rglob("*.md")]
    out = {}
    for code, unit in units.items():
        target = year.get("units", {}).get(code) or year.get("by_kind", {}).get(unit["kind"])
        if not target:
            continue
        mine = [i for i in items if i["unit"] == code and i["status"] != "draft" and i["date"][:4] == until[:4]
                and i["date"] <= until]
        ado = [i for i in mine if i["status"] == "adopted" and issues[i["adopted_in"]]["date"] <= until]
        out[code] = (int(target["submitted"]), len(mine), int(target["adopted"]), len(ado))
    return out


def test_stats_ranking_follows_the_documented_scoring(campaign, cli):
    data = cli(campaign, "stats", "--format", "json", "--from", FROM, "--to", TO).json()
    want = expected_ranking(campaign, FROM, TO)
    got = [(r["unit"], r["score"]) for r in data["ranking"]]
    assert sorted(got) == sorted(want)
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)
    assert data["ranking"][0]["rank"] == 1
    top = data["ranking"][0]
    assert top["score"] == sum(top["points"].values())
    assert data["scoring"]["upward_adopted"] == 5


def test_stats_quota_progress_is_year_to_date(campaign, cli):
    data = cli(campaign, "stats", "--format", "json", "--to", TO).json()
    want = expected_quotas(campaign, TO)
    got = {code: (q["submitted"]["target"], q["submitted"]["actual"], q["adopted"]["target"], q["adopted"]["actual"])
           for code, q in data["quotas"]["units"].items()}
    assert got == want
    assert want["qingdao"][0] == 10 and want["zibo"][0] == 6  # a unit's own target beats its kind's


def test_stats_counts_forwarding_upward(campaign, cli):
    records = [load_yaml(p) for p in (campaign / "feedback").rglob("*.yaml")]
    data = cli(campaign, "stats", "--format", "json").json()
    fwd = [r for r in records if r.get("forwarded")]
    up = [r for r in fwd if any(f.get("adopted") == "true" for f in r["forwarded"])]
    assert (data["upward"]["forwarded"], data["upward"]["adopted"]) == (len(fwd), len(up))
    assert len(up) >= 1
    r = up[0]
    assert data["upward"]["items"][r["item"]][0]["bulletin"] == r["forwarded"][0]["bulletin"]
    text = cli(campaign, "stats", "--to", TO).out
    assert f"被上级采用 {len(up)} 条" in text and "单位排名" in text and "量化指标完成进度" in text


def test_circular_shows_scores_quotas_and_upward_adoption(campaign, cli):
    result = cli(campaign, "circular", "--from", FROM, "--to", TO)
    assert result.code == 0, result
    md = (campaign / f"build/circular/{FROM}_{TO}/circular.md").read_text(encoding="utf-8")
    units = {u["code"]: u["name"] for u in load_yaml(campaign / "schema/units.yaml")["units"]}
    ranking = table_rows(md, "各单位报送采用情况及排名")
    want = dict(expected_ranking(campaign, FROM, TO))
    assert {r[1]: float(r[7]) for r in ranking} == {units[c]: s for c, s in want.items()}
    assert "上级采用每条计5分" in md
    quota = {r[0]: r for r in table_rows(md, "年度量化指标完成情况")}
    for code, (ts, s, ta, a) in expected_quotas(campaign, TO).items():
        assert quota[units[code]][1:3] == [f"{s}/{ts}", f"{a}/{ta}"]
    rec = load_yaml(campaign / "feedback/2021/2021-minge-001.yaml")["forwarded"][0]
    upward = md.split("（一）向上级报送", 1)[1].split("（二）", 1)[0]
    assert f"被{rec['bulletin']}采用" in upward and rec["to"] in upward


def test_weights_in_settings_change_the_ranking(campaign, cli):
    settings = campaign / "schema/settings.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("  upward_adopted: 5 ", "  upward_adopted: 0 ")
                        .replace("  instruction: 2 ", "  instruction: 10 "), encoding="utf-8")
    data = cli(campaign, "stats", "--format", "json", "--to", TO).json()
    assert data["ranking"][0]["unit"] == expected_ranking(campaign, None, TO)[0][0] == "gsl"


def test_forwarding_checks(campaign, cli):
    path = campaign / "feedback/2021/2021-minge-001.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("adopted_date: 2021-03-29", "adopted_date: 2021-03-08"), encoding="utf-8")
    line = text.split("\n").index("    adopted_date: 2021-03-29") + 1
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["path"] == path.relative_to(campaign).as_posix()
             and f["severity"] == "error"]
    assert [(f["code"], f["line"]) for f in found] == [("schema.date_order", line)]
    assert "先报送、后采用" in found[0]["message"]
    path.write_text(text.replace("    bulletin: 《全国政协信息专报》第46期\n", ""), encoding="utf-8")
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["path"].endswith("2021-minge-001.yaml")
             and f["severity"] == "error"]
    assert found and "bulletin" in found[0]["message"]


def test_forwarding_an_accepted_item_needs_no_bulletin_of_our_own(campaign, cli):
    (campaign / "feedback/2021/2021-qingdao-002.yaml").write_text(
        "item: 2021-qingdao-002\nforwarded:\n  - to: 全国政协办公厅\n    date: 2021-03-30\n", encoding="utf-8")
    found = [f for f in cli(campaign, "check", "--format", "json").json() if "qingdao-002" in f["path"]]
    assert found == []
    data = cli(campaign, "stats", "--format", "json", "--to", TO).json()
    assert "2021-qingdao-002" in data["upward"]["items"]


def test_quota_registry_errors(campaign, cli):
    path = campaign / "schema/quotas.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      qingdao:", "      qindao:"), encoding="utf-8")
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["path"] == "schema/quotas.yaml"]
    assert [f["code"] for f in found] == ["ref.unknown_unit"] and "是不是“qingdao”" in found[0]["message"]

"""`jianyan stats` and `jianyan export`: figures checked against the sample files read with plain PyYAML."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import yaml

STATUSES = ["draft", "submitted", "returned", "accepted", "rejected", "withdrawn", "adopted"]


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("---\n", 2)[1], Loader=yaml.BaseLoader)  # every scalar a string


def sample_items(root: Path) -> list[dict]:
    return [front_matter(p) for p in sorted((root / "submissions").rglob("*.md"))]


def test_stats_json_matches_the_sample_files(campaign, cli):
    items = sample_items(campaign)
    result = cli(campaign, "stats", "--format", "json")
    assert result.code == 0, result
    data = result.json()
    assert data["total"] == len(items)
    status = Counter(i["status"] for i in items)
    assert data["by_status"] == {s: status[s] for s in STATUSES}
    topics = Counter(i["topic"] for i in items)
    assert {k: v for k, v in data["by_topic"].items() if v} == dict(topics)
    by_unit: dict[str, Counter] = defaultdict(Counter)
    for i in items:
        by_unit[i["unit"]][i["status"]] += 1
    assert set(data["by_unit"]) == set(by_unit)
    for unit, counts in by_unit.items():
        assert {k: v for k, v in data["by_unit"][unit].items() if v} == dict(counts)
    received = sum(1 for i in items if i["status"] != "draft")
    assert data["received"] == received
    assert data["adopted"] == status["adopted"]
    assert data["adoption_rate"] == round(status["adopted"] / received, 4)


def test_stats_counts_instructions_and_handling(campaign, cli):
    records = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
               for p in sorted((campaign / "feedback").rglob("*.yaml"))]
    data = cli(campaign, "stats", "--format", "json").json()
    assert data["instructions"]["total"] == sum(len(r.get("instructions", [])) for r in records)
    tasks = [h for r in records for h in r.get("handling", [])]
    assert data["handling"]["total"] == len(tasks)
    assert data["handling"]["done"] == sum(1 for h in tasks if h.get("state") == "done")


def test_stats_text_is_readable(campaign, cli):
    result = cli(campaign, "stats")
    assert result.code == 0, result
    items = sample_items(campaign)
    assert f"信息总数 {len(items)} 条" in result.out
    assert "民革山东省委会" in result.out


def test_stats_rejects_bad_dates(campaign, cli):
    result = cli(campaign, "stats", "--to", "2021-4-30")
    assert result.code == 2
    assert "YYYY-MM-DD" in result.err and "Traceback" not in result.err


def test_export_csv_and_json_hold_every_item(campaign, cli):
    items = {i["id"]: i for i in sample_items(campaign)}
    result = cli(campaign, "export", "--format", "csv")
    assert result.code == 0, result
    text = (campaign / "build/export/台账.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["信息编号"] for r in rows} == set(items)
    reasons = {r["code"]: r["label"] for r in yaml.safe_load((campaign / "schema/reasons.yaml").read_text())["reasons"]}
    for r in rows:
        item = items[r["信息编号"]]
        assert r["报送单位"] and r["标题"] == item["title"]
        reason = (item.get("review") or {}).get("reason")
        if reason:
            assert reasons[reason] in r["审核意见"]
        if item["status"] == "adopted":
            assert r["采用期号"] == item["adopted_in"]
    assert cli(campaign, "export", "--format", "json").code == 0
    data = json.loads((campaign / "build/export/台账.json").read_text(encoding="utf-8"))
    assert len(data["items"]) == len(items)


def test_export_xlsx_is_deterministic(campaign, cli):
    from openpyxl import load_workbook
    assert cli(campaign, "export", "--format", "xlsx", "--to", "2021-06-30").code == 0
    first = (campaign / "build/export/台账.xlsx").read_bytes()
    assert cli(campaign, "export", "--format", "xlsx", "--to", "2021-06-30").code == 0
    assert (campaign / "build/export/台账.xlsx").read_bytes() == first
    ws = load_workbook(campaign / "build/export/台账.xlsx").worksheets[0]
    assert ws.max_row == len(sample_items(campaign)) + 1

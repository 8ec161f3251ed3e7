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
    given = [[i.get("kind", "directive") for i in r.get("instructions", [])] for r in records]
    # 批示 and 圈阅 apart: total and items are 批示 only
    assert data["instructions"]["total"] == sum(k != "circled" for kinds in given for k in kinds)
    assert data["instructions"]["items"] == sum(any(k != "circled" for k in kinds) for kinds in given)
    assert data["instructions"]["circled"] == sum(k == "circled" for kinds in given for k in kinds) > 0
    assert data["instructions"]["circled_items"] == sum("circled" in kinds for kinds in given)
    tasks = [h for r in records for h in r.get("handling", [])]
    assert data["handling"]["total"] == len(tasks)
    assert data["handling"]["done"] == sum(1 for h in tasks if h.get("state") == "done")


def test_stats_text_is_readable(campaign, cli):
    result = cli(campaign, "stats")
    assert result.code == 0, result
    items = sample_items(campaign)
    received = sum(1 for i in items if i["status"] != "draft")
    waiting = sum(1 for i in items if i["status"] == "submitted")
    lines = result.out.splitlines()
    # The campaign is over: the figures are as of its end (schema/settings.yaml end), not today.
    assert lines[0] == "统计截至 2021-12-31（活动结束）"
    # "已报送" in the summary (every item sent in) and in the status table (still waiting) are named apart.
    assert f"收到报送 {received} 条（不含草稿）" in lines[1] and "已报送" not in lines[1]
    status_rows = lines[lines.index("按截至当日的状态（条）：") + 1:lines.index("按截至当日的状态（条）：") + 8]
    assert any(r.split() == ["已报送待审核", str(waiting)] for r in status_rows)
    # Columns line up in a terminal (a Chinese character takes two columns): every count ends in one column.
    units = lines[lines.index("按单位（条）：") + 1:]
    units = units[:units.index("")]
    ends = {display_width(r) for r in units}
    assert len(ends) == 1 and len(units) > 10, units
    assert "民革山东省委会" in result.out


def display_width(text: str) -> int:
    return sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in text)


# Working days the sample's items waited, counted by hand on a printed 2021 calendar with the State Council's
# arrangement: 清明 3–5 April; 劳动节 1–5 May with Sunday 25 April and Saturday 8 May worked; 端午 12–14 June.
# (start, end, working days after start up to and including end)
HAND_COUNTED_REVIEWS = {
    "2021-taimeng-001": ("2021-04-01", "2021-04-07", 3),   # Fri 2, [Sat 3 – Mon 5 清明], Tue 6, Wed 7
    "2021-dezhou-001": ("2021-04-06", "2021-04-09", 3),    # Wed 7, Thu 8, Fri 9
    "2021-rongcheng-001": ("2021-03-31", "2021-04-02", 2),  # Thu 1, Fri 2
    "2021-jingji-001": ("2021-03-06", "2021-03-09", 2),    # submitted on a Saturday: Mon 8, Tue 9
    "2021-minge-001": ("2021-02-25", "2021-03-01", 2),     # Fri 26, Mon 1
}
HAND_COUNTED_WAITING = {  # still waiting for review on 31 July
    # April 14–16 (3), 19–23 (5), Sun 25 (1), 26–30 (5) = 14; May 6, 7, Sat 8 (3), 10–14, 17–21, 24–28 (15),
    # 31 (1) = 19; June 1–4 (4), 7–11 (5), 15–18 (4), 21–25 (5), 28–30 (3) = 21; July 1, 2 (2), 5–9, 12–16,
    # 19–23, 26–30 (20) = 22; 14 + 19 + 21 + 22 = 76
    "2021-minge-002": ("2021-04-13", 76),
    "2021-qufu-001": ("2021-04-19", 72),    # the same less Wed 14 – Fri 16 and Mon 19
    "2021-jingji-002": ("2021-04-20", 71),  # less Tue 20 too
    "2021-jingji-003": ("2021-04-26", 66),  # less Wed 21 – Fri 23, Sun 25 and Mon 26
}
HAND_COUNTED_HANDLING = {  # (item, department): (working days assigned → closed, working days past the deadline)
    # 10 March → 28 April: 11, 12 (2), 15–19, 22–26, 29 Mar – 2 Apr (15), 6–9 (4, 清明 Mon 5), 12–16, 19–23 (10),
    # Sun 25 (1), 26–28 (3) = 35
    ("2021-gsl-001", "省工业和信息化厅"): (35, 0),
    # 24 March → 28 April: 25, 26 (2), 29 Mar – 2 Apr (5), 6–9 (4), 12–16, 19–23 (10), Sun 25 (1), 26–28 (3) = 25
    ("2021-jiusan-001", "省科技厅"): (25, 0),
    # deadline 30 April, closed 20 May: May 6, 7, Sat 8 (3), 10–14 (5), 17–20 (4) = 12 past the deadline
    ("2021-minjian-001", "省地方金融监管局"): (44, 12),
    # deadline 31 May, closed 21 June: June 1–4 (4), 7–11 (5), 15–18 (4, 端午 Mon 14), 21 (1) = 14 past it
    ("2021-jingji-001", "省发展改革委"): (61, 14),
}


def test_working_days_as_of_31_july_match_the_hand_counted_table(campaign, cli):
    data = cli(campaign, "stats", "--format", "json", "--as-of", "2021-07-31").json()
    assert data["as_of"] == "2021-07-31"
    review = data["review"]
    assert (review["unit"], review["limit"]) == ("working", 5)
    for ident, (_, _, days) in HAND_COUNTED_REVIEWS.items():
        assert review["waited"][ident] == days, ident
    waiting = {w["id"]: (w["since"], w["days"]) for w in review["waiting"]}
    assert waiting == HAND_COUNTED_WAITING
    assert all(w["over"] for w in review["waiting"]) and set(waiting) <= set(review["over_limit"])
    tasks = {(t["item"], t["department"]): (t["days"], t["late"]) for t in data["handling"]["tasks"]}
    for key, expected in HAND_COUNTED_HANDLING.items():
        assert tasks[key] == expected, key
    # --to is the older name of --as-of; the text says the same in working days.
    assert cli(campaign, "stats", "--format", "json", "--to", "2021-07-31").json() == data
    text = cli(campaign, "stats", "--as-of", "2021-07-31").out
    assert "2021-minge-002   自 2021-04-13  76 个工作日  超过时限" in text
    # “逾期 0 项” counts what is still open; the tasks closed after their deadline are named beside it
    assert "部门办理 11 项，已办结 11 项，办理中 0 项，逾期 0 项\n" in text
    for (item, department), (_, late) in HAND_COUNTED_HANDLING.items():
        records = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
                   for p in (campaign / "feedback").rglob(f"{item}.yaml")]
        h = next(h for r in records for h in r["handling"] if h["department"] == department)
        line = f"  超过时限后办结：{item} {department}（时限 {h['deadline']}，{h['closed']} 办结，晚 {late} 个工作日）"
        assert (line in text) == (late > 0), line


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


def test_export_lists_instructions_and_circled_apart(campaign, cli):
    """领导批示 lists 批示 only; a 圈阅 is in 领导圈阅, the last column, so the earlier columns keep their places
    (the sample's 2021-nonggong-001 was circled, and its 圈阅 was listed as a 批示)."""
    records = {}
    for path in (campaign / "feedback").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "item" in data:
            records[data["item"]] = [i.get("kind", "directive") for i in data.get("instructions") or []]
    assert cli(campaign, "export", "--format", "csv").code == 0
    text = (campaign / "build/export/台账.csv").read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[17:] == ["领导批示", "办理情况", "办理进度", "逾期", "可公开", "文件", "领导圈阅"]
    rows = {r["信息编号"]: r for r in csv.DictReader(text.splitlines())}
    assert rows["2021-nonggong-001"]["领导批示"] == ""
    assert rows["2021-nonggong-001"]["领导圈阅"] == "2021年3月16日 凌某某副省长"
    for ident, row in rows.items():
        kinds = Counter(records.get(ident, []))
        assert "圈阅" not in row["领导批示"], ident
        assert row["领导批示"].count("性批示）") == kinds["directive"] + kinds["affirmative"], ident
        assert len([c for c in row["领导圈阅"].split("；") if c]) == kinds["circled"], ident
    assert any("circled" in kinds for kinds in records.values())  # the sample has a 圈阅 to list
    assert cli(campaign, "export", "--format", "json").code == 0
    data = json.loads((campaign / "build/export/台账.json").read_text(encoding="utf-8"))
    assert data["columns"]["circled"] == "领导圈阅"
    assert {i["id"]: i["circled"] for i in data["items"]}["2021-nonggong-001"] == "2021年3月16日 凌某某副省长"

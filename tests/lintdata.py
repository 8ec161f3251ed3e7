"""The labelled lint set (tests/data/lint/cases.yaml) as a campaign, and per-rule precision/recall."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from conftest import copy_campaign

CASES = Path(__file__).parent / "data" / "lint" / "cases.yaml"
DEFAULT_TITLE = "关于完善黄河滩区迁建社区就业帮扶的建议"
FAMILIES = {"quality", "pii"}


def cases() -> list[dict]:
    return yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]


def item_text(ident: str, case: dict) -> str:
    lines = ["---", f"id: {ident}", f"title: {case.get('title', DEFAULT_TITLE)}", "submitter: 民革山东省委会",
             "unit: minge", f"topic: {case.get('topic', 1)}", f"kind: {case.get('kind', 'suggestion')}",
             f"status: {case.get('status', 'submitted')}", "date: 2021-03-10"]
    if case.get("contact"):
        lines.append(f"contact: {case['contact']}")
    return "\n".join(lines + ["---", case.get("body", "")])


def write_item(root: Path, n: int, **case) -> str:
    """Write submission 2021-minge-<n> (front matter from ``case``, see item_text); its repo path."""
    ident = f"2021-minge-{n:03d}"
    rel = f"submissions/2021/minge/{ident}.md"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(item_text(ident, case).encode("utf-8"))
    return rel


def build(root: Path) -> dict[str, dict]:
    """Write every case as a submission of a fresh campaign (schema only); path → case."""
    copy_campaign(root, parts=("schema",))
    return {write_item(root, n, **case): case for n, case in enumerate(cases(), start=1)}


def found_codes(root: Path) -> dict[str, set[str]]:
    from jianyan import checks
    from jianyan.campaign.load import load_campaign
    campaign = load_campaign(root)
    got: dict[str, set[str]] = {}
    for f in checks.run(campaign, families=FAMILIES):
        got.setdefault(f.path, set()).add(f.code)
    return got


def score(labelled: dict[str, dict], got: dict[str, set[str]], rules) -> list[tuple[str, int, int, int]]:
    """(rule, true positives, false positives, false negatives) per rule, at the document level."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for path, case in labelled.items():
        want, have = set(case["expect"]), got.get(path, set())
        for code in want & have:
            tp[code] += 1
        for code in have - want:
            fp[code] += 1
        for code in want - have:
            fn[code] += 1
    return [(r, tp[r], fp[r], fn[r]) for r in rules]


def table(rows) -> str:
    lines = [f"{'rule':32} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>6}"]
    for rule, t, f, n in rows:
        p = f"{t / (t + f):.2f}" if t + f else "-"
        r = f"{t / (t + n):.2f}" if t + n else "-"
        lines.append(f"{rule:32} {t:>3} {f:>3} {n:>3} {p:>9} {r:>6}")
    return "\n".join(lines) + "\n"

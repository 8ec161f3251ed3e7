"""Accuracy on a labelled set written from the issue's rule descriptions before the checkers were read
(tests/data/lint/blind.yaml). Labels are rule families; the table goes to build/lint-blind-accuracy.txt.

Personal data must never reach a bulletin: those families are held to full precision and recall.
The writing-quality families are measured and reported, not asserted (their misses are listed in the
closing note of the issue that built them)."""
from __future__ import annotations

from pathlib import Path

import yaml

import lintdata
from conftest import ROOT

BLIND = Path(__file__).parent / "data" / "lint" / "blind.yaml"
LABELS = ("empty_talk", "structure", "title_form", "multi_topic", "typography", "id_card", "phone", "email")
FAMILY = {
    "quality.empty_talk": "empty_talk", "quality.stacked_intensifiers": "empty_talk",
    "quality.opening": "empty_talk", "quality.closing": "empty_talk",
    "quality.missing_problem": "structure", "quality.missing_cause": "structure",
    "quality.missing_suggestion": "structure", "quality.missing_practice": "structure",
    "quality.unnumbered": "structure", "quality.vague_point": "structure",
    "quality.title_form": "title_form", "quality.multi_topic": "multi_topic",
    "quality.halfwidth_punct": "typography", "quality.quotes": "typography",
    "quality.cjk_space": "typography", "quality.fullwidth_alnum": "typography",
    "pii.id_card": "id_card", "pii.id_card_old": "id_card", "pii.mobile": "phone", "pii.landline": "phone",
    "pii.email": "email",
}


def test_blind_set_accuracy(tmp_path):
    items = yaml.safe_load(BLIND.read_text(encoding="utf-8"))
    root = tmp_path / "campaign"
    lintdata.copy_campaign(root, parts=("schema",))
    labelled = {lintdata.write_item(root, 900 + n, title=it["title"], body=it["body"]): {"expect": it["expect"]}
                for n, it in enumerate(items, start=1)}
    got = {path: {FAMILY[c] for c in codes if c in FAMILY} for path, codes in lintdata.found_codes(root).items()}
    rows = lintdata.score(labelled, got, LABELS)
    text = f"jianyan lint accuracy, blind set: {len(items)} items ({BLIND.relative_to(ROOT)})\n" + lintdata.table(rows)
    out = ROOT / "build" / "lint-blind-accuracy.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print("\n" + text)
    for label, tp, fp, fn in rows:
        if label in ("id_card", "phone", "email"):
            assert (fp, fn) == (0, 0), text
    assert sum(tp for _, tp, _, _ in rows) > 0 and len(items) >= 40

"""Variants of the sample campaign that several test modules render."""
from __future__ import annotations

from pathlib import Path

import yaml


def other_campaign(root: Path) -> Path:
    """The sample turned into another campaign: 3 topics, no 信息联系点 units, forwarding to another
    body, another length limit and name. Nothing of the 2021 campaign may be left in the wording."""
    topics = yaml.safe_load((root / "schema/topics.yaml").read_text(encoding="utf-8"))
    topics["topics"] = topics["topics"][:3]
    (root / "schema/topics.yaml").write_text(yaml.safe_dump(topics, allow_unicode=True), encoding="utf-8")
    units = yaml.safe_load((root / "schema/units.yaml").read_text(encoding="utf-8"))
    units["units"] = [u for u in units["units"] if u["kind"] != "liaison"]
    (root / "schema/units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    settings = (root / "schema/settings.yaml").read_text(encoding="utf-8")
    settings = settings.replace("body_max: 1500", "body_max: 1200").replace("为七个求突破建言", "为高质量发展建言")
    (root / "schema/settings.yaml").write_text(settings, encoding="utf-8")
    for rec in (root / "feedback").rglob("*.yaml"):
        text = rec.read_text(encoding="utf-8")
        rec.write_text(text.replace("全国政协", "中共山东省委"), encoding="utf-8")  # to: 中共山东省委办公厅
    return root

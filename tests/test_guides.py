"""Every user guide under docs/ says once, at its top, how its `jianyan …` commands run after `make issue`
(the command is not on PATH until .venv is activated)."""
from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# The programmer's page and the offline installation (whose commands come before and during set-up) aside.
GUIDES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in ("developer.md", "install-intranet.md"))


@pytest.mark.parametrize("name", GUIDES)
def test_a_guide_says_how_its_commands_run(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    top = "\n".join(text.splitlines()[:4])
    assert "source .venv/bin/activate" in top, name
    assert text.count("source .venv/bin/activate") == 1, name  # stated once
    uses = text.count("jianyan ") + text.count("`jianyan`")
    assert uses > 1, name

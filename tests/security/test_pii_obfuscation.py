"""Personal data written to dodge the check (issue 18): the labelled set, positions, linear time.

tests/data/pii/obfuscations.yaml holds obfuscated phone/ID/e-mail texts (positives, by technique) and
look-alikes that must pass (amounts, dates, standard numbers, hotlines, codes). Each text is scanned
as `jianyan check` sees it (Markdown) and as the public site's last gate sees it (rendered HTML); the
per-technique precision/recall table is printed in the test run's summary and asserted.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SUMMARIES

import lintdata
from helpers.linear import RATIO, short_and_long
from jianyan.text.markdown import to_html
from jianyan.text.personal_data import find_personal_data, find_personal_data_in_html, find_personal_data_in_markdown

DATA = yaml.safe_load((ROOT / "tests/data/pii/obfuscations.yaml").read_text(encoding="utf-8"))
POSITIVES = [(t["technique"], c["text"], c["expect"]) for t in DATA["techniques"] for c in t["positives"]]
NEGATIVES = [(t["technique"], text) for t in DATA["lookalikes"] for text in t["negatives"]]
LEVELS = {"check": find_personal_data_in_markdown, "site": lambda text: find_personal_data_in_html(to_html(text))}


def codes(level: str, text: str) -> Counter:
    return Counter(m.code for m in LEVELS[level](text))


def test_the_set_covers_the_reported_techniques():
    assert len(DATA["techniques"]) >= 17 and len(POSITIVES) >= 40 and len(NEGATIVES) >= 30


def test_precision_and_recall_per_technique(request):
    rows = []
    for level in LEVELS:
        for tech in DATA["techniques"]:
            caught = missed = false = 0
            for case in tech["positives"]:
                got, want = codes(level, case["text"]), Counter(case["expect"])
                caught += sum((got & want).values())
                missed += sum((want - got).values())
                false += sum((got - want).values())
            rows.append((level, tech["technique"], len(tech["positives"]), caught, missed, false))
        for tech in DATA["lookalikes"]:
            false = sum(sum(codes(level, text).values()) for text in tech["negatives"])
            rows.append((level, "look-alike " + tech["technique"], len(tech["negatives"]), 0, 0, false))
    lines = [f"jianyan personal-data obfuscations: {len(POSITIVES)} positives, {len(NEGATIVES)} look-alikes "
             "(tests/data/pii/obfuscations.yaml)",
             f"{'level':6} {'technique':32} {'cases':>5} {'caught':>6} {'missed':>6} {'false':>5} {'prec':>5} {'recall':>6}"]
    for level, name, n, tp, fn, fp in rows:
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{level:6} {name:32} {n:5} {tp:6} {fn:6} {fp:5} {prec:5.2f} {rec:6.2f}")
    request.config.stash.setdefault(SUMMARIES, []).append("\n".join(lines))
    assert [r for r in rows if r[4] or r[5]] == []


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("tech, text, expect", POSITIVES)
def test_positive(level, tech, text, expect):
    assert sorted(codes(level, text).elements()) == sorted(expect), (tech, text)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("tech, text", NEGATIVES)
def test_lookalike(level, tech, text):
    assert not codes(level, text), (tech, text)


def test_plain_text_function_for_other_outputs():
    """find_personal_data reads text as a reader sees it (no Markdown): publicity drafts, open data."""
    [m] = find_personal_data("联系人：王某，手机 138 0013 8000。")
    assert m.code == "pii.mobile" and m.value == "13800138000"
    assert "联系人：王某，手机 138 0013 8000。"[m.start:m.end] == "138 0013 8000"
    assert find_personal_data("手机138**0013**8000") == []  # plain text: the asterisks are visible


@pytest.mark.parametrize("body, line, col", [
    ("第一段。\n\n手机138**0013**8000", 3, 3),
    ("如需了解请致电138\n0013\n8000。", 1, 8),
    ("> 引文\n> 手机 &#49;3\u200b8 0013 8000", 2, 6),
    ("| 项 | 值 |\n|---|---|\n| 电话 | 138\u20600013\u20608000 |", 3, 8),
    ("- 列表\n- 邮箱 wangmm&#64;example.com", 2, 6),
])
def test_positions_point_at_the_source(body, line, col):
    [m] = find_personal_data_in_markdown(body)
    lines = body.split("\n")
    start = sum(len(x) + 1 for x in lines[:line - 1]) + col - 1
    assert m.start == start, (m, body[m.start:m.end])


def test_check_reports_file_line_and_masked_value(campaign: Path, cli):
    rel = lintdata.write_item(campaign, 950, status="submitted",
                              body="黄河滩区迁建社区 28 个。\n\n反映人王某，手机138**0013**8000，身份证 3701\u200b0219-8001-011237。\n")
    res = cli(campaign, "check", "--only", "pii", "--format", "json")
    assert res.code == 1, res
    found = [(f["code"], f["line"], f["column"]) for f in res.json() if f["path"] == rel]
    assert found == [("pii.mobile", 13, 9), ("pii.id_card", 13, 29)]
    assert "13800138000" not in res.out and "138****8000" in res.out


# --- linear time -----------------------------------------------------------------------------

MB = 1 << 20
# Each hostile line built at a given size in characters.
HOSTILE = {
    "digits": lambda n: "1" * n,
    "digit groups": lambda n: "138 " * (n // 4),
    "dashes": lambda n: "1-" * (n // 2),
    "phones": lambda n: "13800138000，" * (n // 12),
    "emails": lambda n: "a.b" * (n // 3) + "@",
    "domains": lambda n: "a@" + "a." * (n // 2),
    "spaced domains": lambda n: "a@" + "a . " * (n // 4),
    "references": lambda n: "&#49;" * (n // 5),
    "emphasis": lambda n: "1*" * (n // 2),
    "zero width": lambda n: "1\u200b" * (n // 2),
    "chinese numerals": lambda n: "一" * n,
    "mixed numerals": lambda n: "一1" * (n // 2),
    "brackets": lambda n: "(1)" * (n // 3),
    "link titles": lambda n: '[a](# "' + "1" * n + '")',
}


def scan(text: str) -> None:
    find_personal_data_in_markdown(text)
    find_personal_data(text)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_long_line_is_linear(name):
    """No regex with nested quantifiers over user text: four times the text takes about four times
    the time (a quadratic step would take sixteen). Measured as CPU time of this process, both sizes
    in the same test, so a busy shared machine slows both alike, and with the garbage collector held
    off (helpers.linear); a floor of 1/256 s keeps timer noise from making a ratio of fast cases. The
    sizes are 16 KB and 64 KB: a ratio is the same at any size, and a quadratic step costs a sixteenth
    of what it cost at 64 KB and 256 KB, as does the floor (it was 1/16 s there): a quadratic step is
    caught from the same size on as before (0.5 s at 256 KB). A generous absolute bound stays, scaled
    to the size: markdown-it alone takes up to ~2.5 s for 256 KB of emphasis marks on a shared machine."""
    build = HOSTILE[name]
    small, large = short_and_long(lambda n: scan(build(n)), MB // 64, floor=1 / 256)
    assert large / small < RATIO, (name, small, large)
    assert large < 10 / 4, (name, large)

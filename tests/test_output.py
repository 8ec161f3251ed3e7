"""Findings held as columns (findings.Findings) and the outputs streamed from them (render/output.py)."""
from __future__ import annotations

import json
import marshal

import pytest

from jianyan.core.findings import INFO, WARNING, Finding, Findings, error, info, warning
from jianyan.render import output

FOUND = [
    warning("submissions/2021/minge/2021-minge-001.md", 12, "quality.opening", "开头是套路写法", column=1),
    error("submissions/2021/minge/2021-minge-001.md", None, "ref.unknown_member", "作者不在委员名单里"),
    warning("submissions/2021/jinan/2021-jinan-002.md", 3, "quality.opening", "开头是套路写法"),
    info(":odd\nname.md", 0, "pii.landline", "电话 0531-1234%,\u2028", column=0),
]


def test_a_table_is_the_findings_it_was_made_of():
    table = Findings.of(FOUND)
    assert list(table) == FOUND and len(table) == 4 and table[1] == FOUND[1]
    assert table.paths.count("submissions/2021/minge/2021-minge-001.md") == 1  # each path held once
    assert table.codes == ["quality.opening", "ref.unknown_member", "pii.landline"]
    assert (table.count("warning"), table.count("error"), table.has("info")) == (2, 1, True)
    assert [table.sort_key(i) for i in range(4)] == [f.sort_key() for f in FOUND]
    assert list(table.take([3, 0])) == [FOUND[3], FOUND[0]]
    stored = Findings.from_marshal(marshal.loads(marshal.dumps(table.to_marshal())))
    assert list(stored) == FOUND


def test_a_table_added_to_another_is_as_its_findings_extended():
    """``add`` (the per-file families' tables merged, findingscache.py) interns only the strings the added
    rows use, as ``extend`` of their findings does."""
    table, other = Findings.of(FOUND[:2]), Findings.of(FOUND[1:])
    table.add(other.take([2, 0]))
    expected = Findings.of([*FOUND[:2], FOUND[3], FOUND[1]])
    assert table.to_marshal() == expected.to_marshal() and "开头是套路写法" in table.messages
    empty = Findings()
    empty.add(other.take([1]))
    assert empty.paths == ["submissions/2021/jinan/2021-jinan-002.md"] and list(empty) == [FOUND[2]]


@pytest.mark.parametrize("damage", [lambda t: t[:8], lambda t: (*t[:3], t[3][:-4], *t[4:]),
                                    lambda t: ([], *t[1:])])
def test_a_damaged_table_is_refused(damage):
    with pytest.raises(ValueError):
        Findings.from_marshal(damage(Findings.of(FOUND).to_marshal()))


@pytest.mark.parametrize("fmt", sorted(output.STREAMS))
def test_each_format_streams_what_it_renders(fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    whole = output.RENDERERS[fmt](FOUND)
    assert "".join(output.STREAMS[fmt](Findings.of(FOUND))) == whole
    assert "".join(output.STREAMS[fmt]([])) == output.RENDERERS[fmt]([])


def test_json_rows_are_what_json_dumps_writes(monkeypatch):
    monkeypatch.setattr(output, "CHUNK", 3)  # rows across two chunks
    out = output.as_json(FOUND)
    rows = [json.loads(line.rstrip(",")) for line in out.splitlines()[1:-1]]
    assert [Finding(**r) for r in rows] == FOUND
    assert out.splitlines()[1] == "  " + json.dumps(
        {"path": FOUND[0].path, "line": 12, "column": 1, "severity": "warning", "code": "quality.opening",
         "message": "开头是套路写法"}, ensure_ascii=False) + ","
    assert "\\u2028" in out and "\u2028" not in out


def test_text_and_annotations():
    text = output.text(FOUND).splitlines()
    assert text[1] == "submissions/2021/minge/2021-minge-001.md:1:1: error: 作者不在委员名单里 [ref.unknown_member]"
    assert text[3].startswith("./:odd\\nname.md:1:1: info: 电话 0531-1234%,\\u2028")
    gh = output.github(FOUND).splitlines()
    assert gh[1] == "::error file=submissions/2021/minge/2021-minge-001.md,title=ref.unknown_member::作者不在委员名单里"
    assert gh[3].startswith("::notice file=%3Aodd%0Aname.md,title=pii.landline::电话 0531-1234%25,")
    assert gh[4:] == text
    assert output.summary_line(Findings.of(FOUND), 7) == "检查了 7 个文件：1 个错误，2 个警告，1 个提示。有错误须改正后才能合并。"


def test_finalized_findings_are_the_same_in_any_order_given(campaign, monkeypatch):
    """``checks.finalize`` works on the columns of a table: the findings it gives (each once, in
    ``Finding.sort_key`` order, ties in one fixed order) do not depend on the order they came in, nor on
    their coming as objects or as a table."""
    import random

    from jianyan import checks
    from jianyan.campaign.load import load_campaign
    monkeypatch.setenv("JIANYAN_CACHE", "0")
    for item in sorted((campaign / "submissions").rglob("*.md"))[:8]:  # a warning or two on each
        item.write_text(item.read_text(encoding="utf-8") + "\n联系电话13800138000,谢谢.\n\n第二段,也是.\n",
                        encoding="utf-8")
    camp = load_campaign(campaign)
    ctx = checks.Context()
    found = [f for each in checks.collect(camp, ctx).values() for f in each]
    path = found[0].path
    ties = [Finding(path, None, None, INFO, "quality.tie", "同一处"), Finding(path, 0, 0, INFO, "quality.tie", "同一处"),
            Finding(path, 0, 0, WARNING, "quality.tie", "同一处")]
    given = found + ties + found[:5]  # repeats count once
    whole = list(checks.finalize(camp, ctx, given))
    assert len(whole) == len(set(found)) + 3 and whole == sorted(whole, key=Finding.sort_key)
    assert [f for f in whole if f.code == "quality.tie"] == [ties[0], ties[2], ties[1]]  # None before 0; by severity
    for seed in range(3):
        random.Random(seed).shuffle(given)
        assert list(checks.finalize(camp, ctx, given)) == whole
        assert list(checks.finalize(camp, ctx, Findings.of(given))) == whole


@pytest.mark.parametrize("level", [None, "off"])
def test_a_value_that_fails_validation_is_not_also_reported_as_typed_by_yaml(campaign, level):
    """One message for a bad value (schema.invalid), not also yaml.implicit_type on its line, whatever level
    the settings give schema.invalid: switched off, neither is reported."""
    from jianyan import checks
    from jianyan.campaign.load import load_campaign
    camp = load_campaign(campaign)
    if level:
        camp.registries.settings.severity["schema.invalid"] = level
    path = "submissions/2021/minge/2021-minge-001.md"
    given = [Finding(path, 5, None, "error", "schema.invalid", "日期写法不对"),
             Finding(path, 5, 7, WARNING, "yaml.implicit_type", "被读成了日期"),
             Finding(path, 6, 7, WARNING, "yaml.implicit_type", "被读成了数字")]
    got = [(f.code, f.line) for f in checks.finalize(camp, checks.Context(), given)]
    assert got == ([] if level else [("schema.invalid", 5)]) + [("yaml.implicit_type", 6)]

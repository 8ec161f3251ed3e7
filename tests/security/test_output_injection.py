"""Output formats under attack: no user string (a path, a front-matter key quoted in a message)
may start a line of CI log, and so a workflow command (``::error``, ``::stop-commands::``).

GitHub's runner reads the log line by line and runs any line that starts with ``::`` after
leading whitespace; terminals and log viewers also act on ANSI escapes and on the other line
breaks (CR, VT, FF, NEL U+0085, U+2028/2029). Each attack is checked on every format.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import lintdata
from conftest import copy_campaign
from jianyan.render import output
from jianyan.cli import main
from jianyan.core.findings import Finding, error, warning

# Strings an attacker controls: a file name, or a front-matter key that a message quotes.
ATTACKS = {
    "newline command": "x\n::error file=a.md,line=1::injected",
    "stop commands": "x\n::stop-commands::pwned\n",
    "carriage return": "x\r::error::injected",
    "crlf": "x\r\n::warning::injected",
    "line separator": "x\u2028::error::injected",
    "paragraph separator": "x\u2029::error::injected",
    "next line (NEL)": "x\x85::error::injected",
    "vertical tab": "x\x0b::error::injected",
    "form feed": "x\x0c::error::injected",
    "file separator": "x\x1c::error::injected",
    "ansi erase line": "x\x1b[2K\x1b[1A::error::injected",
    "ansi 8-bit CSI": "x\x9b2K::error::injected",
    "bidi override": "x\u202e::error::injected",
    "encoded newline": "x%0A::error::injected",
    "leading command": "::error::injected",
    "leading space command": " ::error::injected",
    "leading ideographic space": "\u3000::error::injected",
    "property breaker": "a,line=1,title=x::injected",
}
# Characters that must never reach a text or workflow-command line raw.
RAW_BREAKS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^:,\n]*(,line=\d+)?(,col=\d+)?,title=[a-z_]+\.[a-z_0-9]+::")


def findings_for(attack: str) -> list[Finding]:
    return [
        error(f"submissions/2021/minge/{attack}.md", 3, "schema.unknown_key", f"未知字段“{attack}”。请删去", 1),
        warning(attack, None, "yaml.syntax", f"文件头写错了：{attack}"),
    ]


def starts_command(line: str) -> bool:
    """What the runner takes for a workflow command: '::' after leading whitespace."""
    return line.lstrip().startswith("::")


def lines(out: str) -> list[str]:
    # every way some reader splits lines: str.splitlines knows them all (\n \r \v \f \x1c-\x1e \x85 \u2028 \u2029)
    return out.splitlines()


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_text_output_has_one_line_per_finding_starting_with_its_path(attack):
    found = findings_for(attack)
    out = output.text(found)
    assert not RAW_BREAKS.search(out.rstrip("\n").replace("\n", "")), repr(out)
    got = lines(out)
    assert len(got) == len(found)
    assert not any(starts_command(x) for x in got), got
    assert not any("\x1b" in x for x in got)


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_github_output_only_our_annotations_start_a_command(attack, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    found = findings_for(attack)
    out = output.github(found)
    got = lines(out)
    assert len(got) == 2 * len(found)  # an annotation and a plain-text copy each
    commands = [x for x in got if starts_command(x)]
    assert len(commands) == len(found) and all(ANNOTATION.match(x) for x in commands), commands
    assert not RAW_BREAKS.search("".join(got))


def test_github_data_and_properties_are_percent_encoded():
    f = error("a,b:c%d\ne.md", 2, "yaml.syntax", "50% 完成\r\n下一行 %0A", 3)
    annotation = output.github([f]).split("\n")[0]
    assert annotation == ("::error file=a%2Cb%3Ac%25d%0Ae.md,line=2,col=3,title=yaml.syntax::"
                          "50%25 完成%0D%0A下一行 %250A")


@pytest.mark.parametrize("render", [output.as_json, output.gitlab, output.sarif], ids=["json", "gitlab", "sarif"])
@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_json_formats_encode_every_break_and_decode_to_the_same_text(attack, render):
    found = findings_for(attack)
    out = render(found)
    assert not RAW_BREAKS.search(out.replace("\n", "")), repr(out)
    assert not any(starts_command(x) for x in lines(out))
    doc = json.loads(out)  # lossless: the strings decode to exactly what was found
    assert any(attack in s for s in strings(doc)) and any(s.startswith(f"文件头写错了：{attack}") for s in strings(doc))


def strings(doc) -> list[str]:
    if isinstance(doc, dict):
        return [s for v in doc.values() for s in strings(v)]
    if isinstance(doc, list):
        return [s for v in doc for s in strings(v)]
    return [doc] if isinstance(doc, str) else []


def test_step_summary_keeps_one_table_row_per_finding():
    found = findings_for("a|b\n::error::x\x1b[31m")
    table = output.markdown_table(found)
    rows = [x for x in lines(table) if x.startswith("| ") and "`" in x]
    assert len(rows) == len(found)
    assert all(x.count(" | ") == 4 for x in rows), rows  # the | in the path and message are escaped
    assert not RAW_BREAKS.search(table.replace("\n", ""))


def test_normal_output_is_unchanged():
    f = error("submissions/2021/minge/2021-minge-001.md", 6, "ref.unknown_topic", "选题“9”不存在，可选 1–7（见 schema/topics.yaml）", 8)
    assert output.text([f]) == ("submissions/2021/minge/2021-minge-001.md:6:8: error: "
                                "选题“9”不存在，可选 1–7（见 schema/topics.yaml） [ref.unknown_topic]\n")
    assert output.github([f]).split("\n")[0] == (
        "::error file=submissions/2021/minge/2021-minge-001.md,line=6,col=8,title=ref.unknown_topic::"
        "选题“9”不存在，可选 1–7（见 schema/topics.yaml）")
    assert json.loads(output.as_json([f]))[0]["message"] == f.message
    assert "\\u" not in output.as_json([f]) + output.gitlab([f]) + output.sarif([f])


def test_check_end_to_end_key_and_file_name(tmp_path: Path, monkeypatch):
    """The issue's attack through `jianyan check --format github|text`: a front-matter key and a
    file name holding a newline and a workflow command."""
    root = copy_campaign(tmp_path / "c")
    rel = lintdata.write_item(root, 901, body="正文。\n")
    text = (root / rel).read_text(encoding="utf-8").replace(
        "date: 2021-03-10", 'date: 2021-03-10\n"x\\n::error::key-injected": 1\n"y\\u2028::stop-commands::t": 2')
    (root / rel).write_text(text, encoding="utf-8")
    (root / "submissions/2021/minge/a\n::error::name-injected.md").write_text(text, encoding="utf-8")
    (root / "submissions/2021/minge/::error::lead.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("JIANYAN_ROOT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for fmt in ("github", "text"):
        res = CliRunner().invoke(main, ["check", "--format", fmt], catch_exceptions=False)
        assert res.exit_code == 1, res.output
        got = lines(res.stdout)
        assert "key-injected" in res.stdout and "name-injected" in res.stdout and "lead" in res.stdout
        for line in got:
            assert not starts_command(line) or ANNOTATION.match(line), line
        assert not RAW_BREAKS.search("".join(got))

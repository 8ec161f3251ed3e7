"""Issue 18, readers: one small hostile file cannot take the run down.

Each attack runs where a bug cannot eat the machine: a forked child under an address-space cap
(``in_child``) with a deadline. Every case must end in findings on that file (never an exception,
never exit 2), and the other files must still be checked."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check_in_process, copy_campaign
from helpers.child import in_child

from jianyan import cli
from jianyan.campaign import load
from jianyan.campaign.frontmatter import read_markdown, read_yaml

GOOD_ITEM = "submissions/2021/minge/2021-minge-001.md"


def _codes(parsed) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in parsed.findings]


def read_codes(text: str) -> tuple[list[tuple[str, int | None]], bool, list[str]]:
    parsed = read_markdown("a.md", text.encode("utf-8"))
    return _codes(parsed), parsed.ok, [f.message for f in parsed.findings]


def yaml_codes(text: str) -> tuple[list[tuple[str, int | None]], bool, list[str]]:
    parsed = read_yaml("schema/roles.yaml", text.encode("utf-8"))
    return _codes(parsed), parsed.ok, [f.message for f in parsed.findings]


def check_json(root: Path, *args: str) -> tuple[int, list[dict]]:
    """`jianyan check --format json` in this process (run it through ``in_child`` for a hostile file)."""
    import json
    os.chdir(root)
    os.environ.pop("JIANYAN_ROOT", None)
    res = CliRunner().invoke(cli.main, ["check", "--format", "json", *args])
    try:
        found = json.loads(res.stdout)
    except ValueError:
        found = [{"path": "", "code": "unparsable", "message": res.output[-2000:]}]
    return res.exit_code, found


# --- YAML aliases, anchors, depth and size -------------------------------------------------------

def alias_bomb(levels: int = 9, fan: int = 9) -> str:
    """9 anchors × 9 aliases: 3 KB of YAML that is 9^9 values once expanded."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * fan) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]")
    return "\n".join(lines)


def test_an_alias_bomb_in_front_matter_is_refused_with_a_finding():
    text = f"---\nid: 2021-minge-001\n{alias_bomb()}\n---\n正文\n"
    assert len(text) < 4000
    codes, ok, messages = in_child(read_codes, text)
    assert ("yaml.anchor", 3) in codes and not ok
    assert any("锚点和别名（& 和 *）" in m and "直接写出取值" in m for m in messages)


@pytest.mark.parametrize("yaml_text,line", [
    ("id: a\nunit: &u minge", 3),  # an anchor alone is refused too: front matter never needs one
    ("id: a\nreview:\n  by: 孙某某\n  date: *d", 5),  # an alias of nothing
    ("id: a\nbase: &b {by: 孙某某}\nreview:\n  <<: *b", 3),  # a merge key
    ("id: a\nsubmitter: [&x 王某某, *x]", 3),
])
def test_anchors_and_aliases_are_refused_at_their_line(yaml_text, line):
    codes, ok, _ = in_child(read_codes, f"---\n{yaml_text}\n---\n")
    assert ("yaml.anchor", line) in codes and not ok


def test_an_alias_bomb_in_a_registry_names_the_file_and_line_and_the_rest_is_checked(tmp_path):
    root = copy_campaign(tmp_path / "c")
    roles = root / "schema/roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"\n{alias_bomb()}\n", encoding="utf-8")
    line = roles.read_text(encoding="utf-8").split("\n").index("a0: &a0 [x, x, x, x, x, x, x, x, x]") + 1
    (root / "submissions/2021/minge/2021-minge-901.md").write_text(f"---\n{alias_bomb()}\n---\n", encoding="utf-8")
    other = root / "submissions/2021/minge/2021-minge-001.md"
    other.write_text(other.read_text(encoding="utf-8").replace("topic: 1\n", "topic: 9\n"), encoding="utf-8")
    code, found = in_child(check_json, root)
    assert code == 1
    assert {(f["path"], f["line"], f["code"]) for f in found} >= {
        ("schema/roles.yaml", line, "yaml.anchor"), ("submissions/2021/minge/2021-minge-901.md", 2, "yaml.anchor"),
        ("submissions/2021/minge/2021-minge-001.md", 6, "ref.unknown_topic")}  # the other files were checked


DEEP = 10_000


@pytest.mark.parametrize("yaml_text", [
    "title: " + "[" * DEEP,  # unclosed: libyaml gives up, the pure-Python composer explains
    "title: " + "[" * DEEP + "]" * DEEP,
    "title: " + "{a: " * DEEP + "}" * DEEP,
    "title: " + "- " * 500 + "x",  # block sequences in one line
    "\n".join(" " * i + "a:" for i in range(300)) + " x",  # block mappings, one a line
    "title: " + "[" * 60 + "]" * 60 + "\nnext: [",  # deep, then a syntax error: both paths
])
def test_deep_nesting_is_a_finding_not_a_recursion_error(yaml_text):
    codes, ok, messages = in_child(read_codes, f"---\n{yaml_text}\n---\n")
    assert not ok and codes
    assert {c for c, _ in codes} <= {"yaml.too_deep", "yaml.syntax"}, codes


def test_too_deep_says_where_and_how_deep():
    codes, ok, messages = in_child(read_codes, "---\nid: a\ntitle: " + "[" * 100 + "]" * 100 + "\n---\n")
    assert codes == [("yaml.too_deep", 3)] and not ok
    assert "层" in messages[0] and "[" in messages[0]


def test_too_many_values_in_front_matter_stop_the_reading_early():
    text = "---\nid: a\nitems: [" + "x, " * 200_000 + "x]\n---\n"
    start = time.monotonic()
    codes, ok, messages = in_child(read_codes, text, memory=512 << 20)
    assert codes == [("yaml.too_large", 3)] and not ok
    assert time.monotonic() - start < 30
    assert "取值超过 10000 个" in messages[0]


def test_a_registry_may_hold_more_values_than_a_front_matter():
    people = "people:\n" + "".join(f"  - code: p{i}\n    name: 某{i}\n    roles: [research_office]\n"
                                   for i in range(3000))
    codes, ok, _ = in_child(yaml_codes, people)
    assert codes == [] and ok


# --- custom tags ---------------------------------------------------------------------------------

@pytest.mark.parametrize("yaml_text,line", [
    ("title: !!python/name:os.system ''", 3),
    ("title: !!python/object/apply:os.system [echo pwned]", 3),
    ("title: !foo 关于某事的建议", 3),
    ("review: !!map {by: 孙某某}", 3),
    ("title: 关于\nkeywords: !!set {a, b}", 4),
    ("title: !<tag:example.com,2000:x> 关于", 3),
    ("title: !!binary aGVsbG8=", 3),
])
def test_custom_tags_are_a_finding_at_their_line_and_never_constructed(yaml_text, line):
    codes, ok, messages = in_child(read_codes, f"---\nid: a\n{yaml_text}\n---\n")
    assert ("yaml.tag", line) in codes
    assert any("标记" in m for m in messages)


def test_a_tag_directive_does_not_smuggle_a_tag_in():
    codes, _, _ = in_child(read_codes, "---\n%TAG !e! tag:yaml.org,2002:python/\n---\nid: a\ntitle: !e!name:os.system x\n---\n")
    assert codes and all(c != "" for c, _ in codes)
    parsed = read_yaml("x.yaml", b"%TAG !e! tag:yaml.org,2002:python/\n---\ntitle: !e!name:os.system x\n")
    assert ("yaml.tag", 3) in _codes(parsed)


def test_the_string_tag_is_accepted_as_text():
    codes, ok, _ = in_child(read_codes, "---\nid: a\ntopic: !!str 3\n---\n")
    assert codes == [] and ok
    assert read_markdown("a.md", b"---\nid: a\ntopic: !!str 3\n---\n").data == {"id": "a", "topic": "3"}


# --- unreadable files and folders ----------------------------------------------------------------

def _fake_open(real, bad: Path, exc: OSError):
    def fake(path, *args, **kwargs):
        if Path(path) == bad:
            raise exc
        return real(path, *args, **kwargs)
    return fake


_invoke = check_in_process


@pytest.mark.parametrize("exc", [PermissionError(13, "Permission denied"), FileNotFoundError(2, "No such file"),
                                 OSError(5, "Input/output error")])
def test_an_unreadable_submission_is_a_finding_and_the_others_are_checked(tmp_path, monkeypatch, exc):
    root = copy_campaign(tmp_path / "c")
    bad = root / "submissions/2021/minge/2021-minge-002.md"
    import builtins
    monkeypatch.setattr(builtins, "open", _fake_open(builtins.open, bad, exc))
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    mine = [f for f in found if f["path"] == "submissions/2021/minge/2021-minge-002.md"]
    assert [f["code"] for f in mine] == ["encoding.unreadable"]
    assert "读取" in mine[0]["message"]


def test_an_unreadable_folder_is_a_finding(tmp_path, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    bad = root / "submissions/2021/minge"
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and Path(path) == bad:  # (shutil.rmtree passes descriptors)
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    assert ("submissions/2021/minge", "encoding.unreadable") in {(f["path"], f["code"]) for f in found}


def test_an_unreadable_registry_is_a_finding_not_a_failure(tmp_path, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    import builtins
    monkeypatch.setattr(builtins, "open", _fake_open(builtins.open, root / "schema/units.yaml",
                                                     PermissionError(13, "Permission denied")))
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    assert [(f["path"], f["code"]) for f in found if f["path"] == "schema/units.yaml"] == \
        [("schema/units.yaml", "encoding.unreadable")]


def test_an_oversized_registry_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    with open(root / "schema/reasons.yaml", "a", encoding="utf-8") as fh:
        fh.write("#" + "x" * (load.REGISTRY_MAX_BYTES + 10) + "\n")
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    assert ("schema/reasons.yaml", "length.file_too_large") in {(f["path"], f["code"]) for f in found}


def test_a_named_pipe_is_reported_and_never_opened(tmp_path):
    root = copy_campaign(tmp_path / "c")
    os.mkfifo(root / "submissions/2021/minge/2021-minge-009.md")  # opening it would wait for ever
    code, found = in_child(check_json, root, timeout=60)
    assert code == 1
    assert ("submissions/2021/minge/2021-minge-009.md", "ref.unknown_file") in {(f["path"], f["code"]) for f in found}


# --- long lines stay linear ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "---\ntitle: " + "关" * 1_000_000 + "\n---\n",
    "---\n" + "标" * 1_000_000 + "\n---\n",
    "---\ntitle: " + "：a" * 500_000 + "\n---\n",
    "---\ntitle: a" + " #" * 500_000 + "\n---\n",
    '---\ntitle: "' + "\\n" * 500_000 + "\n---\n",
])
def test_a_one_megabyte_line_is_read_in_seconds(text):
    start = time.monotonic()
    in_child(read_codes, text, timeout=60)
    assert time.monotonic() - start < 15


def test_an_unreadable_phrase_list_or_feedback_record_is_a_finding(tmp_path, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    import builtins
    for bad in ("schema/phrases.yaml", "feedback/2021/2021-minge-001.yaml"):
        monkeypatch.setattr(builtins, "open", _fake_open(builtins.open, root / bad, PermissionError(13, "Permission denied")))
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    assert {("schema/phrases.yaml", "encoding.unreadable"), ("feedback/2021/2021-minge-001.yaml", "encoding.unreadable")} \
        <= {(f["path"], f["code"]) for f in found}


def test_an_unreadable_feedback_folder_or_a_pipe_there_is_a_finding(tmp_path, monkeypatch):
    root = copy_campaign(tmp_path / "c")
    os.mkfifo(root / "feedback/2021/2021-minge-009.yaml")  # opening it would wait for ever
    bad = root / "feedback/2021"
    (bad / "sub").mkdir()
    bad = bad / "sub"
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and Path(path) == bad:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, found, output = _invoke(root, monkeypatch)
    assert code == 1, output
    got = {(f["path"], f["code"]) for f in found}
    assert ("feedback/2021/sub", "encoding.unreadable") in got
    assert ("feedback/2021/2021-minge-009.yaml", "ref.unknown_file") in got


def test_a_command_refuses_to_write_a_document_from_a_broken_registry(tmp_path, cli):
    """A broken registry is an empty stand-in for check (the other files are still checked); a document
    made from it would be silently wrong (no topics, no units), so the commands that write one refuse."""
    root = copy_campaign(tmp_path / "c")
    path = root / "schema/topics.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("topics:", "x: &a 1\ntopics:", 1), encoding="utf-8")
    res = cli(root, "circular", "--to", "2021-07-31")
    assert res.code == 2 and "schema/topics.yaml" in res.out + res.err and "jianyan check" in res.out + res.err, res
    assert not (root / "build").exists()

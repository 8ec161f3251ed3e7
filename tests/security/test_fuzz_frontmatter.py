"""Issue 18: a fuzz test of the front-matter reader. Hypothesis writes hostile front matter (YAML's
special characters, anchors and aliases, tags, deep nesting, broken bytes, mutations of a real
file); each is read and validated as `check` does, in a forked child under an address-space cap
(helpers.child.in_child), so that a bug ends the test, not the machine. Then `check` runs over a
campaign made of such files: never an exception, never exit 2 for content."""
from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from conftest import copy_campaign
from helpers.child import in_child
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jianyan import cli
from jianyan.core.findings import CATEGORIES, SEVERITIES
from jianyan.campaign.frontmatter import FRONT_MATTER_VALUES, MAX_DEPTH, read_markdown, read_yaml
from jianyan.campaign.model import Issue, Submission
from jianyan.campaign.load import to_doc

EXAMPLES = 100  # for each strategy; a few seconds in all (derandomized: the same cases every run)

GOOD = ("id: 2021-minge-901\ntitle: 关于某事的建议\nsubmitter: [王某某, 李某]\nunit: minge\ntopic: 1\n"
        "status: submitted\ndate: 2021-03-10\nreview:\n  by: 孙某某\n  date: 2021-03-12\n"
        "keywords:\n  - 黄河\n  - 生态")

SPECIAL = list("-:[]{},&*!|>'\"%@`#?~ \n\t\u3000：，　") + ["---", "...", "!!", "<<", "\\", "\r", "\x00", "\x85",
                                                          "\ufeff", "null", "010", "14:30", "no", "7.0", "\u2028"]


def pieces(max_size: int):
    """Text made of YAML's special characters and words (and a few ordinary ones)."""
    return st.lists(st.sampled_from(SPECIAL + list("ab1中")), max_size=max_size).map("".join)


scalar = st.one_of(st.sampled_from(["x", "王某某", "2021-03-10", "1", "", "~", "'q'", '"q\\x"', "7.0", "|"]), pieces(8))
anchor = st.sampled_from(["a", "b", "c"])


def _node(children):
    return st.one_of(
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(scalar, children), max_size=4).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        st.tuples(anchor, children).map(lambda t: f"&{t[0]} {t[1]}"),
        anchor.map(lambda a: f"*{a}"),
        st.tuples(st.sampled_from(["!!python/name:os.system", "!foo", "!!str", "!", "!!map", "!<x>"]), children)
        .map(lambda t: f"{t[0]} {t[1]}"),
    )


flow = st.recursive(scalar, _node, max_leaves=40)
CLOSERS = {"[": "]", "{a: ": "}", "- ": "", "  a:\n": ""}


def _nest(opener: str, levels: int, closed: bool) -> str:
    return opener * levels + ("x" + CLOSERS[opener] * levels if closed else "")


deep = st.builds(_nest, st.sampled_from(list(CLOSERS)), st.integers(MAX_DEPTH - 3, 1500), st.booleans())


def _bomb(levels: int, fan: int, key: str) -> str:
    """Anchors each aliasing the one before ``fan`` times: fan^levels values once expanded."""
    lines = [f"{key}0: &a0 [" + ", ".join(["x"] * fan) + "]"]
    lines += [f"{key}{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]" for i in range(1, levels)]
    return "\n".join(lines)


bombs = st.builds(_bomb, st.integers(1, 12), st.integers(1, 12), st.sampled_from(["a", "title", "  x"]))
mutations = st.lists(st.tuples(st.integers(0, len(GOOD)), st.sampled_from(SPECIAL + ["&a ", "*a", "\n  ", "\n- "])),
                     max_size=6)


def _mutate(edits) -> str:
    text = GOOD
    for at, piece in sorted(edits, reverse=True):
        text = text[:at] + piece + text[at:]
    return text


FRONT_MATTERS = {
    "characters": pieces(300),
    "structures": st.lists(st.tuples(st.sampled_from(["id", "title", "submitter", "items", "review", "a"]), flow),
                           max_size=6).map(lambda kv: "\n".join(f"{k}: {v}" for k, v in kv)),
    "nesting": st.tuples(st.sampled_from(["title: ", "review:\n  by: ", ""]), deep).map("".join),
    "mutations": mutations.map(_mutate),
    "aliases": bombs,
}


def _valid(finding) -> bool:
    return (finding.severity in SEVERITIES and finding.code.split(".")[0] in CATEGORIES and finding.message
            and (finding.line is None or (isinstance(finding.line, int) and finding.line >= 1)))


def fuzz_reader(name: str, out: str) -> dict:
    """Run the strategy ``name``: every text read and validated as a submission, an issue and a YAML file;
    the first ones also written under ``out`` for the campaign check. Returns counts."""
    counts = {"cases": 0, "refused": 0, "files": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(st.one_of(FRONT_MATTERS[name].map(lambda t: ("text", t)), st.binary(max_size=120).map(lambda b: ("bytes", b)))
           if name == "characters" else FRONT_MATTERS[name].map(lambda t: ("text", t)))
    def one(case):
        kind, value = case
        raw = (b"---\n" + value + b"\n---\n") if kind == "bytes" else \
            f"---\n{value}\n---\n正文。\n".encode("utf-8", "surrogatepass")
        counts["cases"] += 1
        parsed = read_markdown("submissions/2021/minge/2021-minge-901.md", raw)
        assert all(_valid(f) for f in parsed.findings), parsed.findings
        assert parsed.data is None or isinstance(parsed.data, dict)
        assert len(parsed.value_pos) <= FRONT_MATTER_VALUES + 1
        for model in (Submission, Issue):
            doc, found = to_doc(read_markdown("a.md", raw), model)
            assert all(_valid(f) for f in found), found
        counts["refused"] += not parsed.ok
        yaml_file = read_yaml("schema/roles.yaml", raw[4:])
        assert all(_valid(f) for f in yaml_file.findings)
        if counts["files"] < 60:
            counts["files"] += 1
            Path(out, f"{name}-{counts['files']:03d}.md").write_bytes(raw)

    one()
    return counts


def check_campaign(root: str) -> tuple[int, list[dict], str]:
    os.chdir(root)
    os.environ.pop("JIANYAN_ROOT", None)
    res = CliRunner().invoke(cli.main, ["check", "--format", "json"])
    try:
        found = json.loads(res.stdout)
    except ValueError:
        found = []
    return res.exit_code, found, res.output[-3000:]


def test_fuzzed_front_matter_never_crashes_the_reader_or_the_check(tmp_path):
    root = copy_campaign(tmp_path / "c")
    out = root / "submissions/2021/minge"
    tally = {name: in_child(fuzz_reader, name, str(out), timeout=300) for name in FRONT_MATTERS}
    print("fuzz:", tally)  # cases tried and refused with a finding, a strategy at a time
    assert all(t["cases"] >= EXAMPLES * 0.9 for t in tally.values()), tally
    assert all(t["refused"] for t in tally.values()), tally  # the strategies do reach the refusals
    code, found, output = in_child(check_campaign, str(root), timeout=300)
    assert code in (0, 1), output
    assert "Traceback" not in output and "内部错误" not in output
    fuzzed = {p.relative_to(root).as_posix() for p in out.glob("*-*.md") if not p.name.startswith("2021-")}
    reported = {f["path"] for f in found}
    assert fuzzed <= reported  # each fuzzed file is named (at least its path does not match its id)

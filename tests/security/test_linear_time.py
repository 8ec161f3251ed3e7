"""Text rules under attack: every rule over a long line takes linear time (issue 18).

The e-mail pattern of the typography rules backtracked over long runs of word characters: a
100 000-character title took 77 s, a body line 43 s, and files up to 1 MB are allowed. Each
adversarial line below is a run of what some pattern loops on; the whole family of text rules goes
through it at two sizes, and four times the line must take about four times the CPU time, not the
sixteen times of a quadratic step (helpers.linear: a ratio is the same at any size, so the lines can
be a sixteenth and a quarter of the quarter-megabyte they were, and a quadratic step is caught where
an absolute bound would miss a mild one). A generous absolute bound stays, scaled to the size.
The linear rewrites must find exactly what the old patterns found: checked against them on
generated text.
"""
from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lintdata
from helpers.linear import RATIO, short_and_long
from conftest import ROOT, copy_campaign
from jianyan import checks
from jianyan.campaign import phrases
from jianyan.text import textcount, typography
from jianyan.checks import quality
from jianyan.checks.fix import fix_bytes, remaining
from jianyan.campaign.load import load_campaign

MB = 1_000_000
LINE = MB // 4
# CPU seconds for a family of rules over one 1 MB line, or a whole check of 1 MB files: generous
# (the slowest 1 MB line takes about 3 s on a loaded CI machine); the quadratic patterns took
# minutes at a tenth of this size. A shorter line gets its share of it.
BOUND = 20.0
LINE_BOUND = BOUND / 4
# below this many CPU seconds a ratio of two runs is timer noise (the short lines take about 7 ms)
FLOOR = 1 / 256

LINES = {
    "letters": "a" * LINE,
    "letters and dots": "a." * (LINE // 2),
    "e-mail local part": "a+" * (LINE // 2),
    "e-mail without a dot": "a@" + "b" * LINE,
    "e-mail many labels": "a@" + "b." * (LINE // 2),
    "www": "www." * (LINE // 4),
    "digits": "1" * LINE,
    "han": "中" * LINE,
    "full-width letters": "Ａ" * LINE,
    "underscores": "_" * LINE,
    "asterisks": "*" * LINE,
    "backticks": "`" * LINE,
    "autolink openers": "<" * LINE,
    "link targets": "](" * (LINE // 2),
    "image openers": "![" * (LINE // 2),
    "parentheses": "(" * LINE,
    "parenthesised letters": "(a" * (LINE // 2),
    "spaces": " " * LINE,
    "spaces between han": "中 中，" * (LINE // 4),
    "spaces in titles": "《中 中，" * (LINE // 5),
    "chinese punctuation": "，" * LINE,
    "han and dots": "中." * (LINE // 2),
    "straight quotes": '"中' * (LINE // 2),
    "curly quotes": "“" * LINE,
    "corner quotes": "「" * LINE,
    "numerals": "一" * LINE,
    "numbered points": "。一是" * (LINE // 3),
    "percent": "a%" * (LINE // 2),
    "separators": "a.-/" * (LINE // 4),
}


# Tried at one position only, by design: searched, its e-mail part would try every start of a run
# (typography.protected_spans searches with _PROTECTED_AT_RUN).
ANCHORED_ONLY = {"jianyan.text.typography._PROTECTED[0]"}


@lru_cache(maxsize=1)
def module_patterns() -> dict[str, re.Pattern]:
    """Every regular expression the text rules keep at module level (alone or in a dict, list or tuple)."""
    found: dict[str, re.Pattern] = {}
    for module in (typography, textcount, quality):
        for name, value in vars(module).items():
            values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
            for i, v in enumerate(values):
                if isinstance(v, re.Pattern):
                    found[f"{module.__name__}.{name}[{i}]"] = v
    return found


@lru_cache(maxsize=1)
def shipped_phrase_patterns() -> dict[str, re.Pattern]:
    book, problems = phrases.load(ROOT, "schema/phrases.yaml")
    assert book is not None and not problems
    return {f"phrases.{kind}.{label}": rx for kind in ("openings", "closings") for rx, label in book.compiled(kind)}


def rule_family(line: str) -> None:
    """Every text rule that reads a line or a title: typography (scan and fix), 字数, concreteness,
    title form, numbered points, and every module pattern and phrase pattern searched through it."""
    typography.fix_line(line)  # scan_line, masked and apply, up to four rounds
    textcount.count_chars(line)
    quality.is_concrete(line)
    quality.check_title(line)
    quality.points([quality.Block(0, line, False, False)])
    for name, rx in {**module_patterns(), **shipped_phrase_patterns()}.items():
        rx.match(line) if name in ANCHORED_ONLY else rx.search(line)


# The short and the long prefix hold whole repeats of every line's unit (1 to 5 characters): cut
# mid-unit, the two prefixes are different texts (7 813 straight quotes cannot be paired, 31 250 can,
# and only pairs are fixed), and the ratio measures that difference instead of the rules' growth.
SHORT = LINE // 16 // 60 * 60


@pytest.mark.parametrize("line", LINES.values(), ids=LINES.keys())
def test_every_text_rule_is_linear_on_a_long_line(line):
    """The whole family over the line's first 15 600 and 62 400 characters (about a sixteenth and a
    quarter)."""
    small, large = short_and_long(lambda n: rule_family(line[:n]), SHORT, FLOOR)
    assert large / small < RATIO, (small, large)
    assert large < LINE_BOUND / 4


def test_no_pattern_repeats_a_group_of_repeats():
    """Nested quantifiers are what backtracks exponentially; none over user text."""
    patterns = {**module_patterns(), **shipped_phrase_patterns()}
    assert len(patterns) > 30
    assert [name for name, rx in patterns.items() if phrases.repeats_a_repeat(rx.pattern)] == []


def test_a_phrase_pattern_with_nested_repeats_is_refused(tmp_path: Path):
    root = copy_campaign(tmp_path / "c", parts=("schema",))
    path = root / "schema/phrases.yaml"
    text = path.read_text(encoding="utf-8")
    assert '{pattern: "迈上新台阶"' in text
    path.write_text(text.replace('{pattern: "迈上新台阶"', '{pattern: "迈上(?:新+)*台阶"'), encoding="utf-8")
    book, found = phrases.load(root, "schema/phrases.yaml")
    assert book is None and len(found) == 1
    f = found[0]
    assert f.code == "schema.invalid" and f.line == 1 + text.split("\n").index(
        next(x for x in text.split("\n") if "迈上新台阶" in x)) and "极慢" in f.message


def test_fix_is_linear_in_the_size_of_the_file():
    """fix_bytes, its diff and the count of what is left, on files a sixteenth and a quarter of 1 MB
    (a ratio, as above; 1 MB is the largest file): one long line, and many short lines where changed
    and unchanged ones alternate (difflib's matcher is quadratic there)."""
    bodies = {"one line": lambda size: "中." * (size // 8), "corner quotes": lambda size: "「" * (size // 3),
              "alternating lines": lambda size: "".join("中,中\n" if i % 2 else f"第{i}行。\n" for i in range(size // 12))}

    def fix(body: str) -> None:
        raw = lintdata.item_text("2021-minge-950", {"body": body}).encode("utf-8")
        fixed = fix_bytes("submissions/2021/minge/2021-minge-950.md", raw)
        diff = fixed.diff()
        remaining(fixed)
        assert fixed.changed and diff.startswith("--- a/submissions/")

    for name, body in bodies.items():
        assert len(body(MB).encode("utf-8")) <= MB + 1000, name  # the sizes are fractions of a full file
        texts = {size: body(size) for size in (MB // 16, MB // 4)}
        small, large = short_and_long(lambda size: fix(texts.get(size) or body(size)), MB // 16, FLOOR)
        assert large / small < RATIO, (name, small, large)
        assert large < BOUND / 4, name


def test_fix_diff_pairs_each_line_with_its_fix():
    """The diff shows a fixed line next to the line it replaces (the old matcher paired it with an
    identical line elsewhere when one existed)."""
    raw = lintdata.item_text("2021-minge-950", {"body": "中，中\n中,中\n正文。\n"}).encode("utf-8")
    diff = fix_bytes("submissions/2021/minge/2021-minge-950.md", raw).diff().split("\n")
    assert diff[2:] == ["@@ -11,3 +11,3 @@", " 中，中", "-中,中", "+中，中", " 正文。"]


def campaign_with(tmp_path: Path, bodies: dict[str, str]) -> tuple[Path, dict[str, str]]:
    root = copy_campaign(tmp_path / "c", parts=("schema",))
    return root, {name: lintdata.write_item(root, 900 + i, body=body) for i, (name, body) in enumerate(bodies.items())}


def test_check_of_1mb_bodies_is_linear(tmp_path: Path):
    """The quality and length families on 1 MB single-line bodies, one file at a time."""
    names = ["letters and dots", "e-mail local part", "han and dots", "corner quotes", "link targets",
             "image openers", "numbered points", "spaces between han"]
    for name in names:
        body = (LINES[name] * 4)[: MB // 3 if ord(max(LINES[name])) > 0x7F else MB - 1000]
        root, paths = campaign_with(tmp_path / name.replace(" ", "-"), {name: body + "\n"})
        start = time.process_time()
        found = checks.run(load_campaign(root), families={"quality", "length"})
        assert time.process_time() - start < BOUND, name
        assert any(f.path == paths[name] and f.code.startswith("length.") for f in found), name


def test_check_of_long_bodies_that_are_parsed_is_linear(tmp_path: Path):
    """Bodies just under length.HARD_BODY_LIMIT still go through every quality rule: many points,
    long sentences and stacked intensifiers on one line, each counted without rescanning the line."""
    n = 190_000
    units = {"points": "。一是", "long sentences": "周边没有企业群众只能外出务工需要解决" * 9 + "。",
             "intensifiers": "进一步切实认真。", "spaces": "中 中，"}
    bodies = {name: (unit * (n // len(unit) + 1))[:n] for name, unit in units.items()}
    bodies["points"] = "## 二、对策建议\n\n" + bodies["points"]  # points are read under this heading
    root, paths = campaign_with(tmp_path, bodies)
    start = time.process_time()
    found = checks.run(load_campaign(root), families={"quality"})
    assert time.process_time() - start < BOUND
    codes = {name: {f.code for f in found if f.path == path} for name, path in paths.items()}
    assert "quality.vague_point" in codes["points"]
    assert "quality.long_sentence" in codes["long sentences"]
    assert "quality.stacked_intensifiers" in codes["intensifiers"]
    assert "quality.cjk_space" in codes["spaces"]
    stacked = next(f for f in found if f.path == paths["intensifiers"] and f.code == "quality.stacked_intensifiers")
    assert len(stacked.message) < 300  # names the first ten, not every one


# --- the linear rewrites find what the old patterns found -----------------------------------

OLD_RUN = re.compile(r"[A-Za-z0-9]+(?:[./%\-][A-Za-z0-9%]+)*%?")  # textcount before issue 18
OLD_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")  # typography before issue 18


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="a1./%-中 ,", max_size=24))
def test_run_pattern_matches_the_old_one(text):
    assert textcount._RUN.findall(text) == OLD_RUN.findall(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab1._+-@`<>]()![ 中，“w:/h") + ["www.", "http://", "a@b.c", "或"]),
                max_size=30).map("".join))
def test_protected_spans_are_what_the_pattern_finds(text):
    assert list(typography.protected_spans(text)) == [m.span() for m in typography._PROTECTED.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab1._+-@ 中或，x") + [".com", "a@b.c"]), max_size=30).map("".join))
def test_email_pattern_matches_the_old_one(text):
    email = re.compile(typography._PROTECTED_PARTS[3].replace("{run}", ""))
    assert [m.span() for m in email.finditer(text)] == [m.span() for m in OLD_EMAIL.finditer(text)]


def test_the_pii_check_reads_an_oversized_body_as_plain_text_quickly():
    """markdown-it takes many seconds over a megabyte of hostile Markdown; a body past the hard limit
    is refused by length.* and read by the personal-data rules as plain text (still found)."""
    from jianyan.checks.pii import in_markdown
    body = "![" * 500_000 + "\n电话 13800138000\n"
    start = time.process_time()
    found = list(in_markdown(body, 5, lambda *args, **kw: args, 8))
    assert time.process_time() - start < 5
    assert len(found) == 1


def test_a_body_padded_past_the_limit_with_spaces_is_an_error_not_a_pass(tmp_path, monkeypatch):
    """White space does not count as 字数, so padding does not trip length.*; the personal-data check
    itself refuses a body it could not read as a reader sees it (and still finds what plain text shows)."""
    import json

    from click.testing import CliRunner

    from jianyan import cli
    root = copy_campaign(tmp_path / "c")
    path = root / "submissions/2021/minge/2021-minge-002.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + " " * 200_001 + "\n\n联系手机 138**0013**8000\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("JIANYAN_ROOT", raising=False)
    res = CliRunner().invoke(cli.main, ["check", "--format", "json", "--only", "pii", "--only", "length"],
                             catch_exceptions=False)
    mine = {f["code"] for f in json.loads(res.stdout) if f["path"].endswith("2021-minge-002.md")}
    assert res.exit_code == 1 and "pii.unchecked" in mine, res.output

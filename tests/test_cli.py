"""The commands in Chinese, end to end: usage errors and the --version line, dates, questions, broken
registries, `check --only`. Each kind of click error and every help text: test_i18n.py."""
from __future__ import annotations

import re

import pytest
from conftest import run_cli

from jianyan import checks
from jianyan.core.findings import CATEGORIES

# What click prints in English when its messages leak through.
ENGLISH = re.compile(r"Error|Usage|Try '|Invalid value|Missing|No such|Got unexpected|requires an|"
                     r"is not|does not exist|Traceback|Aborted|Show this|Options:|Commands:|\[default")


def usage_error(result, command: str) -> str:
    """Check the shape of a Chinese usage error for ``command`` and return its 错误 line."""
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.rstrip("\n").splitlines()
    assert not ENGLISH.search(result.err), result.err
    name = f"jianyan {command}".rstrip()
    assert lines[0].startswith("用法：") and f"{name} [选项]" in lines[0], result.err
    assert lines[-1].endswith(f"{name} --help 查看说明。"), result.err
    assert len(lines) == 3 and lines[1].startswith("错误："), result.err
    return lines[1]


@pytest.mark.e2e
def test_missing_option_shows_usage_error_and_help_hint(campaign):
    result = run_cli(campaign, "issue", "sign", "2021-005")  # as a user runs it: python -m jianyan
    assert usage_error(result, "issue sign") == "错误：缺少选项 --by。"
    assert result.err.splitlines()[0].endswith("jianyan issue sign [选项] YYYY-NNN")


def test_version(campaign, cli):
    version = cli(campaign, "--version")
    assert version.code == 0 and version.out.startswith("jianyan 版本 ")


# --- dates: one parameter type everywhere ---------------------------------------------------------

DATE_OPTIONS = [
    (("new", "--date"), "new"),
    (("import", "a.docx", "--date"), "import"),
    (("issue", "sign", "2021-005", "--by", "x", "--date"), "issue sign"),
    (("issue", "new", "--date"), "issue new"),
    (("record", "--all", "--to"), "record"),
    (("stats", "--from"), "stats"),
    (("export", "--to"), "export"),
    (("feedback", "--to"), "feedback"),
    (("circular", "--from"), "circular"),
]


@pytest.mark.parametrize("args, command", DATE_OPTIONS, ids=[c for _, c in DATE_OPTIONS])
def test_dates_must_be_written_yyyy_mm_dd(campaign, cli, args, command):
    (campaign / "a.docx").write_bytes(b"")
    option = args[-1]
    wrong = usage_error(cli(campaign, *args, "2021/3/1"), command)
    assert wrong == f"错误：选项 {option}：“2021/3/1”格式不对，日期应写成 YYYY-MM-DD，如 2021-03-01。"
    month = usage_error(cli(campaign, *args, "2021-13-01"), command)
    assert month == f"错误：选项 {option}：“2021-13-01”不是有效日期：月份只能是 01–12。"
    day = usage_error(cli(campaign, *args, "2021-02-29"), command)
    assert day == f"错误：选项 {option}：“2021-02-29”不是有效日期：2021 年 2 月只有 28 天。"


def test_a_good_date_is_used(campaign, cli):
    new = cli(campaign, "new", "--unit", "minge", "--submitter", "民革山东省委会", "--topic", "3", "--kind", "problem",
              "--title", "关于某事的反映", "--date", "2021-03-01")
    assert new.code == 0, new
    assert "\ndate: 2021-03-01\n" in (campaign / new.out.strip()).read_text(encoding="utf-8")
    stats = cli(campaign, "stats", "--format", "json", "--from", "2021-01-01", "--to", "2021-04-30")
    assert stats.code == 0, stats
    late = cli(campaign, "stats", "--from", "2021-05-01", "--to", "2021-04-30")
    assert late.code == 2 and late.err == "错误：开始日期 2021-05-01 晚于截止日期 2021-04-30\n"
    record = cli(campaign, "record", "--all", "--year", "2021", "--to", "2022-01-01")
    assert record.code == 2 and "截止日期 2022-01-01 不在 2021 年内" in record.err


def test_new_asks_again_in_chinese_after_a_wrong_answer(campaign, cli):
    result = cli(campaign, "new", "--date", "2021-04-02",
                 input="jingji\n刘某某\n9\nabc\n2\nxx\nproblem\n关于科技成果转化渠道不畅问题的反映\n")
    assert result.code == 0, result
    assert "错误：9 超出范围，应在 1 到 7 之间。请重新输入。" in result.err
    assert "错误：“abc”不是整数。请重新输入。" in result.err
    assert "错误：“xx”不在可选范围内，可选：problem、suggestion、practice。请重新输入。" in result.err
    assert not ENGLISH.search(result.err), result.err
    assert result.out.strip().startswith("submissions/2021/jingji/")


def test_input_ending_while_asking_is_a_chinese_stop(campaign, cli):
    result = cli(campaign, "new", "--date", "2021-04-01", input="")
    assert result.code == 1 and "已中止。" in result.err and not ENGLISH.search(result.err), result


# --- broken registries: one message everywhere ----------------------------------------------------

@pytest.mark.parametrize("args, extra", [
    (("new", "--unit", "minge"), ""),
    (("import", "a.docx"), ""),
    (("issue", "build", "--no-pdf"), ""),
    (("issue", "sign", "2021-005", "--by", "x"), ""),
    (("owners",), ""),
    (("site",), ""),
    (("stats",), "无法统计。"),
    (("record", "--all"), "无法生成履职档案。"),
])
def test_broken_registries_stop_commands_with_one_message(campaign, cli, args, extra):
    (campaign / "a.docx").write_bytes(b"")
    (campaign / "schema/settings.yaml").write_text("campaign: [\n", encoding="utf-8")
    result = cli(campaign, *args)
    assert result.code == 2, result
    assert result.err == f"错误：登记表（schema/）有错误，{extra}请先运行 jianyan check 并改正\n"


# --- check --only: families and finding categories ----------------------------------------------

def test_only_help_lists_every_family_and_category(campaign, cli):
    text = " ".join(cli(campaign, "check", "--help").out.split())
    assert " ".join(checks.NAMES) in text
    assert " ".join(CATEGORIES) in text


def test_only_accepts_a_finding_category(campaign, cli):
    first, second = sorted((campaign / "submissions").rglob("*.md"))[:2]
    text = first.read_text(encoding="utf-8")  # a schema error: a status that does not exist
    first.write_text(re.sub(r"^status: .*$", "status: finished", text, count=1, flags=re.M), encoding="utf-8")
    with second.open("a", encoding="utf-8") as f:  # a quality finding: half-width punctuation
        f.write("\n这是一个测试,用了半角逗号和句号.\n")
    everything = cli(campaign, "check", "--format", "json")
    assert {f["code"].split(".")[0] for f in everything.json()} == {"schema", "quality"}, everything
    only = cli(campaign, "check", "--only", "schema", "--format", "json")
    assert only.code == 1, only
    found = only.json()
    assert found and all(f["code"].startswith("schema.") for f in found)
    assert found == [f for f in everything.json() if f["code"].startswith("schema.")]
    # quality is a family: it runs that family (the loader's own findings are always reported)
    quality = cli(campaign, "check", "--only", "quality", "--format", "json").json()
    assert [f for f in quality if not f["code"].startswith("quality.")] == [found[0]] == [everything.json()[0]]
    both = cli(campaign, "check", "--only", "schema", "--only", "quality", "--format", "json").json()
    assert both == everything.json()


def test_only_rejects_unknown_names(campaign, cli):
    result = cli(campaign, "check", "--only", "spelling")
    assert result.code == 2
    assert result.err.startswith("错误：没有这类检查：spelling。可选的检查：ref、length、status")
    assert "问题类别：encoding、yaml、schema" in result.err

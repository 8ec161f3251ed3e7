"""Every front-matter pitfall yields a finding at the right line and column, never a crash."""
from __future__ import annotations

import pytest

from jianyan.campaign.frontmatter import read_markdown

GOOD = "---\nid: 2021-minge-001\ntitle: 关于某事的建议\n---\n正文\n"


def codes(parsed):
    return [(f.code, f.line) for f in parsed.findings]


def test_good_file_has_no_findings_and_every_value_is_text():
    p = read_markdown("a.md", GOOD.encode())
    assert p.findings == []
    assert p.data == {"id": "2021-minge-001", "title": "关于某事的建议"}
    assert p.body == "正文\n" and p.body_line == 5
    assert p.line_of(("title",)) == 3


def test_bom_is_reported_and_the_file_is_still_read():
    p = read_markdown("a.md", b"\xef\xbb\xbf" + GOOD.encode())
    assert codes(p) == [("encoding.bom", 1)]
    assert p.data["id"] == "2021-minge-001"


def test_gbk_file_gets_a_gbk_hint_at_the_line_of_the_first_bad_byte():
    raw = "---\nid: x\ntitle: 关于\n---\n".encode("gbk")
    p = read_markdown("a.md", raw)
    assert codes(p) == [("encoding.not_utf8", 3)]
    assert "GBK" in p.findings[0].message and "UTF-8" in p.findings[0].message
    assert p.data is None


def test_crlf_is_accepted():
    p = read_markdown("a.md", GOOD.replace("\n", "\r\n").encode())
    assert p.findings == [] and p.data["title"] == "关于某事的建议"
    assert p.body == "正文\n"


@pytest.mark.parametrize("text,code", [
    ("id: x\n正文\n", "yaml.no_front_matter"),
    ("——\nid: x\n——\n", "yaml.no_front_matter"),
    ("---\nid: x\ntitle: y\n正文没有结束线\n", "yaml.unclosed"),
])
def test_missing_or_unclosed_front_matter(text, code):
    p = read_markdown("a.md", text.encode())
    assert codes(p) == [(code, 1)]


def test_missing_front_matter_with_em_dashes_explains_the_dashes():
    p = read_markdown("a.md", "——\nid: x\n——\n".encode())
    assert "三个半角减号" in p.findings[0].message and "——" in p.findings[0].message


def test_tab_indentation_reported_at_its_line():
    p = read_markdown("a.md", "---\nid: x\nreview:\n\tby: 孙某某\n---\n".encode())
    assert ("yaml.tab", 4) in codes(p)
    assert len([f for f in p.findings if f.line == 4]) == 1  # no second, cryptic YAML error


def test_fullwidth_space_indentation_reported():
    p = read_markdown("a.md", "---\nid: x\nreview:\n\u3000\u3000by: 孙某某\n---\n".encode())
    assert ("yaml.fullwidth_space", 4) in codes(p)


def test_fullwidth_colon_after_key_reported_at_its_line_and_column():
    p = read_markdown("a.md", "---\nid: x\ntitle：关于某事的建议\nunit: minge\n---\n".encode())
    f = [f for f in p.findings if f.code == "yaml.fullwidth_colon"]
    assert [(x.line, x.column) for x in f] == [(3, 6)]
    assert "title: " in f[0].message
    # The YAML error it causes on the next line is not reported twice.
    assert not [x for x in p.findings if x.code == "yaml.syntax"]


def test_fullwidth_colon_with_chinese_key():
    p = read_markdown("a.md", "---\n标题：关于某事\n---\n".encode())
    assert codes(p)[0] == ("yaml.fullwidth_colon", 2)


def test_fullwidth_colon_inside_a_value_is_fine():
    p = read_markdown("a.md", "---\ntitle: 关于“十强”产业：建链补链的建议\n---\n".encode())
    assert p.findings == []
    assert p.data["title"] == "关于“十强”产业：建链补链的建议"


def test_duplicate_key_reported_at_the_second_occurrence_and_names_the_first():
    p = read_markdown("a.md", "---\nid: a\ntitle: 一\ntitle: 二\n---\n".encode())
    assert codes(p) == [("yaml.duplicate_key", 4)]
    assert "第 3 行" in p.findings[0].message
    assert p.data["title"] == "一"  # nothing silently replaced


@pytest.mark.parametrize("value,kind", [
    ("no", "布尔值"), ("on", "布尔值"), ("14:30", "整数 870"), ("010", "整数 8"), ("1.10", "小数 1.1"),
])
def test_yaml_implicit_typing_traps_warn_and_keep_the_text(value, kind):
    p = read_markdown("a.md", f"---\nid: a\nsubmitter: {value}\n---\n".encode())
    assert [(f.code, f.line, f.column) for f in p.findings] == [("yaml.implicit_type", 3, 12)]
    assert kind in p.findings[0].message
    assert f'"{value}"' in p.findings[0].message  # the hint shows the quoted form
    assert p.data["submitter"] == value


@pytest.mark.parametrize("value", ["3", "true", "2021-03-01", '"no"', "'010'", "关于"])
def test_ordinary_values_are_not_traps(value):
    p = read_markdown("a.md", f"---\ntopic: {value}\n---\n".encode())
    assert p.findings == []


def test_yaml_syntax_error_is_translated_with_line():
    p = read_markdown("a.md", '---\nid: a\ntitle: "未闭合\nunit: x\n---\n'.encode())
    (f,) = p.findings
    assert f.code == "yaml.syntax" and f.line >= 3
    assert "引号" in f.message


def test_colon_in_value_needs_quotes_message():
    p = read_markdown("a.md", "---\ntitle: 标题: 副标题\n---\n".encode())
    (f,) = p.findings
    assert f.code == "yaml.syntax" and f.line == 2 and "引号" in f.message


def test_not_a_mapping():
    p = read_markdown("a.md", "---\n- a\n- b\n---\n".encode())
    assert codes(p) == [("yaml.not_mapping", 2)]


def test_empty_front_matter():
    p = read_markdown("a.md", "---\n---\n正文\n".encode())
    assert codes(p) == [("yaml.empty", 2)]


def test_binary_content():
    p = read_markdown("a.md", b"PK\x03\x04\x00\x00")
    assert codes(p)[0][0] == "encoding.binary"


@pytest.mark.parametrize("yaml_text,line,words", [
    ("id: a\nitems: [2021-minge-001, 2021-minge-002\nunit: minge", 3, "方括号"),
    ("id: a\nreview: {by: 孙某某\n", 3, "花括号"),
    ("@id: a", 2, "引号"),
    ("id: a\n- b", 3, "缩进"),
])
def test_yaml_errors_are_explained_in_chinese_at_the_right_line(yaml_text, line, words):
    p = read_markdown("a.md", f"---\n{yaml_text}\n---\n".encode())
    (f,) = p.findings
    assert (f.code, f.line) == ("yaml.syntax", line)
    assert words in f.message and not any(w in f.message for w in ("expected", "found", "while"))

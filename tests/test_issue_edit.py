"""The front-matter editor (jianyan/edit.py): only the needed lines change, the rest stays byte for byte."""
from __future__ import annotations

import pytest

from jianyan.campaign.edit import EditError, edit_text, yaml_scalar
from jianyan.campaign.frontmatter import read_markdown

TEXT = """---
id: 2021-005
number: 5   # 第五期
status: draft  # 编辑中
items:
  - 2021-a-001
  - 2021-b-002
editor: 孙某某

# 审改后填写
review:
  by: 李某某
  date: 2021-03-20
public: false
---
正文 {{ 7*7 }}

---
不是文件头
"""


def data(text: str) -> dict:
    return read_markdown("x.md", text.encode()).data


def test_replaces_values_and_inserts_blocks_in_place():
    out = edit_text(TEXT, [(("status",), "signed"), (("signoff",), {"by": "王某某", "date": "2021-03-22"}),
                           (("review", "note"), "同意: 照发")], after={"signoff": "review"})
    assert out.splitlines()[3] == "status: signed"  # the comment described the old value
    assert "number: 5   # 第五期\n" in out and "# 审改后填写\n" in out and "\neditor: 孙某某\n\n" in out
    assert "  date: 2021-03-20\n  note: \"同意: 照发\"\nsignoff:\n  by: 王某某\n  date: 2021-03-22\npublic: false\n" in out
    assert out.endswith("---\n正文 {{ 7*7 }}\n\n---\n不是文件头\n")
    d = data(out)
    assert d["review"]["note"] == "同意: 照发" and d["signoff"] == {"by": "王某某", "date": "2021-03-22"}
    assert d["items"] == ["2021-a-001", "2021-b-002"]


def test_keeps_crlf_and_other_comments_and_removes_keys():
    crlf = TEXT.replace("\n", "\r\n")
    out = edit_text(crlf, [(("items",), ["x-1"]), (("public",), None), (("adopted_in",), "2021-001")],
                    after={"adopted_in": "review"})
    assert "\n" not in out.replace("\r\n", "")
    assert "items: [x-1]\r\neditor: 孙某某\r\n" in out
    assert "public" not in out.split("---")[1]
    assert "  date: 2021-03-20\r\nadopted_in: 2021-001\r\n---\r\n" in out
    assert "status: draft  # 编辑中" in out  # untouched keys keep their comments


def test_null_parent_becomes_a_block_and_a_flow_mapping_is_refused_not_lost():
    text = "---\nid: a\nsignoff: null\ndispatch: {by: 周某}\n---\nbody\n"
    out = edit_text(text, [(("signoff", "by"), "王某某")])
    assert data(out)["signoff"] == {"by": "王某某"} and "dispatch: {by: 周某}" in out
    with pytest.raises(EditError, match="文件未改动"):
        edit_text(text, [(("dispatch", "date"), "2021-03-05")])


@pytest.mark.parametrize("value", ["no", "on", "010", "1.10", "a: b", "#3", "14:30", "[x]", "true", " x", "", "'q'"])
def test_values_that_yaml_would_misread_are_quoted(value):
    out = edit_text("---\nid: a\n---\n", [(("note",), value)])
    assert data(out)["note"] == value
    assert yaml_scalar(value) != value


def test_plain_dates_and_names_stay_plain():
    assert yaml_scalar("2021-03-05") == "2021-03-05"
    assert yaml_scalar("王某某") == "王某某"
    assert yaml_scalar("5") == "5"


def test_refuses_broken_front_matter():
    with pytest.raises(EditError, match="文件头"):
        edit_text("---\nid: [a\n---\n", [(("status",), "x")], path="x.md")
    with pytest.raises(EditError, match="文件头"):
        edit_text("no front matter\n", [(("status",), "x")], path="x.md")

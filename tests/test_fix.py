"""`jianyan fix`: safe typography fixes to the body only; diff first; CRLF, BOM, code and front matter."""
from __future__ import annotations

from pathlib import Path

import lintdata
from jianyan import checks
from jianyan.checks.fix import fix_bytes
from jianyan.campaign.load import load_campaign
from jianyan.text.typography import fix_line

REL = "submissions/2021/minge/2021-minge-950.md"


def item(body: str, status: str = "submitted") -> str:
    # a half-width comma in the title and a quoted contact: the front matter must stay as written
    return lintdata.item_text("2021-minge-950", {"title": "关于完善黄河滩区迁建社区就业帮扶的建议,", "status": status,
                                                 "contact": '"张某, 0531-86061234"', "body": body})


def test_each_fix_and_its_near_miss():
    cases = [
        ("社区28个,安置群众(其中滨州8万人).", "社区28个，安置群众（其中滨州8万人）。"),
        ("投资 13,800 万元，比例 1:2，增长 3.5%。", "投资 13,800 万元，比例 1:2，增长 3.5%。"),
        ("群众反映\"就业难\"和「上学远」。", "群众反映“就业难”和“上学远”。"),
        ('英文名 "Yellow River"，不改。', '英文名 "Yellow River"，不改。'),
        ("部分社区周边 没有企业，群众 就业难。", "部分社区周边没有企业，群众就业难。"),
        ("（省政协委员 王某某、李某）", "（省政协委员 王某某、李某）"),
        ("２０２０年ＧＤＰ增长。", "2020年GDP增长。"),
        ("详见 `a,b` 与 https://www.sd.gov.cn/a,b?x=1 以及 [链接](http://x.cn/中,文)。",
         "详见 `a,b` 与 https://www.sd.gov.cn/a,b?x=1 以及 [链接](http://x.cn/中,文)。"),
        ("问题是什么?调研发现:拨付慢!", "问题是什么？调研发现：拨付慢！"),
        ("前引号“十强“产业", "前引号“十强“产业"),  # needs a person: which one is wrong?
    ]
    for before, after in cases:
        assert fix_line(before) == after, before


def test_body_only_front_matter_untouched():
    raw = item("社区28个,安置群众.\n").encode("utf-8")
    fixed = fix_bytes(REL, raw)
    old_front, new_front = raw.decode().split("---\n")[1], fixed.new.decode().split("---\n")[1]
    assert new_front == old_front  # the title's comma and the contact stay as written
    assert fixed.new.decode().endswith("社区28个，安置群众。\n")


def test_crlf_kept_and_bom_stripped():
    raw = b"\xef\xbb\xbf" + item("社区28个,安置群众.\n\n```\na,b.\n```\n").replace("\n", "\r\n").encode("utf-8")
    fixed = fix_bytes(REL, raw)
    text = fixed.new.decode("utf-8")
    assert not fixed.new.startswith(b"\xef\xbb\xbf")
    assert text.count("\r\n") == text.count("\n") == raw.decode("utf-8-sig").count("\r\n")
    assert "社区28个，安置群众。\r\n" in text and "a,b.\r\n" in text  # code block untouched
    diff = fixed.diff()
    assert diff.startswith("# 去掉文件开头的 UTF-8 BOM") and "-社区28个,安置群众." in diff


def test_idempotent_and_nothing_to_do():
    once = fix_bytes(REL, item("社区28个,群众 就业难.\n").encode("utf-8"))
    twice = fix_bytes(REL, once.new)
    assert once.changed and not twice.changed


def test_frozen_body_is_not_edited():
    raw = item("社区28个,安置群众.\n", status="accepted").encode("utf-8")
    fixed = fix_bytes(REL, raw)
    assert not fixed.changed and "正文不能再改" in fixed.note


def test_not_utf8_is_reported_not_crashed():
    raw = item("社区28个,安置群众.\n").encode("gbk")
    fixed = fix_bytes(REL, raw)
    assert not fixed.changed and "UTF-8" in fixed.note


def test_cli_shows_diff_then_applies(campaign: Path, cli):
    path = campaign / REL
    path.parent.mkdir(parents=True, exist_ok=True)
    original = item("黄河滩区迁建社区28个,部分社区周边 没有企业.\n\n一是建议省发展改革委制定清单。\n").replace("\n", "\r\n")
    path.write_bytes(original.encode("utf-8"))

    shown = cli(campaign, "fix", str(path))
    assert shown.code == 0, shown
    assert f"--- a/{REL}" in shown.out and "+黄河滩区迁建社区28个，部分社区周边没有企业。" in shown.out
    assert "jianyan fix --apply" in shown.err
    assert path.read_bytes() == original.encode("utf-8")  # show only

    before = checks.run(load_campaign(campaign), families={"quality"})
    assert {"quality.halfwidth_punct", "quality.cjk_space"} <= {f.code for f in before if f.path == REL}

    applied = cli(campaign, "fix", "--apply", "submissions")
    assert applied.code == 0 and "已修正 1 个文件" in applied.err, applied
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "28个，部分社区周边没有企业。" in data.decode("utf-8")
    after = checks.run(load_campaign(campaign), families={"quality"})
    assert not [f for f in after if f.path == REL and f.code.startswith(("quality.halfwidth", "quality.cjk"))]
    again = cli(campaign, "fix")
    assert again.code == 0 and "没有需要自动修正的地方" in again.err

"""pii.*: ID numbers (GB 11643 checksum and date), phones, e-mail; positions, masking, status, CLI."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import lintdata
from conftest import SUMMARIES
from jianyan import checks
from jianyan.text.personal_data import find_personal_data as scan
from jianyan.text.personal_data import id15_valid, id18_valid, mask
from jianyan.campaign.load import load_campaign

# Occurrence-level labelled snippets: text → the codes it holds (one per occurrence, in order).
# Synthetic numbers; valid IDs carry a correct GB 11643 check character.
SNIPPETS = [
    ("身份证号 370102198001011237。", ["pii.id_card"]),
    ("证件号码：370202197512310045，", ["pii.id_card"]),
    ("身份证 37083119850615118x", ["pii.id_card"]),
    ("身份证３７０１０２１９８００１０１１２３７", ["pii.id_card"]),
    ("370102198001011230（校验位错）", []),
    ("37068719900229051X（1990 年没有 2 月 29 日）", []),
    ("990102198001011237（没有 99 省）", []),
    ("370102208001011237（出生在未来）", []),
    ("旧证 370102800101123", ["pii.id_card_old"]),
    ("订单号 370102801301123（13 月）", []),
    ("统一社会信用代码 91370000MA3C5EJ61L", []),
    ("银行账号 6222021234567890123", []),
    ("手机 13800138000", ["pii.mobile"]),
    ("手机：139-1234-5678", ["pii.mobile"]),
    ("+86 139 1234 5679", ["pii.mobile"]),
    ("１３９１２３４５６７８", ["pii.mobile"]),
    ("投资 13800 万元", []),
    ("共 15012345678 元", []),
    ("人口 101527453 人", []),
    ("电话 0531-86061234", ["pii.landline"]),
    ("(0531)86061234", ["pii.landline"]),
    ("0532 8888 1234", ["pii.landline"]),
    ("010-12345678", []),
    ("010-62345678 转 801", ["pii.landline"]),
    ("联系电话：86061234", ["pii.landline"]),
    ("专项资金 86061234 元", []),
    ("项目编号 86061234", []),
    ("2021-03-01", []),
    ("GB/T 9704-2012", []),
    ("12345 热线", []),
    ("400-800-1234", []),
    ("1,944.7 亿元，增长 0.5%", []),
    ("邮箱 wangmm@example.com", ["pii.email"]),
    ("zhao.mm@lab.sdu.edu.cn", ["pii.email"]),
    ("邮箱wangmou1978@163.com。", ["pii.email"]),  # an address touching Chinese text
    ("请发至x@163.com索取", ["pii.email"]),
    ("@山东发布 微博", []),
    ("a@b", []),
    ("王某（13912345678，wang@sd.cn）", ["pii.mobile", "pii.email"]),
]
RULE_CODES = ["pii.id_card", "pii.id_card_old", "pii.mobile", "pii.landline", "pii.email"]


def test_occurrence_level_accuracy(request):
    tp, fp, fn = Counter(), Counter(), Counter()
    for text, want in SNIPPETS:
        got = Counter(m.code for m in scan(text))
        exp = Counter(want)
        for code in set(got) | set(exp):
            tp[code] += min(got[code], exp[code])
            fp[code] += max(0, got[code] - exp[code])
            fn[code] += max(0, exp[code] - got[code])
    rows = [(r, tp[r], fp[r], fn[r]) for r in RULE_CODES]
    report = f"jianyan pii accuracy: {len(SNIPPETS)} labelled snippets (tests/test_pii.py)\n" + lintdata.table(rows)
    request.config.stash.setdefault(SUMMARIES, []).append(report)
    assert all(f == 0 for _, _, f, _ in rows), rows
    assert all(n == 0 for _, _, _, n in rows), rows


@pytest.mark.parametrize("text, want", SNIPPETS)
def test_snippet(text, want):
    assert [m.code for m in scan(text)] == want


def test_checksum_and_dates():
    assert id18_valid("370102198001011237") and not id18_valid("370102198001011230")
    assert id18_valid("37083119850615118x") and id18_valid("37083119850615118X")
    assert id15_valid("370102800101123") and not id15_valid("370102800230123")


def test_mask_never_shows_the_whole_number():
    assert mask("370102198001011237") == "3701**********1237"
    assert mask("139-1234-5678") == "139****5678"
    assert mask("wangmm@example.com") == "w***@example.com"


BODY = "黄河滩区迁建社区 28 个。\n反映人王某，手机１３９１２３４５６７８，身份证 370102198001011237。\n"
REL = "submissions/2021/minge/2021-minge-950.md"


def write(campaign: Path, title="关于完善黄河滩区迁建社区就业帮扶的建议", status="submitted") -> None:
    lintdata.write_item(campaign, 950, title=title, status=status, body=BODY,
                        contact="张某 13800138000 zhang@example.com")


def pii_findings(campaign: Path):
    return [f for f in checks.run(load_campaign(campaign), families={"pii"}) if f.path == REL]


def test_body_positions_masking_and_contact_allowed(campaign):
    write(campaign)
    found = pii_findings(campaign)
    assert [(f.code, f.line, f.column, f.severity) for f in found] == [
        ("pii.mobile", 13, 9, "error"), ("pii.id_card", 13, 25, "error")]
    line = (campaign / REL).read_text(encoding="utf-8").split("\n")[12]
    assert line[8] == "１" and line[24:42] == "370102198001011237"
    assert "370102198001011237" not in found[1].message and "3701**********1237" in found[1].message
    # the contact field (line 10) holds a phone and an e-mail: allowed
    assert all(f.line != 10 for f in found)


def test_title_is_checked_with_its_column(campaign):
    write(campaign, title="关于13912345678反映就业难的建议")
    found = [f for f in pii_findings(campaign) if f.line == 3]
    assert [(f.code, f.column) for f in found] == [("pii.mobile", 10)]


def test_draft_gets_a_warning(campaign):
    write(campaign, status="draft")
    assert {f.severity for f in pii_findings(campaign)} == {"warning"}


def test_issue_body_is_checked(campaign):
    issue = campaign / "issues" / "2021" / "001.md"
    text = issue.read_text(encoding="utf-8").rstrip("\n") + "\n\n联系人电话 0531-86061234\n"
    issue.write_text(text, encoding="utf-8")
    found = [f for f in checks.run(load_campaign(campaign), families={"pii"}) if f.path == "issues/2021/001.md"]
    assert [(f.code, f.line) for f in found] == [("pii.landline", len(text.split("\n")) - 1)]


def test_cli_end_to_end(campaign, cli):
    write(campaign)
    result = cli(campaign, "check", "--only", "pii")
    assert result.code == 1, result
    assert f"{REL}:13:25: error: 正文含有身份证号 3701**********1237" in result.out
    assert "[pii.id_card]" in result.out and "370102198001011237" not in result.out


@pytest.mark.parametrize("body", ["一、问题\n\n**联系**：13800138000。\n\n- 甲\n- 乙\n",
                                  "见[链接](javascript:alert(1))与![图](http://x.cn/a.png)，<http://x.cn>。\n"])
def test_a_parse_shared_with_the_other_checks_is_the_sites_parse(body):
    """Under ``shared_parses`` (the per-file checks run together, findingscache.py) pii reads the tokens
    quality and length read: the site's parse (links, images) is made apart when the body has any."""
    from jianyan.text.markdown import html_parser, html_tokens, parser, shared_parses, tokens

    def shape(toks):
        return [(t.type, t.content, t.map, [(c.type, c.content, c.attrs) for c in t.children or ()]) for t in toks]

    with shared_parses():
        first = tokens(body)
        assert tokens(body) is first
        assert shape(html_tokens(body)) == shape(html_parser().parse(body))
        assert (html_tokens(body) is first) == ("[" not in body)
    assert shape(first) == shape(parser().parse(body)) and tokens(body) is not first

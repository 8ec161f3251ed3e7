"""jianyan publicity: press-release and 新媒体 drafts of public, adopted items only, with no personal data."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from jianyan.render.publicity import Block, headline_of, short_paragraphs
from jianyan.text.personal_data import find_personal_data, find_personal_data_in_html
from tests.conftest import ROOT, copy_campaign, invoke

OUT = "build/publicity/2021-minge-001等2条"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = copy_campaign(tmp_path_factory.mktemp("publicity"))
    ok = invoke(root, "publicity", "2021-minge-001", "2021-zibo-001", "--date", "2021-03-10", "--editor", "王某")
    return root, ok


def test_drafts_are_written(made):
    root, ok = made
    assert ok.code == 0, ok
    assert ok.out.split() == [f"{OUT}/新闻稿.md", f"{OUT}/新闻稿.docx", f"{OUT}/新媒体.html"]
    md = (root / OUT / "新闻稿.md").read_text(encoding="utf-8")
    assert "关于建立黄河山东段市际横向生态保护补偿机制的建议" in md and "淄博推动化工园区数字化改造的做法与启示" in md
    assert "两条建言" in md and "2021年第1期" in md and "编辑：王某" in md
    assert (root / OUT / "新闻稿.docx").read_bytes()[:2] == b"PK"


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.texts.append(data)


def test_wechat_article_is_self_contained_with_inline_styles(made):
    root, _ = made
    html = (root / OUT / "新媒体.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    names = [t for t, _ in page.tags]
    assert "script" not in names and "style" not in names and "link" not in names and "img" not in names
    assert page.urls == []                                 # nothing fetched from anywhere
    assert all("class" not in a for _, a in page.tags)     # inline styles only (the editor drops classes)
    assert names.count("h1") == 1 and "来源：政协山东省委员会办公厅" in html and "编辑：王某" in html
    assert re.search(r"<strong[^>]*>一是保护责任与发展收益不对等。</strong>", html)   # bold lead-in
    paragraphs = re.findall(r"<p [^>]*>(.*?)</p>", html, re.S)
    assert max(len(re.sub(r"<[^>]+>", "", p)) for p in paragraphs) <= 200   # short paragraphs


def test_no_personal_contact_review_or_instruction_data(made):
    root, _ = made
    secrets = []
    for ident in ("2021-minge-001", "2021-zibo-001"):
        fm = front_matter(next((ROOT / "submissions").rglob(f"{ident}.md")))
        secrets += [str(fm.get("contact") or ""), str((fm.get("review") or {}).get("by") or ""),
                    str((fm.get("review") or {}).get("note") or "")]
        record = ROOT / "feedback" / "2021" / f"{ident}.yaml"
        if record.is_file():
            data = yaml.safe_load(record.read_text(encoding="utf-8"))
            secrets += [str(i.get("text") or i.get("summary") or "") for i in data.get("instructions") or []]
            secrets += [str(h.get("contact") or "") for h in data.get("handling") or []]
    secrets = [s for s in secrets if len(s) >= 2]
    assert any("0531" in s for s in secrets) and any(s.startswith("请") for s in secrets)
    for name in ("新闻稿.md", "新媒体.html"):
        text = (root / OUT / name).read_text(encoding="utf-8")
        assert not find_personal_data(text) and not find_personal_data_in_html(text)
        assert not [s for s in secrets if s in text], name


@pytest.mark.parametrize("ident, reason", [
    ("2021-gsl-001", "submissions/2021/gsl/2021-gsl-001.md:10：信息 2021-gsl-001 未标记为适宜公开"),  # adopted, not public
    ("2021-nongye-001", "submissions/2021/nongye/2021-nongye-001.md:8：信息 2021-nongye-001 尚未被专刊采用"),  # public, accepted
    ("2021-nosuch-001", "找不到信息"),
])
def test_refuses_items_that_may_not_be_publicised(made, ident, reason):
    root, _ = made
    res = invoke(root, "publicity", "2021-minge-001", ident)
    assert res.code == 1 and reason in res.err and ident in res.err and "未生成任何文件" in res.err
    assert not (root / "build/publicity/2021-minge-001").exists()


def test_press_release_bold_lead_ins_are_bold_not_asterisks(made):
    """The Markdown the Word file is made from: every ** pair is bold (a lead-in ending in 。 before a
    character would stay as literal asterisks in Word)."""
    from jianyan.text.markdown import parser
    root, _ = made
    text = (root / OUT / "新闻稿.md").read_text(encoding="utf-8")
    tokens = [c for t in parser().parse(text) if t.type == "inline" for c in t.children]
    assert sum(c.type == "strong_open" for c in tokens) >= 4
    assert not [c.content for c in tokens if c.type == "text" and "**" in c.content]
    assert "**一是保护责任与发展收益不对等**。民革山东省委会" in text


def test_an_id_given_twice_is_one_item(made):
    root, _ = made
    res = invoke(root, "publicity", "2021-minge-001", "2021-minge-001", "--date", "2021-03-10")
    assert res.code == 0 and "已生成 1 条信息的新闻稿初稿" in res.err, res
    assert (root / "build/publicity/2021-minge-001/新闻稿.md").is_file()


def test_personal_data_in_the_body_refuses(tmp_path: Path):
    root = copy_campaign(tmp_path / "c")
    path = root / "submissions/2021/minge/2021-minge-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n联系电话 138 0013 8000。\n", encoding="utf-8")
    res = invoke(root, "publicity", "2021-minge-001")
    assert res.code == 1 and "submissions/2021/minge/2021-minge-001.md" in res.out and "pii.mobile" in res.out
    assert not (root / "build/publicity").exists()


@pytest.mark.parametrize("unit, title, expected", [
    ("民革山东省委会", "关于建立黄河山东段市际横向生态保护补偿机制的建议", "民革山东省委会建言建立黄河山东段市际横向生态保护补偿机制"),
    ("民进山东省委会", "关于基层“痕迹管理”负担反弹问题的反映", "民进山东省委会反映基层“痕迹管理”负担反弹问题"),
    ("淄博市政协", "淄博推动化工园区数字化改造的做法与启示", "淄博推动化工园区数字化改造的做法与启示"),
])
def test_headline(unit, title, expected):
    assert headline_of(unit, title) == expected


def test_long_paragraph_is_split_at_sentence_ends():
    text = "甲" * 70 + "。" + "乙" * 70 + "。" + "丙" * 10 + "。"
    parts = short_paragraphs(Block("paragraph", "一是开头。", text), limit=100)
    assert [p.lead for p in parts] == ["一是开头。", ""]
    assert "".join(p.text for p in parts) == text and all(p.text.endswith("。") for p in parts)

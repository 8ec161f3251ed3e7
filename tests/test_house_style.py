"""The house style's rules as functions (issue 20): titles broken only between jieba words and balanced,
table columns sized from their content within the text width, figures numbered in order, the site's
wording of where an item was adopted. The printed documents themselves: tests/test_documents.py."""
from __future__ import annotations

import re

import pytest

from jianyan.dup.tokens import cut
from jianyan.render import style
from jianyan.render.charts import Bar, Chart
from jianyan.render.docmd import column_widths, number_figures
from jianyan.text.titles import NO_END, NO_START, lines, width

from conftest import ROOT

PER_LINE = style.chars_per_line(style.TITLE)  # 2号 in 156 mm: 20 characters

# Real titles of the sample campaign and of the documents, and how they must be broken (2号, 20 a line).
TITLES = [
    ("关于“为七个求突破建言”活动信息采用和办理情况的反馈", ["关于“为七个求突破建言”活动", "信息采用和办理情况的反馈"]),
    ("关于全面推行工业项目“标准地+承诺制”改革的建议", ["关于全面推行工业项目", "“标准地+承诺制”改革的建议"]),
    ("关于推动涉企轻微违法行为“免罚清单”在县级落地的建议", ["关于推动涉企轻微违法行为", "“免罚清单”在县级落地的建议"]),
    ("关于缓解车规级芯片短缺对我省汽车产业链冲击的建议", ["关于缓解车规级芯片短缺对", "我省汽车产业链冲击的建议"]),
    ("关于乡镇干部专业能力不适应项目建设需要问题的反映", ["关于乡镇干部专业能力不适应", "项目建设需要问题的反映"]),
    ("为七个求突破建言活动工作通报", ["为七个求突破建言活动工作通报"]),
]


def _sample_titles() -> list[str]:
    out = []
    for path in sorted((ROOT / "submissions").rglob("*.md")):
        m = re.search(r"^title: *['\"]?(.+?)['\"]?$", path.read_text(encoding="utf-8"), re.M)
        if m:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize("title, expected", TITLES)
def test_titles_break_as_an_editor_would(title, expected):
    assert lines(title, PER_LINE, cut) == expected


def test_every_sample_title_breaks_between_words_into_even_lines():
    titles = _sample_titles()
    assert len(titles) > 20
    for title in titles:
        for per_line in (PER_LINE, 12, 15):
            got = lines(title, per_line, cut)
            assert "".join(got) == title
            assert all(width(line) <= per_line for line in got), got
            bounds, at = set(), 0
            for word in cut(title):
                at += len(word)
                bounds.add(at)
            at = 0
            for line in got[:-1]:
                at += len(line)
                assert at in bounds, f"{title}: broken inside a word at {got}"
                assert title[at] not in NO_START and title[at - 1] not in NO_END, got
            if len(got) > 1:  # balanced: no line could give a whole word to its neighbour and be more even
                widths = [width(x) for x in got]
                assert max(widths) - min(widths) <= max(width(w) for w in cut(title)) + 2, got


def test_table_columns_fit_the_text_width_and_short_cells_stay_on_one_line():
    rows = [["信息", "承办单位", "交办日期", "办理时限", "进度", "状态"],
            ["《关于建立黄河山东段市际横向生态保护补偿机制的建议》（民革山东省委会）", "省财政厅（主办）",
             "3月10日", "6月10日", "100%", "已办结"]]
    widths = column_widths(rows, style.TABLE)
    assert abs(sum(widths) - style.TEXT_WIDTH_MM) < 0.01
    em = style.TABLE / 72 * 25.4
    for j, cell in enumerate(rows[1][2:], start=2):  # dates, percent, state: unbroken
        assert widths[j] >= len(rows[0][j]) * em, (j, widths)
    assert widths[0] == max(widths)  # the long titles get the room
    narrow = column_widths([["甲", "乙"], ["1", "2"]], style.TABLE)
    assert narrow[0] == pytest.approx(narrow[1]) and sum(narrow) == pytest.approx(style.TEXT_WIDTH_MM)


def test_figures_are_numbered_in_the_order_they_appear():
    charts = {k: Chart(k, cap, [Bar("a", 1)]) for k, cap in (("kinds", "图2 各类单位"), ("topics", "图1 各重点选题"))}
    md = "![图2 各类单位](charts/kinds.svg)\n\n文字\n\n![图1 各重点选题](charts/topics.svg)\n"
    assert number_figures(md, charts) == "![图1 各类单位](charts/kinds.svg)\n\n文字\n\n![图2 各重点选题](charts/topics.svg)\n"
    assert charts["kinds"].caption == "图1 各类单位" and charts["topics"].caption == "图2 各重点选题"


def test_site_item_page_names_the_bulletin_issue(campaign, cli):
    result = cli(campaign, "site")
    assert result.code == 0, result
    page = (campaign / "build/site/items/2021-minge-001.html").read_text(encoding="utf-8")
    assert "见<a href=\"../issues/2021-001.html\">《为七个求突破建言专刊》第1期</a>" in page
    issue = (campaign / "build/site/issues/2021-001.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="source">（[^<]+）</p>', issue)


def _embedded(path) -> dict[str, "TTFont"]:
    """The fonts a Word file carries: font table name → the de-obfuscated font."""
    import io
    import zipfile

    from fontTools.ttLib import TTFont
    from jianyan.render.fontembed import obfuscate
    out = {}
    with zipfile.ZipFile(path) as z:
        table = z.read("word/fontTable.xml").decode()
        rels = z.read("word/_rels/fontTable.xml.rels").decode()
        for name, rid, key in re.findall(r'<w:font w:name="([^"]+)">(?:(?!</w:font>).)*?<w:embedRegular r:id="(\w+)" '
                                         r'w:fontKey="(\{[0-9A-F-]+\})"', table):
            target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
            out[name] = TTFont(io.BytesIO(obfuscate(z.read("word/" + (target.group(1) or target.group(2))), key)))
    return out


def test_word_files_carry_subsets_of_the_look_alikes_under_the_official_names(campaign, cli, monkeypatch):
    """By default a Word file embeds, for each house font it sets text in, the free look-alike cut to the
    characters set in that font, obfuscated (ECMA-376), licence kept, one weight step under Regular so an
    installed official font wins; without JIANYAN_EMBED_FONTS (the default) nothing is embedded."""
    import zipfile

    from docx import Document
    from jianyan.render import fontembed
    if fontembed.source("fang") is None:
        pytest.skip("no free 仿宋 look-alike installed")
    monkeypatch.setenv("JIANYAN_EMBED_FONTS", "subset")
    assert cli(campaign, "feedback", "--to", "2021-07-31", "--unit", "minge").code == 0
    path = next((campaign / "build/feedback").rglob("unit-minge.docx"))
    first = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        table = z.read("word/fontTable.xml").decode()
        settings = z.read("word/settings.xml").decode()
        styles = z.read("word/styles.xml").decode()
    assert "<w:embedTrueTypeFonts/><w:saveSubsetFonts/>" in settings
    entry = re.search(r'<w:font w:name="仿宋_GB2312">.*?</w:font>', table).group(0)
    # what Word and WPS substitute by: the Windows name, GB2312 charset, panose, family, pitch
    for part in ('<w:altName w:val="仿宋"/>', '<w:charset w:val="86"/>', '<w:panose1 w:val="02010609030101010101"/>',
                 '<w:family w:val="modern"/>', '<w:pitch w:val="fixed"/>', 'w:subsetted="1"'):
        assert part in entry, part
    assert '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>' in styles
    assert 'w:ascii="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:eastAsia="仿宋_GB2312"' in styles  # 西文使用中文字体
    fonts = _embedded(path)
    used = fontembed.characters(Document(path))
    assert set(fonts) == {style.FACES[k].name for k in used}  # only the faces the letter sets text in
    for key, chars in used.items():
        font = fonts[style.FACES[key].name]
        cmap = font.getBestCmap()
        assert "glyf" in font and font["name"].getDebugName(1) == style.FACES[key].name
        assert {ord(c) for c in chars} <= set(cmap) | {ord(" ")}, key  # every character it sets, no more
        assert len(cmap) <= len(set(chars)), key
        assert font["OS/2"].usWeightClass == fontembed.WEIGHT  # an installed Regular of the name wins
        assert font["OS/2"].fsType in (0, 8) and font["name"].getDebugName(0)  # licence allows it; copyright kept
    assert "采" in used["fang"]
    # the same letter again: the same bytes
    assert cli(campaign, "feedback", "--to", "2021-07-31", "--unit", "minge").code == 0
    assert path.read_bytes() == first
    monkeypatch.delenv("JIANYAN_EMBED_FONTS")
    assert cli(campaign, "feedback", "--to", "2021-07-31", "--unit", "minge").code == 0
    assert "embedRegular" not in zipfile.ZipFile(path).read("word/fontTable.xml").decode()
    assert len(path.read_bytes()) < len(first) / 2


def test_converted_and_embedded_fonts_do_not_carry_the_time_of_saving(monkeypatch):
    """fontTools stamps head.modified when it saves unless told not to: the PDF's converted fonts (which
    Chromium keeps in the PDF) and the Word file's embedded ones would differ from one build to the next
    (two builds of one commit once did; tools/compare_outputs.py HEAD HEAD)."""
    import fontTools.ttLib.tables._h_e_a_d as head
    from jianyan.render import fontembed, pdf
    src = fontembed.source("fang")
    if src is None:
        pytest.skip("no 仿宋 look-alike installed")
    made = []
    for stamp in (0, 10 ** 9):
        fontembed._OUTLINES.clear()
        pdf._SUBSETS.clear()
        monkeypatch.setattr(head, "timestampNow", lambda stamp=stamp: stamp)
        made.append((pdf.truetype_subset(src.path, src.index, "建言专刊"),
                     fontembed.font_bytes(src, "仿宋_GB2312", "建言专刊")))
    assert made[0] == made[1]


def test_only_fonts_whose_licence_allows_editing_are_embedded():
    """OS/2 fsType: installable (0) or editable (8) may be embedded (LibreOffice drops anything else);
    preview-and-print (4, AR PL KaitiM GB), restricted (2), no-subsetting (0x100) or bitmap-only (0x200) not."""
    from jianyan.render.fontembed import _allows_embedding
    assert _allows_embedding(0) and _allows_embedding(8)
    assert not any(_allows_embedding(v) for v in (2, 4, 0x108, 0x208))

"""dup.*: near-duplicates, copied spans, traditional script, the 查重报告, reference corpora, accuracy."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.items import ORIGINAL, body_of, near_copy, write_item

from jianyan.dup.normalise import normalise


def dup_findings(cli, root: Path, *args: str) -> list[dict]:
    res = cli(root, "check", "--only", "dup", "--format", "json", *args)
    assert res.code in (0, 1), res
    return [f for f in res.json() if f["code"].startswith("dup.")]


# --- normalisation ------------------------------------------------------------------------

def test_normalise_strips_markdown_and_maps_offsets_back():
    src = "## 一、存在的問題\n\n一是**上下游**之间，见[附件](http://x.cn)①ＡＢ。\n> “引用”"
    n = normalise(src)
    assert n.text == "一、存在的问题\n\n一是上下游之间,见附件1ab。\n“引用”\n"
    i = n.text.index("上")
    assert src[n.src(i)] == "上" and n.line_col(i) == (2, 5)
    j = n.text.index("附")
    assert n.line_col(j) == (2, 15)
    k = n.text.index("1ab")
    assert src[n.src(k)] == "①" and src[n.src(k + 2)] == "Ｂ"
    assert n.text[n.quoted[0][0]:n.quoted[0][1]] == "“引用”"
    assert n.line_col(n.text.index("问")) == (0, 9)  # traditional 問 → 问, still at its column


# --- the check ----------------------------------------------------------------------------

def test_sample_items_have_no_dup_warnings(campaign, cli):
    found = dup_findings(cli, campaign)
    assert [f for f in found if f["severity"] != "info"] == []


def test_near_duplicate_fails_check_naming_the_original(campaign, cli):
    write_item(campaign, "2021-jinan-009", near_copy(campaign))
    res = cli(campaign, "check", "--only", "dup")
    assert res.code == 1, res
    line = next(x for x in res.out.splitlines() if "2021-jinan-009.md" in x and "dup.near_duplicate" in x)
    assert "error" in line and "2021-minge-001" in line and ORIGINAL in line
    assert "总文字复制比" in line and "首个相同片段在第" in line
    # the original is not reported: it came first
    assert ORIGINAL not in {f["path"] for f in dup_findings(cli, campaign)}


def test_near_duplicate_on_a_branch_fails_check_base(campaign, cli):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.cn", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=campaign, check=True)
    subprocess.run([*git, "add", "-A"], cwd=campaign, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=campaign, check=True)
    subprocess.run(["git", "checkout", "-qb", "new-item"], cwd=campaign, check=True)
    write_item(campaign, "2021-jinan-009", near_copy(campaign))
    subprocess.run([*git, "add", "-A"], cwd=campaign, check=True)
    subprocess.run([*git, "commit", "-qm", "copy"], cwd=campaign, check=True)
    found = dup_findings(cli, campaign, "--base", "main")
    assert {(f["path"], f["severity"]) for f in found} == {("submissions/2021/jinan/2021-jinan-009.md", "error")}
    assert "2021-minge-001" in found[0]["message"]


def test_traditional_script_copy_is_caught(campaign, cli):
    from opencc import OpenCC
    write_item(campaign, "2021-jinan-009", OpenCC("s2t").convert(body_of(campaign / ORIGINAL)))
    found = [f for f in dup_findings(cli, campaign) if f["path"].endswith("2021-jinan-009.md")]
    assert found and found[0]["severity"] == "error" and "2021-minge-001" in found[0]["message"]


def test_item_rejected_as_duplicate_is_info_only(campaign, cli):
    review = "review:\n  by: 孙某某\n  date: 2021-04-03\n  reason: duplicate\n"
    write_item(campaign, "2021-jinan-009", near_copy(campaign), status="rejected", extra=review)
    found = [f for f in dup_findings(cli, campaign) if "jinan" in f["path"]]
    assert found and all(f["severity"] == "info" for f in found)
    assert "2021-minge-001" in found[0]["message"] and "不予采用，仅供参考" in found[0]["message"]


def test_series_linked_by_related_is_info_only(campaign, cli):
    write_item(campaign, "2021-jinan-010", near_copy(campaign), extra="related: [2021-minge-001]\n")
    found = [f for f in dup_findings(cli, campaign) if "jinan" in f["path"]]
    assert [(f["code"], f["severity"]) for f in found] == [("dup.series", "info")]


def test_short_item_inside_a_long_one_is_caught(campaign, cli):
    paragraphs = [p for p in body_of(campaign / ORIGINAL).split("\n\n") if len(p) > 60]
    write_item(campaign, "2021-jinan-009", "\n\n".join(paragraphs[:3]))
    found = [f for f in dup_findings(cli, campaign) if f["path"].endswith("2021-jinan-009.md")]
    assert found and found[0]["code"] == "dup.near_duplicate"
    contained = float(re.search(r"本篇被对方包含 ([\d.]+)%", found[0]["message"]).group(1))
    assert contained >= 95


# --- the report ---------------------------------------------------------------------------

OWN = "我省农村供水工程建设取得积极进展，但一些地方管护机制还不健全。"
COPIED = "全省农村自来水普及率达到96%以上，规模化供水工程覆盖人口比例超过80%"
SOURCE_BODY = (f"近年来，全省持续推进城乡供水一体化，**{COPIED[:15]}**{COPIED[15:]}。\n\n"
               "下一步要在水源保护、水质检测和运行维护三个方面下功夫。")


def test_html_report_highlights_the_copied_spans(campaign, cli):
    write_item(campaign, "2021-jinan-008", SOURCE_BODY, date="2021-03-01", title="关于城乡供水一体化的建议")
    write_item(campaign, "2021-jinan-009", f"{OWN}据统计，{COPIED}。但是部分村庄仍存在季节性缺水。")
    res = cli(campaign, "dup", "2021-jinan-009")
    assert res.code == 0, res
    assert "单篇最大文字复制比" in res.out and f"第 11 行：“{COPIED[:-1]}”" in res.out
    html = (campaign / "build" / "dup" / "2021-jinan-009.html").read_text(encoding="utf-8")
    section = next(s for s in html.split('<section class="source">') if "2021-jinan-008" in s)
    left, right = section.split('class="text right"')
    # hand-checked: the span runs from the first to the last copied word (the trailing “%” is not a word)
    assert re.findall(r"<mark>(.*?)</mark>", left) == [COPIED[:-1]]
    # in the original the span runs across its bold markup, shown as written (the opening ** is outside)
    assert re.findall(r"<mark>(.*?)</mark>", right) == [f"{COPIED[:15]}**{COPIED[15:-1]}"]


def test_html_report_escapes_submission_text(campaign, cli):
    write_item(campaign, "2021-jinan-008", SOURCE_BODY, date="2021-03-01")
    write_item(campaign, "2021-jinan-009", f"<script>alert(1)</script>{{{{ 7*7 }}}}据统计，{COPIED}。")
    assert cli(campaign, "dup", "2021-jinan-009").code == 0
    html = (campaign / "build" / "dup" / "2021-jinan-009.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "{{ 7*7 }}" in html


def test_report_for_unknown_id_is_a_clear_error(campaign, cli):
    res = cli(campaign, "dup", "2021-nope-001")
    assert res.code == 2 and "没有编号为 2021-nope-001 的信息" in res.err


# --- reference corpora --------------------------------------------------------------------

def set_reference_dir(root: Path, folder: str) -> None:
    settings = root / "schema" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "\ndup:\n" in text
    settings.write_text(text.replace("\ndup:\n", f"\ndup:\n  reference_dir: {folder}\n", 1), encoding="utf-8")


def test_outside_reference_text_and_exported_index(campaign, cli, tmp_path):
    other = tmp_path / "other"
    import shutil
    shutil.copytree(campaign, other)
    res = cli(campaign, "dup", "export", str(tmp_path / "old.json.gz"))
    assert res.code == 0, res
    # the other campaign no longer holds minge-001 itself: only the exported index has it
    (other / ORIGINAL).unlink()
    (other / "refs").mkdir()
    shutil.copy(tmp_path / "old.json.gz", other / "refs" / "2021.json.gz")
    (other / "refs" / "政策文件.txt").write_text(
        "各地要坚持节水优先、空间均衡、系统治理、两手发力的治水思路，全面推行河湖长制，强化水资源刚性约束。", encoding="utf-8")
    set_reference_dir(other, "refs")
    write_item(other, "2021-jinan-009", near_copy(campaign))
    write_item(other, "2021-jinan-010", "我市近年来持续改善水环境。各地要坚持节水优先、空间均衡、系统治理、两手发力的治水思路，"
                                  "全面推行河湖长制，强化水资源刚性约束。建议加快出台配套办法。")
    found = dup_findings(cli, other)
    f9 = [f for f in found if f["path"].endswith("2021-jinan-009.md")]
    f10 = [f for f in found if f["path"].endswith("2021-jinan-010.md")]
    assert f9 and f9[0]["code"] == "dup.reference" and "2021-minge-001" in f9[0]["message"]
    assert f10 and f10[0]["code"] == "dup.reference" and "refs/政策文件.txt" in f10[0]["message"]


def test_missing_reference_dir_is_reported(campaign, cli):
    set_reference_dir(campaign, "no-such-folder")
    found = dup_findings(cli, campaign)
    assert [(f["path"], f["severity"]) for f in found] == [("schema/settings.yaml", "error")]
    assert "no-such-folder 不存在" in found[0]["message"]


# --- cache ---------------------------------------------------------------------------------

def test_cache_gives_the_same_findings(campaign, cli):
    (campaign / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")  # as jianyan init writes it
    write_item(campaign, "2021-jinan-009", near_copy(campaign))
    cold = dup_findings(cli, campaign)
    assert any((campaign / ".jianyan-cache").rglob("*.keys.npy"))
    assert dup_findings(cli, campaign) == cold


# --- accuracy on the sample campaign's own prose ---------------------------------------------

def test_accuracy_evaluation_on_sample_texts():
    from benchmarks.dup_accuracy import evaluate
    root = Path(__file__).resolve().parents[1]
    passages = []
    for path in sorted((root / "submissions").rglob("*.md")):
        body = body_of(path)
        passages += [p for p in body.split("\n\n") if len(p) >= 120 and not p.startswith("#")]
    r = evaluate(passages, n_queries=12, n_controls=6, seed=3, root=None, processes=1)
    assert r["document"]["precision"] >= 0.95 and r["document"]["recall"] >= 0.95, r
    assert r["span_verbatim"]["precision"] >= 0.95 and r["span_verbatim"]["recall"] >= 0.95, r
    assert r["span_light_edits"]["precision"] >= 0.90 and r["span_light_edits"]["recall"] >= 0.85, r


# --- the vectorised steps of the features and of comparing, against numpy's plain definitions ---

def _reference_winnow(sh, w):
    if len(sh) <= w:
        i = int(np.argmin(sh))
        return sh[i:i + 1], np.array([i])
    win = np.lib.stride_tricks.sliding_window_view(sh, w)
    pos = np.unique(np.argmin(win, axis=1) + np.arange(len(sh) - w + 1))
    return sh[pos], pos


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=60), st.integers(1, 6))
def test_winnow_takes_each_windows_leftmost_minimum(values, w):
    """Small values make ties everywhere: the leftmost minimum of each window is the fingerprint."""
    from jianyan.dup.features import winnow
    sh = np.array(values, dtype=np.uint64)
    got_h, got_p = winnow(sh, w)
    want_h, want_p = _reference_winnow(sh, w)
    assert got_p.tolist() == want_p.tolist() and got_h.tolist() == want_h.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5), max_size=40),
       st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5), max_size=40))
def test_member_and_distinct_are_isin_and_unique(values, table):
    from jianyan.dup.compare import distinct, member
    v, t = np.array(values, dtype=np.uint64), np.array(table, dtype=np.uint64)
    assert distinct(t).tolist() == np.unique(t).tolist()
    assert member(v, distinct(t)).tolist() == np.isin(v, t).tolist()

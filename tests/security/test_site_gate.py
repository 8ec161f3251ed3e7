"""`jianyan site` publishes no personal data, however written, and leaves no scratch folders (issue 18).

The source scan (checks on the published fields and bodies, Markdown as rendered) refuses first; the
last gate scans the finished pages and the search index with the same normaliser before anything is
written, so personal data from a template, the settings or a registry is refused too. A refused
build leaves the previous build/site/ exactly as it was.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jianyan.render import site

ITEM = "submissions/2021/minge/2021-minge-001.md"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def plant(campaign: Path, text: str) -> int:
    """Put ``text`` as the second body line of a public item; its 1-based file line."""
    path = campaign / ITEM
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index("---", 1) + 2
    lines.insert(at, text + "\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 1


@pytest.mark.parametrize("text, code", [
    ("请致电138\u200b0013\u200b8000。", "pii.mobile"),
    ("请致电&#49;3912345678。", "pii.mobile"),
    ("请致电138**0013**8000。", "pii.mobile"),
    ("请致电138.0013.8000。", "pii.mobile"),
    ("请致电138\n0013\n8000。", "pii.mobile"),
    ("身份证号 370102-19800101-1237。", "pii.id_card"),
    ("邮箱 wangmm&#64;example.com。", "pii.email"),
])
def test_obfuscated_data_in_a_public_item_refuses_and_keeps_the_old_site(campaign: Path, cli, text, code):
    assert cli(campaign, "site").code == 0
    before = tree(campaign / "build/site")
    line = plant(campaign, text)
    res = cli(campaign, "site")
    assert res.code == 1, res
    assert f"{ITEM}:{line}:" in res.out and f"[{code}]" in res.out, res
    assert "网站未生成" in res.err
    assert tree(campaign / "build/site") == before


def test_the_last_gate_catches_what_the_source_scan_missed(campaign: Path, cli, monkeypatch):
    """With the source scan switched off, the finished page and search index are still scanned."""
    monkeypatch.setattr(site, "privacy_findings", lambda campaign, docs: [])
    plant(campaign, "请致电138\u00ad0013\u00ad8000。")
    res = cli(campaign, "site")
    assert res.code == 1, res
    assert "build/site/items/2021-minge-001.html:" in res.out and "[pii.mobile]" in res.out
    assert "build/site/assets/search-index.js:" in res.out
    assert ITEM in res.out  # the message names the source file of the page
    assert "13800138000" not in res.out + res.err
    assert not (campaign / "build/site").exists()


def test_personal_data_from_a_template_is_refused(campaign: Path, cli):
    override = campaign / "templates/site/base.html.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text('{% extends "default/site/base.html.j2" %}'
                        '{% block title %}值班电话 0531-8606&#8203;1234{% endblock %}\n', encoding="utf-8")
    res = cli(campaign, "site")
    assert res.code == 1, res
    assert "build/site/index.html:" in res.out and "[pii.landline]" in res.out
    assert "模板" in res.out


def test_gate_reads_every_kind_of_output():
    rows = [{"t": "关于某某的建议", "x": "请致电138 0013 8000"}]
    pages = {
        "items/a.html": "<html><body><p>手机<em>138</em>0013<b>8000</b></p></body></html>".encode(),
        "assets/search-index.js": f"window.JIANYAN_SEARCH = {json.dumps(rows, ensure_ascii=False)};\n".encode(),
        "api/items.json": json.dumps([{"body": "邮箱 wangmm@example.com"}]).encode(),
        "api/items.csv": "id,text\n2021-minge-001,身份证 370102198001011237\n".encode(),
        "assets/style.css": b"body { margin: 0 0 0 0; color: #333; }\n",
    }
    found = {(f.path, f.code) for f in site.published_findings(pages, {})}
    assert found == {("build/site/items/a.html", "pii.mobile"), ("build/site/assets/search-index.js", "pii.mobile"),
                     ("build/site/api/items.json", "pii.email"), ("build/site/api/items.csv", "pii.id_card")}


@pytest.mark.parametrize("number", ["13800138000", "13800138000.0", "1.3800138e10", "370102198001011237"])
def test_gate_reads_numbers_in_json(number):
    """A JSON number is what a program reading the file gets: 13800138000 is a phone number there too."""
    pages = {"api/items.json": f'[{{"id": "2021-minge-001", "tel": {number}}}]'.encode(),
             "assets/search-index.js": f"window.JIANYAN_SEARCH = [{{\"n\": {number}}}];\n".encode()}
    found = {(f.path, f.code, f.line) for f in site.published_findings(pages, {})}
    code = "pii.id_card" if number.startswith("37") else "pii.mobile"
    assert found == {("build/site/api/items.json", code, 1), ("build/site/assets/search-index.js", code, 1)}


def test_gate_leaves_ordinary_json_numbers_alone():
    pages = {"api/stats.json": json.dumps({"count": 138, "year": 2021, "share": 0.5, "ok": True,
                                           "none": None, "total": 13800138000.5}).encode()}
    assert site.published_findings(pages, {}) == []


def test_the_sample_site_passes_the_gate(campaign: Path, cli):
    assert cli(campaign, "site").code == 0


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_scratch_folders_of_killed_runs_are_removed(campaign: Path, cli):
    build = campaign / "build"
    assert cli(campaign, "site").code == 0
    dead = dead_pid()
    stale = build / f".site.{dead}-x1y2z3"
    (stale / "items").mkdir(parents=True)
    (stale / "items/a.html").write_text("半成品", encoding="utf-8")
    live = build / f".site.{os.getpid()}-busy"  # a run still going (this process) is left alone
    live.mkdir()
    foreign = build / ".sitemap"  # not a scratch folder
    foreign.mkdir()
    assert cli(campaign, "site").code == 0
    assert not stale.exists() and live.is_dir() and foreign.is_dir()
    assert sorted(p.name for p in build.iterdir() if p.name.startswith(".site.")) == [live.name]


def test_a_run_killed_between_its_renames_gets_its_site_back(campaign: Path, cli):
    """Killed after moving the old site aside and before moving the new one in: the next run
    (even one that refuses) puts the old site back first."""
    build = campaign / "build"
    assert cli(campaign, "site").code == 0
    before = tree(build / "site")
    aside = build / f".site.{dead_pid()}-k1.old"
    os.rename(build / "site", aside)
    plant(campaign, "请致电13800138000。")
    assert cli(campaign, "site").code == 1
    assert tree(build / "site") == before and not aside.exists()


@pytest.mark.parametrize("name", [".site.backup01", ".site.99999999999999999999-x", ".site.²-x", ".site.12ab-x",
                                  ".site.0-x"])
def test_sweep_leaves_folders_it_did_not_make_alone(tmp_path, name):
    """Only a dead run's own scratch folder (``.site.<pid>-…``) is removed: a folder of another name
    survives, and a name that is no process id neither crashes the run nor is taken for one."""
    from jianyan.render.site import sweep
    out = tmp_path / "build" / "site"
    out.mkdir(parents=True)
    (out.parent / name).mkdir()
    sweep(out)
    assert (out.parent / name).is_dir()

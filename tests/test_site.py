"""`jianyan site`: what is published, what never is, refusal on personal data, safe Markdown, stable output."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jianyan.text.markdown import is_safe_link, to_html


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def site_files(campaign: Path) -> dict[str, str]:
    root = campaign / "build" / "site"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---")[1]


def field(path: Path, key: str) -> str:
    m = re.search(rf"^{key}: *(.+)$", front(path), re.M)
    return m.group(1).strip() if m else ""


def submissions(campaign: Path) -> list[Path]:
    return sorted((campaign / "submissions").rglob("*.md"))


@pytest.fixture
def built(campaign: Path, cli):
    """The sample campaign (issues 001 and 002 are public) with its site built."""
    res = cli(campaign, "site")
    assert res.code == 0, res
    return campaign


def test_only_public_accepted_or_adopted_items_are_published(built: Path):
    files = site_files(built)
    published = {p[len("items/"):-len(".html")] for p in files if p.startswith("items/")}
    expected = {p.stem for p in submissions(built)
                if field(p, "public") == "true" and field(p, "status").split()[0] in ("accepted", "adopted")}
    assert expected and published == expected
    never = {p.stem for p in submissions(built) if field(p, "status").split()[0] in ("draft", "rejected", "withdrawn")}
    assert never and not never & published
    everything = "\n".join(files.values())
    for ident in never:
        assert ident not in everything


def test_private_fields_never_reach_the_site(built: Path):
    everything = "\n".join(site_files(built).values())
    private = []
    for p in submissions(built):
        for key in ("contact", "note", "opinion"):
            value = field(p, f" *{key}") if key != "contact" else field(p, key)
            if len(value) >= 4:
                private.append(value)
    assert private, "the sample campaign should have contacts and review notes to test with"
    for value in private:
        assert value not in everything
    assert "孙某某" not in everything  # the reviewer (research office) is internal
    assert "contact" not in everything


def test_public_issue_page_and_indexes(built: Path):
    files = site_files(built)
    assert "issues/2021-001.html" in files
    assert "issues/2021-002.html" in files
    assert "issues/2021-003.html" not in files  # dispatched but not marked public
    issue = files["issues/2021-001.html"]
    assert "第1期（总第1期）" in issue and "建立黄河山东段市际横向生态补偿机制" in issue
    assert "王某某" not in issue  # sign-off is internal
    home = files["index.html"]
    assert '<html lang="zh-CN">' in home and "为七个求突破建言" in home
    assert "topics/1.html" in home and "issues/2021-001.html" in home
    assert "民革山东省委会" in files["units/minge.html"]
    assert "2021-minge-001.html" in files["topics/1.html"]
    item = files["items/2021-minge-001.html"]
    assert "../issues/2021-001.html" in item  # adopted in a public issue: linked


def test_every_internal_link_resolves_and_nothing_is_external(built: Path):
    root = built / "build" / "site"
    for rel, text in site_files(built).items():
        if not rel.endswith(".html"):
            continue
        for url in re.findall(r'(?:href|src)="([^"]+)"', text):
            assert not re.match(r"(?i)(https?:)?//", url), f"{rel}: external resource {url}"
            if url.startswith("#"):
                continue
            target = (root / rel).parent / url.split("#")[0].split("?")[0]
            assert target.is_file(), f"{rel}: broken link {url}"


def test_search_index_lists_every_page_with_its_text(built: Path):
    text = site_files(built)["assets/search-index.js"]
    prefix = "window.JIANYAN_SEARCH = "
    assert text.startswith(prefix)
    rows = json.loads(text[len(prefix):].rstrip().rstrip(";"))
    hrefs = {r["h"] for r in rows}
    assert "items/2021-minge-001.html" in hrefs and "issues/2021-001.html" in hrefs
    minge = next(r for r in rows if r["h"] == "items/2021-minge-001.html")
    assert minge["t"] == "关于建立黄河山东段市际横向生态保护补偿机制的建议"
    assert "628公里" in minge["x"] and "#" not in minge["x"]


def test_planted_phone_number_refuses_with_file_and_line(campaign: Path, cli):
    target = campaign / "submissions/2021/minge/2021-minge-001.md"
    lines = target.read_text(encoding="utf-8").split("\n")
    body_line = lines.index("---", 1) + 2  # first body line, 1-based
    lines[body_line + 1] = "如需了解详情请致电13905318888。" + lines[body_line + 1]
    target.write_text("\n".join(lines), encoding="utf-8")
    res = cli(campaign, "site")
    assert res.code == 1, res
    assert f"submissions/2021/minge/2021-minge-001.md:{body_line + 2}:" in res.out
    assert "[pii.mobile]" in res.out and "13905318888" not in res.out
    assert "网站未生成" in res.err
    assert not (campaign / "build" / "site").exists()


def test_phone_in_private_contact_or_unpublished_item_does_not_block(campaign: Path, cli):
    # contact fields hold phone numbers in the sample; a draft with a phone in its body is never published
    draft = next(p for p in submissions(campaign) if field(p, "status").startswith("draft"))
    edit(draft, "\n---\n", "\n---\n联系电话13905318888。\n")
    res = cli(campaign, "site")
    assert res.code == 0, res


def test_pii_rule_switched_off_in_settings_still_refuses(campaign: Path, cli):
    settings = campaign / "schema/settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\nseverity:\n  pii: \"off\"\n", encoding="utf-8")
    edit(campaign / "submissions/2021/minge/2021-minge-001.md", "\n---\n", "\n---\n电话13905318888。\n")
    res = cli(campaign, "site")
    assert res.code == 1 and "[pii.mobile]" in res.out, res


def test_a_withdrawn_public_item_disappears_on_rebuild(built: Path, cli):
    assert (built / "build/site/items/2021-minge-001.html").is_file()
    edit(built / "submissions/2021/minge/2021-minge-001.md", "public: true", "public: false")
    res = cli(built, "site")
    assert res.code == 0, res
    assert not (built / "build/site/items/2021-minge-001.html").exists()
    assert "2021-minge-001" not in site_files(built)["assets/search-index.js"]


def test_output_is_deterministic(built: Path, cli):
    first = site_files(built)
    assert cli(built, "site").code == 0
    assert site_files(built) == first


def test_raw_html_and_unsafe_links_are_not_rendered(campaign: Path, cli):
    edit(campaign / "submissions/2021/minge/2021-minge-001.md", "\n---\n",
         "\n---\n<script>alert(1)</script> [点我](javascript:alert(1)) [资料](https://www.sdzx.gov.cn/) "
         "<img src=x onerror=alert(1)> [数据](data:text/html,hi)\n\n")
    assert cli(campaign, "site").code == 0
    page = site_files(campaign)["items/2021-minge-001.html"]
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert '<a href="https://www.sdzx.gov.cn/">资料</a>' in page


@pytest.mark.parametrize("url, ok", [
    ("https://www.sdzx.gov.cn/", True), ("http://x.cn/a?b=c:d", True), ("mailto:a@b.cn", True),
    ("../items/2021-minge-001.html", True), ("#fn1", True), ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False), (" java\tscript:alert(1)", False), ("vbscript:x", False),
    ("data:text/html,x", False), ("file:///etc/passwd", False), ("ftp://x.cn", False),
])
def test_link_validator(url: str, ok: bool):
    assert is_safe_link(url) is ok
    html = to_html(f"[链接]({url.strip()})")
    assert ("<a href=" in html) is ok


def test_images_from_other_servers_are_dropped_but_local_ones_kept():
    html = to_html("见![示意图](https://cdn.example.com/a.png)与![流程](//cdn.example.com/b.png)及![本地](img/c.png)")
    assert "cdn.example.com" not in html
    assert "见示意图与流程及" in html and '<img src="img/c.png" alt="本地" />' in html


def test_campaign_template_overrides_the_site(campaign: Path, cli):
    override = campaign / "templates/site/base.html.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text('{% extends "default/site/base.html.j2" %}{% block title %}本地标题{% endblock %}\n',
                        encoding="utf-8")
    assert cli(campaign, "site").code == 0
    assert "<title>本地标题</title>" in site_files(campaign)["index.html"]


def test_broken_site_template_is_a_clear_error(campaign: Path, cli):
    override = campaign / "templates/site/home.html.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("{{ nonexistent_variable }}\n", encoding="utf-8")
    res = cli(campaign, "site")
    assert res.code == 2 and "templates/site/home.html.j2" in res.err and "Traceback" not in res.err, res

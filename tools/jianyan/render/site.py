"""`jianyan site`: the public static site under build/site/.

What is published (a CPPCC publicises items fit for the public, never its internal records):
- submissions marked ``public: true`` whose status is in PUBLIC_STATUSES: ``accepted`` (审核通过: the
  research office has reviewed it) and ``adopted`` (已采用: used in a signed bulletin issue). Drafts,
  submitted, returned, rejected and withdrawn items are never published, whatever ``public`` says.
- bulletin issues marked ``public: true`` whose status is ``dispatched`` (已报送).
- of a submission only: title, reporting unit, submitter (署名: the unit, or the member's name for a
  member's item — CPPCC practice publishes members' names on their suggestions), topic, kind, date,
  whether it was adopted (with a link to the issue when that issue is public), and the body.
- of an issue only: its number, date, compiling unit, body, and links to the public items it drew on.
Never published: contact, committee_review, review (reviewers, reasons, notes), editor, sign-off,
dispatch, recipients, keywords, related ids.

The build refuses, writing nothing and leaving the previous build/site/ as it was, when personal data
is found (personal_data.py: the body as rendered, every number however written):
1. in any published text (title, submitter or body of a published file), naming file and line. The
   scanner is called directly, so a campaign setting that turns a pii rule ``off`` does not apply to
   the public site;
2. in the finished pages and search index themselves (the last gate, trusting no earlier step: a
   template, the settings or a registry can carry a number too), naming the page and its line.
Output is deterministic and replaces build/site/ in one rename. Its scratch folders are named
``.site.<pid>-…`` beside it; a later run removes those of runs that were killed, and puts back the
old site when one was killed between moving the old site aside and moving the new one in.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateNotFound
from markupsafe import Markup

from jianyan.checks import pii
from jianyan.checks.rules import RULES
from jianyan.core.errors import JianyanError
from jianyan.core.findings import Finding, error
from jianyan.core.fsutil import process_alive, write_atomic
from jianyan.text.markdown import plain_text, to_html
from jianyan.campaign.model import KINDS, UNIT_KINDS
from jianyan.campaign.paths import ISSUES_DIR
from jianyan.campaign.steps import ACCEPTED, FIELD_LABELS, SUBMISSION_STATUSES
from jianyan.text.personal_data import LABELS, Match, find_personal_data, find_personal_data_in_html, line_col, mask
from jianyan.render.env import TemplateFailure, environment, render
from jianyan.render.blocks import mark_sources
from jianyan.render import opendata
from jianyan.campaign.load import Campaign, Doc

PUBLIC_STATUSES = ACCEPTED
PUBLIC_ISSUE_STATUSES = ("dispatched",)
SITE_DIR = "build/site"
TEMPLATE_DIR = "site"
ASSETS = ("style.css", "search.js", "favicon.svg")
# Front-matter keys whose values appear on the site (scanned for personal data with the body).
PUBLISHED_KEYS = ("title", "submitter")


class SiteRefused(JianyanError):
    """Published text holds personal data: nothing was written."""

    def __init__(self, findings: list[Finding]):
        super().__init__(f"{len(findings)} 处问题")
        self.findings = findings


@dataclass
class PublicItem:
    id: str
    title: str
    submitters: list[str]
    unit_code: str
    unit_name: str
    topic: int
    topic_title: str
    topic_short: str
    kind: str
    date: str
    status: str
    html: Markup
    text: str
    href: str = ""
    adopted_in: str | None = None  # the issue id, only when that issue is public too
    adopted_number: int | None = None  # its number: 见《…专刊》第6期

    @property
    def status_label(self) -> str:
        return SUBMISSION_STATUSES[self.status]


@dataclass
class PublicIssue:
    id: str
    number: int
    total: int
    date: str
    title: str | None
    html: Markup
    text: str
    items: list[PublicItem] = field(default_factory=list)
    href: str = ""


@dataclass
class Selection:
    items: list[PublicItem]
    issues: list[PublicIssue]
    docs: list[Doc]  # the files whose text is published
    skipped_invalid: int = 0  # files marked public that could not be read (model None)


@dataclass
class SiteResult:
    out: Path
    pages: int
    items: int
    issues: int
    skipped_invalid: int


def _single_line(text: str) -> str:
    return " ".join(text.split())


def _marked_public(doc: Doc) -> bool:
    return str((doc.parsed.data or {}).get("public", "")).strip() in ("true", "是")


def _public(docs: list[Doc], statuses: tuple[str, ...]) -> list[Doc]:
    return [d for d in docs if d.model is not None and d.model.public and d.model.status in statuses]


def select(campaign: Campaign) -> Selection:
    """The public items and issues, newest first, with rendered bodies."""
    regs = campaign.registries
    assert regs is not None
    skipped = sum(_marked_public(d) for d in campaign.submissions + campaign.issues if d.model is None)
    items: list[PublicItem] = []
    docs: list[Doc] = []
    for doc in _public(campaign.submissions, PUBLIC_STATUSES):
        m = doc.model
        if m.unit not in regs.units or m.topic not in regs.topics:
            continue  # a broken reference: jianyan check reports it
        unit, topic = regs.units[m.unit], regs.topics[m.topic]
        items.append(PublicItem(
            id=m.id, title=m.title, submitters=list(m.submitter), unit_code=m.unit, unit_name=unit.name,
            topic=m.topic, topic_title=topic.title, topic_short=topic.short, kind=KINDS[m.kind],
            date=m.date.isoformat(), status=m.status, html=Markup(mark_sources(to_html(doc.body))),
            text=_single_line(plain_text(doc.body)), href=f"items/{m.id}.html"))
        docs.append(doc)
    by_id = {i.id: i for i in items}
    issues: list[PublicIssue] = []
    for doc in _public(campaign.issues, PUBLIC_ISSUE_STATUSES):
        m = doc.model
        issues.append(PublicIssue(
            id=m.id, number=m.number, total=m.total, date=m.date.isoformat(), title=m.title,
            html=Markup(mark_sources(to_html(doc.body))), text=_single_line(plain_text(doc.body)),
            items=[by_id[i] for i in m.items if i in by_id], href=f"issues/{m.id}.html"))
        docs.append(doc)
    public_issue_ids = {i.id for i in issues}
    for doc in docs:
        m = doc.model
        if m.id in by_id and m.status == "adopted" and m.adopted_in in public_issue_ids:
            by_id[m.id].adopted_in = m.adopted_in
            by_id[m.id].adopted_number = next(i.number for i in issues if i.id == m.adopted_in)
    items.sort(key=lambda i: (i.date, i.id), reverse=True)
    issues.sort(key=lambda i: (i.date, i.id), reverse=True)
    return Selection(items, issues, docs, skipped)


def privacy_findings(campaign: Campaign, docs: list[Doc]) -> list[Finding]:
    """Personal data (the pii rules) in the published fields and bodies of ``docs``, always as errors.

    Uses the pii family's scanner directly: a campaign's severity setting (even ``off``) does not apply
    to what goes on a public site, and the submitter and issue title are scanned here too.
    """
    context = campaign.registries.settings.quality.landline_context if campaign.registries else 8
    out: list[Finding] = []
    for doc in docs:
        def report(code, line, message, column=None, _path=doc.path):
            return error(_path, line, code, message.rstrip("。") + "。" + RULES[code].hint, column)
        data = doc.parsed.data or {}
        for key in PUBLISHED_KEYS:
            values = data.get(key)
            values = values if isinstance(values, list) else [values]
            for i, value in enumerate(values):
                if isinstance(value, str):
                    where = (key, i) if isinstance(data.get(key), list) else (key,)
                    out.extend(pii.in_text(value, doc.line(*where), report, context, FIELD_LABELS[key],
                                           doc.parsed.column_of(where, value=True) or 1))
        out.extend(pii.in_markdown(doc.body, doc.body_line, report, context))
    return sorted(set(out), key=Finding.sort_key)


def _strings(value) -> list[str]:
    """Every string in a JSON value, and every number as a program reading it writes it out
    (13800138000, also when the file says 13800138000.0 or 1.3800138e10)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        return [str(int(value)) if value.is_integer() else repr(value)]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    return [s for v in value for s in _strings(v)] if isinstance(value, list) else []


def _page_matches(rel: str, text: str) -> list[tuple[int | None, int | None, Match]]:
    """(line, column, match) of personal data in one finished file, read as a reader or a program
    reads it: an HTML page's text and attributes, a JSON (or script-wrapped JSON) file's strings,
    a CSV file's cells, any other text as it is."""
    if rel.endswith((".html", ".htm", ".svg")):
        return [(line + 1, col, m) for m, (line, col) in _located(text, find_personal_data_in_html(text))]
    if rel.endswith((".json", ".js")):
        body = text.strip()
        if body.startswith("window.") and "=" in body:  # window.NAME = {...};
            body = body.split("=", 1)[1].strip().rstrip(";")
        try:
            value = json.loads(body)
        except ValueError:
            value = None
        if value is not None:
            out = []
            for string in _strings(value):
                found = find_personal_data(string)
                if found:
                    at = max(text.find(json.dumps(string, ensure_ascii=False)[1:-1]), 0)
                    out.extend((text.count("\n", 0, at) + 1, None, m) for m in found)
            return out
    if rel.endswith(".csv"):
        rows = csv.reader(io.StringIO(text, newline=""))
        return [(rows.line_num, None, m) for row in rows for cell in row for m in find_personal_data(cell)]
    return [(line + 1, col, m) for m, (line, col) in _located(text, find_personal_data(text))]


def _located(text: str, matches: list[Match]):
    return zip(matches, line_col(text, [m.start for m in matches]))


def published_findings(pages: dict[str, bytes], sources: dict[str, str], prefix: str = SITE_DIR) -> list[Finding]:
    """The last gate: personal data in the finished site (page path → content), by the same normaliser.

    It trusts no earlier step: whatever put a number on a page (a published file the first scan
    misread, a template, the settings, a registry), the page is refused. Findings name the page as
    ``prefix``/path and its line; ``sources`` (page path → repository file) names the file a page
    shows, other pages are made from several files, the templates and the settings.
    """
    out: list[Finding] = []
    for rel in sorted(pages):
        try:
            text = pages[rel].decode("utf-8")
        except UnicodeDecodeError:
            continue  # an image: no text a reader reads
        for line, col, m in _page_matches(rel, text):
            origin = (f"该页内容来自 {sources[rel]}" if rel in sources else
                      "该页由多份公开文件的标题和摘要、模板（templates/site/）、设置（schema/settings.yaml）和登记表生成")
            out.append(error(f"{prefix}/{rel}", line, m.code,
                             f"公开网站页面含有{LABELS[m.code]} {mask(m.value)}（网站未写出）。{origin}，"
                             f"请在其中删去这一{LABELS[m.code]}。{RULES[m.code].hint}", col))
    return sorted(set(out), key=Finding.sort_key)


# --- rendering ----------------------------------------------------------------------------

def _group(items: list[PublicItem], key) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def search_index(sel: Selection, bulletin: str) -> list[dict]:
    """What the search page looks through: one entry per page, hrefs relative to the site root."""
    rows = [{"t": i.title, "u": i.unit_name, "s": "、".join(i.submitters), "p": i.topic_short, "d": i.date,
             "h": i.href, "x": i.text} for i in sel.items]
    rows += [{"t": f"《{bulletin}》第{i.number}期" + (f"：{i.title}" if i.title else ""), "u": "", "s": "", "p": "专刊",
              "d": i.date, "h": i.href, "x": i.text} for i in sel.issues]
    return rows


def asset(env, name: str) -> str:
    """A static file (CSS, JS) found like a template, so a campaign can override it, but copied as is."""
    try:
        return env.loader.get_source(env, name)[0]
    except TemplateNotFound:
        raise TemplateFailure(f"找不到网站文件“{name}”。请检查 templates/ 下的文件名") from None


def render_pages(campaign: Campaign, sel: Selection) -> dict[str, bytes]:
    """Site-relative path → file content."""
    regs = campaign.registries
    assert regs is not None
    env = environment(campaign.root)
    s = regs.settings
    dates = [i.date for i in sel.items] + [i.date for i in sel.issues]
    site = {"campaign": s.campaign, "organizer": s.organizer, "year": s.year, "notice": s.notice,
            "bulletin": s.bulletin.title, "compiler": s.bulletin.compiler, "updated": max(dates, default="")}
    by_topic = _group(sel.items, lambda i: i.topic)
    by_unit = _group(sel.items, lambda i: i.unit_code)
    topics = [{"number": t.number, "title": t.title, "short": t.short, "key_points": t.key_points,
               "entries": by_topic.get(t.number, []), "href": f"topics/{t.number}.html"}
              for t in sorted(regs.topics.values(), key=lambda t: t.number)]
    units = [{"code": u.code, "name": u.name, "full_name": u.full_name, "kind": UNIT_KINDS[u.kind],
              "entries": by_unit[u.code], "href": f"units/{u.code}.html"}
             for u in regs.units.values() if u.code in by_unit]
    kinds_order = list(UNIT_KINDS.values())
    units.sort(key=lambda u: (kinds_order.index(u["kind"]), u["code"]))
    unit_groups = [(k, [u for u in units if u["kind"] == k]) for k in kinds_order if any(u["kind"] == k for u in units)]

    pages: dict[str, bytes] = {}

    def page(path: str, template: str, **ctx) -> None:
        depth = path.count("/")
        html = render(env, f"{TEMPLATE_DIR}/{template}", campaign.root, site=site, base="../" * depth, path=path, **ctx)
        pages[path] = html.encode("utf-8")

    page("index.html", "home.html.j2", items=sel.items, issues=sel.issues, topics=topics, nav="home")
    page("search.html", "search.html.j2", nav="search")
    page("topics/index.html", "topics.html.j2", topics=topics, nav="topics")
    for t in topics:
        page(t["href"], "list.html.j2", heading=f"选题{t['number']}：{t['title']}", intro=t["key_points"],
             items=t["entries"], nav="topics", crumb=("按选题", "topics/index.html"))
    page("units/index.html", "units.html.j2", groups=unit_groups, nav="units")
    for u in units:
        page(u["href"], "list.html.j2", heading=u["name"], intro=[], items=u["entries"], nav="units",
             crumb=("按单位", "units/index.html"))
    page("issues/index.html", "issues.html.j2", issues=sel.issues, nav="issues")
    for issue in sel.issues:
        page(issue.href, "issue.html.j2", issue=issue, nav="issues")
    for item in sel.items:
        page(item.href, "item.html.j2", item=item, nav="topics")
    for name in ASSETS:
        pages[f"assets/{name}"] = asset(env, f"{TEMPLATE_DIR}/assets/{name}").encode("utf-8")
    index = json.dumps(search_index(sel, s.bulletin.title), ensure_ascii=False, separators=(",", ":"))
    pages["assets/search-index.js"] = f"window.JIANYAN_SEARCH = {index};\n".encode("utf-8")
    page(f"{opendata.API_DIR}/index.html", "opendata.html.j2", nav="api", **opendata.dictionary())
    pages.update(opendata.files(campaign, sel))  # api/: JSON, CSV, schemas (scanned by the last gate too)
    return pages


def sweep(out: Path) -> None:
    """Remove the scratch folders (``.<name>.<pid>-…``, as write_tree names them) of runs that were
    killed; a killed run's old site (``….old``) is put back when no site is there (it was killed between
    its two renames). Anything else beside ``out`` is left alone, whatever its name."""
    if not out.parent.is_dir():
        return
    prefix = f".{out.name}."
    for folder in sorted(out.parent.glob(f"{prefix}*")):
        pid, dash, _ = folder.name[len(prefix):].partition("-")
        if not (dash and process_alive(pid) is False) or folder.is_symlink():
            continue
        if folder.name.endswith(".old") and not out.exists() and folder.is_dir():
            os.rename(folder, out)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def write_tree(out: Path, pages: dict[str, bytes]) -> None:
    """Write every page into a fresh folder, then swap it in: stale pages (an item no longer public) vanish."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}-", dir=out.parent))
    old = tmp.with_name(tmp.name + ".old")
    try:
        for rel in sorted(pages):
            write_atomic(tmp / rel, pages[rel])
        os.chmod(tmp, 0o755)
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def build(campaign: Campaign, out: Path | None = None) -> SiteResult:
    """Select, check for personal data, render, check the result again and write the site.

    Raises SiteRefused (personal data) or render.env.TemplateFailure (a broken template), writing nothing.
    """
    out = out or campaign.root / SITE_DIR
    sweep(out)
    sel = select(campaign)
    refused = privacy_findings(campaign, sel.docs)
    if refused:
        raise SiteRefused(refused)
    pages = render_pages(campaign, sel)
    sources = {f"{'issues' if doc.path.startswith(ISSUES_DIR + '/') else 'items'}/{doc.model.id}.html": doc.path
               for doc in sel.docs}
    try:
        prefix = out.relative_to(campaign.root).as_posix()
    except ValueError:
        prefix = out.as_posix()
    leaked = published_findings(pages, sources, prefix)
    if leaked:
        raise SiteRefused(leaked)
    write_tree(out, pages)
    return SiteResult(out, sum(p.endswith(".html") for p in pages), len(sel.items), len(sel.issues),
                      sel.skipped_invalid)

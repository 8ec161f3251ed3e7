"""`jianyan import`: a Word (or WPS) document → a Markdown submission, losing nothing.

Steps: open (.doc/.wps go through LibreOffice first) → read the body in order (docxread.py)
→ split off the title and the header lines real templates carry (报送单位：…, 作者：…,
联系电话：…) → render the rest as Markdown (headings, numbered points, tables, footnotes,
bold) → resolve unit/topic/kind against the registries → write a new file with the next free
id (scaffold.create, never overwriting) → optionally keep the original beside it.
Any problem reading the document is an ImportFailure with one Chinese line; no file is written.

Hostile documents (issue 18): before python-docx opens a package, office.check_package refuses
macro files (.docm, or a VBA project inside) and zip bombs (members, sizes, compression ratio);
docxread stops past its caps (paragraphs, characters, time). Each refusal names the limit.
Rendering stays linear in the text (no regex that backtracks over a long run of spaces or breaks).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from jianyan.core.errors import JianyanError
from jianyan.importing.docxread import DocxContent, Para, Segment, Table, TooLarge, read_docx
from jianyan.core.fsutil import write_atomic
from jianyan.campaign.model import KINDS, Submission
from jianyan.render.office import MACRO_SUFFIXES, PackageRefused, check_package
from jianyan.campaign.load import Registries, is_original
from jianyan.campaign.scaffold import OutsidePeriod, create, next_id, render, submission_day

WORD_SUFFIXES = (".docx", ".doc", ".wps")
LEGACY_SUFFIXES = (".doc", ".wps")
CONVERT_HINT = "请用 Word 或 WPS 打开该文件，选择“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，再导入 .docx 文件"


class ImportFailure(JianyanError):
    """A document that cannot be imported: one clear Chinese line (no file is written)."""


# --- header lines ------------------------------------------------------------------------

# Keys of the header lines templates carry, longest first so that 联系电话 wins over 电话.
FIELD_KEYS = {
    "unit": ("报送单位名称", "报送单位", "供稿单位", "来稿单位", "单位"),
    "submitter": ("作者姓名", "报送人", "撰稿人", "执笔人", "提交人", "反映人", "作者", "执笔", "委员"),
    "contact_name": ("联系人",),
    "contact": ("联系电话", "联系方式", "办公电话", "手机号码", "手机号", "电子邮箱", "手机", "电话", "邮箱"),
    "topic": ("重点选题", "所属选题", "选题方向", "选题", "专题"),
    "kind": ("信息类别", "信息类型", "类别", "类型"),
    "date": ("报送日期", "报送时间", "日期"),
    "title": ("标题", "题目"),
}
_KEY_OF = {k: f for f, keys in FIELD_KEYS.items() for k in keys}
_KEYS_RE = "|".join(sorted(_KEY_OF, key=len, reverse=True))
_FIELD_START = re.compile(rf"^(?:{_KEYS_RE})[ \u3000]*[：:]")
_FIELD_ANY = re.compile(rf"(?:^|(?<=[\s\u3000，,；;。、]))({_KEYS_RE})[ \u3000]*[：:]")
_BRACKETS = {"（": "）", "(": ")", "【": "】", "[": "]"}
_STRIP = " \t\u3000\n，,；;。"


def parse_fields(text: str) -> list[tuple[str, str]] | None:
    """``报送单位：民革山东省委会  联系电话：0531-…`` → [("unit", …), ("contact", …)]; None if not such a line."""
    text = text.strip(" \t\u3000")
    if len(text) > 2 and _BRACKETS.get(text[0]) == text[-1]:
        text = text[1:-1].strip(" \t\u3000")
    if len(text) > 150 or not _FIELD_START.match(text):
        return None
    hits = list(_FIELD_ANY.finditer(text))
    out = []
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
        value = text[m.end():end].strip(_STRIP)
        out.append((_KEY_OF[m.group(1)], value))
    return out


def split_names(value: str) -> list[str]:
    """Split 王某某、李某 (or with ，/;/spaces) outside brackets."""
    names, depth, cur = [], 0, ""
    for ch in value:
        if ch in "（(【[":
            depth += 1
        elif ch in "）)】]":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；; \u3000":
            if cur.strip():
                names.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        names.append(cur.strip())
    return names


# --- Markdown ------------------------------------------------------------------------------

_ESCAPE = re.compile(r"([\\`*_\[\]<])")
_PUNCT = re.compile(r"[\W_]", re.U)  # punctuation or symbol (not a letter, digit or Han character)


def escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _is_punct(ch: str) -> bool:
    return bool(ch) and not ch.isspace() and bool(_PUNCT.match(ch))


def inline(segments: list[Segment], bold: bool = True, breaks: str = "\\\n") -> str:
    """Segments → inline Markdown. Bold spans are shifted past punctuation at their edges
    (``**一是加强监管。**然后`` would not be bold in CommonMark; ``**一是加强监管**。然后`` is)."""
    runs: list[list] = []  # [pieces of text, bold, kind]: text merged, breaks and notes as their own runs
    for s in segments:
        if s.kind == "text":
            if runs and runs[-1][2] == "text" and runs[-1][1] == s.bold:
                runs[-1][0].append(s.text)
            else:
                runs.append([[s.text], s.bold, "text"])
        else:
            runs.append([[s.text], False, s.kind])
    out = []
    for pieces, is_bold, kind in runs:
        text = "".join(pieces)
        if kind == "br":
            out.append(breaks)
        elif kind == "note":
            out.append(f"[^{text}]")
        elif is_bold and bold and text.strip(" \u3000"):
            # str.strip's whitespace is re's \s, U+3000 included (a regex for the trailing run backtracks)
            lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            core = text[len(lead):len(text) - len(trail)]
            i, j = 0, len(core)
            while i < j and _is_punct(core[i]):
                i += 1
            while j > i and _is_punct(core[j - 1]):
                j -= 1
            if i == j:
                out.append(escape(text))
            else:
                out.append(escape(lead + core[:i]) + "**" + escape(core[i:j]) + "**" + escape(core[j:] + trail))
        else:
            out.append(escape(text))
    return "".join(out)


_CN_NUM = "一二三四五六七八九十"
_SECTION = re.compile(rf"^[{_CN_NUM}]+、")
_SUBSECTION = re.compile(rf"^[（(][{_CN_NUM}]+[）)]")
_TERMINAL = re.compile(r"[。！？；;.!?]")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
HEADING_MAX = 30


def _line_start_safe(md: str) -> str:
    """Escape what would turn a plain line into a heading, quote or rule."""
    if re.match(r"^(#|>)", md):
        md = "\\" + md
    if re.fullmatch(r"[-=*_\s]{3,}", md):
        md = "\\" + md
    return md


def heading_level(para: Para, top: int = 1) -> int | None:
    """Markdown heading level (2 or 3…) for a paragraph, or None for a plain paragraph.

    ``top`` is the shallowest Word heading level in the body: it becomes ``##`` (``#`` is the title's).
    """
    text = para.text
    if para.heading is not None:
        return min(para.heading - top + 2, 4)
    if len(text) > HEADING_MAX or "\n" in text or _TERMINAL.search(text):
        return None
    if _SECTION.match(text):
        return 2
    if _SUBSECTION.match(text):
        return 3
    return None


def paragraph_md(para: Para, top: int = 1) -> str:
    level = heading_level(para, top)
    if level:
        body = inline(para.segments, bold=False, breaks=" ").strip(" \t\u3000")
        return "#" * level + " " + escape(para.label) + body
    body = _strip_breaks(inline(para.segments).strip(" \t\u3000")).strip(" \t\u3000")
    if para.bullet:
        return "- " + body
    label = escape(para.label)
    if para.label and para.level > 0:
        label = re.sub(r"^(\d+)([.)])", r"\1\\\2", label)  # deeper levels: show Word's number literally
    return _line_start_safe(label + body)


def _strip_breaks(body: str) -> str:
    """Without the line breaks (``\\`` newline) at either end, in one pass (a regex anchored at the end
    would try every position of a paragraph of 100 000 breaks)."""
    start, end = 0, len(body)
    while body.startswith("\\\n", start, end):
        start += 2
    while end - 2 >= start and body.startswith("\\\n", end - 2, end):
        end -= 2
    return body[start:end]


def table_md(table: Table) -> str:
    rows = [[" ".join(inline(p.segments, breaks=" ").strip(" \t\u3000") for p in cell if p.text)
             .replace("|", "\\|") for cell in row] for row in table.rows]
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


# --- from the document to parts of a submission ----------------------------------------------

@dataclass
class Extracted:
    title: str | None
    fields: dict[str, list[str]]
    body: str
    notes: list[str] = field(default_factory=list)  # Chinese notices for the user


def _title_like(p: Para, body_size: float | None) -> bool:
    text = p.text
    if not text or len(text) > 80 or "\n" in text or text.endswith(("。", "；", "！", "？")):
        return False
    style = p.style.lower()
    large = p.size is not None and body_size is not None and p.size > body_size + 0.5
    return (style in ("title", "标题") or p.heading is not None or p.centered or p.all_bold or large
            or text.startswith("关于"))


def _features(p: Para) -> tuple:
    return (p.style, p.centered, p.all_bold, p.size)


def _table_fields(table: Table) -> list[tuple[str, str]] | None:
    """A form-like table whose rows are 键 | 值 pairs of known header keys."""
    pairs = []
    for row in table.rows:
        texts = ["".join(p.text for p in cell) for cell in row]
        texts = [t for t in texts if t.strip()]
        if not texts or len(texts) % 2:
            return None
        for key, value in zip(texts[::2], texts[1::2]):
            key = re.sub(r"[\s\u3000：:]", "", key)
            if key not in _KEY_OF:
                return None
            pairs.append((_KEY_OF[key], value.strip()))
    return pairs or None


def extract(content: DocxContent, unit_names: tuple[str, ...] = ()) -> Extracted:
    """Split the title and header/footer field lines from the body, and render the body.

    ``unit_names`` (names of registered units) lets a bare unit line near the title count as 报送单位.
    """
    blocks = [b for b in content.blocks if not (isinstance(b, Para) and not b.text)]
    fields: dict[str, list[str]] = {}
    notes: list[str] = []
    consumed: set[int] = set()

    def take(pairs):
        for key, value in pairs:
            if value:
                fields.setdefault(key, []).append(value)

    def as_field(k: int) -> bool:
        """A bare unit name or date line near the title is a field, not text."""
        text = blocks[k].text
        if _DATE_LINE.match(text):
            take([("date", text)])
        elif _norm(text) in unit_names:
            take([("unit", text)])
        else:
            return False
        consumed.add(k)
        return True

    # Header region: field lines, form tables and title-like lines before the first body paragraph.
    lead: list[int] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        pairs = _table_fields(b) if isinstance(b, Table) else parse_fields(b.text)
        if pairs is not None:
            take(pairs)
            consumed.add(i)
        elif isinstance(b, Para) and _title_like(b, content.body_size):
            lead.append(i)
        else:
            break
        i += 1
    lead = [k for k in lead if not as_field(k)]
    title_idx: list[int] = []
    if lead:
        start = next((k for k in lead if blocks[k].text.startswith("关于")), None)
        if start is None:
            start = next((k for k in lead if blocks[k].style.lower() in ("title", "标题")), lead[0])
        title_idx = [start]
        j = start + 1
        while (j in lead and _features(blocks[j]) == _features(blocks[start])
               and not blocks[j].text.startswith(("—", "－", "-", "（", "(")) and not _SECTION.match(blocks[j].text)
               and len("".join(blocks[k].text for k in title_idx) + blocks[j].text) <= 60):
            title_idx.append(j)
            j += 1
        before = [k for k in lead if k < start]
        if before:
            notes.append("标题上方的“" + "”“".join(blocks[k].text for k in before)
                         + "”已放在正文开头（多为版头文字）；不需要的请删除")
    else:
        first = next((k for k, b in enumerate(blocks) if k not in consumed and isinstance(b, Para)), None)
        if first is not None and len(blocks[first].text) <= 60 and not _TERMINAL.search(blocks[first].text[-1:]):
            title_idx = [first]
    title = "".join(blocks[k].text for k in title_idx) if title_idx else None
    consumed.update(title_idx)
    # Footer region: trailing field lines (often "（报送单位：…  联系人：…）" at the end).
    k = len(blocks) - 1
    while k >= 0 and k not in consumed and isinstance(blocks[k], Para):
        if _DATE_LINE.match(blocks[k].text) and "date" not in fields:  # 2021年3月1日 under the text
            take([("date", blocks[k].text)])
            consumed.add(k)
            k -= 1
            continue
        pairs = parse_fields(blocks[k].text)
        if pairs is None:
            break
        take(pairs)
        consumed.add(k)
        k -= 1
    parts: list[str] = []
    top = min((b.heading for n, b in enumerate(blocks) if n not in consumed and isinstance(b, Para)
               and b.heading is not None), default=1)
    for n, b in enumerate(blocks):
        if n in consumed:
            continue
        md = table_md(b) if isinstance(b, Table) else paragraph_md(b, top)
        if md.strip():
            parts.append(md)
    for n, note in enumerate(content.notes, 1):
        text = " ".join(inline(p.segments, breaks=" ").strip(" \t\u3000") for p in note if p.text)
        parts.append(f"[^{n}]: {text or '（空脚注）'}")
    if content.images:
        notes.append(f"文件中有 {content.images} 张图片或图形未导入（建言信息只收文字）；需要时请另行报送")
    body = "\n\n".join(parts) + "\n" if parts else ""
    return Extracted(title.strip() if title else None, fields, body, notes)


# --- resolving metadata against the registries ------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000]", "", unicodedata.normalize("NFKC", text))


def resolve_unit(value: str, regs: Registries) -> str:
    v = _norm(value)
    for u in regs.units.values():
        if v in (u.code, _norm(u.name), _norm(u.full_name)):
            return u.code
    hits = [u for u in regs.units.values()
            if v and (v in _norm(u.name) or v in _norm(u.full_name) or _norm(u.name) in v or _norm(u.full_name) in v)]
    if len(hits) == 1:
        return hits[0].code
    if len(hits) > 1:
        raise ImportFailure(f"报送单位“{value}”对应多个单位：{'、'.join(f'{u.name}（{u.code}）' for u in hits)}。"
                            "请用 --unit 指定单位代码")
    raise ImportFailure(f"报送单位“{value}”未在 schema/units.yaml 中登记。请用 --unit 指定单位代码（如 --unit minge）")


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}


def resolve_topic(value: str, regs: Registries) -> int:
    v = _norm(value)
    m = re.search(r"\d+", v)
    if m:
        n = int(m.group())
    elif (m := re.search(r"[一二三四五六七八九]", v)) and len(re.sub(r"[第选题、.]", "", v)) <= 1:
        n = _CN_DIGIT[m.group()]
    else:
        hits = [t.number for t in regs.topics.values()
                if _norm(t.short) in v or v in _norm(t.title) or _norm(t.title) in v]
        if len(hits) != 1:
            raise ImportFailure(f"选题“{value}”对应不上重点选题 1–{max(regs.topics)}。请用 --topic 指定编号")
        n = hits[0]
    if n not in regs.topics:
        raise ImportFailure(f"选题“{value}”不存在，只能是 1–{max(regs.topics)}。请用 --topic 指定")
    return n


def resolve_kind(value: str) -> str:
    v = _norm(value)
    if v in KINDS:
        return v
    for code, label in KINDS.items():
        if v == label or v in label or label in v:
            return code
    for code, words in (("practice", ("经验", "做法", "案例")), ("problem", ("问题", "反映")), ("suggestion", ("建议",))):
        if any(w in v for w in words):
            return code
    raise ImportFailure(f"类别“{value}”无法识别，应为 反映问题 / 意见建议 / 经验做法。请用 --kind 指定")


def guess_kind(title: str) -> str:
    if re.search(r"经验|做法", title):
        return "practice"
    if title.endswith("建议") or "建议" in title[-6:]:
        return "suggestion"
    if re.search(r"问题|反映", title):
        return "problem"
    return "suggestion"


def resolve_date(value: str) -> dt.date:
    v = unicodedata.normalize("NFKC", value)
    m = re.search(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})", v)
    if m:
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            pass
    raise ImportFailure(f"日期“{value}”无法识别，应写成 2021年3月1日 或 2021-03-01。请用 --date 指定")


def topic_hint(text: str, regs: Registries) -> str:
    """Which topic's keywords the text mentions most (a hint in the message, never applied silently)."""
    scores = {t.number: sum(text.count(k) for k in t.keywords) for t in regs.topics.values()}
    best = max(scores, key=lambda n: (scores[n], -n)) if scores else None
    if not best or not scores[best]:
        return ""
    return f"（按关键词看最接近选题 {best}“{regs.topics[best].short}”，请核对）"


# --- opening files -----------------------------------------------------------------------------

def find_soffice() -> str | None:
    """LibreOffice's soffice: $JIANYAN_SOFFICE if set (a path; anything else means none), else PATH and usual places."""
    override = os.environ.get("JIANYAN_SOFFICE")
    if override is not None:
        return override if Path(override).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                      "C:/Program Files/LibreOffice/program/soffice.exe"):
        if Path(candidate).is_file():
            return candidate
    return None


def convert_to_docx(src: Path, workdir: Path) -> Path:
    """Convert .doc/.wps (or anything LibreOffice opens) to .docx in ``workdir``."""
    soffice = find_soffice()
    if soffice is None:
        raise ImportFailure(f"{src.name} 是旧版 {src.suffix or 'Word'} 格式，本机没有安装 LibreOffice，无法自动转换。"
                            + CONVERT_HINT)
    # A private profile: works while another LibreOffice is open, and leaves the user's alone.
    profile = (workdir / "profile").resolve().as_uri()
    staged = workdir / ("source" + src.suffix.lower())
    shutil.copyfile(src, staged)  # plain ASCII name: some LibreOffice builds mishandle CJK paths
    try:
        proc = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
                               "--convert-to", "docx", "--outdir", str(workdir), str(staged)],
                              capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImportFailure(f"用 LibreOffice 转换 {src.name} 失败（{exc}）。" + CONVERT_HINT) from None
    out = workdir / "source.docx"
    if proc.returncode != 0 or not out.is_file() or not zipfile.is_zipfile(out):
        raise ImportFailure(f"LibreOffice 无法转换 {src.name}，文件可能已损坏或不是 Word/WPS 文档。" + CONVERT_HINT)
    return out


def _check(src: Path, package: Path) -> None:
    """office.check_package's refusal as an ImportFailure naming ``src``."""
    try:
        check_package(package, "word")
    except PackageRefused as exc:
        raise ImportFailure(f"{src.name} {exc}") from None


def read_document(src: Path) -> DocxContent:
    """Read any supported document; ImportFailure with one clear line when it cannot be read."""
    try:
        with src.open("rb") as fh:
            head = fh.read(8)
        _check(src, src)
    except OSError as exc:
        raise ImportFailure(f"无法读取 {src.name}：{exc.strerror or exc}") from None
    if not head:
        raise ImportFailure(f"{src.name} 是空文件（0 字节）。请重新保存或重新发送原件")
    with tempfile.TemporaryDirectory(prefix="jianyan-import-") as tmp:
        path = src
        if head.startswith(b"PK\x03\x04"):
            pass
        elif src.suffix.lower() in LEGACY_SUFFIXES or head.startswith(b"\xd0\xcf\x11\xe0") or head.startswith(b"{\\rtf"):
            path = convert_to_docx(src, Path(tmp))
            _check(src, path)
        else:
            raise ImportFailure(f"{src.name} 已损坏或不是 Word 文档（不是有效的 .docx 压缩包）。"
                                "请向报送人索取原件，或用 Word/WPS 打开后另存为 .docx 再导入")
        try:
            return read_docx(path)
        except TooLarge as exc:
            raise ImportFailure(f"{src.name} {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any failure here means a damaged package
            detail = type(exc).__name__
            raise ImportFailure(f"{src.name} 已损坏，无法读取（{detail}）。"
                                "请用 Word/WPS 打开后另存为 .docx 再导入，或向报送人索取原件") from None


# --- one import -----------------------------------------------------------------------------------

@dataclass
class Options:
    unit: str | None = None
    submitters: list[str] = field(default_factory=list)
    topic: int | None = None
    kind: str | None = None
    title: str | None = None
    date: dt.date | None = None
    status: str = "draft"
    contact: str | None = None
    keep_original: bool = False
    force: bool = False


@dataclass
class Planned:
    """Everything needed to write the submission."""

    title: str
    submitters: list[str]
    unit: str
    topic: int
    kind: str
    date: dt.date
    contact: str | None
    body: str
    notes: list[str]


def plan(src: Path, regs: Registries, opts: Options, content: DocxContent | None = None) -> Planned:
    content = content if content is not None else read_document(src)
    ex = extract(content, tuple(_norm(n) for u in regs.units.values() for n in (u.name, u.full_name)))
    f = ex.fields
    notes = list(ex.notes)
    if not ex.body.strip():
        raise ImportFailure(f"{src.name} 中没有正文（只找到标题或表头）。请核对文件是否为建言信息原件")
    title = opts.title or ex.title or (f.get("title") or [None])[0]
    if not title:
        raise ImportFailure(f"{src.name} 中找不到标题（第一行应是“关于……的建议”之类的标题）。请用 --title 指定")
    if opts.title and ex.title and _norm(opts.title) != _norm(ex.title):
        notes.append(f"文件中的标题“{ex.title}”已按 --title 改为“{opts.title}”")
    unit_text = (f.get("unit") or [None])[0]
    if opts.unit:
        if opts.unit not in regs.units:
            raise ImportFailure(f"单位代码“{opts.unit}”未登记。请查看 schema/units.yaml")
        unit = opts.unit
        if unit_text and _safe(resolve_unit, unit_text, regs) not in (None, unit):
            notes.append(f"文件写的报送单位是“{unit_text}”，已按 --unit 记为 {unit}")
    elif unit_text:
        unit = resolve_unit(unit_text, regs)
    else:
        raise ImportFailure(f"{src.name} 中没有“报送单位：……”一行，不知道是哪个单位报送的。请用 --unit 指定（如 --unit minge）")
    if opts.topic is not None:
        topic = opts.topic
        if topic not in regs.topics:
            raise ImportFailure(f"重点选题 {topic} 不存在，只能是 1–{max(regs.topics)}")
    elif f.get("topic"):
        topic = resolve_topic(f["topic"][0], regs)
    else:
        raise ImportFailure(f"{src.name} 中没有“选题：……”一行。请用 --topic 指定重点选题编号 1–{max(regs.topics)}"
                            + topic_hint(title + ex.body, regs))
    kind = opts.kind or (resolve_kind(f["kind"][0]) if f.get("kind") else guess_kind(title))
    submitters = list(opts.submitters) or [n for v in f.get("submitter", []) for n in split_names(v)]
    if not submitters:
        u = regs.units[unit]
        if u.kind == "committee":
            raise ImportFailure(f"{src.name} 是委员信息（{u.name}），但文件中没有“作者：……”一行。请用 --submitter 写明委员姓名")
        submitters = [u.name]
    found = resolve_date(f["date"][0]) if f.get("date") and not opts.date else None
    try:
        day = submission_day(regs.settings, opts.date, dt.date.today(), found, src.name)
    except OutsidePeriod as exc:
        raise ImportFailure(str(exc)) from None
    contact_parts = f.get("contact_name", []) + f.get("contact", [])
    contact = opts.contact or (" ".join(contact_parts) if contact_parts else None)
    return Planned(title=_one_line(title), submitters=[_one_line(s) for s in submitters], unit=unit, topic=topic,
                   kind=kind, date=day, contact=_one_line(contact) if contact else None, body=ex.body, notes=notes)


def _safe(fn, *args):
    try:
        return fn(*args)
    except ImportFailure:
        return None


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\s]+", " ", text).strip()


class ImportedTitles:
    """The already-imported rule. A document whose unit and title are those of a submission already in the
    campaign, or written earlier in the same run, was most likely imported before (run twice, or the same
    file in two folders): it is refused unless ``--force`` asks for a second copy under a new id."""

    def __init__(self, submissions: Iterable[Submission]) -> None:
        self._ids = {(s.unit, s.title.strip()): s.id for s in submissions}

    def check(self, src: Path, p: Planned, force: bool = False) -> None:
        same = self._ids.get((p.unit, p.title))
        if same and not force:
            raise ImportFailure(f"{src.name} 似乎已导入过：{same} 的单位和标题与它相同。"
                                "确需再次导入请加 --force（另取新编号）")

    def add(self, p: Planned, ident: str) -> None:
        """``p`` was written as ``ident``: a later document of the run with its unit and title repeats it."""
        self._ids[(p.unit, p.title)] = ident


def preview(root: Path, p: Planned, status: str) -> str:
    """The file `import` would write (with the id it would get now)."""
    ident = next_id(root, p.date.year, p.unit)
    return render(ident, p.title, p.submitters, p.unit, p.topic, p.kind, p.date, p.contact, status, p.body)


def write(root: Path, regs: Registries, src: Path, p: Planned, opts: Options) -> tuple[Path, Path | None]:
    """Write the submission (and the original when asked); never overwrites anything."""
    path = create(root, regs, unit=p.unit, title=p.title, submitters=p.submitters, topic=p.topic, kind=p.kind,
                  date=p.date, contact=p.contact, status=opts.status, body=p.body)
    kept = None
    if opts.keep_original:
        suffix = src.suffix.lower() if src.suffix.lower() in WORD_SUFFIXES else ".docx"
        kept = path.with_suffix(suffix)
        write_atomic(kept, src.read_bytes(), exclusive=True)
    return path, kept


def collect(paths: list[Path]) -> list[Path]:
    """Word files named on the command line, and those inside named folders (sorted, lock files skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file()
                              and x.suffix.lower() in WORD_SUFFIXES + MACRO_SUFFIXES["word"]  # refused, reported
                              and not x.name.startswith(("~$", ".")) and not is_original(x)))
        else:
            out.append(p)
    return out

"""Read a .docx in body order: paragraphs and tables, with what Word would show.

python-docx opens the package; the body XML is walked here directly so that paragraphs and
tables come out interleaved, runs keep their bold, footnote references become markers,
Word's automatic numbering (w:numPr) is rendered as the numbers Word would display, and
text boxes are not lost. Nothing here knows about submissions: see importer.py.

A hostile document is read in bounded time and memory (issue 18): the package's sizes are
checked before python-docx opens it (office.check_package, called by importer.py); here the
reading stops with ``TooLarge`` past ``READ_LIMITS`` (paragraphs, characters, seconds); a
cell's span and a list's counter are clamped to what Word itself allows; side parts are parsed
without expanding entities; footnote numbers are looked up, not searched for.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from statistics import median

import docx
from lxml import etree

from jianyan.core.errors import JianyanError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W = "{%s}" % W_NS
MC = "{%s}" % MC_NS
FOOTNOTES_REL = "/footnotes"
ENDNOTES_REL = "/endnotes"
NUMBERING_REL = "/numbering"
OFF = ("0", "false", "off", "none")
MAX_SPAN = 63  # Word's widest table
MAX_NUMBER = 32767  # Word's largest list number; letters and roman numerals beyond would be huge
# Side parts (styles, numbering, notes) as python-docx parses the body: no entities expanded, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class ReadLimits:
    """What one document may hold once read. A submission has tens of paragraphs and a few thousand
    characters; a long report with tables a few thousand paragraphs."""

    paragraphs: int = 50_000
    characters: int = 500_000  # text, line breaks and notes
    seconds: float = 60.0


READ_LIMITS = ReadLimits()


class TooLarge(JianyanError):
    """The document passed a ``ReadLimits`` cap; the message (Chinese) names it and follows the file's name."""

# Containers whose children are read as if they were in the parent.
_TRANSPARENT = {W + "hyperlink", W + "smartTag", W + "ins", W + "customXml", W + "fldSimple", W + "sdt",
                W + "sdtContent", W + "moveTo", W + "dir", W + "bdo"}
# Content that is not shown (deleted text, moved-away text, properties).
_SKIPPED = {W + "del", W + "moveFrom", W + "pPr", W + "rPr", W + "proofErr", W + "bookmarkStart",
            W + "bookmarkEnd", W + "commentRangeStart", W + "commentRangeEnd", W + "sdtPr", W + "sdtEndPr"}


@dataclass
class Segment:
    """A piece of inline content: text (bold or not), a line break, or a footnote reference."""

    text: str
    bold: bool = False
    kind: str = "text"  # text | br | note


@dataclass
class Para:
    segments: list[Segment]
    style: str = ""
    heading: int | None = None  # 1-based outline level from a Heading style or w:outlineLvl
    centered: bool = False
    size: float | None = None  # largest run size, pt
    label: str = ""  # the automatic number Word shows ("1.", "（一）", "一、"), "" if none
    bullet: bool = False
    level: int = 0  # numbering level (ilvl)

    @property
    def text(self) -> str:
        """Plain text as shown, automatic number included, outer whitespace stripped."""
        body = "".join(s.text if s.kind == "text" else ("\n" if s.kind == "br" else "") for s in self.segments)
        return (self.label + body).strip(" \t\u3000\n")

    @property
    def all_bold(self) -> bool:
        texts = [s for s in self.segments if s.kind == "text" and s.text.strip(" \t\u3000")]
        return bool(texts) and all(s.bold for s in texts)


@dataclass
class Table:
    rows: list[list[list[Para]]]  # rows → cells → paragraphs


@dataclass
class DocxContent:
    blocks: list[Para | Table]
    notes: list[list[Para]]  # footnote/endnote bodies, in order of first reference
    images: int = 0
    body_size: float | None = None  # typical body font size, pt


# --- numbering ---------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def chinese_number(n: int, digits: str = _CN_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else (digits[0] + digits[rest] if rest < 10 else
                                     (digits[1] if rest < 20 else "") + chinese_number(rest, digits, ten, hundred))
        return digits[n // 100] + hundred + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _letters(n: int) -> str:
    # Word: a..z, then aa..zz, aaa..
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def format_number(n: int, fmt: str) -> str:
    """One counter as Word shows it in the given w:numFmt."""
    if n > MAX_NUMBER:
        return str(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand",
               "japaneseCounting"):
        return chinese_number(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIGITS[int(d)] if d.isdigit() else d for d in str(n)).replace("零", "〇")
    if fmt == "chineseLegalSimplified":
        return chinese_number(n, _CN_LEGAL, "拾", "佰")
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(d) - ord("0") + 0xFF10) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "none":
        return ""
    return str(n)  # decimal, and anything exotic


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "tab"


class Numbering:
    """numbering.xml: renders the label of each numbered paragraph as Word would, counting as it goes."""

    def __init__(self, root: etree._Element | None):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractNumId, {ilvl: startOverride})
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for absn in root.iter(W + "abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in absn.iter(W + "lvl"):
                lv = _Level()
                if (el := lvl.find(W + "start")) is not None:
                    lv.start = _int(el.get(W + "val"), 1)
                if (el := lvl.find(W + "numFmt")) is not None:
                    lv.fmt = el.get(W + "val") or "decimal"
                if (el := lvl.find(W + "lvlText")) is not None:
                    lv.text = el.get(W + "val") or ""
                if (el := lvl.find(W + "suff")) is not None:
                    lv.suffix = el.get(W + "val") or "tab"
                levels[_int(lvl.get(W + "ilvl"), 0)] = lv
            self.abstract[absn.get(W + "abstractNumId") or ""] = levels
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            overrides = {}
            for ov in num.iter(W + "lvlOverride"):
                so = ov.find(W + "startOverride")
                if so is not None:
                    overrides[_int(ov.get(W + "ilvl"), 0)] = _int(so.get(W + "val"), 1)
            self.nums[num.get(W + "numId") or ""] = (ref.get(W + "val") if ref is not None else "", overrides)

    def label(self, num_id: str, ilvl: int) -> tuple[str, bool]:
        """(label, is_bullet) for the next paragraph of list ``num_id`` at level ``ilvl``."""
        if num_id not in self.nums:
            return "", False
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl not in levels:
            return "", False
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            # A list instance with a start override restarts its levels; others continue the abstract list.
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        lv = levels[ilvl]
        if lv.fmt == "bullet":
            return "", True
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            other = levels.get(k, _Level())
            return format_number(counters.get(k, other.start), other.fmt)

        text = re.sub(r"%(\d)", sub, lv.text)
        if text and lv.suffix != "nothing" and text[-1].isascii():
            text += " "
        return text, False


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- styles --------------------------------------------------------------------------------

@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    bold: bool | None = None
    centered: bool | None = None
    size: float | None = None
    num: tuple[str, int] | None = None
    outline: int | None = None


def _on(el: etree._Element | None) -> bool | None:
    if el is None:
        return None
    return (el.get(W + "val") or "true").lower() not in OFF


class Styles:
    def __init__(self, root: etree._Element | None):
        self.styles: dict[str, _Style] = {}
        if root is None:
            return
        for st in root.iter(W + "style"):
            s = _Style()
            if (el := st.find(W + "name")) is not None:
                s.name = el.get(W + "val") or ""
            if (el := st.find(W + "basedOn")) is not None:
                s.based_on = el.get(W + "val")
            rpr = st.find(W + "rPr")
            if rpr is not None:
                s.bold = _on(rpr.find(W + "b"))
                if (el := rpr.find(W + "sz")) is not None:
                    s.size = _int(el.get(W + "val"), 0) / 2 or None
            ppr = st.find(W + "pPr")
            if ppr is not None:
                if (el := ppr.find(W + "jc")) is not None:
                    s.centered = el.get(W + "val") == "center"
                if (el := ppr.find(W + "outlineLvl")) is not None:
                    s.outline = _int(el.get(W + "val"), 9)
                if (num := ppr.find(W + "numPr")) is not None:
                    nid = num.find(W + "numId")
                    lvl = num.find(W + "ilvl")
                    if nid is not None:
                        s.num = (nid.get(W + "val") or "", _int(lvl.get(W + "val") if lvl is not None else None, 0))
            self.styles[st.get(W + "styleId") or ""] = s

    def get(self, style_id: str | None, attr: str):
        """An attribute following the basedOn chain."""
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            s = self.styles[style_id]
            value = getattr(s, attr)
            if value is not None:
                return value
            style_id = s.based_on
        return None

    def name(self, style_id: str | None) -> str:
        s = self.styles.get(style_id or "")
        return s.name if s else (style_id or "")


_HEADING_NAME = re.compile(r"(?i)^(?:heading|标题)\s*(\d)$")


# --- the reader ------------------------------------------------------------------------------

class Reader:
    def __init__(self, document):
        self.document = document
        self.limits = READ_LIMITS
        self.deadline = time.monotonic() + self.limits.seconds
        self.paragraphs = 0
        self.characters = 0
        part = document.part
        self.styles = Styles(_part_xml(part, "/styles"))
        self.numbering = Numbering(_part_xml(part, NUMBERING_REL))
        self.note_xml: dict[tuple[str, str], etree._Element] = {}
        for kind, rel in (("footnote", FOOTNOTES_REL), ("endnote", ENDNOTES_REL)):
            root = _part_xml(part, rel)
            if root is None:
                continue
            for note in root.iter(W + kind):
                if note.get(W + "type") in (None, "normal"):
                    self.note_xml[(kind, note.get(W + "id") or "")] = note
        self.note_order: list[tuple[str, str]] = []  # notes in order of first reference
        self.note_number: dict[tuple[str, str], int] = {}  # note → its number, 1-based
        self.images = 0

    def read(self) -> DocxContent:
        blocks = self._blocks(self.document.element.body)
        notes: list[list[Para]] = []
        while len(notes) < len(self.note_order):  # a note may itself reference another
            key = self.note_order[len(notes)]
            notes.append([p for p in self._blocks(self.note_xml[key]) if isinstance(p, Para)])
        sizes = [p.size for p in blocks if isinstance(p, Para) and p.size and len(p.text) > 40]
        return DocxContent(blocks, notes, self.images, median(sizes) if sizes else None)

    def _blocks(self, container: etree._Element) -> list[Para | Table]:
        out: list[Para | Table] = []
        for child in container:
            tag = child.tag
            if tag == W + "p":
                para, boxes = self._para(child)
                out.append(para)
                out.extend(boxes)
            elif tag == W + "tbl":
                out.append(self._table(child))
            elif tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"):
                out.extend(self._blocks(child))
            elif tag == MC + "AlternateContent":
                out.extend(self._blocks(_choice(child)))
        return out

    def _table(self, tbl: etree._Element) -> Table:
        rows = []
        for tr in tbl.iter(W + "tr"):
            if _ancestor_table(tr) is not tbl:
                continue
            cells: list[list[Para]] = []
            for tc in tr.iter(W + "tc"):
                if _ancestor_table(tc) is not tbl:
                    continue
                tcpr = tc.find(W + "tcPr")
                span, continued = 1, False
                if tcpr is not None:
                    if (el := tcpr.find(W + "gridSpan")) is not None:
                        span = min(max(1, _int(el.get(W + "val"), 1)), MAX_SPAN)
                    if (el := tcpr.find(W + "vMerge")) is not None and el.get(W + "val") != "restart":
                        continued = True
                paras: list[Para] = []
                if not continued:
                    for b in self._blocks(tc):
                        paras.extend([b] if isinstance(b, Para) else [p for r in b.rows for c in r for p in c])
                cells.append(paras)
                cells.extend([] for _ in range(span - 1))
            rows.append(cells)
        return Table(rows)

    def _count(self, paragraphs: int = 0, characters: int = 0) -> None:
        """Count what is read against the limits; TooLarge past one."""
        self.paragraphs += paragraphs
        self.characters += characters
        lim = self.limits
        if self.paragraphs > lim.paragraphs:
            raise TooLarge(_over(f"段落超过 {lim.paragraphs} 个"))
        if self.characters > lim.characters:
            raise TooLarge(_over(f"文字超过 {lim.characters} 个字符"))
        if paragraphs and time.monotonic() > self.deadline:
            raise TooLarge(_over(f"读取超过 {lim.seconds:g} 秒"))

    def _para(self, p: etree._Element) -> tuple[Para, list[Para | Table]]:
        self._count(paragraphs=1)
        ppr = p.find(W + "pPr")
        style_id = None
        if ppr is not None and (el := ppr.find(W + "pStyle")) is not None:
            style_id = el.get(W + "val")
        para = Para(segments=[], style=self.styles.name(style_id))
        m = _HEADING_NAME.match(para.style.strip())
        outline = self.styles.get(style_id, "outline")
        centered = self.styles.get(style_id, "centered")
        num = self.styles.get(style_id, "num")
        if ppr is not None:
            if (el := ppr.find(W + "outlineLvl")) is not None:
                outline = _int(el.get(W + "val"), 9)
            if (el := ppr.find(W + "jc")) is not None:
                centered = el.get(W + "val") == "center"
            if (np_ := ppr.find(W + "numPr")) is not None:
                nid, lvl = np_.find(W + "numId"), np_.find(W + "ilvl")
                base = num or ("", 0)
                num = (nid.get(W + "val") if nid is not None else base[0],
                       _int(lvl.get(W + "val"), 0) if lvl is not None else base[1])
        if m:
            para.heading = int(m.group(1))
        elif outline is not None and outline < 9:
            para.heading = outline + 1
        para.centered = bool(centered)
        if num and num[0] not in ("", "0"):
            para.level = num[1]
            para.label, para.bullet = self.numbering.label(num[0], num[1])
        style_bold = bool(self.styles.get(style_id, "bold"))
        para_size = self.styles.get(style_id, "size")
        boxes: list[Para | Table] = []
        sizes: list[float] = []
        self._inline(p, para.segments, style_bold, boxes, sizes)
        para.size = max(sizes) if sizes else para_size
        return para, boxes

    def _inline(self, el, segments: list[Segment], style_bold: bool, boxes: list, sizes: list) -> None:
        for child in el:
            tag = child.tag
            if tag == W + "r":
                self._run(child, segments, style_bold, boxes, sizes)
            elif tag in _TRANSPARENT:
                self._inline(child, segments, style_bold, boxes, sizes)
            elif tag == MC + "AlternateContent":
                self._inline(_choice(child), segments, style_bold, boxes, sizes)

    def _run(self, r, segments: list[Segment], style_bold: bool, boxes: list, sizes: list) -> None:
        rpr = r.find(W + "rPr")
        bold = style_bold
        if rpr is not None:
            if (el := rpr.find(W + "rStyle")) is not None and self.styles.get(el.get(W + "val"), "bold"):
                bold = True
            if (b := _on(rpr.find(W + "b"))) is not None:
                bold = b
            if (el := rpr.find(W + "sz")) is not None and _int(el.get(W + "val"), 0):
                sizes.append(_int(el.get(W + "val"), 0) / 2)
            if _on(rpr.find(W + "vanish")):
                return  # hidden text is not shown
        for child in r:
            tag = child.tag
            if tag != W + "rPr":
                self._count(characters=len(child.text or "") if tag == W + "t" else 1)
            if tag == W + "t":
                segments.append(Segment(child.text or "", bold))
            elif tag in (W + "tab", W + "ptab"):
                segments.append(Segment(" ", bold))
            elif tag in (W + "br", W + "cr"):
                if child.get(W + "type") not in ("page", "column"):
                    segments.append(Segment("\n", kind="br"))
            elif tag == W + "noBreakHyphen":
                segments.append(Segment("-", bold))
            elif tag == W + "sym":
                code = child.get(W + "char") or ""
                if re.fullmatch(r"[0-9A-Fa-f]{4}", code) and int(code, 16) < 0xF000:
                    segments.append(Segment(chr(int(code, 16)), bold))
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                key = ("footnote" if tag == W + "footnoteReference" else "endnote", child.get(W + "id") or "")
                if key in self.note_xml:
                    if key not in self.note_number:
                        self.note_order.append(key)
                        self.note_number[key] = len(self.note_order)
                    segments.append(Segment(str(self.note_number[key]), kind="note"))
            elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
                self._embedded(child if tag != MC + "AlternateContent" else _choice(child), boxes)

    def _embedded(self, el, boxes: list) -> None:
        """A drawing: text boxes are read as paragraphs after the one holding them; pictures are counted."""
        found = False
        for box in el.iter(W + "txbxContent"):
            if any(a.tag == MC + "Fallback" for a in box.iterancestors()):
                continue
            found = True
            boxes.extend(self._blocks(box))
        if not found:
            self.images += 1


def _choice(alt: etree._Element) -> etree._Element:
    """The first mc:Choice of an mc:AlternateContent (the Fallback repeats the same content)."""
    choice = alt.find(MC + "Choice")
    return choice if choice is not None else (alt.find(MC + "Fallback") if alt.find(MC + "Fallback") is not None
                                              else alt)


def _ancestor_table(el: etree._Element):
    for a in el.iterancestors(W + "tbl"):
        return a
    return None


def _part_xml(document_part, rel_suffix: str) -> etree._Element | None:
    for rel in document_part.rels.values():
        if rel.is_external or not rel.reltype.endswith(rel_suffix):
            continue
        return etree.fromstring(rel.target_part.blob, _PARSER)
    return None


def _over(what: str) -> str:
    return (f"超出导入上限：{what}。这不像是一篇建言信息（也可能是恶意构造的文件），没有写入任何文件。"
            "请核对原件；确是长文的，请只把建言信息部分另存为 .docx 再导入")


def read_docx(path) -> DocxContent:
    """Open and read a .docx: TooLarge past READ_LIMITS; any other exception means the file is damaged
    (the caller words it)."""
    return Reader(docx.Document(str(path))).read()


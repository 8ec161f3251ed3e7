"""Word files carry free look-alikes of the house fonts, cut to the characters each font sets (issue 20).

Why: a computer without 仿宋_GB2312 / 方正小标宋简体 shows a Word file in whatever its office program
substitutes. Word and WPS read the font table's ``altName`` (仿宋, 宋体); LibreOffice ignores it
(writerfilter FontTable.cxx: ``case NS_ooxml::LN_CT_Font_altName: break;``) and falls back to a sans
face. A font embedded in the file is used by all three.

How LibreOffice finds an embedded font (7.4, and unchanged since): writerfilter's EmbeddedFontHandler
hands the de-obfuscated file to ``EmbeddedFontsHelper::addEmbeddedFont`` together with the font table
entry's ``w:name``; ``activateFont`` calls ``OutputDevice::AddTempDevFont(file, name)``, and
``GenPspGraphics::AddTempDevFontHelper`` registers every face of the file under that name
(``aInfo.m_aFamilyName = rFontName``), its quality raised by 5800. The name inside the font file does
not matter to LibreOffice; Word matches embedded fonts by name, so the file carries the house name too.
LibreOffice refuses a font whose OS/2 fsType forbids editable embedding (``sufficientTTFRights``:
fsType 0 or the editable bit 3, value 8).

The official font still wins where it is installed: the embedded face declares weight 350
(usWeightClass; fontconfig: demilight, LibreOffice: WEIGHT_SEMILIGHT), one step under the Regular the
document asks for. An installed 仿宋_GB2312 Regular is then the exact weight match and LibreOffice's
``PhysicalFontFace::IsBetterMatch`` (+1000 for the exact weight, +700 for one step) and Windows' font
mapper both take it; the look-alike is only used when it is the one face of that name (measured in
LibreOffice with a stand-in "official" font: tests/test_documents.py). An OOXML run names one font per
script, so there is no way to list the look-alike after the official name; this is the fallback.

Which fonts: for each house face, the first font fontconfig gives for the name (with jianyan's
fonts.conf, as the PDF step) that is one of the face's free look-alikes (style.FACES css stack) and
whose fsType allows editable embedding and subsetting: FandolFang, FandolKai, FandolHei, FandolSong
(GPL with the font exception, fsType 8: editable) or Noto Serif/Sans CJK SC (SIL OFL 1.1, fsType 0).
AR PL KaitiM GB (Arphic Public License, fsType 4: preview and print only) is skipped for 楷体.

Why it is off by default: one embedded font per name per session. LibreOffice writes an embedded font
to user/temp/embeddedfonts/fromdocs/<w:name>.ttf and, when that file exists already (another file
opened in the same session embedded a font of that name), keeps the first one ("Assume it's already
been added correctly": EmbeddedFontsHelper::addEmbeddedFont, case osl::File::E_EXIST); [MS-OI29500]
2.1.260 says the same of Word ("only one embedded font will be used to display all variations of such
font across all documents"). Subsets of different documents all named 仿宋_GB2312 therefore clash:
opened together (measured: four documents converted in one soffice run), the second and later show
the characters the first one lacks in a fallback face, and text copied from them comes out of order.
A file sent on its own, opened on a computer without the official fonts, is what subset embedding is
for; a complete font (``full``) has no such clash but is megabytes.

Modes (JIANYAN_EMBED_FONTS): ``off`` (default, also when unset); ``subset`` (or 1) embeds, per face, only the glyphs
of the characters set in that face (the text of its runs, page-number digits), as TrueType outlines
(CFF converted with cu2qu) obfuscated per ECMA-376 Part 1 §17.8.1 (``.odttf``, the first 32 bytes
XORed with the font key): the sample's 专刊 41 → 145 KB, 工作通报 49 → 234 KB, 反馈函 40 → 141 KB,
履职档案 41 → 149 KB (FandolFang draws a character with about 75 segments); ``full`` embeds each
look-alike's complete character set, so text typed later also shows in it and files opened together do
not clash, but a file is about 20 MB and converting the fonts takes minutes. The
glyphs converted are kept for the process (a run writing many letters converts each glyph once), and
the file's bytes depend only on its text and the fonts (no timestamps).
"""
from __future__ import annotations

import importlib.util
import io
import logging
import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from docx.oxml.ns import qn

from jianyan.render import style
from jianyan.render.pdf import font_env

ENV = "JIANYAN_EMBED_FONTS"
WEIGHT = 350  # one step under Regular: an installed official face of the same name wins (module docstring)
# Outline precision, in font units (1/1000 em; 1 unit is 0.006 mm at 3号, 0.013 mm at 小初): cubic
# curves become quadratics within MAX_ERR and points snap to a GRID. FandolFang draws a character with
# about 75 segments, so its glyphs are large (about 400 bytes each deflated at full precision); the grid
# takes a quarter off, its step (0.02 mm at 3号, 0.05 mm at 小初) about one 600 dpi printer dot at most.
MAX_ERR = 2.0
GRID = 4
PAGE_CHARS = "— 0123456789"  # PAGE field results, whatever page they land on
_FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
_OBFUSCATED = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
_PARTS = re.compile(r"/word/(document|header\d*|footer\d*)\.xml")


def mode() -> str:
    """``off`` (default), ``subset`` or ``full``, from JIANYAN_EMBED_FONTS (1, yes, on: subset)."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("1", "yes", "true", "on", "subset"):
        return "subset"
    if value in ("full", "all"):
        return "full"
    return "off"


@dataclass(frozen=True)
class Source:
    """A free font file standing in for a house face."""

    path: Path
    index: int
    family: str
    fstype: int


def _allows_embedding(fstype: int) -> bool:
    """OS/2 fsType: installable (0) or editable (bit 3), and subsetting not forbidden (bit 8), not
    bitmap-only (bit 9). LibreOffice drops an embedded font that is neither installable nor editable."""
    return (fstype & 0x000F == 0 or bool(fstype & 0x0008)) and not fstype & 0x0300


def _lookalikes(face: style.Face) -> set[str]:
    names = {n.strip().strip('"') for n in face.css.split(",")}
    return names - {face.name, face.alt, "serif", "sans-serif"}


@lru_cache(maxsize=None)
def source(key: str, fontconfig: str | None = None) -> Source | None:
    """The look-alike embedded for house face ``key``: fontconfig's ranking for the name, the first
    candidate that is a listed look-alike and allows embedding (``fontconfig``: the FONTCONFIG_FILE the
    answer depends on, for the cache)."""
    from fontTools.ttLib import TTFont  # lazy: fontTools loads only when a Word file is written
    face = style.FACES[key]
    try:
        proc = subprocess.run(["fc-match", "-s", "-f", "%{family[0]}\t%{file}\t%{index}\n",
                               f"{face.name}:lang=zh-cn:weight=regular"], env=font_env(), capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    wanted = _lookalikes(face)
    for line in proc.stdout.splitlines()[:12]:
        family, _, rest = line.partition("\t")
        file, _, index = rest.partition("\t")
        if family not in wanted or not file:
            continue
        try:
            fstype = TTFont(file, fontNumber=int(index or 0), lazy=True)["OS/2"].fsType
        except Exception:  # noqa: BLE001 - unreadable: the next candidate
            continue
        if _allows_embedding(fstype):
            return Source(Path(file), int(index or 0), family, fstype)
    return None


class _Outlines:
    """One source font, its glyphs converted to TrueType quadratics as they are asked for (kept)."""

    def __init__(self, src: Source):
        from fontTools.ttLib import TTFont  # lazy: as above
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        self.font = TTFont(str(src.path), fontNumber=src.index, lazy=True, recalcTimestamp=False)
        self.cmap = self.font.getBestCmap()
        self.glyphset = self.font.getGlyphSet()
        self.order = {name: i for i, name in enumerate(self.font.getGlyphOrder())}
        self.cff = "CFF " in self.font
        self.glyphs: dict[str, object] = {}

    def glyph(self, name: str):
        if name not in self.glyphs:
            from fontTools.pens.cu2quPen import Cu2QuPen  # lazy: as above
            from fontTools.pens.roundingPen import RoundingPen  # lazy: as above
            from fontTools.pens.ttGlyphPen import TTGlyphPen  # lazy: as above
            pen = TTGlyphPen(self.glyphset)
            grid = RoundingPen(pen, roundFunc=lambda v: round(v / GRID) * GRID)
            self.glyphset[name].draw(Cu2QuPen(grid, max_err=MAX_ERR, reverse_direction=True) if self.cff else grid)
            self.glyphs[name] = pen.glyph(dropImpliedOnCurves=True)
        return self.glyphs[name]


_OUTLINES: dict[tuple, _Outlines] = {}


def _outlines(src: Source) -> _Outlines:
    st = src.path.stat()
    key = (str(src.path), src.index, st.st_size, st.st_mtime_ns)
    if key not in _OUTLINES:
        if len(_OUTLINES) >= 8:
            del _OUTLINES[next(iter(_OUTLINES))]
        _OUTLINES[key] = _Outlines(src)
    return _OUTLINES[key]


def font_bytes(src: Source, family: str, chars: str | None) -> bytes:
    """A TrueType font named ``family`` (weight 350) holding the glyphs of ``chars`` from ``src``
    (all of its characters when None), with the source's copyright, licence and fsType."""
    from fontTools.fontBuilder import FontBuilder  # lazy: as above
    out = _outlines(src)
    font = out.font
    cmap = out.cmap if chars is None else {ord(c): out.cmap[ord(c)] for c in set(chars) if ord(c) in out.cmap}
    names = [".notdef"] + sorted(set(cmap.values()) - {".notdef"}, key=out.order.__getitem__)
    head, hhea, os2, hmtx = font["head"], font["hhea"], font["OS/2"], font["hmtx"]
    fb = FontBuilder(head.unitsPerEm, isTTF=True)
    fb.font.recalcTimestamp = False  # the source's dates, not the time of saving: same input, same bytes
    fb.setupHead(unitsPerEm=head.unitsPerEm, created=head.created, modified=head.modified,
                 fontRevision=head.fontRevision)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf({name: out.glyph(name) for name in names})
    glyf = fb.font["glyf"]
    fb.setupHorizontalMetrics({name: (hmtx[name][0], getattr(glyf[name], "xMin", 0)) for name in names})
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    ps = re.sub(r"[^A-Za-z0-9-]", "", src.family) + "-Jianyan"
    kept = {r.nameID: r.toUnicode() for r in font["name"].names
            if r.platformID == 3 and r.langID == 0x409 and r.nameID in (0, 13, 14)}
    fb.setupNameTable({"familyName": family, "styleName": "Regular", "uniqueFontIdentifier": ps,
                       "fullName": family, "psName": ps, "version": "Version 1.0",
                       "copyright": kept.get(0, ""), "licenseDescription": kept.get(13, ""),
                       "licenseInfoURL": kept.get(14, "")}, mac=False)
    fb.setupOS2(usWeightClass=WEIGHT, fsType=src.fstype, achVendID=os2.achVendID, panose=os2.panose,
                sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                ulUnicodeRange1=os2.ulUnicodeRange1, ulUnicodeRange2=os2.ulUnicodeRange2,
                ulUnicodeRange3=os2.ulUnicodeRange3, ulUnicodeRange4=os2.ulUnicodeRange4,
                ulCodePageRange1=os2.ulCodePageRange1, ulCodePageRange2=os2.ulCodePageRange2,
                fsSelection=0x0040)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


# --- which characters each face sets -----------------------------------------------------------

def _style_fonts(styles_el) -> tuple[dict[str, str], str | None]:
    """Paragraph/character style id → its East Asian font (through basedOn), and the document default."""
    own: dict[str, str | None] = {}
    based: dict[str, str | None] = {}
    for st in styles_el.iter(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        fonts = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        own[sid] = fonts.get(qn("w:eastAsia")) if fonts is not None else None
        on = st.find(qn("w:basedOn"))
        based[sid] = on.get(qn("w:val")) if on is not None else None
    default = styles_el.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    fallback = default.get(qn("w:eastAsia")) if default is not None else None

    def resolve(sid: str | None, depth: int = 0) -> str | None:
        if sid is None or depth > 20:
            return None
        return own.get(sid) or resolve(based.get(sid), depth + 1)
    return {sid: resolve(sid) or fallback for sid in own}, fallback


def characters(doc) -> dict[str, str]:
    """House face key → the characters set in it anywhere in the document (body, text boxes, headers
    and footers; a footer's face also gets the page-number digits)."""
    keys = {face.name: key for key, face in style.FACES.items()}
    by_style, default = _style_fonts(doc.styles.element)
    found: dict[str, set[str]] = {}
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if not _PARTS.fullmatch(name):
            continue
        root = part.element if hasattr(part, "element") else None
        if root is None:
            continue
        for p in root.iter(qn("w:p")):
            pstyle = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            para_font = by_style.get(pstyle.get(qn("w:val"))) if pstyle is not None else by_style.get("Normal", default)
            for r in p.iter(qn("w:r")):
                if next(r.iterancestors(qn("w:p"))) is not p:
                    continue  # a run inside a text box belongs to the box's own paragraphs
                fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
                font = fonts.get(qn("w:eastAsia")) if fonts is not None else None
                if font is None:
                    rstyle = r.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
                    font = (by_style.get(rstyle.get(qn("w:val"))) if rstyle is not None else None) or para_font
                key = keys.get(font or default or "")
                if key is None:
                    continue
                text = "".join(t.text or "" for t in r.iter(qn("w:t")))
                if "footer" in name:
                    text += PAGE_CHARS
                if text:
                    found.setdefault(key, set()).update(text)
    return {key: "".join(sorted(chars)) for key, chars in found.items()}


# --- the package ----------------------------------------------------------------------------

def font_key(name: str) -> str:
    """The obfuscation key of a house font: a GUID derived from its name (the same every build)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "jianyan-font:" + name)).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 Part 1 §17.8.1: the first 32 bytes XORed with the key's 16 bytes, in reverse order."""
    secret = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    return bytes(b ^ secret[i % 16] for i, b in enumerate(data[:32])) + data[32:]


def embed(doc, how: str | None = None) -> dict[str, tuple[str, str]]:
    """Add to the package the look-alike of every house face the document sets text in (``how``:
    mode()). Returns house font name → (relationship id from the font table, font key), for the font
    table (docx.embed_fonts); empty when off, or without fontTools or fc-match."""
    from docx.opc.packuri import PackURI  # lazy: only when embedding
    from docx.opc.part import Part  # lazy: only when embedding
    how = how or mode()
    if how == "off" or importlib.util.find_spec("fontTools") is None:
        return {}
    fonttable = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    used = characters(doc)
    conf = os.environ.get("FONTCONFIG_FILE")
    embedded: dict[str, tuple[str, str]] = {}
    for n, (key, face) in enumerate(style.FACES.items(), start=1):
        src = source(key, conf) if key in used else None
        if src is None:
            continue
        data = font_bytes(src, face.name, None if how == "full" else used[key])
        fkey = font_key(face.name)
        part = Part(PackURI(f"/word/fonts/font{n}.odttf"), _OBFUSCATED, obfuscate(data, fkey), doc.part.package)
        embedded[face.name] = (fonttable.relate_to(part, _FONT_REL), fkey)
    return embedded

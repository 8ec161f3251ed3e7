"""PDF through headless Chromium (Debian package ``chromium``) from the print HTML.

Chromium is run offline-safe (no background networking, fresh profile) with the fontconfig file
shipped in ``jianyan/data/fonts.conf``, which maps 仿宋_GB2312, 楷体_GB2312, 黑体 and 方正小标宋简体 to
free fonts when the originals are not installed. Chromium writes the print time into the PDF
(/CreationDate, /ModDate); they are replaced by the issue date, byte length unchanged, so the same
input gives the same PDF.

Fonts in the PDF (issue 20): Chromium (Skia) embeds a TrueType-outline font as a real Type 0 / CID
font, but draws a font with PostScript (CFF) outlines, as FandolFang and the Noto CJK collections
have, as Type 3 glyph procedures, which some readers search badly and printing houses refuse. So
before printing, each house font (style.FACES) is looked up through fontconfig as Chromium would;
when the file it gets is CFF-based or a collection, the characters the page uses are cut out of it
with fontTools, their outlines converted to TrueType quadratics (cu2qu, within 1 font unit) and the
result given to the page as an ``@font-face`` ahead of the family's own names. A font already in
TrueType outlines is left to Chromium. Without fontTools or fc-match the PDF is still made (Type 3).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html as htmllib
import importlib.util
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from jianyan.core.errors import JianyanError
from jianyan.render import style

FONTS_CONF = Path(__file__).resolve().parent.parent / "data" / "fonts.conf"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-pdf-header-footer")
TIMEOUT = 180


class PdfFailure(JianyanError):
    """Chromium missing or failing; the message is Chinese."""


def find_chromium() -> str | None:
    """The browser to print with: $JIANYAN_CHROMIUM (empty or "none" disables PDF), else the PATH."""
    env = os.environ.get("JIANYAN_CHROMIUM")
    if env is not None:
        if env.strip().lower() in ("", "none", "off"):
            return None
        return env if Path(env).is_file() else shutil.which(env)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


MISSING = ("未找到 Chromium 浏览器，本次没有生成 PDF（Word、网页和 Markdown 版已生成）。"
           "安装方法：sudo apt-get install chromium fonts-noto-cjk fonts-arphic-gkai00mp；"
           "或设置环境变量 JIANYAN_CHROMIUM 指向浏览器程序")


def font_env() -> dict[str, str]:
    env = dict(os.environ)
    if FONTS_CONF.is_file() and "FONTCONFIG_FILE" not in os.environ:
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


# --- real (Type 0) fonts for Chromium ----------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_SUBSETS: dict[tuple, bytes] = {}  # (file, index, size, mtime, characters digest) → TrueType subset
_PAGE_CHARS = "— 0123456789"  # the page numbers Chromium draws itself


def _font_file(name: str, env: dict[str, str]) -> tuple[Path, int] | None:
    """The file and face index fontconfig gives for a family name (as Chromium asks: Chinese text)."""
    try:
        proc = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", f"{name}:lang=zh-cn:weight=regular"], env=env,
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    file, _, index = proc.stdout.partition("\t")
    return (Path(file), int(index or 0)) if proc.returncode == 0 and file else None


def _needs_truetype(path: Path) -> bool:
    """CFF outlines ("OTTO") or a collection: Chromium would draw it as Type 3."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head in (b"OTTO", b"ttcf")


def truetype_subset(path: Path, index: int, chars: str) -> bytes:
    """The glyphs of ``chars`` in face ``index`` of ``path`` as a TrueType-outline font."""
    from fontTools import subset  # lazy: fontTools loads only when a PDF is printed
    from fontTools.pens.cu2quPen import Cu2QuPen  # lazy: as above
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # lazy: as above
    from fontTools.ttLib import TTFont, newTable  # lazy: as above
    st = path.stat()
    key = (str(path), index, st.st_size, st.st_mtime_ns, hashlib.sha256("".join(sorted(set(chars))).encode()).digest())
    if key in _SUBSETS:
        return _SUBSETS[key]
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # notes on tables it drops are not the user's business
    # recalcTimestamp off: fontTools would stamp head.modified with the time of saving, and Chromium keeps
    # it in the PDF, so two prints of the same page differed (compare_outputs: the issue PDFs, the dup report)
    font = TTFont(str(path), fontNumber=index, lazy=True, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        quadratic = {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            quadratic[name] = pen.glyph()
        font["loca"] = newTable("loca")
        glyf = font["glyf"] = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = quadratic
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
                     "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                     "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["post"].formatType = 3.0  # no glyph names: CID fonts have none worth keeping
        font["head"].glyphDataFormat = 0
        font.sfntVersion = "\0\1\0\0"
    out = io.BytesIO()
    font.save(out)
    if len(_SUBSETS) >= 16:  # a process printing many documents keeps the latest few (about 1 MB each)
        del _SUBSETS[next(iter(_SUBSETS))]
    _SUBSETS[key] = out.getvalue()
    return _SUBSETS[key]


def real_fonts(html: str, folder: Path, env: dict[str, str]) -> str:
    """A ``<style>`` giving each house font a TrueType subset in ``folder`` (empty when none is needed
    or fontTools is missing)."""
    if importlib.util.find_spec("fontTools") is None:  # without it Chromium's Type 3 fonts stay
        return ""
    chars = "".join(sorted(set(htmllib.unescape(_TAG.sub("", html))) | set(_PAGE_CHARS)))
    rules, roots = [], []
    for key, face in style.FACES.items():
        found = _font_file(face.name, env)
        if found is None or not _needs_truetype(found[0]):
            continue
        try:
            data = truetype_subset(found[0], found[1], chars)
        except Exception:  # noqa: BLE001 - a font fontTools cannot read: Chromium's own way (Type 3) remains
            continue
        (folder / f"jianyan-{key}.ttf").write_bytes(data)
        rules.append(f'@font-face {{ font-family: "jianyan-{key}"; src: url("jianyan-{key}.ttf"); }}')
        roots.append(f'--{key}: "jianyan-{key}", {face.css};')
    if not rules:
        return ""
    return "<style>\n" + "\n".join(rules) + "\n:root { " + " ".join(roots) + " }\n</style>\n"


def html_to_pdf(html: str, when: dt.date, chromium: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="jianyan-pdf-") as tmp:
        src = Path(tmp) / "issue.html"
        out = Path(tmp) / "issue.pdf"
        env = font_env()
        fonts = real_fonts(html, Path(tmp), env)
        if fonts:
            html = html.replace("</head>", fonts + "</head>", 1)
        src.write_text(html, encoding="utf-8")
        cmd = [chromium, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", src.as_uri()]
        env["HOME"] = tmp  # Chromium writes caches under HOME; keep the user's untouched
        env.setdefault("XDG_CACHE_HOME", str(Path(tmp) / "cache"))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfFailure(f"Chromium 生成 PDF 超过 {TIMEOUT} 秒未完成，已放弃。请稍后重试") from None
        except OSError as exc:
            raise PdfFailure(f"无法启动 Chromium（{chromium}）：{exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = " ".join((proc.stderr or "").strip().splitlines()[-3:])
            raise PdfFailure(f"Chromium 没有生成 PDF（退出码 {proc.returncode}）。{tail}")
        return normalize_pdf(out.read_bytes(), when)


_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")
_XMP_DATE = re.compile(rb"<(xmp:CreateDate|xmp:ModifyDate|xmp:MetadataDate)>([^<]*)</\1>")


def normalize_pdf(data: bytes, when: dt.date) -> bytes:
    """Replace the print time with the issue date, keeping every byte offset (same lengths)."""
    stamp = when.strftime("%Y%m%d000000").encode()

    def info(m: re.Match) -> bytes:
        tail = m.group(3)
        fixed_tail = (b"+00'00'" if tail.startswith((b"+", b"-")) and len(tail) == 7 else b"Z" * len(tail))
        if len(fixed_tail) != len(tail):
            fixed_tail = tail
        return b"/" + m.group(1) + b" (D:" + stamp + fixed_tail + b")"

    def xmp(m: re.Match) -> bytes:
        old = m.group(2)
        new = when.isoformat().encode() + b"T00:00:00"
        new = (new + b"+00:00" * 2)[: len(old)].ljust(len(old), b" ")
        return b"<" + m.group(1) + b">" + new + b"</" + m.group(1) + b">"

    data = _DATE.sub(info, data)
    return _XMP_DATE.sub(xmp, data)


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))

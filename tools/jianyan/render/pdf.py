"""PDF through headless Chromium (Debian package ``chromium``) from the print HTML.

Chromium is run offline-safe (no background networking, fresh profile) with the fontconfig file
shipped in ``jianyan/data/fonts.conf``, which maps 仿宋_GB2312, 楷体_GB2312, 黑体 and 方正小标宋简体 to
free fonts when the originals are not installed. Chromium writes the print time into the PDF
(/CreationDate, /ModDate); they are replaced by the issue date, byte length unchanged, so the same
input gives the same PDF.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from jianyan.errors import JianyanError

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


def html_to_pdf(html: str, when: dt.date, chromium: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="jianyan-pdf-") as tmp:
        src = Path(tmp) / "issue.html"
        out = Path(tmp) / "issue.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [chromium, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", src.as_uri()]
        env = font_env()
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

"""The Jinja environment every renderer uses.

* Templates are looked up in the campaign's ``templates/`` folder first, then in the defaults
  shipped with the package (``jianyan/templates/``). A campaign template may extend the
  shipped one of the same name as ``{% extends "default/issue.html.j2" %}``.
* Sandboxed, with undefined variables as errors; HTML and XML templates autoescape.
* ``.md`` templates escape data with the ``md`` filter.
* Any template problem becomes :class:`TemplateFailure`: a Chinese message naming the
  template file and line. Callers render everything in memory first and write nothing when
  rendering fails.
"""
from __future__ import annotations

import datetime as dt
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from jianyan.campaign.steps import ROLES
from jianyan.core.errors import JianyanError
from jianyan.render import style
from jianyan.text import titles

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CAMPAIGN_TEMPLATES = "templates"


class TemplateFailure(JianyanError):
    """A template could not be loaded or rendered; ``str()`` is the Chinese message."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#{}])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])", re.M)


def md_escape(value: Any) -> str:
    """Text → Markdown that renders as exactly this text (markup characters backslash-escaped)."""
    text = str(value).replace("\r", "").replace("\n", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + re.sub(r"([-+=.)])", r"\\\1", m.group(2)), text)


def cn_date(value: Any) -> str:
    """2021-03-05 → 2021年3月5日 (GB/T 9704 writes dates in Arabic numerals, no leading zeros)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


_CN_DIGITS = "〇一二三四五六七八九"


SENTENCE_ENDS = ("。", "！", "？", "…", "；")


def full_stop(value: Any) -> str:
    """"。" unless the text already ends a sentence: 批示：“请研究办理。” needs no second full stop."""
    return "" if str(value or "").rstrip().endswith(SENTENCE_ENDS) else "。"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (for 一、 headings)."""
    n = int(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def title_lines(value: Any, per_line: float | None = None) -> list[str]:
    """A title broken between jieba words into balanced lines (text/titles.py), for ``<br>`` in HTML."""
    from jianyan.dup.tokens import cut  # lazy: jieba and numpy load only when a title is long enough to break
    text = str(value or "")
    per = per_line or style.chars_per_line(style.TITLE)
    return titles.lines(text, per, cut) if titles.width(text) > per else ([text] if text else [])


def environment(root: Path | None) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / CAMPAIGN_TEMPLATES).is_dir():
        loaders.append(FileSystemLoader(str(root / CAMPAIGN_TEMPLATES)))
    default = FileSystemLoader(str(PACKAGE_TEMPLATES))
    loaders.append(default)
    loaders.append(PrefixLoader({"default": default}))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "html.j2", "xml", "xml.j2", "svg"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md_escape, cn_date=cn_date, cn_number=cn_number, full_stop=full_stop,
                       title_lines=title_lines)
    env.globals["house"] = style.template_vars()  # the house style (render/style.py) for every template
    env.globals["roles"] = ROLES  # each role's name as campaign/steps.py gives it (roles.secretariat …)
    return env


def describe(filename: str | None, root: Path | None) -> str:
    """A template's file as the user knows it."""
    if not filename:
        return "（未知模板）"
    path = Path(filename)
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    try:
        return "jianyan 自带模板 " + path.resolve().relative_to(PACKAGE_TEMPLATES).as_posix()
    except ValueError:
        return filename


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that is a template file (Jinja maps those to template lines)."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".jinja", ".html", ".md", ".xml", ".css")):
            found = (frame.filename, frame.lineno)
    return found


_UNDEFINED = re.compile(r"'(?P<obj>[^']+)' (?:object )?has no attribute '(?P<attr>[^']+)'|'(?P<name>[^']+)' is undefined")


def _explain(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"模板语法错误（{exc.message}）。请检查 {{% %}} 和 {{{{ }}}} 是否成对、语句拼写是否正确"
    if isinstance(exc, SecurityError):
        return f"模板试图做不安全的操作（{exc}），已被沙箱拦截。模板只能读取数据，不能调用内部属性"
    if isinstance(exc, jinja2.UndefinedError):
        m = _UNDEFINED.search(str(exc))
        if m and m.group("name"):
            what = f"变量“{m.group('name')}”"
        elif m:
            what = f"“{m.group('attr')}”（{m.group('obj')} 中没有这一项）"
        else:
            what = str(exc)
        return f"模板用到了不存在的{what}。请检查拼写；可用的变量见 templates/README.md"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"找不到模板“{exc.name}”。请检查 templates/ 下的文件名，或删除对它的引用"
    return f"模板出错（{type(exc).__name__}: {exc}）"


def render(env: SandboxedEnvironment, name: str, root: Path | None, **context: Any) -> str:
    """Render template ``name``; any problem raises TemplateFailure naming the file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = describe(exc.filename, root)
        raise TemplateFailure(f"{where}:{exc.lineno}: {_explain(exc)}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateFailure(f"{name}: {_explain(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - every template error must reach the user in Chinese
        filename, line = _template_frame(exc)
        if filename is None:
            try:
                filename = env.loader.get_source(env, name)[1]  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001
                filename = name
        raise TemplateFailure(f"{describe(filename, root)}:{line or 1}: {_explain(exc)}") from None

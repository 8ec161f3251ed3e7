"""Markdown helpers: plain text for counting and comparing, safe HTML for rendering."""
from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with raw HTML off: submission text is data, never markup to trust."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    return md.use(footnote_plugin)  # [^1] footnotes (Word footnotes come in this way via jianyan import)


# Parses kept while ``shared_parses`` is on: body → its tokens, the latest SHARED_MAX (oldest dropped first).
_SHARED: dict[str, list[Token]] | None = None
SHARED_MAX = 256


@contextmanager
def shared_parses() -> Iterator[None]:
    """While on, ``tokens`` and ``html_tokens`` of a body parsed lately are the same list, not a new parse:
    the per-file checks (length, quality, pii) each read a body's Markdown, and run over the same few
    hundred bodies in turn (accel/findingscache.py) they parse each once instead of three times. The
    tokens are read, never changed, by whoever asks for them."""
    global _SHARED
    before, _SHARED = _SHARED, {} if _SHARED is None else _SHARED
    try:
        yield
    finally:
        _SHARED = before


def tokens(body: str) -> list[Token]:
    """``parser().parse(body)`` (shared with other readers of the same body under ``shared_parses``)."""
    kept = _SHARED
    if kept is None:
        return parser().parse(body)
    got = kept.get(body)
    if got is None:
        got = parser().parse(body)
        if len(kept) >= SHARED_MAX:
            del kept[next(iter(kept))]
        kept[body] = got
    return got


def html_tokens(body: str) -> list[Token]:
    """``html_parser().parse(body)``: the same tokens as ``tokens`` when the body has no link, image or
    autolink (no ``[`` nor ``<``: the two parsers differ only in which link targets they take and in
    dropping remote images), so shared with them then."""
    if "[" in body or "<" in body:
        return html_parser().parse(body)
    return tokens(body)


def plain_lines(body: str) -> list[tuple[int, str]]:
    """(0-based body line, plain text) for each block of the body, markup stripped."""
    out: list[tuple[int, str]] = []
    for tok in tokens(body):
        if tok.type == "inline" and tok.map:
            text = "".join("\n" if child.type in ("softbreak", "hardbreak") else child.content
                           for child in tok.children or ()
                           if child.type in ("text", "code_inline", "softbreak", "hardbreak"))
            out.append((tok.map[0], text))
        elif tok.type in ("fence", "code_block") and tok.map:
            out.append((tok.map[0], tok.content))
    return out


def block_texts(body: str) -> list[tuple[str, str]]:
    """(kind, text) of each heading and paragraph of the body (list items and table cells as paragraphs):
    kind is "heading" or "para", the text its words and code with the markup dropped."""
    out: list[tuple[str, str]] = []
    kind = "para"
    for tok in tokens(body):
        if tok.type == "heading_open":
            kind = "heading"
        elif tok.type == "heading_close":
            kind = "para"
        elif tok.type == "inline":
            out.append((kind, "".join(c.content for c in tok.children or () if c.type in ("text", "code_inline"))))
    return out


def plain_text(body: str) -> str:
    """The body as plain text, one block a line."""
    return "\n".join(text for _, text in plain_lines(body))


# Link targets allowed in rendered HTML: these schemes, or none at all (a relative link or #anchor).
SAFE_SCHEMES = ("http", "https", "mailto")


def is_safe_link(url: str) -> bool:
    """True for http(s), mailto and relative links; False for javascript:, data:, vbscript:, file: and any other scheme.

    Strict on purpose: anything with a colon before the first / ? # must be one of SAFE_SCHEMES.
    """
    text = "".join(ch for ch in url if ch > " " and ch != "\x7f")  # browsers ignore these inside a scheme
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    return ":" not in head or head.split(":", 1)[0].lower() in SAFE_SCHEMES


def _is_remote(url: str) -> bool:
    return url.startswith("//") or ":" in re.split(r"[/?#]", url, maxsplit=1)[0]


def _local_images_only(state) -> None:
    """Core rule: an image from another server becomes its alt text.

    Pages and bulletins must work on an intranet and must not tell an outside server who reads
    them; only images shipped beside the page (relative paths) are kept.
    """
    for block in state.tokens:
        for i, tok in enumerate(block.children or ()):
            if tok.type == "image" and _is_remote(tok.attrGet("src") or ""):
                text = Token("text", "", 0)
                text.content = "".join(c.content for c in tok.children or ()) or "（外部图片已略去）"
                block.children[i] = text


@lru_cache(maxsize=1)
def html_parser() -> MarkdownIt:
    """parser() for HTML output: a link or image with an unsafe target stays plain, escaped text,
    and images from other servers are dropped (their alt text stays)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = is_safe_link
    md.core.ruler.push("local_images_only", _local_images_only)
    return md.use(footnote_plugin)


def to_html(body: str) -> str:
    """Render body Markdown to HTML with raw HTML escaped and unsafe links dropped."""
    return html_parser().render(body)

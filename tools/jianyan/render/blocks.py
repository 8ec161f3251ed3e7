"""An issue's Markdown body as plain structured data: articles → blocks → runs.

Templates and the Word writer get text runs, never markup: the text a user wrote (including
``{{ 7*7 }}``, ``{% … %}`` or ``<script>``) stays data and each output escapes it its own way.

Conventions of the body (see FORMATS.md):
  * ``## 标题`` starts an article (its title, 2号 小标宋 in print); text before the first
    ``##`` is a lead without a title (an editor's note, for example);
  * ``### 一、…`` is a first-level heading (黑体), ``#### （一）…`` a second-level one (楷体);
  * a paragraph that is one parenthesised phrase, like ``（民革山东省委会）``, at the end of an
    article is its source line;
  * a paragraph starting with 编者按 is an editor's note (楷体).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from jianyan.campaign.bulletin import SOURCE_RE
from jianyan.text.markdown import parser

NOTE_RE = re.compile(r"^[【\[]?编者按[】\]]?[：:]")
_HAN_SPACE = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    kind: str  # heading1 | heading2 | para | note | source | quote | code
    runs: list[Run]
    line: int  # 0-based body line

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Article:
    title: str | None
    title_line: int | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def source(self) -> str | None:
        return self.blocks[-1].text if self.blocks and self.blocks[-1].kind == "source" else None


def _runs(inline) -> list[Run]:
    out: list[Run] = []
    bold = italic = 0
    for child in inline.children or ():
        t = child.type
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t in ("text", "code_inline", "html_inline"):
            text = child.content
        elif t == "softbreak":
            text = ""  # Chinese lines wrapped in the source join without a space
        elif t == "hardbreak":
            text = "\n"
        elif t == "image":
            text = child.content or ""
        else:
            continue
        if t in ("strong_open", "strong_close", "em_open", "em_close"):
            continue
        if out and out[-1].bold == bool(bold) and out[-1].italic == bool(italic):
            out[-1].text += text
        elif text:
            out.append(Run(text, bool(bold), bool(italic)))
    return out


def parse_blocks(body: str) -> list[Block]:
    tokens = parser().parse(body)
    blocks: list[Block] = []
    heading_level = None
    in_quote = 0
    list_stack: list[list] = []  # [ordered?, counter]
    pending_marker = ""
    for tok in tokens:
        t = tok.type
        if t == "heading_open":
            heading_level = int(tok.tag[1])
        elif t == "heading_close":
            heading_level = None
        elif t == "blockquote_open":
            in_quote += 1
        elif t == "blockquote_close":
            in_quote -= 1
        elif t in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrGet("start") or 1)
            list_stack.append([t == "ordered_list_open", start - 1])
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t == "list_item_open" and list_stack:
            list_stack[-1][1] += 1
            ordered, n = list_stack[-1]
            pending_marker = f"{n}. " if ordered else "· "
        elif t == "inline":
            runs = _runs(tok)
            line = tok.map[0] if tok.map else 0
            if heading_level is not None:
                kind = "title" if heading_level <= 2 else "heading1" if heading_level == 3 else "heading2"
            elif in_quote:
                kind = "quote"
            else:
                kind = "para"
            if pending_marker:
                runs.insert(0, Run(pending_marker))
                pending_marker = ""
            if kind == "para" and NOTE_RE.match("".join(r.text for r in runs)):
                kind = "note"
            if runs:
                blocks.append(Block(kind, runs, line))
        elif t in ("fence", "code_block"):
            blocks.append(Block("code", [Run(tok.content.rstrip("\n"))], tok.map[0] if tok.map else 0))
    return blocks


def articles(body: str) -> list[Article]:
    """The body split into articles at each ``##`` title."""
    out: list[Article] = []
    current: Article | None = None
    for block in parse_blocks(body):
        if block.kind == "title":
            current = Article(block.text.strip(), block.line)
            out.append(current)
            continue
        if current is None:
            current = Article(None, None)
            out.append(current)
        current.blocks.append(block)
    for art in out:
        if art.blocks and art.blocks[-1].kind == "para" and SOURCE_RE.match(art.blocks[-1].text.strip()):
            art.blocks[-1].kind = "source"
            for run in art.blocks[-1].runs:  # （省政协委员 秦某）: a full-width space between Chinese words
                run.text = _HAN_SPACE.sub("\u3000", run.text)
    return out


_SOURCE_P = re.compile(r"<p>([（(][^<>（）()]{2,60}[）)])</p>(?=\s*(?:<h[12]\b|$))")


def mark_sources(html: str) -> str:
    """HTML of a Markdown body with each article's source line (a parenthesised phrase ending it, before
    the next ``##`` title or at the end) as ``<p class="source">``, which the site right-aligns as the
    bulletin does."""
    return _SOURCE_P.sub(r'<p class="source">\1</p>', html)


"""quality.*: empty talk, structure and focus, typography — the notice's 力戒空话大话, 开门见山, 一事一议.

Pure functions over the loaded campaign: submissions' titles and bodies (typography also in bulletin
issue bodies). Positions are exact: body line i (0-based) is file line ``doc.body_line + i``, and
columns count characters of that line. Rules, default severities and fix hints: checks/rules.py;
thresholds: ``quality:`` in schema/settings.yaml; phrase list: schema/phrases.yaml.

Every rule takes time linear in the text: no pattern here repeats a group of repeats, a run is
matched only where it begins, and line numbers are counted as the text goes by, not recounted from
its start. A body longer than length.HARD_BODY_LIMIT gets the typography rules only (length.body_max
already asks to cut it down, and parsing its Markdown alone would take seconds).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from jianyan.campaign import phrases as phrase_list
from jianyan.text import typography
from jianyan.core.findings import Finding
from jianyan.text.markdown import tokens
from jianyan.campaign.model import QualitySettings, Topic
from jianyan.campaign.load import Campaign
from jianyan.text.textcount import count_chars
from jianyan.text.words import occurring
from jianyan.checks.length import HARD_BODY_LIMIT
from jianyan.checks.rules import RULES, Reporter

NUMERALS = "一二三四五六七八九十"
# A numbered point: 一是 (after a sentence break), （一）, (1), 1. 1、, 第一，, 首先/其次/最后, 其一.
MARKER = re.compile(
    rf"^\s*(?:[{NUMERALS}]+是|（[{NUMERALS}\d]+）|\([{NUMERALS}\d]+\)|\d+[.、．)）]|[{NUMERALS}]+、"
    rf"|第[{NUMERALS}]+[，,、是]|首先|其次|再次|最后|其[{NUMERALS}][，,、是])")
INLINE_POINT = re.compile(rf"(?:(?<=^)|(?<=[。；;！？\s]))[{NUMERALS}]+是")
HEADING_NUMBER = re.compile(rf"^\s*(?:[{NUMERALS}]+、|（[{NUMERALS}]+）|\d+[.、．])")
SENTENCE_END = re.compile(r"(?<=[。！？!?])")
SENTENCE_MARK = re.compile(r"[。！？；!?;]")  # where empty_talk's sentences end (semicolons too)

# Section words: in a heading, or (when no heading names the part) anywhere in the text.
SECTION_HEADINGS = {
    "problem": re.compile(r"问题|现状|困难|短板|不足|瓶颈|难点|隐患|主要表现|基本情况"),
    "cause": re.compile(r"原因|成因|症结|根源"),
    "suggestion": re.compile(r"建议|对策|措施|举措|思路|路径|启示"),
    "practice": re.compile(r"做法|经验|举措|成效|探索|实践"),
}
SECTION_WORDS = {
    "problem": re.compile(r"问题|困难|短板|不足|瓶颈|难题|隐患|制约|滞后|缺乏|缺少|不够|尚未|没有|偏低|偏高|难以"
                          r"|不到位|不健全|不完善|薄弱|风险"),
    "cause": re.compile(r"原因|由于|导致|造成|因为|源于|根源|症结|归根"),
    "suggestion": re.compile(r"建议|对策|应当|应该|提议"),
    "practice": re.compile(r"做法|经验|举措|措施"),
}
PART_NAMES = {"problem": "问题", "cause": "原因分析", "suggestion": "对策建议", "practice": "主要做法"}

# What makes a suggestion concrete: a responsible body, a number or date, or a specific instrument.
_VAGUE_BODY = re.compile(r"有关|相关|各级|各地|各部门")
BODY_RE = re.compile(
    r"(?:省|市|县|区|乡镇|国家|中央|国务院)[\u4e00-\u9fff]{0,10}?"
    r"(?:厅|局|委员会|委|办公室|办|部|院|署|中心|政府|政协|法院|检察院|银行|公司|集团|协会|商会|大学)"
    r"|财政|税务|海关|公安|商务|教育|科技|人社|人力资源社会保障|住建|住房城乡建设|交通运输|水利|农业农村|卫生健康|卫健"
    r"|应急|市场监管|生态环境|发展改革|发改|工业和信息化|工信|自然资源|金融监管|人民银行|银保监|证监|国资委|统计"
    r"|司法|法院|检察院|高校|园区|协会|商会|村委会|社区|街道|乡镇|医院|学校|企业|银行")
# A run of numerals is tried only where it begins: tried at every position of a long run, it
# would cost quadratic time (a later start matches only if the run's start does).
NUMBER_RE = re.compile(
    rf"\d|(?<![{NUMERALS}百千万两半])[{NUMERALS}百千万两半]+(?:个|家|项|年|月|天|日|万|亿|元|人|次|所|批|条|倍|成|公里|亩|吨|小时|级|类|档)"
    r"|年底|年内|月底|季度|每年|每月|每周|当年|次年|以内|以上|以下|不低于|不超过|至少")
INSTRUMENT_RE = re.compile(
    r"办法|条例|清单|目录|标准|专项资金|专项|基金|试点|平台|台账|名录|指南|细则|补贴|补助|奖补|奖励|保险|立法"
    r"|考核|督查|通报|公示|数据库|信息系统|联席会议|规划|实施方案|白名单|负面清单|评估|认定|备案|监测")

TITLE_FORMS = (
    re.compile(r"^关于.+的(?:建议|意见建议|意见|对策建议|几点建议|问题|反映|情况反映|思考|调研报告|报告)$"),
    re.compile(r"^关于.+问题$"),
    re.compile(r"^.+的(?:做法|经验|启示|探索|实践)(?:[与和及](?:启示|成效|建议|思考))?$"),
)
TITLE_END_PUNCT = "。．.！!？?；;，,：:"
QUOTE_MAX = 60  # a message quotes at most this much of a title (length.title reports a long one)
_NOT_INTENSIFIER_AFTER = "性"  # 积极性, 持续性
_NOT_INTENSIFIER_BEFORE = "可"  # 可持续


@dataclass
class Block:
    """A Markdown block with its plain text: paragraph, heading or list item."""

    line: int  # 0-based body line
    text: str
    heading: bool
    listed: bool


@dataclass
class Point:
    line: int
    text: str


@dataclass
class Hit:
    line: int  # 0-based body line
    col: int  # 0-based
    text: str


@dataclass
class Body:
    """A body analysed once for every rule."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.blocks = list(_blocks(self.text))
        self.lines = self.text.split("\n")
        self.paragraphs = [b for b in self.blocks if not b.heading]
        self.plain = "\n".join(b.text for b in self.blocks)
        self.chars = count_chars(self.plain)

    def column(self, line: int, snippet: str) -> int | None:
        """1-based column of ``snippet`` on body line ``line`` (None when markup hides it)."""
        if 0 <= line < len(self.lines):
            at = self.lines[line].find(snippet[:8].strip())
            if at >= 0:
                return at + 1
        return None


def _inline_text(tok) -> tuple[str, bool]:
    """Plain text of an inline token, and whether all of it is bold (a bold line is a heading)."""
    parts, bold_only, depth = [], True, 0
    for child in tok.children or ():
        if child.type == "strong_open":
            depth += 1
        elif child.type == "strong_close":
            depth -= 1
        elif child.type in ("text", "code_inline", "softbreak", "hardbreak"):
            piece = "\n" if child.type in ("softbreak", "hardbreak") else child.content
            if piece.strip() and depth == 0:
                bold_only = False
            parts.append(piece)
    text = "".join(parts)
    return text, bold_only and bool(text.strip())


def _looks_like_heading(text: str) -> bool:
    """一、存在的问题 / （一）加强监管 on a line of its own, short and not a sentence."""
    t = text.strip()
    return bool(HEADING_NUMBER.match(t)) and count_chars(t) <= 30 and not t.endswith(("。", "；", "！", "？"))


def _blocks(body: str) -> Iterator[Block]:
    heading, lists = False, 0
    for tok in tokens(body):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif tok.type == "heading_open":
            heading = True
        elif tok.type == "heading_close":
            heading = False
        elif tok.type == "inline" and tok.map:
            text, bold = _inline_text(tok)
            if text.strip():
                yield Block(tok.map[0], text, heading or bold or _looks_like_heading(text), lists > 0)


# --- empty talk ---------------------------------------------------------------------------

def _sentences(line: str) -> Iterator[tuple[int, str]]:
    """(offset, sentence) of a raw line, split after 。！？；."""
    start = 0
    for m in SENTENCE_MARK.finditer(line):
        yield start, line[start:m.end()]
        start = m.end()
    if line[start:].strip():
        yield start, line[start:]


def _find_all(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + len(word))


def empty_talk(body: Body, book: phrase_list.PhraseBook) -> tuple[list[Hit], list[list[Hit]]]:
    """Phrase hits and intensifier hits per sentence (only sentences with 2 or more), in body order."""
    # most phrases are in no body: the lines look only for those in it
    present = occurring(tuple(p.text for p in (*book.phrases, *book.intensifiers)), body.text)
    words = sorted((p.text for p in book.phrases if p.text in present), key=len, reverse=True)
    boosters = sorted((p.text for p in book.intensifiers if p.text in present), key=len, reverse=True)
    hits: list[Hit] = []
    stacks: list[list[Hit]] = []
    for i, line in typography.text_lines(body.text) if words or boosters else ():
        taken: set[int] = set()
        for w in (w for w in words if w in line):
            for at in _find_all(line, w):
                if not taken.intersection(range(at, at + len(w))):
                    taken.update(range(at, at + len(w)))
                    hits.append(Hit(i, at, w))
        in_line = [w for w in boosters if w in line]  # a line of many short sentences tests few words each
        for off, sentence in _sentences(line) if in_line else ():
            found: list[Hit] = []
            used: set[int] = set()
            for w in (w for w in in_line if w in sentence):
                for at in _find_all(sentence, w):
                    before, after = sentence[at - 1:at], sentence[at + len(w):at + len(w) + 1]
                    if before == _NOT_INTENSIFIER_BEFORE or after == _NOT_INTENSIFIER_AFTER:
                        continue
                    if not used.intersection(range(at, at + len(w))):
                        used.update(range(at, at + len(w)))
                        found.append(Hit(i, off + at, w))
            if len(found) >= 2:
                stacks.append(sorted(found, key=lambda h: h.col))
    hits.sort(key=lambda h: (h.line, h.col))
    return hits, stacks


def _check_empty_talk(body: Body, book, q: QualitySettings, report, shift: int) -> Iterator[Finding | None]:
    hits, stacks = empty_talk(body, book)
    phrase_spots = {(h.line, h.col) for h in hits}
    counted = list(hits)
    for stack in stacks:
        # An intensifier inside a listed phrase (进一步 in 进一步加强) is already counted.
        counted.extend(h for h in stack if not any(
            (h.line, c) in phrase_spots for c in range(h.col - 4, h.col + 1)))
        if len(stack) >= q.intensifier_stack:
            first = stack[0]
            more = f"等 {len(stack)} 个" if len(stack) > 10 else ""
            yield report("quality.stacked_intensifiers", shift + first.line,
                         f"一句话里堆了 {len(stack)} 个修饰语：" + "、".join(f"“{h.text}”" for h in stack[:10]) + more,
                         first.col + 1)
    if not counted or body.chars == 0:
        return
    score = len(counted) * 100 / body.chars
    if len(counted) >= q.empty_talk_min_hits and score >= q.empty_talk_per_100:
        counted.sort(key=lambda h: (h.line, h.col))
        shown = "、".join(f"第{shift + h.line}行“{h.text}”" for h in counted[:10])
        more = f"等 {len(counted)} 处" if len(counted) > 10 else f"共 {len(counted)} 处"
        first = counted[0]
        yield report("quality.empty_talk", shift + first.line,
                     f"空话套话较多（正文 {body.chars} 字，每百字 {score:.1f} 处，上限 {q.empty_talk_per_100:g}）：{shown}{more}",
                     first.col + 1)


def _openings_closings(body: Body, book, report, shift: int) -> Iterator[Finding | None]:
    if not body.paragraphs:
        return
    first = body.paragraphs[0]
    opening = first.text.strip().lstrip("\u3000")
    for pattern, label in book.compiled("openings"):
        if pattern.search(opening):
            yield report("quality.opening", shift + first.line, f"开头是套路写法“{label}”，没有直奔主题",
                         body.column(first.line, opening))
            break
    last = body.paragraphs[-1]
    if last is first:
        return
    for pattern, label in book.compiled("closings"):
        m = pattern.search(last.text)
        if m:
            line = last.line + last.text[:m.start()].count("\n")
            yield report("quality.closing", shift + line, f"结尾是套路写法“{label}”：“{m.group()}”",
                         body.column(line, m.group()))
            break


# --- structure and focus ------------------------------------------------------------------

def sections(body: Body) -> tuple[dict[str, Block], dict[str, list[Block]]]:
    """Headings naming each part, and the blocks under each kind of part."""
    headings: dict[str, Block] = {}
    under: dict[str, list[Block]] = {k: [] for k in SECTION_HEADINGS}
    current: set[str] = set()
    for b in body.blocks:
        if b.heading:
            kinds = {k for k, rx in SECTION_HEADINGS.items() if rx.search(b.text)}
            if kinds:
                current = kinds
                for k in kinds:
                    headings.setdefault(k, b)
                continue
            if not HEADING_NUMBER.match(b.text):
                current = set()
                continue
        for k in current:
            under[k].append(b)
    return headings, under


def points(blocks: Iterable[Block]) -> list[Point]:
    """Numbered points: a marked block and the unmarked paragraphs after it; 一是…二是… split."""
    out: list[Point] = []
    for b in blocks:
        starts = [m.start() for m in INLINE_POINT.finditer(b.text)]
        if starts:
            if starts[0] > 0 and out:
                out[-1].text += b.text[:starts[0]]
            line = b.line + b.text.count("\n", 0, starts[0])
            for a, z in zip(starts, starts[1:] + [len(b.text)]):
                out.append(Point(line, b.text[a:z]))
                line += b.text.count("\n", a, z)
        elif MARKER.match(b.text) or b.listed:
            out.append(Point(b.line, b.text))
        elif out:
            out[-1].text += "\n" + b.text
    return out


def is_concrete(text: str) -> bool:
    """A responsible body, a number or date, or a specific instrument (清单, 专项资金, 试点…)."""
    return bool(NUMBER_RE.search(text) or INSTRUMENT_RE.search(text)
                or any(not _VAGUE_BODY.search(m.group()) for m in BODY_RE.finditer(text)))


def is_vague(text: str, book: phrase_list.PhraseBook | None) -> bool:
    """Not concrete, and either generic wording (a listed phrase, two intensifiers) or too short
    to say what is to be done. A long point describing its own measure is given the benefit of the doubt."""
    if is_concrete(text):
        return False
    body = MARKER.sub("", text.strip(), count=1)
    if count_chars(body) < 20:
        return True
    if book is None:
        return False
    return (any(p.text in text for p in book.phrases)
            or sum(text.count(p.text) for p in book.intensifiers) >= 2)


# Measures separated by "；" in one unnumbered paragraph that count as a list needing numbers.
MEASURES_IN_ONE_PARAGRAPH = 3

# Parts each kind of item must have. A cause analysis is optional in a suggestion (FORMATS.md)
# but a 反映问题 item should say where the problem comes from.
NEEDED_PARTS = {"suggestion": ("problem", "suggestion"), "problem": ("problem", "cause", "suggestion"),
                "practice": ("practice",)}


def _check_structure(doc, body: Body, kind: str, book, report) -> Iterator[Finding | None]:
    headings, under = sections(body)
    present = {k: k in headings or bool(SECTION_WORDS[k].search(body.plain)) for k in SECTION_HEADINGS}
    needed = NEEDED_PARTS[kind]
    for part in needed:
        if not present[part]:
            yield report(f"quality.missing_{part}", doc.body_line,
                         f"没有找到“{PART_NAMES[part]}”部分（既没有这样的小标题，也没有相应的表述）")
    if kind == "practice":
        return
    if "suggestion" in headings:
        heading = headings["suggestion"]
        blocks = under["suggestion"]
    else:
        heading, blocks = None, [b for b in body.paragraphs[1:] if SECTION_WORDS["suggestion"].search(b.text)]
    pts = points(blocks)
    paragraphs = [b for b in blocks if not b.heading]
    measures = paragraphs[0].text.count("；") + 1 if len(paragraphs) == 1 else 0
    if not pts and len(paragraphs) >= 2:
        at = heading or paragraphs[0]
        yield report("quality.unnumbered", doc.body_line + at.line,
                     f"建议部分有 {len(paragraphs)} 段，但没有分条编号")
    elif not pts and measures >= MEASURES_IN_ONE_PARAGRAPH:
        yield report("quality.unnumbered", doc.body_line + paragraphs[0].line,
                     f"建议部分把 {measures} 项措施用分号写在一段里，没有分条编号")
    for p in pts:
        if is_vague(p.text, book):
            snippet = p.text.strip().split("\n")[0][:24]
            yield report("quality.vague_point", doc.body_line + p.line,
                         f"这条建议“{snippet}……”没有写明责任部门、具体措施或数字、时限",
                         body.column(p.line, p.text.strip()))


def check_title(title: str) -> str | None:
    """What is wrong with a title's form, or None."""
    t = title.strip()
    if t and t[-1] in TITLE_END_PUNCT:
        return f"标题末尾不应有标点“{t[-1]}”"
    bad = typography.halfwidth_marks(t)
    if bad:
        return f"标题里用了半角标点“{t[bad[0].start]}”"
    if not any(rx.match(t) for rx in TITLE_FORMS):
        shown = t if len(t) <= QUOTE_MAX else t[:QUOTE_MAX] + "……"
        return f"标题“{shown}”不是常用格式"
    return None


def topic_spread(text: str, topics: dict[int, Topic], min_keywords: int) -> dict[int, list[str]]:
    """Topics the text touches: topic number → distinct keywords found (only topics with enough)."""
    out = {}
    present = occurring(tuple(k for topic in topics.values() for k in topic.keywords), text)
    for number, topic in sorted(topics.items()):
        found = [k for k in topic.keywords if k in present]
        if len(found) >= min_keywords:
            out[number] = found
    return out


def _check_focus(doc, body: Body, topics: dict[int, Topic], q: QualitySettings, report) -> Iterator[Finding | None]:
    spread = topic_spread(doc.model.title + "\n" + body.plain, topics, q.topic_min_keywords)
    if len(spread) > q.topics_max:
        listed = "；".join(f"{n}.{topics[n].short}（{'、'.join(ws[:4])}）" for n, ws in spread.items())
        yield report("quality.multi_topic", doc.body_line,
                     f"一篇信息涉及 {len(spread)} 个重点选题：{listed}")
    # 字数 never exceeds the length: a text no longer than a limit is not counted
    for b in body.paragraphs:
        n = count_chars(b.text) if len(b.text) > q.paragraph_max else 0
        if n > q.paragraph_max:
            yield report("quality.long_paragraph", doc.body_line + b.line,
                         f"这一段有 {n} 字，超过 {q.paragraph_max} 字", body.column(b.line, b.text.strip()))
        line = b.line  # body line where the sentence starts, counted as the sentences go by
        for sentence in SENTENCE_END.split(b.text):
            n = count_chars(sentence) if len(sentence) > q.sentence_max else 0
            if n > q.sentence_max:
                at = line + sentence.count("\n", 0, len(sentence) - len(sentence.lstrip()))
                yield report("quality.long_sentence", doc.body_line + at,
                             f"这句话有 {n} 字，超过 {q.sentence_max} 字：“{sentence.strip()[:20]}……”",
                             body.column(at, sentence.strip()))
            line += sentence.count("\n")


# --- typography ---------------------------------------------------------------------------

def typography_findings(body_text: str, body_line: int, report) -> Iterator[Finding | None]:
    """One finding per line and rule, naming the spots; column of the first one."""
    for i, line in typography.text_lines(body_text):
        edits = typography.scan_line(line.rstrip("\r"))
        by_code: dict[str, list[typography.Edit]] = {}
        for e in edits:
            by_code.setdefault(e.code, []).append(e)
        for code, es in by_code.items():
            spots = "，".join(f"第{e.start + 1}列 {e.what}" for e in es[:5])
            more = f"等 {len(es)} 处" if len(es) > 5 else ""
            manual = "（需手工修改）" if not all(e.safe for e in es) else ""
            yield report(code, body_line + i, f"{RULES[code].name}：{spots}{more}{manual}", es[0].start + 1)


# --- the family ---------------------------------------------------------------------------

def check_submission(doc, campaign: Campaign, book, report) -> Iterator[Finding | None]:
    regs = campaign.registries
    q = regs.settings.quality
    s = doc.model
    problem = check_title(s.title)
    if problem:
        yield report("quality.title_form", doc.line("title"), problem,
                     doc.parsed.column_of(("title",), value=True))
    if len(doc.body) > HARD_BODY_LIMIT:
        # length.body_max already asks to cut it down; parsing its Markdown alone would take seconds
        yield from typography_findings(doc.body, doc.body_line, report)
        return
    body = Body(doc.body)
    if body.chars == 0:
        return
    if book is not None:
        yield from _check_empty_talk(body, book, q, report, doc.body_line)
        yield from _openings_closings(body, book, report, doc.body_line)
    yield from _check_structure(doc, body, s.kind, book, report)
    yield from _check_focus(doc, body, regs.topics, q, report)
    yield from typography_findings(doc.body, doc.body_line, report)


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    if regs is None:
        return
    relpath = regs.settings.quality.phrases
    book, problems = phrase_list.load(campaign.root, relpath)
    yield from problems
    if not (campaign.root / relpath).is_file():
        missing = Reporter(campaign, relpath, False)(
            "quality.no_phrases", None, f"找不到空话套话词表 {relpath}，空话套话检查没有运行")
        if missing is not None:
            yield missing
    for doc in campaign.submissions:
        if doc.model is None or doc.model.status == "withdrawn" or not ctx.in_scope(doc.path):
            continue
        report = Reporter(campaign, doc.path, doc.model.status == "draft")
        yield from (f for f in check_submission(doc, campaign, book, report) if f is not None)
    for doc in campaign.issues:
        if doc.model is None or not ctx.in_scope(doc.path):
            continue
        report = Reporter(campaign, doc.path, doc.model.status == "draft")
        yield from (f for f in typography_findings(doc.body, doc.body_line, report) if f is not None)

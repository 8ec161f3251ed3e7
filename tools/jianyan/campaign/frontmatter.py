"""Read a Markdown file with YAML front matter, or a plain YAML file, without ever crashing.

The reader works on bytes and reports every problem as a Finding with a file line and column:
BOM, non-UTF-8 text (with a GBK hint), missing or unclosed front matter, tabs and U+3000
indentation, the full-width colon after a key, duplicate keys, YAML syntax errors and YAML 1.1
implicit-typing traps. Every scalar is kept as a string (implicit resolvers are off): pydantic
does the typing, so ``no`` stays "no" and ``010`` stays "010"; a plain ``~`` or ``null`` is the
empty text, as an empty value is (every YAML reader takes it for "nothing", not for the word).

A file is data from anyone, so the reader has limits, checked as each node is composed, before
any value is built from it (``_Limited``): no anchors or aliases (``&a``/``*a``: a 3 KB alias bomb
expands to 9^9 values, and front matter and registries never need them), no type tags other than
``!!str`` (``!!python/name:…`` and ``!foo`` are refused, never constructed), at most MAX_DEPTH
levels of nesting and a bounded number of values. Each is a finding on the file at its line; the
other files are read as usual. PyYAML has no such limits (its composer recurses once a level and
follows aliases), hence our composer over its parsers: libyaml's events where it is installed, the
pure-Python parser for exact problem texts on a syntax error.

Codes:
  encoding.bom / encoding.not_utf8 / encoding.binary   the bytes are not plain UTF-8 text
  yaml.no_front_matter / yaml.unclosed   no front matter, or no closing ---
  yaml.tab / yaml.fullwidth_space / yaml.fullwidth_colon   indentation and colons typed wrongly
  yaml.syntax / yaml.empty / yaml.not_mapping / yaml.bad_key / yaml.duplicate_key   the YAML itself
  yaml.implicit_type   a plain value other YAML readers would take for a number, date or boolean (warning)
  yaml.anchor          an anchor or alias (& or *): refused, the file's values are not used
  yaml.tag             a type tag (!!python/name:…, !foo…): refused, the value is read as the text written
  yaml.too_deep        more than MAX_DEPTH levels of nesting: the file is read no further
  yaml.too_large       more values than a front matter or YAML file may hold: the file is read no further
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from jianyan.core.errors import JianyanError
from jianyan.core.findings import Finding, error, warning

BOM = b"\xef\xbb\xbf"
FENCE = "---"
FENCE_END = ("---", "...")

KeyPath = tuple  # e.g. ("review", "by") or ("items", 0)


# Limits of the reader (see the module docstring). Front matter uses two levels (review.by) and
# about 30 values; a registry four levels, and 14 values a member (40 000 for 3 000 members).
MAX_DEPTH = 20
FRONT_MATTER_VALUES = 10_000
YAML_FILE_VALUES = 200_000
_TEXT_TAGS = (None, "!", "tag:yaml.org,2002:str")  # no tag, the non-specific "!", and !!str
_NULLS = frozenset(("~", "null", "Null", "NULL"))  # YAML's plain spellings of "nothing"


class _Refused(Exception):
    """A limit of the reader was reached at ``mark``: the file is read no further."""

    def __init__(self, code: str, mark: yaml.Mark) -> None:
        super().__init__(code)
        self.code, self.mark = code, mark


class _Limited(yaml.composer.Composer):
    """PyYAML's composer with the reader's limits, checked on each node before it is composed.

    Depth and the number of values stop the reading (``_Refused``). Anchors, aliases and tags are
    noted in ``refused`` (code, mark, what was written) and the reading goes on, so that each is
    reported: an alias becomes an empty text (nothing is ever expanded), an anchor is not kept, a
    tag is ignored (the value stays the text written). A node is composed from its events once,
    recursing once a level, so depth and count bound both time and memory."""

    max_values = YAML_FILE_VALUES
    refused: list | tuple = ()  # (a stream without a document composes none)

    def compose_document(self):
        self.depth = self.values = 0
        self.refused: list[tuple[str, yaml.Mark, str]] = []
        return super().compose_document()

    def compose_node(self, parent, index):
        # PyYAML's compose_node without anchors and path resolvers (none are registered), plus the limits
        event = self.peek_event()
        self.values += 1
        if self.values > self.max_values:
            raise _Refused("yaml.too_large", event.start_mark)
        kind = type(event)
        if kind is yaml.AliasEvent:
            self.get_event()
            self.refused.append(("yaml.anchor", event.start_mark, f"*{event.anchor}"))
            return yaml.ScalarNode("tag:yaml.org,2002:str", "", event.start_mark, event.end_mark)
        if event.anchor is not None:
            self.refused.append(("yaml.anchor", event.start_mark, f"&{event.anchor}"))
        if event.tag not in _TEXT_TAGS:
            self.refused.append(("yaml.tag", event.start_mark, event.tag))
        if kind is yaml.ScalarEvent:
            return self.compose_scalar_node(None)
        if self.depth >= MAX_DEPTH:
            raise _Refused("yaml.too_deep", event.start_mark)
        self.depth += 1
        node = (self.compose_sequence_node if kind is yaml.SequenceStartEvent else self.compose_mapping_node)(None)
        self.depth -= 1
        return node


class _StrComposer(_Limited, yaml.SafeLoader):
    """Composes nodes only, with the limits, over the pure-Python parser; every plain scalar resolves to str."""


_StrComposer.yaml_implicit_resolvers = {}

if getattr(yaml, "__with_libyaml__", False):
    class _FastComposer(_Limited, yaml.CSafeLoader):  # type: ignore[name-defined]
        """The same composer over libyaml's events (about 5 times as fast as the pure-Python parser's);
        on an error the pure-Python one runs again, for its exact problem texts and marks."""

        def __init__(self, stream) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            yaml.composer.Composer.__init__(self)

    _FastComposer.yaml_implicit_resolvers = {}
else:  # PyYAML built without libyaml
    _FastComposer = _StrComposer

# The stock resolver tells what YAML 1.1 tools (editors, other readers) would make of a scalar.
_YAML11 = yaml.resolver.Resolver()
# First characters a YAML 1.1 implicit type (number, date, boolean, null…) can start with (a
# resolver for any first character is filed under None: then every value must be resolved)
_TYPED_FIRST = frozenset(_YAML11.yaml_implicit_resolvers)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TRAP_TAGS = {
    "tag:yaml.org,2002:bool": "布尔值",
    "tag:yaml.org,2002:int": "整数",
    "tag:yaml.org,2002:float": "小数",
    "tag:yaml.org,2002:null": "空值",
}

# A key followed by a full-width colon, e.g. "标题：值" or "title：值".
_FULLWIDTH_KEY = re.compile(r"^(?P<indent>[ ]*)(?:-[ ]+)?(?P<key>[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff-]*)[ ]*：")

# PyYAML's problem texts (regular expressions) and what to tell the user instead.
_YAML_PROBLEMS = (
    (r"mapping values are not allowed", "此处不能出现冒号“:”。值里含有冒号时，请给整个值加引号，如 title: \"标题：副标题\""),
    (r"could not find expected ':'", "缺少半角冒号“:”，或上一行的引号没有闭合。每行应写成“键: 值”（冒号为半角，冒号后有一个空格）"),
    (r"found character '\\t'|found a tab character", "不能用 Tab 键缩进，请改用空格"),
    (r"found unexpected end of stream|while scanning a quoted scalar", "引号没有闭合：请检查这一行的引号是否成对"),
    (r"found undefined alias", "使用了未定义的别名“*”。值以 * 开头时请加引号"),
    (r"found character .* that cannot start any token", "这个字符不能出现在键或值的开头（如 @、`、%）。请给整个值加引号"),
    (r"expected ',' or '\]'", "方括号列表没有闭合：请检查“[”是否有对应的“]”，各项之间用半角逗号“,”分隔"),
    (r"expected ',' or '\}'", "花括号没有闭合：请检查“{”是否有对应的“}”，各项之间用半角逗号“,”分隔"),
    (r"expected the node content", "这里缺少内容，或有多余的符号（如单独的“-”“[”“{”）。请对照示例改正"),
    (r"expected <block end>, but found", "缩进不一致：同一层的键要对齐，列表项前的“-”后要有空格"),
    (r"did not find expected key", "缩进不一致或缺少“-”：同一层的键要对齐"),
    (r"did not find expected '-' indicator", "列表缩进不一致：每一项都以“- ”开头并对齐"),
    (r"found unknown escape character", "双引号里的反斜杠“\\”有误：改用单引号，或写成“\\\\”"),
    (r"unacceptable character|special characters are not allowed", "含有不可见的控制字符，请删除后重新输入"),
)


class Parsed:
    """What the reader got from one file: the YAML values (``data``, None when they could not be read),
    the file line and column of each key and value (``key_pos``, ``value_pos``: key path → (line,
    column)), the text, where the body after the front matter starts in it (``body_start``; the file
    line: ``body_line``), and the reader's findings. The reader alone builds it; nothing changes it
    afterwards. (The load cache holds a large campaign's parses more compactly, with the same answers:
    accel/loadcache.py ``Packed``.)"""

    __slots__ = ("path", "data", "key_pos", "value_pos", "text", "body_start", "body_line", "findings")

    def __init__(self, path: str, data: dict[str, Any] | None = None,
                 key_pos: dict[KeyPath, tuple[int, int]] | None = None,
                 value_pos: dict[KeyPath, tuple[int, int]] | None = None, text: str = "", body_start: int = 0,
                 body_line: int = 1, findings: list[Finding] | None = None):
        self.path = path
        self.data = data
        self.key_pos = {} if key_pos is None else key_pos
        self.value_pos = {} if value_pos is None else value_pos
        self.text = text
        self.body_start = body_start
        self.body_line = body_line  # 1-based file line where the body starts
        self.findings = [] if findings is None else findings

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, ok={self.ok})"

    def _fields(self) -> tuple:
        return (self.path, self.data, self.key_pos, self.value_pos, self.text, self.body_start, self.body_line,
                list(self.findings))  # (a packed parse holds them as a tuple)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Parsed) else NotImplemented

    __hash__ = None  # mutable while being read

    @property
    def body(self) -> str:
        """The text after the front matter (all of it when there is none)."""
        return self.text[self.body_start:]

    @property
    def ok(self) -> bool:
        return self.data is not None

    def line_of(self, path: KeyPath, value: bool = False) -> int:
        """Best file line for a key path: the key itself, else its nearest present parent."""
        table = self.value_pos if value else self.key_pos
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe][0]
            if probe in self.key_pos:
                return self.key_pos[probe][0]
            probe = probe[:-1]
        return 1

    def column_of(self, path: KeyPath, value: bool = False) -> int | None:
        table = self.value_pos if value else self.key_pos
        pos = table.get(tuple(path)) or self.key_pos.get(tuple(path))
        return pos[1] if pos else None


class ChangedWhileChecking(JianyanError):
    """A file read for this run is no longer what it was when read (``load.Campaign.verify_unchanged``,
    or a text let go and read again: accel/loadcache.py ``Packed``)."""

    def __init__(self, path: str):
        super().__init__(f"{path} 在检查过程中被修改（或删除）了，结果会前后不一致。"
                         "请等文件保存完毕、不再有人改动后重新运行")


def decode(path: str, raw: bytes) -> tuple[str | None, list[Finding]]:
    """Bytes to text; BOM and encoding problems become findings. Returns (text or None, findings)."""
    findings: list[Finding] = []
    if raw.startswith(BOM):
        findings.append(error(path, 1, "encoding.bom",
                              "文件开头带有 UTF-8 BOM 标记，部分工具会因此读不到开头的 ---。"
                              "请在编辑器中另存为“UTF-8（无 BOM）”，或运行 jianyan fix 去掉", column=1))
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = "请用 UTF-8 编码保存（记事本/WPS：另存为 → 编码选 UTF-8；VS Code：右下角编码 → 通过编码保存 → UTF-8）"
        try:
            raw.decode("gb18030")
            msg = "文件不是 UTF-8 编码，看起来是 GBK/GB2312（Windows 中文默认编码）。" + hint
        except UnicodeDecodeError:
            msg = "文件不是 UTF-8 编码，也不是可识别的中文编码，可能已损坏。" + hint
        findings.append(error(path, line, "encoding.not_utf8", msg, column=col))
        return None, findings
    if "\x00" in text:
        findings.append(error(path, text[: text.index("\x00")].count("\n") + 1, "encoding.binary",
                              "文件含有二进制内容（NUL 字符），不是纯文本。请确认放入的是 .md 文本文件，而不是 Word 文档"))
        return None, findings
    # CRLF is accepted (Windows editors); lone CR (old Mac) is treated as a line break too.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, findings


def split_front_matter(path: str, text: str) -> tuple[str | None, str, int, list[Finding]]:
    """Split "---\\nYAML\\n---\\nbody". Returns (yaml_text or None, body, body_line, findings)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        first = lines[0] if lines else ""
        hint = "文件第 1 行必须是三个半角减号 ---，然后是元数据（如 id: …、title: …），再用一行 --- 结束，之后才是正文"
        if first.strip().startswith(("—", "－", "――")) or first.strip() in ("- - -", "--", "----"):
            hint = f"第 1 行“{first.strip()}”不是三个半角减号。" + hint
        return None, text, 1, [error(path, 1, "yaml.no_front_matter", "缺少文件头元数据（front matter）。" + hint, column=1)]
    for i in range(1, len(lines)):
        if lines[i].rstrip() in FENCE_END:
            yaml_text = "\n".join(lines[1:i])
            body = "\n".join(lines[i + 1:])
            return yaml_text, body, i + 2, []
    return None, "", len(lines), [error(path, 1, "yaml.unclosed",
                                       "文件头元数据没有结束：找不到第二行 ---。请在元数据最后一行之后加一行 ---，再写正文",
                                       column=1)]


def _prescan(path: str, yaml_text: str, line0: int) -> tuple[list[Finding], str]:
    """Line-level traps that YAML reports badly or not at all.

    Returns the findings and a repaired copy of the text (tabs and full-width spaces in the
    indentation made spaces, a full-width colon after a key made ": "), so that the rest of
    the file can still be checked in the same run. The file itself is never changed.
    """
    out: list[Finding] = []
    repaired: list[str] = []
    for n, line in enumerate(yaml_text.split("\n"), start=line0):
        stripped = line.lstrip(" \t\u3000")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent:
            out.append(error(path, n, "yaml.tab", "行首用了 Tab 键缩进，YAML 只认空格。请把 Tab 换成两个空格",
                             column=indent.index("\t") + 1))
        elif "\u3000" in indent:
            out.append(error(path, n, "yaml.fullwidth_space",
                             "行首用了全角空格（中文输入法下的空格）缩进，YAML 只认半角空格。请删除后用英文输入法输入空格",
                             column=indent.index("\u3000") + 1))
        fixed = indent.replace("\t", "  ").replace("\u3000", "  ") + stripped
        m = _FULLWIDTH_KEY.match(fixed)
        if m and not stripped.startswith("#") and ":" not in fixed[: m.end()]:
            out.append(error(path, n, "yaml.fullwidth_colon",
                             f"键“{m.group('key')}”后面用了全角冒号“：”，YAML 只认半角冒号。"
                             f"请改成“{m.group('key')}: ”（英文冒号加一个空格）", column=len(line) - len(fixed) + m.end()))
            fixed = fixed[: m.end() - 1].rstrip() + ": " + fixed[m.end():].lstrip()
        repaired.append(fixed)
    return out, "\n".join(repaired)


def _translate_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    problem = f"{exc.context or ''} {exc.problem or ''}"
    for pattern, chinese in _YAML_PROBLEMS:
        if re.search(pattern, problem):
            return chinese
    return "YAML 格式错误。请对照示例检查本行及上一行的冒号（半角“: ”）、缩进（空格对齐）、引号和括号是否成对"


class _Builder:
    """Turn composed nodes into plain Python values, recording positions and traps."""

    def __init__(self, path: str, line0: int, parsed: Parsed) -> None:
        self.path = path
        self.line0 = line0  # file line of YAML line 0
        self.parsed = parsed

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.line0, node.start_mark.column + 1

    def build(self, node: yaml.Node, at: KeyPath) -> Any:
        self.parsed.value_pos[at] = self.pos(node)
        if isinstance(node, yaml.ScalarNode):
            if not node.style and node.value:  # plain: None (PyYAML) or "" (libyaml)
                if node.value in _NULLS:
                    return ""
                self._trap(node, at)
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, at + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    line, col = self.pos(key_node)
                    self.parsed.findings.append(error(self.path, line, "yaml.bad_key",
                                                      "键必须是简单的文字，如 title", column=col))
                    continue
                key = key_node.value
                line, col = self.pos(key_node)
                if key in out:
                    first = self.parsed.key_pos[at + (key,)][0]
                    self.parsed.findings.append(error(
                        self.path, line, "yaml.duplicate_key",
                        f"键“{key}”重复出现（第 {first} 行已有）。YAML 只会保留后一个，前一个会被悄悄丢掉。请删除或合并其中一个",
                        column=col))
                    continue
                self.parsed.key_pos[at + (key,)] = (line, col)
                out[key] = self.build(value_node, at + (key,))
            return out
        return None

    def _trap(self, node: yaml.ScalarNode, at: KeyPath) -> None:
        """Warn where YAML 1.1 readers (editors, other tools) would not read the text as written."""
        trap = _implicit(node.value)
        if trap is None:
            return
        kind, shown = trap
        line, col = self.pos(node)
        key = ".".join(str(p) for p in at)
        self.parsed.findings.append(warning(
            self.path, line, "yaml.implicit_type",
            f"“{key}: {node.value}”在通用 YAML 规则下会被读成{kind} {shown}，其他工具（编辑器、网页预览）会显示错。"
            f"本工具按文字“{node.value}”处理；为免歧义请加引号：{at[-1] if at else key}: \"{node.value}\"",
            column=col))


def _implicit(value: str) -> tuple[str, Any] | None:
    """(kind, value read) when YAML 1.1 would read plain ``value`` as something other than this text."""
    if value[0] not in _TYPED_FIRST and None not in _TYPED_FIRST:  # a title, a name…: text for YAML 1.1 too
        return None
    return _resolved(value)


@lru_cache(maxsize=4096)  # the same few values (units, statuses, dates) fill every file
def _resolved(value: str) -> tuple[str, Any] | None:
    tag = _YAML11.resolve(yaml.ScalarNode, value, (True, False))
    kind = _TRAP_TAGS.get(tag)
    if not kind or kind == "空值":
        return None
    try:
        typed = _CONSTRUCTOR.construct_object(yaml.ScalarNode(tag, value))
    except Exception:  # noqa: BLE001 - an odd scalar is simply not a trap
        return None
    if kind == "整数" and str(typed) == value:
        return None  # topic: 3 is fine
    if kind == "小数" and repr(typed) == value:
        return None
    if kind == "布尔值" and value in ("true", "false"):
        return None
    return kind, ({True: "true", False: "false"}.get(typed, typed) if kind == "布尔值" else typed)


def _compose(yaml_text: str, loader: type[_Limited], max_values: int) -> tuple[yaml.Node | None, list]:
    """The document's root node (None when empty) and what the composer refused along the way."""
    composer = loader(yaml_text)
    composer.max_values = max_values
    try:
        return composer.get_single_node(), composer.refused
    finally:
        composer.dispose()


def compose_limited(yaml_text: str) -> yaml.Node | None:
    """The root node of a YAML text for a program that edits it in place (feedback import), composed with
    the reader's limits; ValueError when a limit is reached or an anchor, alias or tag was written."""
    try:
        root, refused = _compose(yaml_text, _StrComposer, YAML_FILE_VALUES)
    except _Refused as exc:
        raise ValueError(f"第 {exc.mark.line + 1} 行超出读取限制（{exc.code}），请先运行 jianyan check 查看") from None
    if refused:
        code, mark, _ = refused[0]
        raise ValueError(f"第 {mark.line + 1} 行有不支持的写法（{code}），请先运行 jianyan check 查看")
    return root


def _shown_tag(tag: str) -> str:
    """A tag as it was written: ``!!python/name:x`` rather than ``tag:yaml.org,2002:python/name:x``."""
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _refusal(code: str, what: str, where: str, max_values: int) -> str:
    """The message for a limit of the reader reached (``_Limited``)."""
    if code == "yaml.anchor":
        return (f"{where}不支持 YAML 锚点和别名（& 和 *），请直接写出取值（这里写的是“{what}”）。"
                "取值本身以 & 或 * 开头时，请给整个值加引号")
    if code == "yaml.tag":
        return (f"{where}不支持 YAML 类型标记“{_shown_tag(what)}”：取值一律按文字读取，标记不会被执行。"
                "请删去这个以 ! 开头的标记；取值本身以 ! 开头时，请给整个值加引号")
    if code == "yaml.too_deep":
        return (f"这里的嵌套超过 {MAX_DEPTH} 层（“[”“{{”或缩进一层套一层），{where}没有再往下读。"
                f"{where}只需要两三层：请检查是否多写了“[”“{{”，或缩进是否错位")
    return (f"{where}的取值超过 {max_values} 个，到这里停止读取。正常的内容远没有这么多：请检查是否误粘贴了大段列表，"
            "或把内容拆成几个文件")


def parse_yaml(path: str, yaml_text: str, line0: int, parsed: Parsed, front_matter: bool = False) -> None:
    """Parse YAML text whose line 0 is file line ``line0`` into ``parsed.data``; ``front_matter``: the
    text is a Markdown file's front matter (fewer values allowed, messages say 文件头)."""
    pre, yaml_text = _prescan(path, yaml_text, line0)
    parsed.findings.extend(pre)
    where, max_values = ("文件头", FRONT_MATTER_VALUES) if front_matter else ("本文件", YAML_FILE_VALUES)
    try:
        try:
            node, refused = _compose(yaml_text, _FastComposer, max_values)
        except yaml.YAMLError:
            node, refused = _compose(yaml_text, _StrComposer, max_values)
    except _Refused as exc:
        parsed.findings.append(error(path, exc.mark.line + line0, exc.code,
                                     _refusal(exc.code, "", where, max_values), column=exc.mark.column + 1))
        return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and exc.context and "flow" in exc.context:
            mark = exc.context_mark  # an unclosed [ or {: point at where it was opened
        line = (mark.line + line0) if mark else line0
        col = (mark.column + 1) if mark else None
        if not any(f.line in (line, line - 1) for f in pre):  # else already explained by the prescan
            parsed.findings.append(error(path, line, "yaml.syntax", _translate_yaml_error(exc), column=col))
        return
    except yaml.YAMLError as exc:  # reader errors (control characters)
        parsed.findings.append(error(path, line0, "yaml.syntax", f"YAML 无法读取：{exc}。请删除不可见的控制字符"))
        return
    for code, mark, what in refused:
        parsed.findings.append(error(path, mark.line + line0, code, _refusal(code, what, where, max_values),
                                     column=mark.column + 1))
    if any(code == "yaml.anchor" for code, _, _ in refused):
        return  # the values an alias stood for are not there: checking them would only mislead
    if node is None:
        parsed.findings.append(error(path, line0, "yaml.empty", "元数据为空。请至少填写 id、title、submitter、unit、topic、status、date"))
        return
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + line0
        parsed.findings.append(error(path, line, "yaml.not_mapping",
                                     "元数据应是“键: 值”的列表，每行一项（冒号为半角，冒号后有空格）"))
        return
    parsed.data = _Builder(path, line0, parsed).build(node, ())


def read_markdown(path: str, raw: bytes) -> Parsed:
    """Read a Markdown file with front matter."""
    parsed = Parsed(path)
    text, parsed.findings = decode(path, raw)
    if text is None:
        return parsed
    parsed.text = text
    yaml_text, body, body_line, found = split_front_matter(path, text)
    parsed.findings.extend(found)
    parsed.body_start, parsed.body_line = len(text) - len(body), body_line  # the body ends the text
    if yaml_text is not None:
        parse_yaml(path, yaml_text, 2, parsed, front_matter=True)
    return parsed


def read_yaml(path: str, raw: bytes) -> Parsed:
    """Read a plain YAML file (registries, feedback records)."""
    parsed = Parsed(path)
    text, parsed.findings = decode(path, raw)
    if text is None:
        return parsed
    parsed.text, parsed.body_start = text, len(text)  # no body
    parse_yaml(path, text, 1, parsed)
    return parsed

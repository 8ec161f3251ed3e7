"""Read a Markdown file with YAML front matter, or a plain YAML file, without ever crashing.

The reader works on bytes and reports every problem as a Finding with a file line and column:
BOM, non-UTF-8 text (with a GBK hint), missing or unclosed front matter, tabs and U+3000
indentation, the full-width colon after a key, duplicate keys, YAML syntax errors and YAML 1.1
implicit-typing traps. Every scalar is kept as a string (implicit resolvers are off): pydantic
does the typing, so ``no`` stays "no" and ``010`` stays "010".
"""
from __future__ import annotations

import marshal
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .findings import Finding, error, warning

BOM = b"\xef\xbb\xbf"
FENCE = "---"
FENCE_END = ("---", "...")

KeyPath = tuple  # e.g. ("review", "by") or ("items", 0)


class _StrComposer(yaml.SafeLoader):
    """A SafeLoader that composes nodes only; every plain scalar resolves to str."""


_StrComposer.yaml_implicit_resolvers = {}

if getattr(yaml, "__with_libyaml__", False):
    class _FastComposer(yaml.CSafeLoader):  # type: ignore[name-defined]
        """The same composer over libyaml (about 5 times as fast); on an error the pure-Python one
        runs again, for its exact problem texts and marks."""

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


_DECODED: list = [None, None]  # the packed Parsed decoded last, and its values (Parsed._values)


class Parsed:
    """What the reader got from one file.

    Held for every file of a campaign, so kept small: the body is a slice of the text, made when
    asked for; once the file is validated, ``pack`` keeps its YAML values and their positions as one
    marshal record (under 1 KB, against 5 KB of dictionaries and tuples), decoded again when a check
    asks for them. What was read is never changed afterwards (the reader alone builds it)."""

    __slots__ = ("path", "body_line", "_text", "findings", "_data", "_key_pos", "_value_pos", "_packed",
                 "_ok", "_body", "_body_start", "_root", "_digest")

    def __init__(self, path: str, data: dict[str, Any] | None = None,
                 key_pos: dict[KeyPath, tuple[int, int]] | None = None,
                 value_pos: dict[KeyPath, tuple[int, int]] | None = None, body: str = "", body_line: int = 1,
                 text: str = "", findings: list[Finding] | None = None, packed: bytes | None = None):
        self.path = path
        self.body_line = body_line  # 1-based file line where the body starts
        self._root = self._digest = None  # set by ``forget``
        self.text = text
        self.findings = [] if findings is None else findings
        self._packed = packed  # marshal of (data, key_pos, value_pos) when those are not held
        self._ok = None
        if packed is None:
            self._data, self._key_pos, self._value_pos = data, key_pos or {}, value_pos or {}
        else:
            self._data = self._key_pos = self._value_pos = None
        self.body = body

    def __repr__(self) -> str:
        return f"Parsed({self.path!r}, ok={self.ok})"

    def _fields(self) -> tuple:
        return (self.path, self.data, self.key_pos, self.value_pos, self.body, self.body_line, self.text,
                self.findings)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Parsed) else NotImplemented

    __hash__ = None  # mutable while being read, as the dataclass it was

    @property
    def text(self) -> str:
        """The file's text as read (read again from the file when ``forget`` let it go)."""
        if self._root is None:
            return self._text
        try:
            with open(os.path.join(self._root, self.path), "rb") as fh:  # not pathlib: it interns every part
                raw = fh.read()
        except OSError:
            raise ChangedWhileChecking(self.path) from None
        text, _ = decode(self.path, raw)
        if text is None or hash(text) != self._digest:
            raise ChangedWhileChecking(self.path)
        return text

    @text.setter
    def text(self, value: str) -> None:
        self._text, self._root = value, None

    def forget(self, root: Path) -> None:
        """Let the text go: it is read again from ``root / path`` when asked for (a campaign of many
        thousand files is not held in memory twice). A file changed since raises ChangedWhileChecking."""
        if self._text and self._root is None:
            self._digest, self._root, self._text = hash(self._text), os.fspath(root), ""

    @property
    def body(self) -> str:
        return self._body if self._body_start is None else self.text[self._body_start:]

    @body.setter
    def body(self, value: str) -> None:
        if value and self.text.endswith(value):
            self._body, self._body_start = "", len(self.text) - len(value)
        else:
            self._body, self._body_start = value, None

    def _values(self) -> tuple:
        """(data, key_pos, value_pos): held, or decoded from the record. The last file decoded is kept
        (checks ask for several lines of one file in a row), not every file: decoded, they are 3 KB."""
        if self._key_pos is not None:
            return self._data, self._key_pos, self._value_pos
        if _DECODED[0] is not self:
            _DECODED[:] = [self, marshal.loads(self._packed)]
        return _DECODED[1]

    @property
    def data(self) -> dict[str, Any] | None:
        return self._values()[0]

    @data.setter
    def data(self, value: dict[str, Any] | None) -> None:
        _, self._key_pos, self._value_pos = self._values()
        self._data, self._packed = value, None
        self._forget_decoded()

    def _forget_decoded(self) -> None:
        if _DECODED[0] is self:
            _DECODED[:] = [None, None]

    @property
    def key_pos(self) -> dict[KeyPath, tuple[int, int]]:
        return self._values()[1]

    @property
    def value_pos(self) -> dict[KeyPath, tuple[int, int]]:
        return self._values()[2]

    def packed(self) -> bytes | None:
        """The record ``pack`` keeps (made now if need be); None when the values are not all builtins."""
        if self._packed is None:
            try:
                self._packed = marshal.dumps((self.data, self.key_pos, self.value_pos))
            except ValueError:
                return None
        return self._packed

    def pack(self) -> None:
        """Hold the values and positions only as their record (they are decoded again when asked for)."""
        if self.packed() is not None:
            self._ok = self.ok
            self._data = self._key_pos = self._value_pos = None
            self._forget_decoded()

    @property
    def ok(self) -> bool:
        if self._key_pos is None and self._ok is not None:  # packed: known without decoding
            return self._ok
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


class ChangedWhileChecking(Exception):
    """A file let go by ``Parsed.forget`` is not what it was when read."""

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


def parse_yaml(path: str, yaml_text: str, line0: int, parsed: Parsed) -> None:
    """Parse YAML text whose line 0 is file line ``line0`` into ``parsed.data``."""
    pre, yaml_text = _prescan(path, yaml_text, line0)
    parsed.findings.extend(pre)
    try:
        try:
            node = yaml.compose(yaml_text, Loader=_FastComposer)
        except yaml.YAMLError:
            node = yaml.compose(yaml_text, Loader=_StrComposer)
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
    parsed.body, parsed.body_line = body, body_line
    if yaml_text is not None:
        parse_yaml(path, yaml_text, 2, parsed)
    return parsed


def read_yaml(path: str, raw: bytes) -> Parsed:
    """Read a plain YAML file (registries, feedback records)."""
    parsed = Parsed(path)
    text, parsed.findings = decode(path, raw)
    if text is None:
        return parsed
    parsed.text = text
    parse_yaml(path, text, 1, parsed)
    return parsed

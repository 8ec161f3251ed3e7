"""A careful front-matter editor: change a few keys, keep every other byte the user wrote.

Commands such as ``jianyan issue sign`` must update ``status``, add ``adopted_in`` or a
``signoff`` block, and leave comments, key order, quoting, blank lines, line endings and the
body exactly as they were. A YAML round trip would lose all of that, so this module edits
lines:

* a scalar key that exists has its value replaced on its own line (a trailing ``# comment``
  is kept; a multi-line value is replaced by the one-line value);
* a missing key is inserted after a chosen key (or at the end of its mapping), with the
  indentation of its siblings;
* a nested key such as ``("signoff", "by")`` creates its parent block when needed;
* ``None`` deletes a key together with its nested lines.

After editing, the result is read back with the project's front-matter reader and compared
with the expected data; any difference raises :class:`EditError` and nothing is written.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from jianyan.campaign.frontmatter import _StrComposer, read_markdown
from jianyan.core.errors import JianyanError

KeyPath = tuple[str, ...]
_LINE_SPLIT = re.compile(r"(\r\n|\r|\n)")
_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:][^:#]*?|\"[^\"]*\"|'[^']*'):(?=\s|$)")
_YAML11 = yaml.resolver.Resolver()


class EditError(JianyanError):
    """The file cannot be edited safely; the message is Chinese and says why."""


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar every reader (ours and YAML 1.1 tools) reads back as this text."""
    text = str(value)
    plain_ok = (
        text != ""
        and text == text.strip()
        and "\n" not in text
        and not re.search(r"[:#]\s|\s#|^[-?:,\[\]{}#&*!|>'\"%@`]|:$", text)
        and _plain_tag_ok(text)
    )
    if plain_ok:
        try:
            node = yaml.compose(f"k: {text}", Loader=_StrComposer)
            plain_ok = node.value[0][1].value == text
        except yaml.YAMLError:
            plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _plain_tag_ok(text: str) -> bool:
    """Plain is safe when YAML 1.1 reads it as text, or as a date/number written the usual way."""
    tag = _YAML11.resolve(yaml.ScalarNode, text, (True, False))
    if tag == "tag:yaml.org,2002:str":
        return True
    if tag == "tag:yaml.org,2002:timestamp":
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None
    if tag == "tag:yaml.org,2002:int":
        return re.fullmatch(r"0|[1-9]\d*", text) is not None
    return False


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return yaml_scalar(str(value))


@dataclass
class _Line:
    text: str  # without the line ending
    end: str  # the line ending ("" for the last line without one)


class FrontMatter:
    """The lines of one Markdown file, with the front matter between lines 1 and ``close``."""

    def __init__(self, text: str, path: str = "") -> None:
        self.path = path
        self.bom = text.startswith("\ufeff")
        body = text[1:] if self.bom else text
        parts = _LINE_SPLIT.split(body)
        self.lines = [_Line(parts[i], parts[i + 1] if i + 1 < len(parts) else "")
                      for i in range(0, len(parts), 2)]
        if not self.lines or self.lines[0].text.rstrip() != "---":
            raise EditError(f"{path}：第 1 行不是 ---，没有文件头元数据，无法自动修改")
        for i in range(1, len(self.lines)):
            if self.lines[i].text.rstrip() in ("---", "..."):
                self.close = i
                break
        else:
            raise EditError(f"{path}：文件头元数据没有以 --- 结束，无法自动修改")
        ends = [ln.end for ln in self.lines if ln.end]
        self.newline = max(set(ends), key=ends.count) if ends else "\n"

    def text(self) -> str:
        return ("\ufeff" if self.bom else "") + "".join(ln.text + ln.end for ln in self.lines)

    # --- locating keys -------------------------------------------------------------------

    def _key_at(self, i: int) -> tuple[int, str] | None:
        m = _KEY_LINE.match(self.lines[i].text)
        if not m:
            return None
        return len(m.group("indent")), m.group("key").strip().strip("\"'")

    def _block_end(self, i: int, indent: int) -> int:
        """Index after the last line belonging to the entry starting at line ``i``.

        Deeper-indented lines belong to it, and so do "- " items at its own indentation (a block
        list under the key); blank and comment lines in between belong to it too, trailing ones not.
        """
        last = i
        for j in range(i + 1, self.close):
            t = self.lines[j].text
            stripped = t.strip()
            if not stripped or stripped.startswith("#"):
                continue
            ind = len(t) - len(t.lstrip(" "))
            if ind > indent or (ind == indent and stripped.startswith("- ")):
                last = j
            else:
                break
        return last + 1

    def _children(self, start: int, stop: int, indent: int | None) -> dict[str, tuple[int, int, int]]:
        """Keys directly inside lines [start, stop): key → (line, indent, end)."""
        out: dict[str, tuple[int, int, int]] = {}
        i = start
        child_indent = indent
        while i < stop:
            found = self._key_at(i)
            if found is None:
                i += 1
                continue
            ind, key = found
            if child_indent is None:
                child_indent = ind
            if ind != child_indent:
                i += 1
                continue
            end = min(self._block_end(i, ind), stop)
            out[key] = (i, ind, end)
            i = end
        return out

    def _locate(self, path: KeyPath) -> tuple[int, int, int] | None:
        start, stop, indent = 1, self.close, 0
        found = None
        for depth, key in enumerate(path):
            kids = self._children(start, stop, indent if depth == 0 else None)
            found = kids.get(key)
            if found is None:
                return None
            line, ind, end = found
            start, stop, indent = line + 1, end, ind
        return found

    # --- editing -------------------------------------------------------------------------

    def set(self, path: Sequence[str], value: Any, after: str | None = None,
            keep_comment: bool = True) -> None:
        """Set ``path`` to ``value`` (a scalar, a list of scalars, or a mapping of scalars).

        A new key goes after the sibling ``after`` when given and present, else at the end of
        its mapping. ``None`` removes the key. ``keep_comment=False`` drops a trailing comment on
        the replaced line (a comment that described the old value, like ``status: draft  # 草稿``).
        """
        path = tuple(path)
        if isinstance(value, Mapping):
            if self._locate(path) is None and value:
                first, *_ = value
                self._insert(path + (first,), _yaml_value(value[first]), after)
            for k, v in value.items():
                self.set(path + (k,), v, keep_comment=keep_comment)
            return
        where = self._locate(path)
        if value is None:
            if where is not None:
                line, _, end = where
                del self.lines[line:end]
                self.close -= end - line
            return
        rendered = _yaml_value(value)
        if where is not None:
            line, ind, end = where
            old = self.lines[line].text
            m = _KEY_LINE.match(old)
            rest = old[m.end():]
            comment = ""
            cm = re.search(r"\s+#.*$", rest) if not rest.strip().startswith(("\"", "'")) else None
            if cm and end == line + 1 and keep_comment:
                comment = cm.group(0)
            self.lines[line].text = f"{m.group(0)} {rendered}{comment}"
            if end > line + 1:  # the old value spanned several lines (block list or scalar)
                del self.lines[line + 1:end]
                self.close -= end - line - 1
            return
        self._insert(path, rendered, after)

    def _insert(self, path: KeyPath, rendered: str, after: str | None) -> None:
        parent = path[:-1]
        if parent:
            where = self._locate(parent)
            if where is None:
                self._insert(parent, "", after)
                where = self._locate(parent)
            pline, pind, pend = where
            ptext = self.lines[pline].text
            m = _KEY_LINE.match(ptext)
            if ptext[m.end():].split("#")[0].strip():  # `signoff: null` or a flow value: make it a block
                self.lines[pline].text = m.group(0)
                if pend > pline + 1:
                    del self.lines[pline + 1:pend]
                    self.close -= pend - pline - 1
                pend = pline + 1
            kids = self._children(pline + 1, pend, None)
            indent = next(iter(kids.values()))[1] if kids else pind + 2
            at = pend
            while at > pline + 1 and not self.lines[at - 1].text.strip():
                at -= 1  # keep blank lines after the block where they were
        else:
            kids = self._children(1, self.close, 0)
            indent = 0
            at = self.close
            if after and after in kids:
                at = kids[after][2]
            else:
                while at > 1 and not self.lines[at - 1].text.strip():
                    at -= 1
        sep = " " if rendered else ""
        self.lines.insert(at, _Line(f"{' ' * indent}{path[-1]}:{sep}{rendered}", self.newline))
        self.close += 1


def _apply(data: dict, path: KeyPath, value: Any) -> None:
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is None:
        node.pop(path[-1], None)
    elif isinstance(value, Mapping):
        target = node.setdefault(path[-1], {})
        if not isinstance(target, dict):
            node[path[-1]] = target = {}
        for k, v in value.items():
            _apply(target, (k,), v)
    elif isinstance(value, bool):
        node[path[-1]] = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        node[path[-1]] = [str(v) for v in value]
    else:
        node[path[-1]] = str(value)


def edit_text(text: str, changes: Sequence[tuple[Sequence[str], Any]], *, path: str = "",
              after: Mapping[str, str] | None = None, drop_comments: Sequence[str] = ("status",)) -> str:
    """Apply ``changes`` [(key path, value)] to the front matter of ``text`` and verify the result.

    ``after`` maps a new top-level key to the key it should follow. A trailing comment on a
    replaced top-level key listed in ``drop_comments`` is dropped (it described the old value).
    """
    before = read_markdown(path, text.encode("utf-8"))
    if before.data is None:
        raise EditError(f"{path}：文件头元数据有错误，请先运行 jianyan check 改正后再试")
    fm = FrontMatter(text, path)
    expected = json.loads(json.dumps(before.data))
    for key_path, value in changes:
        key_path = tuple(key_path)
        fm.set(key_path, value, after=(after or {}).get(key_path[0]),
               keep_comment=not (len(key_path) == 1 and key_path[0] in drop_comments))
        _apply(expected, key_path, value)
    result = fm.text()
    check = read_markdown(path, result.encode("utf-8"))
    if check.data != expected or check.body != before.body:
        raise EditError(f"{path}：无法安全地自动修改文件头（修改后读回的内容与预期不符）。"
                        "文件未改动；请手工修改，或把文件头改成常规写法（每行“键: 值”）后再试")
    return result


def edit_file(file: Path, changes: Sequence[tuple[Sequence[str], Any]], *, path: str = "",
              after: Mapping[str, str] | None = None, drop_comments: Sequence[str] = ("status",)) -> str:
    """The new text of ``file`` with ``changes`` applied (not written: callers write atomically)."""
    raw = Path(file).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EditError(f"{path or file}：不是 UTF-8 编码，无法自动修改") from None
    return edit_text(text, changes, path=path or str(file), after=after, drop_comments=drop_comments)

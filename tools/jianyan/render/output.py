"""Print findings: text, json, github (annotations + step summary), gitlab (code quality), sarif.

Paths and messages quote what users wrote (a front-matter key, a title, a file name), and a CI log
runs any line that starts with ``::`` as a workflow command (``::error``, ``::stop-commands::``).
So no user string may end a line: in text, control characters (line breaks, ANSI escapes ``\\x1b[``,
U+2028/2029, bidirectional overrides) are shown as visible escapes (``\\n``, ``\\x1b``) and a path
starting with ``:`` or a space is written ``./path``, so every text line starts with a real path;
in workflow commands ``%``, CR and LF are percent-encoded (and ``:`` ``,`` in properties), the
other control characters shown as in text; JSON outputs additionally encode U+007F–U+009F,
U+2028/2029 and the overrides as ``\\uXXXX``, which json.dumps leaves raw but which decode alike.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from json.encoder import encode_basestring as _encode_str  # what json.dumps(str, ensure_ascii=False) uses
from typing import Callable, Iterable, Iterator, Sequence

from jianyan import __version__
from jianyan.core.findings import ERROR, INFO, SEVERITIES, WARNING, Finding, Findings

FORMATS = ("text", "json", "github", "gitlab", "sarif")
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}

# C0 controls but tab, DEL and C1 (NEL U+0085 ends a line, CSI U+009B starts an ANSI sequence),
# the line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
_CONTROL = "\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROL}]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # json.dumps escapes C0 itself


def visible(s: str) -> str:
    """``s`` with every control character shown as its escape (a line break as \\n, ESC as \\x1b)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s) if _UNSAFE.search(s) else s


def _text_path(path: str) -> str:
    """A path as the start of a text line: visible, and never starting like a workflow command."""
    path = visible(path)
    return f"./{path}" if not path or path[0] == ":" or path[0].isspace() else path


def _json_str(s: str) -> str:
    """``_json`` of one string, by the encoder json.dumps itself uses for it (no call overhead: a large
    check's output encodes some 200 000 distinct paths and messages)."""
    out = _encode_str(s)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out) if _JSON_UNSAFE.search(out) else out


def _json(doc, **kw) -> str:
    out = json.dumps(doc, ensure_ascii=False, **kw)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out) if _JSON_UNSAFE.search(out) else out


CHUNK = 4096  # findings a chunk of streamed output holds


def _encoded(strings: list[str], column, rows: range, encode: Callable[[str], str]) -> dict[int, str]:
    """``encode`` of each string of a table (``Findings.paths`` or ``messages``) that rows ``rows`` of ``column``
    refer to, by index. Made a chunk at a time: a large check's 200 000 distinct messages are never all held
    encoded at once (40 MB at 100 000 drafts), and a table taken from a larger one (a check of a change lists
    a few of 400 000 stored findings) encodes only the strings it uses."""
    return {k: encode(strings[k]) for k in set(column[rows.start:rows.stop])}


def _chunks(n: int) -> Iterator[range]:
    for start in range(0, n, CHUNK):
        yield range(start, min(start + CHUNK, n))


def _text_rows(t: Findings) -> Iterator[list[str]]:
    """The text lines of ``t``, a chunk at a time (each path and message made visible once)."""
    sev = [s for s in SEVERITIES]
    path, line, column, severity, code, message, codes = t.path, t.line, t.column, t.severity, t.code, t.message, t.codes
    for rows in _chunks(len(t)):
        paths, messages = _encoded(t.paths, path, rows, _text_path), _encoded(t.messages, message, rows, visible)
        yield [f"{paths[path[i]]}:{line[i] if line[i] > 0 else 1}:{column[i] if column[i] > 0 else 1}: "
               f"{sev[severity[i]]}: {messages[message[i]]} [{codes[code[i]]}]" for i in rows]


def text_chunks(findings: Sequence[Finding]) -> Iterator[str]:
    """``text`` a piece at a time, as the lines are made (a large check's output is never held whole)."""
    for lines in _text_rows(Findings.of(findings)):
        yield "\n".join(lines) + "\n"


def text(findings: Sequence[Finding]) -> str:
    """`path:line:col: severity: message [code]`, one a line (the VS Code problem matcher reads this)."""
    return "".join(text_chunks(findings))


def summary_line(findings: Sequence[Finding], files: int) -> str:
    t = Findings.of(findings)
    return summary_of(t.count(ERROR), t.count(WARNING), t.count(INFO), files)


def summary_of(errors: int, warnings: int, infos: int, files: int) -> str:
    """``summary_line`` from the counts of the findings."""
    if not (errors or warnings or infos):
        return f"检查了 {files} 个文件，没有发现问题。"
    return (f"检查了 {files} 个文件：{errors} 个错误，{warnings} 个警告，{infos} 个提示。"
            + ("有错误须改正后才能合并。" if errors else ""))


def left_out_line(findings: Sequence[Finding]) -> str:
    """The one line that stands for the findings a check of a change does not list (``CheckResult.focus``)."""
    t = Findings.of(findings)
    return left_out_of(t.count(WARNING), t.count(INFO), len(set(t.path)))


def left_out_of(warnings: int, infos: int, files: int) -> str:
    """``left_out_line`` from the counts of the findings left out and of their files."""
    parts = [f"{n} 个{SEVERITY_ZH[s]}" for s, n in ((WARNING, warnings), (INFO, infos)) if n]
    return (f"另有 {'、'.join(parts)}在本次没有改动、也不受改动影响的 {files} 个文件上，没有列出"
            "（加 --all 列出全部）。")


def _json_rows(t: Findings) -> Iterator[list[str]]:
    """The JSON objects of ``t``, a chunk at a time (each path, code and message encoded once), each formatted
    as json.dumps writes it (``{"path": …, "line": …, …}``)."""
    codes = [_json_str(c) for c in t.codes]
    sev = [_json_str(s) for s in SEVERITIES]
    path, line, column, severity, code, message = t.path, t.line, t.column, t.severity, t.code, t.message
    for rows in _chunks(len(t)):
        paths, messages = _encoded(t.paths, path, rows, _json_str), _encoded(t.messages, message, rows, _json_str)
        yield [f'{{"path": {paths[path[i]]}, "line": {"null" if line[i] == -1 else line[i]}, '
               f'"column": {"null" if column[i] == -1 else column[i]}, "severity": {sev[severity[i]]}, '
               f'"code": {codes[code[i]]}, "message": {messages[message[i]]}}}' for i in rows]


def json_chunks(findings: Sequence[Finding]) -> Iterator[str]:
    """``as_json`` a piece at a time (``_json_rows``)."""
    t = Findings.of(findings)
    if not t:
        yield "[]\n"
        return
    lead = "[\n  "
    for rows in _json_rows(t):
        yield lead + ",\n  ".join(rows)
        lead = ",\n  "
    yield "\n]\n"


# Formats whose rows a snapshot stores as printed (accel/snapshot.py), each row followed by this separator:
# a later check prints the rows of the files that did not change without formatting them again (``spliced``).
UNIT_SEPARATORS = {"json": ",\n  ", "text": "\n"}


def unit_rows(fmt: str, findings: Sequence[Finding]) -> Iterator[list[str]]:
    """The rows of ``findings`` as ``fmt`` (a key of UNIT_SEPARATORS) prints them, each followed by its
    separator, a chunk at a time."""
    sep = UNIT_SEPARATORS[fmt]
    for rows in (_json_rows if fmt == "json" else _text_rows)(Findings.of(findings)):
        yield [row + sep for row in rows]


def spliced(fmt: str, pieces: Iterable, empty="") -> Iterator:
    """What ``STREAMS[fmt]`` prints for findings whose rows are ``pieces`` (each a run of ``unit_rows``,
    joined, in order), as text, or as UTF-8 bytes when ``empty`` is ``b""``."""
    if fmt == "text":
        yield from (p for p in pieces if p)
        return
    sep, lead, end, none = UNIT_SEPARATORS[fmt], "[\n  ", "\n]\n", "[]\n"
    if isinstance(empty, bytes):
        sep, lead, end, none = sep.encode(), lead.encode(), end.encode(), none.encode()
    last = None
    for piece in pieces:
        if piece:
            yield lead if last is None else last
            last = piece
    yield none if last is None else last[:-len(sep)] + end


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON array, one finding a line."""
    return "".join(json_chunks(findings))


def _gh_escape_data(s: str) -> str:
    return visible(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_chunks(findings: Sequence[Finding]) -> Iterator[str]:
    """Workflow commands; Gitea shows no annotations, so the plain text lines follow them."""
    t = Findings.of(findings)
    level = {ERROR: "error", WARNING: "warning", INFO: "notice"}
    titles = [f"title={_gh_escape_prop(c)}" for c in t.codes]
    heads = [f"::{level[s]} " for s in SEVERITIES]
    path, line, column, severity, code, message = t.path, t.line, t.column, t.severity, t.code, t.message
    for rows in _chunks(len(t)):
        files = _encoded(t.paths, path, rows, lambda p: f"file={_gh_escape_prop(p)}")
        messages = _encoded(t.messages, message, rows, _gh_escape_data)
        yield "".join(f"{heads[severity[i]]}{files[path[i]]}{f',line={line[i]}' if line[i] > 0 else ''}"
                      f"{f',col={column[i]}' if column[i] > 0 else ''},{titles[code[i]]}::{messages[message[i]]}\n"
                      for i in rows)
    for lines in _text_rows(t):
        yield "\n".join(lines) + "\n"
    if not t:
        yield "\n"
    write_step_summary(t)


def github(findings: Sequence[Finding]) -> str:
    """Workflow commands and text lines (``github_chunks``), the step summary written."""
    return "".join(github_chunks(findings))


def markdown_table(findings: Sequence[Finding]) -> str:
    if not findings:
        return "## jianyan check\n\n没有发现问题。\n"
    rows = ["## jianyan check", "", summary_line(findings, len({f.path for f in findings})), "",
            "| 文件 | 行 | 级别 | 代码 | 说明 |", "|---|---|---|---|---|"]
    for f in findings:
        msg = visible(f.message.replace("\n", " ")).replace("|", "\\|")
        path = visible(f.path).replace("|", "\\|")
        rows.append(f"| {path} | {f.line or ''} | {SEVERITY_ZH[f.severity]} | `{f.code}` | {msg} |")
    return "\n".join(rows) + "\n"


def write_step_summary(findings: Sequence[Finding]) -> None:
    """GitHub/Gitea show at most 10 annotations per level: the full list goes in the summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown_table(findings))


_NUMBER = re.compile(r"\d+")


def fingerprint(f: Finding) -> str:
    """A stable identity for CI dashboards (GitLab code quality, SARIF): the same problem keeps its id.

    Numbers in the message are left out: "已逾期 12 天" tomorrow says 13 but is the same finding.
    """
    stable = _NUMBER.sub("#", f.message)
    return hashlib.sha256(f"{f.path}\0{f.code}\0{f.line}\0{stable}".encode()).hexdigest()[:32]


def gitlab(findings: Sequence[Finding]) -> str:
    """GitLab code-quality report (artifacts:reports:codequality)."""
    sev = {ERROR: "major", WARNING: "minor", INFO: "info"}
    rows = [{"description": f"{f.message} [{f.code}]", "check_name": f.code, "fingerprint": fingerprint(f),
             "severity": sev[f.severity], "location": {"path": f.path, "lines": {"begin": f.line or 1}}}
            for f in findings]
    return _json(rows, indent=2) + "\n"


def sarif(findings: Sequence[Finding]) -> str:
    level = {ERROR: "error", WARNING: "warning", INFO: "note"}
    rules = sorted({f.code for f in findings})
    results = []
    for f in findings:
        region = {}
        if f.line:
            region["startLine"] = f.line
        if f.column:
            region["startColumn"] = f.column
        loc = {"physicalLocation": {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}}}
        if region:
            loc["physicalLocation"]["region"] = region
        results.append({"ruleId": f.code, "ruleIndex": rules.index(f.code), "level": level[f.severity],
                        "message": {"text": f.message}, "locations": [loc],
                        "partialFingerprints": {"jianyan/v1": fingerprint(f)}})
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "jianyan", "version": __version__,
                                      "rules": [{"id": r, "name": r.replace(".", "_")} for r in rules]}},
                  "results": results}],
    }
    return _json(doc, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Sequence[Finding]], str]] = {
    "text": text, "json": as_json, "github": github, "gitlab": gitlab, "sarif": sarif,
}
# Each format a piece at a time (the same text as RENDERERS gives, joined).
STREAMS: dict[str, Callable[[Sequence[Finding]], Iterable[str]]] = {
    "text": text_chunks, "json": json_chunks, "github": github_chunks,
    "gitlab": lambda findings: [gitlab(findings)], "sarif": lambda findings: [sarif(findings)],
}

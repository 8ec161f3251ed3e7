"""Findings: what every check yields and every output format prints."""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Iterable, Iterator

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# Categories fixed by the contract: a finding's code is "<category>.<rule>".
CATEGORIES = (
    "encoding", "yaml", "schema", "ref", "length", "dup",
    "quality", "pii", "workflow", "issue",
)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in one file.

    ``path`` is repository-relative with ``/``; ``line``/``column`` are 1-based
    or None when no position applies. ``message`` is Chinese and ends with a
    fix hint where one exists.
    """

    path: str
    line: int | None
    column: int | None
    severity: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"bad severity {self.severity!r}")
        if self.code.split(".", 1)[0] not in CATEGORIES:
            raise ValueError(f"bad finding code {self.code!r}")

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.column or 0, self.code, self.message)


def error(path: str, line: int | None, code: str, message: str, column: int | None = None) -> Finding:
    return Finding(path, line, column, ERROR, code, message)


def warning(path: str, line: int | None, code: str, message: str, column: int | None = None) -> Finding:
    return Finding(path, line, column, WARNING, code, message)


def info(path: str, line: int | None, code: str, message: str, column: int | None = None) -> Finding:
    return Finding(path, line, column, INFO, code, message)


_FIELDS = ("path", "line", "column", "severity", "code", "message")
_NONE = -1  # a line or column that is None, in a column of ints
_SEVERITY = {s: k for k, s in enumerate(SEVERITIES)}


def _make(path, line, column, severity, code, message) -> Finding:
    """A Finding from parts that were checked when it was first made (stored by this tool): not checked again."""
    f = object.__new__(Finding)
    f.__dict__.update(path=path, line=line, column=column, severity=severity, code=code, message=message)
    return f


def _ranks(values: list[str]) -> list[int]:
    """Each value's place in the sorted values (equal values: the same place)."""
    out = [0] * len(values)
    rank, last = -1, None
    for k in sorted(range(len(values)), key=values.__getitem__):
        if rank < 0 or values[k] != last:
            rank, last = rank + 1, values[k]
        out[k] = rank
    return out


class Findings:
    """Findings held compactly: one column per field instead of one object per finding, the paths, codes
    and messages interned in tables (a check of 100 000 drafts has about 400 000 findings, but 100 000
    paths, a dozen codes and far fewer distinct messages). A sequence of ``Finding`` to whoever iterates
    it (each made on demand); outputs (render/output.py) and the snapshot (accel/snapshot.py) read the
    columns. Stored as ``to_marshal()``, read back with ``from_marshal``.

    Columns: ``path``/``code``/``message`` index ``paths``/``codes``/``messages``; ``line``/``column``
    hold -1 for None; ``severity`` holds the index in SEVERITIES, one byte a finding."""

    __slots__ = ("paths", "codes", "messages", "path", "line", "column", "severity", "code", "message", "_ix")

    def __init__(self, paths=None, codes=None, messages=None, path=None, line=None, column=None, severity=None,
                 code=None, message=None):
        self.paths: list[str] = paths if paths is not None else []
        self.codes: list[str] = codes if codes is not None else []
        self.messages: list[str] = messages if messages is not None else []
        self.path = path if path is not None else array("I")
        self.line = line if line is not None else array("i")
        self.column = column if column is not None else array("i")
        self.severity = severity if severity is not None else bytearray()
        self.code = code if code is not None else array("I")
        self.message = message if message is not None else array("I")
        self._ix = None  # value → index of each table, made on the first ``append``

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> "Findings":
        """``findings`` as a table (the same table when it is one)."""
        if isinstance(findings, Findings):
            return findings
        out = cls()
        out.extend(findings)
        return out

    # --- building -------------------------------------------------------------------------------------
    def _tables(self) -> tuple[dict, dict, dict]:
        if self._ix is None:
            self._ix = tuple({v: k for k, v in enumerate(t)} for t in (self.paths, self.codes, self.messages))
        return self._ix

    def append(self, f: Finding) -> None:
        self.extend((f,))

    def extend(self, findings: Iterable[Finding]) -> None:
        pix, cix, mix = self._tables()
        paths, codes, messages = self.paths, self.codes, self.messages
        sev = _SEVERITY
        for f in findings:
            p = pix.get(f.path)
            if p is None:
                p = pix[f.path] = len(paths)
                paths.append(f.path)
            c = cix.get(f.code)
            if c is None:
                c = cix[f.code] = len(codes)
                codes.append(f.code)
            m = mix.get(f.message)
            if m is None:
                m = mix[f.message] = len(messages)
                messages.append(f.message)
            self.path.append(p)
            self.line.append(_NONE if f.line is None else f.line)
            self.column.append(_NONE if f.column is None else f.column)
            self.severity.append(sev[f.severity])
            self.code.append(c)
            self.message.append(m)

    def add(self, other: "Findings") -> None:
        """Append the rows of the table ``other``: as ``extend(other)`` (the strings its rows use interned
        in this table's, in the order they first appear), without making a ``Finding`` of each."""
        cols = (other.path, other.code, other.message)
        for ix, mine, theirs, col in zip(self._tables(), (self.paths, self.codes, self.messages),
                                         (other.paths, other.codes, other.messages), cols):
            to = {}
            for k in dict.fromkeys(col):
                value = theirs[k]
                j = ix.get(value)
                if j is None:
                    j = ix[value] = len(mine)
                    mine.append(value)
                to[k] = j
            (self.path if col is cols[0] else self.code if col is cols[1] else self.message).extend(
                map(to.__getitem__, col))
        self.line.extend(other.line)
        self.column.extend(other.column)
        self.severity += other.severity

    def settle(self) -> None:
        """Drop the lookups ``extend`` and ``add`` keep to intern strings (made again if rows are added
        later): a finished table of a large campaign's 400 000 findings need not carry a dict of its
        140 000 distinct messages."""
        self._ix = None

    def take(self, rows: Iterable[int]) -> "Findings":
        """The findings at ``rows`` (indices, in that order), sharing this table's strings."""
        rows = rows if isinstance(rows, (list, array, range)) else list(rows)
        cols = [array(col.typecode, map(col.__getitem__, rows)) for col in (self.path, self.line, self.column)]
        sev = self.severity
        return Findings(self.paths, self.codes, self.messages, *cols, bytearray(map(sev.__getitem__, rows)),
                        array("I", map(self.code.__getitem__, rows)), array("I", map(self.message.__getitem__, rows)))

    def take_runs(self, runs: Iterable[tuple[int, int]]) -> "Findings":
        """The findings of rows ``start:stop`` of each run, in that order (each run copied as a slice: a few
        runs of a large table cost far less than ``take`` of every row)."""
        cols = [type(col)() if isinstance(col, bytearray) else array(col.typecode)
                for col in (self.path, self.line, self.column, self.severity, self.code, self.message)]
        for a, b in runs:
            for out, col in zip(cols, (self.path, self.line, self.column, self.severity, self.code, self.message)):
                out += col[a:b]
        return Findings(self.paths, self.codes, self.messages, *cols)

    # --- reading --------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.path)

    def __bool__(self) -> bool:
        return len(self.path) > 0

    def row(self, i: int) -> tuple:
        """(path, line, column, severity, code, message) of the ``i``-th finding."""
        line, column = self.line[i], self.column[i]
        return (self.paths[self.path[i]], None if line == _NONE else line, None if column == _NONE else column,
                SEVERITIES[self.severity[i]], self.codes[self.code[i]], self.messages[self.message[i]])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.take(range(len(self))[i])
        return _make(*self.row(range(len(self))[i]))

    def __iter__(self) -> Iterator[Finding]:
        paths, codes, messages = self.paths, self.codes, self.messages
        for p, line, column, s, c, m in zip(self.path, self.line, self.column, self.severity, self.code, self.message):
            yield _make(paths[p], None if line == _NONE else line, None if column == _NONE else column,
                        SEVERITIES[s], codes[c], messages[m])

    def __eq__(self, other) -> bool:
        if isinstance(other, (Findings, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"Findings({len(self)} findings)"

    def sort_key(self, i: int) -> tuple:
        """``Finding.sort_key`` of the ``i``-th finding."""
        line, column = self.line[i], self.column[i]
        return (self.paths[self.path[i]], line if line > 0 else 0, column if column > 0 else 0,
                self.codes[self.code[i]], self.messages[self.message[i]])

    def ordered(self) -> "Findings":
        """These findings in ``Finding.sort_key`` order, each once (rows equal in every field are one
        finding). Rows the sort key does not tell apart (a line given as None and as 0, or two severities)
        are put in one fixed order: line, column, then severity."""
        import numpy as np  # lazy: the commands that print stored findings do without numpy

        def view(col) -> np.ndarray:
            return np.frombuffer(col, dtype=np.uint8 if isinstance(col, (bytes, bytearray)) else col.typecode)

        def ranked(col: array, values: list[str]) -> np.ndarray:
            return np.array(_ranks(values), dtype=np.int32)[view(col)]

        line, column = view(self.line), view(self.column)
        # the last key sorts first
        keys = (view(self.severity), column, line, ranked(self.message, self.messages),
                ranked(self.code, self.codes), np.maximum(column, 0), np.maximum(line, 0), ranked(self.path, self.paths))
        order = np.lexsort(keys)
        repeated = np.zeros(len(order), dtype=bool)
        if len(order):
            repeated[1:] = np.logical_and.reduce([k[order[1:]] == k[order[:-1]] for k in keys])
        del keys
        return self.take(array("I", order[~repeated].astype(np.uint32).tobytes()))

    def count(self, severity: str) -> int:
        return self.severity.count(SEVERITIES.index(severity))

    def has(self, severity: str) -> bool:
        return SEVERITIES.index(severity) in self.severity

    # --- storing --------------------------------------------------------------------------------------
    def to_marshal(self) -> tuple:
        """A tuple of lists and bytes (what marshal stores quickly)."""
        return (self.paths, self.codes, self.messages, self.path.tobytes(), self.line.tobytes(),
                self.column.tobytes(), bytes(self.severity), self.code.tobytes(), self.message.tobytes())

    @classmethod
    def from_marshal(cls, obj) -> "Findings":
        """The table ``to_marshal`` gave; ValueError when ``obj`` is not of its shape."""
        if type(obj) is not tuple or len(obj) != 9 or not all(type(t) is list for t in obj[:3]) \
                or not all(type(b) is bytes for b in obj[3:]):
            raise ValueError("not a findings table")
        paths, codes, messages = obj[:3]
        cols = []
        for typecode, raw in zip("Iii", obj[3:6]):
            col = array(typecode)
            col.frombytes(raw)
            cols.append(col)
        code, message = array("I"), array("I")
        code.frombytes(obj[7])
        message.frombytes(obj[8])
        severity = bytearray(obj[6])
        n = len(cols[0])
        if any(len(c) != n for c in (*cols, severity, code, message)) \
                or (n and (max(cols[0]) >= len(paths) or max(code) >= len(codes) or max(message) >= len(messages)
                           or max(severity) >= len(SEVERITIES))):
            raise ValueError("a damaged findings table")
        return cls(paths, codes, messages, *cols, severity, code, message)

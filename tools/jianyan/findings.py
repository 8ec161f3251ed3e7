"""Findings: what every check yields and every output format prints."""
from __future__ import annotations

from dataclasses import dataclass

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

"""Reading a Markdown table back out of a rendered document."""
from __future__ import annotations


def table_rows(md: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``, without its header and alignment rows."""
    lines = md.split(heading, 1)[1].splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
    table = []
    for ln in lines[start:]:
        if not ln.startswith("|"):
            break
        table.append([c.strip() for c in ln.strip("|").split("|")])
    return table[2:]

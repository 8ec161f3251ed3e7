"""The guide in docs/ quotes `jianyan … --help`: every quoted help must match the real help, word for word.

A quoted help is a fenced block whose info string is ``text`` and whose first line is
``$ jianyan <command …> --help``; the rest of the block is the output. After changing a command's
help, refresh the guide with:  JIANYAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/test_docs.py
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```text\n\$ (jianyan(?: [\w-]+)* --help)\n(.*?)^```$", re.M | re.S)
PAGES = sorted(DOCS.glob("*.md"))


@functools.cache
def real_help(command: str) -> str:
    """The help as the installed `jianyan` script prints it (``python -m jianyan`` would name itself
    "python -m jianyan") on a terminal 100 columns wide, where click writes within 98; the real CLI in
    this process (click's runner, whose own width of 80 the width given to the context overrides)."""
    from click.testing import CliRunner

    from jianyan.cli import main
    res = CliRunner().invoke(main, command.split()[1:], prog_name="jianyan", terminal_width=98,
                             catch_exceptions=False)
    assert res.exit_code == 0, f"{command} 失败：{res.stderr}"
    return res.stdout


def quoted(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def test_guide_has_the_pages():
    names = {p.name for p in PAGES}
    assert {"README.md", "submitter.md", "committee-office.md", "research-office.md",
            "director-and-secretary-general.md", "secretariat.md", "install-intranet.md",
            "file-format.md"} <= names
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for name in names - {"README.md"}:
        assert f"]({name}" in index, f"docs/README.md 没有链接 {name}"


def test_quoted_commands_exist():
    """Only real commands are quoted, and the guide does quote some."""
    commands = {cmd for page in PAGES for cmd, _ in quoted(page)}
    assert len(commands) >= 8
    for cmd in commands:
        real_help(cmd)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_stray_fence_after_a_block(page: Path):
    """A fence line right after a closing one opens a block that swallows the section after it (its
    heading and text shown as code)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    stray = [n + 2 for n in range(len(lines) - 1) if lines[n] == "```" and lines[n + 1] == "```"]
    assert not stray, f"docs/{page.name} 第 {stray} 行多了一个 ```"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_help_matches_the_program(page: Path):
    text = page.read_text(encoding="utf-8")
    if os.environ.get("JIANYAN_UPDATE_DOCS"):
        new = BLOCK.sub(lambda m: f"```text\n$ {m.group(1)}\n{real_help(m.group(1))}```", text)
        if new != text:  # an updating run never passes: the next plain run compares the result
            page.write_text(new, encoding="utf-8")
            pytest.fail(f"已按实际帮助更新 docs/{page.name}；请检查改动，再不带 JIANYAN_UPDATE_DOCS 运行一次")
    for command, shown in quoted(page):
        assert shown == real_help(command), (
            f"docs/{page.name} 中引用的 `{command}` 与实际帮助不一致。"
            "请运行 JIANYAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/test_docs.py 更新")

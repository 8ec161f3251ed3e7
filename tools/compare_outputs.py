"""Build every output of the sample campaign at two commits and compare them byte for byte.

    python tools/compare_outputs.py REV_A [REV_B]     # REV_B defaults to the work tree

The proof that a change does not alter what users get (the restructuring's "nothing changes for users",
a hardening change's "normal input gives the same outputs"): for each side, the campaign files of that
commit are copied into a scratch folder and every command that writes something a user reads runs there
with that commit's code (``PYTHONPATH=<checkout>/tools`` in front of the installed package): the check in
JSON, statistics, the ledger in three formats, every bulletin issue in four formats, the site, the circular,
the feedback letters, the members' records, the progress form and a duplication report. Everything each
command writes under ``build/``, its standard output and its exit status are then compared file by file.
Caches are off (``JIANYAN_CACHE=0``) and every date is given, so nothing depends on the day or a previous
run. Exit status 0 when every file is identical, 1 otherwise (the differing files are listed).

A developer's tool, not part of the installed package: it needs git and the project's checkout.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN_PARTS = ("schema", "submissions", "issues", "feedback", "templates")
END = "2021-07-31"  # the sample campaign's last day: every report is "as of" it

# (name, arguments): one run each; its stdout and exit status are kept as build/_stdout/<name>.txt
COMMANDS: list[tuple[str, list[str]]] = [
    ("check", ["check", "--format", "json"]),
    ("stats", ["stats", "--format", "json", "--to", END]),
    ("export-csv", ["export", "--format", "csv", "--to", END]),
    ("export-xlsx", ["export", "--format", "xlsx", "--to", END]),
    ("export-json", ["export", "--format", "json", "--to", END]),
    ("site", ["site"]),
    ("circular", ["circular", "--from", "2021-03-01", "--to", END, "--number", "1"]),
    ("feedback", ["feedback", "--to", END]),
    ("record", ["record", "--all", "--year", "2021", "--to", END]),
    ("feedback-template", ["feedback", "template", "--all", "build/template/进展表.xlsx"]),
    ("dup", ["dup", "report", "2021-minge-001"]),
]


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def checkout(rev: str | None, into: Path) -> Path:
    """The code and campaign of ``rev`` (None: the work tree as it is) under ``into``."""
    if rev is None:
        return ROOT
    git("worktree", "add", "--detach", "--force", str(into), rev)
    return into


def build_all(code: Path, out: Path) -> None:
    """Copy the campaign of ``code`` into ``out`` and run every command there with that code."""
    for part in CAMPAIGN_PARTS:
        if (code / part).is_dir():
            shutil.copytree(code / part, out / part)
    env = {**os.environ, "PYTHONPATH": str(code / "tools"), "JIANYAN_CACHE": "0", "TZ": "Asia/Shanghai",
           "PYTHONIOENCODING": "utf-8", "PYTHONHASHSEED": "0"}
    env.pop("JIANYAN_ROOT", None)
    issues = sorted(f"{p.parent.name}-{p.stem}" for p in (out / "issues").glob("*/*.md"))
    commands = COMMANDS + [(f"issue-{ident}", ["issue", "build", ident]) for ident in issues]
    stdout_dir = out / "build" / "_stdout"
    stdout_dir.mkdir(parents=True, exist_ok=True)
    for name, args in commands:
        (out / "build" / "template").mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "jianyan", *args], cwd=out, env=env,
                              capture_output=True, text=True)
        (stdout_dir / f"{name}.txt").write_text(f"exit {proc.returncode}\n{proc.stdout}", encoding="utf-8")
        print(f"  {name}: exit {proc.returncode}", file=sys.stderr)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b", nargs="?", default=None, help="默认：当前工作区")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (printed)")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="jianyan-compare-"))
    sides: list[Path] = []
    try:
        for label, rev in (("a", args.rev_a), ("b", args.rev_b)):
            print(f"{label}: {rev or '工作区'}", file=sys.stderr)
            code = checkout(rev, scratch / f"code-{label}")
            build_all(code, scratch / label)
            sides.append(scratch / label / "build")
        a, b = digests(sides[0]), digests(sides[1])
        differ = sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))
        for path in differ:
            print(f"不同：{path}（{'a' if path in a else '-'}/{'b' if path in b else '-'}）")
        print(f"{len(a.keys() | b.keys())} 个文件，{len(differ)} 个不同。")
        return 1 if differ else 0
    finally:
        for label in ("a", "b"):
            if (scratch / f"code-{label}").exists():
                git("worktree", "remove", "--force", str(scratch / f"code-{label}"))
        if args.keep:
            print(f"保留：{scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

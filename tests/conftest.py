"""Shared fixtures and run set-up: a temporary copy of the sample campaign; the real CLI in this process
(``cli``, ``in_process``, ``invoke``, ``check_in_process``) or as a process (``run_cli``, end-to-end tests
only); one temporary folder for what a run keeps between tests; end-to-end tests first; the accuracy
tables printed after the run, from every pytest-xdist worker."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a campaign repository holds (the tool's own code is installed, not copied).
CAMPAIGN_PARTS = ("schema", "submissions", "issues", "feedback", "templates")


def copy_campaign(dest: Path, parts=CAMPAIGN_PARTS) -> Path:
    for part in parts:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
    return dest


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A writable copy of the sample campaign."""
    return copy_campaign(tmp_path / "campaign")


class Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}>"


def run_cli(cwd: Path, *args: str, env: dict | None = None, input: str | None = None) -> Result:
    """Run the installed ``jianyan`` command as a user would (``python -m jianyan``): for end-to-end tests,
    where the process itself is the point (start-up, a hook or server that starts it, a terminal's stdin)."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    full_env.pop("JIANYAN_ROOT", None)
    proc = subprocess.run([sys.executable, "-m", "jianyan", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, input=input, timeout=600)
    return Result(proc)


def _invoke(mp: pytest.MonkeyPatch, cwd: Path, args: tuple[str, ...], env: dict | None, input: str | None) -> Result:
    from click.testing import CliRunner

    from jianyan.cli import main
    mp.delenv("JIANYAN_ROOT", raising=False)
    mp.chdir(cwd)
    res = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return Result(subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr))


def in_process(monkeypatch):
    """``run(cwd, *args, env=None, input=None) -> Result``: the real CLI in this process (click's runner),
    as ``run_cli`` runs it in a new one, without the second of start-up each call. Exceptions are not caught
    by the runner: one that escapes the command group's own handler fails the test with its traceback."""
    def run(cwd: Path, *args: str, env: dict | None = None, input: str | None = None) -> Result:
        return _invoke(monkeypatch, cwd, args, env, input)
    return run


def invoke(cwd: Path, *args: str, env: dict | None = None, input: str | None = None) -> Result:
    """One in-process run (as ``in_process``) for a fixture wider than a test, which has no
    ``monkeypatch``: the working folder and environment are restored when it returns."""
    with pytest.MonkeyPatch.context() as mp:
        return _invoke(mp, cwd, args, env, input)


@pytest.fixture
def cli(monkeypatch):
    """``cli(cwd, *args, env=None, input=None)``: the real CLI, in this process (``in_process``)."""
    return in_process(monkeypatch)


def pytest_configure(config):
    """What a run keeps between tests goes into one temporary folder, never into the repository or the
    home folder: the key that signs caches (kept in the user's cache folder otherwise) and Hypothesis's
    storage (``.hypothesis/`` in the working folder otherwise: its examples are off, its cache of the
    code's constants is not). The jianyan processes the tests start, and pytest-xdist's workers, inherit
    the environment: the controller's folder serves them all."""
    if "JIANYAN_CACHE_KEY" not in os.environ:
        config._jianyan_tmp = tempfile.mkdtemp(prefix="jianyan-tests-")
        os.environ["JIANYAN_CACHE_KEY"] = os.path.join(config._jianyan_tmp, "key")
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(config._jianyan_tmp, "hypothesis"))


def pytest_unconfigure(config):
    folder = getattr(config, "_jianyan_tmp", None)
    if folder:
        os.environ.pop("JIANYAN_CACHE_KEY", None)
        if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", "").startswith(folder):
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY")
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(items):
    """End-to-end tests first, the rest in their usual order: under pytest-xdist (make test: -n auto
    --dist worksteal) the longest tests start early, while the short ones can still fill the other
    workers around them, instead of one running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


def check_in_process(root: Path, monkeypatch, *args: str) -> tuple[int, list[dict], str]:
    """``jianyan check --format json [args]`` in this process: (exit status, findings, all output). Exit
    2 fails the test: that would be the tool failing on a file's content, never a user's mistake."""
    run = in_process(monkeypatch)
    res = run(root, "check", "--format", "json", *args)
    assert res.code in (0, 1), res
    return res.code, json.loads(res.out), res.out + res.err


# Accuracy tables a test adds (config.stash[SUMMARIES].append(text)), printed after the run.
SUMMARIES = pytest.StashKey[list]()


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands its tables to the controller, which prints the summary."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["jianyan_summaries"] = session.config.stash.get(SUMMARIES, [])


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown without it
def pytest_testnodedown(node, error):
    tables = getattr(node, "workeroutput", {}).get("jianyan_summaries", [])
    node.config.stash.setdefault(SUMMARIES, []).extend(tables)


def pytest_terminal_summary(terminalreporter, config):
    for text in config.stash.get(SUMMARIES, []):
        terminalreporter.write_sep("-", "accuracy")
        terminalreporter.write_line(text)

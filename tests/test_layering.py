"""The shape of the imports: the contracts of pyproject.toml's [tool.importlinter] (the layers, the
domain never importing the fast path, no cycles), checked by import-linter in this process."""
from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "tools"))  # this checkout's package, whatever is installed
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0  # import-linter's report: the captured output

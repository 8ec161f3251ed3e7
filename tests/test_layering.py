"""The shape of the imports: the contracts of pyproject.toml's [tool.importlinter] (the layers, the
domain never importing the fast path, no cycles), checked by import-linter in this process; and every
import made inside a function says why it waits (start-up time), on its own line."""
from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tools" / "jianyan"


def test_the_import_contracts_are_kept(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "tools"))  # this checkout's package, whatever is installed
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0  # import-linter's report: the captured output


def late_imports(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each import statement inside a function of the module at ``path``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out += [(sub.lineno, lines[sub.lineno - 1]) for sub in ast.walk(node)
                    if isinstance(sub, (ast.Import, ast.ImportFrom))]
    return sorted(set(out))


def test_an_import_inside_a_function_says_why_it_waits():
    """Imports belong at the top of the module; one made later is there for the start-up time of the
    commands that do not need it, and says so (``# lazy: <reason>``): never a way round a cycle."""
    bare = [f"{path.relative_to(ROOT)}:{n}: {text.strip()}" for path in sorted(PACKAGE.rglob("*.py"))
            for n, text in late_imports(path) if "# lazy: " not in text]
    assert not bare, "imports inside functions without a '# lazy: <reason>' comment:\n" + "\n".join(bare)

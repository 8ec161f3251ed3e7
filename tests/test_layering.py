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


def import_graph() -> dict[str, set[str]]:
    """Every module of the package → the modules it imports, at the top or inside a function. ``from
    jianyan.x import y`` imports the package ``jianyan.x`` too (Python runs a package's ``__init__``
    before any of its modules), an edge import-linter's contracts do not see."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                edges |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
        graph[name] = {m for m in edges if m in modules and m != name}
    return graph


def test_no_cycle_through_a_package():
    """A package whose ``__init__`` imports its modules (render's bulletin build did, dup's analysis did)
    is imported by each of them: one cycle per module. Such code lives in a module of its own."""
    from graphlib import CycleError, TopologicalSorter
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None

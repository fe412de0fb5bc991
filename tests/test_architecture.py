"""The package's shape holds: the import-linter layers contract, no import cycle (imports
inside functions included), and the size limits (modules ≤ 400 lines, functions ≤ 60)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
from helpers.paths import ROOT

PACKAGE = ROOT / "tthc_lib"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

def test_the_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack, on_stack, found = [], set(), []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_modules_even_inside_functions():
    graph = grimp.build_graph("tthc_lib")  # grimp reads every import statement, nested too
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert graph.direct_import_exists(importer="tthc_lib.batch.runner",
                                      imported="tthc_lib.batch.executors")  # a nested one
    assert _cycles(edges) == []


def _sizes() -> tuple[list[str], list[str]]:
    modules, functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE_LINES:
            modules.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    functions.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    return modules, functions


def test_modules_and_functions_stay_within_the_size_limits():
    modules, functions = _sizes()
    assert modules == [] and functions == []


def _private_imports(path: Path) -> list[str]:
    return _private_imports_of(path.read_text(encoding="utf-8"), path)


def _private_imports_of(source: str, path: Path) -> list[str]:
    """`module: name` for every private name (one leading underscore, not a dunder) the module
    at `path` imports from another module of the package, relative imports included."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package[: len(package) - node.level + 1] if node.level else ()
        module = ".".join([*base, *([node.module] if node.module else [])])
        if not module.startswith("tthc_lib"):
            continue
        private = [a.name for a in node.names
                   if a.name.startswith("_") and not a.name.startswith("__")]
        private += [part for part in module.split(".") if part.startswith("_")
                    and not part.startswith("__")]
        found += [f"{module}: {name}" for name in private]
    return found


def test_no_private_name_crosses_a_module_boundary():
    crossing = {path.relative_to(ROOT).as_posix(): found for path in sorted(PACKAGE.rglob("*.py"))
                if (found := _private_imports(path))}
    assert crossing == {}


def test_the_private_import_check_finds_them():
    module = PACKAGE / "content" / "words" / "probe.py"   # never written: parsed from text
    source = ("from tthc_lib.content.words.formatting import _x, fmt_int, __all__\n"
              "from . import _y\nfrom ..figures._hidden import z\nfrom pandas import _libs\n")
    assert _private_imports_of(source, module) == [
        "tthc_lib.content.words.formatting: _x", "tthc_lib.content.words: _y",
        "tthc_lib.content.figures._hidden: _hidden"]



def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    """The package a module belongs to (a package's __init__ belongs to the package itself)."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def _cross_package_imports() -> dict[str, set[str]]:
    """module -> the names other packages import from it (`from M import name`, nested and
    relative imports included; a submodule imported from its package is not a name)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    crossing: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        package = path.relative_to(ROOT).with_suffix("").parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module not in files or _package_of(files[module]) == _package_of(path):
                continue
            names = {a.name for a in node.names if f"{module}.{a.name}" not in files}
            if names:
                crossing.setdefault(module, set()).update(names)
    return crossing


def _top_level_names(tree: ast.Module) -> tuple[set[str], set[str], list[str] | None]:
    """(names the module defines, names it binds by importing, its __all__ or None)."""
    defined, imported, declared = set(), set(), None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if "__all__" in names:
                declared = list(ast.literal_eval(node.value))
            defined.update(names - {"__all__"})
    return defined, imported, declared


def test_modules_imported_from_another_package_declare_their_interface_in_all():
    """A module another package imports from declares its interface in `__all__` (the names
    the rest of the package, the notebooks and the tests use): every name another package
    imports from it is there, and nothing it does not bind."""
    crossing = _cross_package_imports()
    assert {"Period", "parse_period"} <= crossing["tthc_lib.periods"]
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        defined, imported, declared = _top_level_names(ast.parse(path.read_text("utf-8")))
        if declared is None:
            problems += [f"{module}: no __all__"] if module in crossing else []
            continue
        problems += [f"{module}: {name} is imported by another package, not in __all__"
                     for name in sorted(crossing.get(module, set()) - set(declared))]
        problems += [f"{module}: __all__ names {name}, which it neither defines nor imports"
                     for name in declared if name not in defined | imported]
    assert problems == []

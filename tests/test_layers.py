"""The package's layers point one way: a static reading of every import finds no cycle.

Imports are read from the source (module level AND inside functions, plus `importlib.import_module("...")` and
`"module:Class"` strings naming a module of the package), so a function-level import that only dodges a cycle
still counts as an edge. The storage layer (`pretrained/`) may import only `errors`, `configuration` and itself.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Set

from conftest import REPO_ROOT

PACKAGE = "paddle_distilroberta"
ROOT = REPO_ROOT / PACKAGE
#: What the storage layer may import from the package (besides itself).
STORAGE_MAY_IMPORT = {f"{PACKAGE}.errors", f"{PACKAGE}.configuration"}
_MODULE_STRING = re.compile(rf"^({PACKAGE}(?:\.\w+)+)(?::\w+)?$")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(name: str, known: Set[str]) -> str:
    """The longest known module that `name` (a module or module.attribute) refers to."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, path: Path, known: Set[str]) -> Set[str]:
    is_package = path.name == "__init__.py"
    base = module if is_package else module.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                origin = f"{anchor}.{node.module}" if node.module else anchor
            else:
                origin = node.module or ""
            targets = [f"{origin}.{alias.name}" for alias in node.names] or [origin]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _MODULE_STRING.match(node.value)  # importlib.import_module("paddle_distilroberta.x"), "mod:Class"
            if match:
                targets = [match.group(1)]
        for target in targets:
            if target.startswith(PACKAGE):
                resolved = _resolve(target, known)
                if resolved and resolved != module and resolved != PACKAGE:
                    found.add(resolved)
    return found


def import_graph() -> Dict[str, Set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _find_cycle(graph: Dict[str, Set[str]]):
    state: Dict[str, int] = {}
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_layers_no_import_cycle_counting_function_level_imports():
    graph = import_graph()
    assert len(graph) > 15, sorted(graph)  # the reader sees the package
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_layers_storage_layer_never_reaches_up():
    graph = import_graph()
    storage = {m for m in graph if m.startswith(f"{PACKAGE}.pretrained")}
    assert f"{PACKAGE}.pretrained.loading" in storage
    bad = {m: sorted(t for t in graph[m] if t not in storage and t not in STORAGE_MAY_IMPORT) for m in storage}
    assert not {m: t for m, t in bad.items() if t}, bad


def test_layers_resolver_never_converts_or_loads():
    graph = import_graph()
    pre = f"{PACKAGE}.pretrained"
    assert not graph[f"{pre}.resolve"] & {f"{pre}.convert", f"{pre}.loading", f"{pre}.serialization"}
    assert f"{PACKAGE}.auto" not in graph[f"{pre}.convert"] and f"{pre}.loading" not in graph[f"{pre}.convert"]
    for upper in ("configuration", "auto", "tokenization"):
        assert f"{pre}.loading" not in graph[f"{PACKAGE}.{upper}"], upper


def test_layers_the_reader_sees_function_level_and_string_imports(tmp_path):
    """The checker itself: an import inside a function and an import_module string are edges."""
    fake = tmp_path / "mod.py"
    fake.write_text(
        "import importlib\n"
        "def f():\n    from .pretrained import loading\n"
        "def g():\n    return importlib.import_module('paddle_distilroberta.auto')\n"
    )
    known = {f"{PACKAGE}.pretrained.loading", f"{PACKAGE}.auto", f"{PACKAGE}.mod"}
    found = _imports(f"{PACKAGE}.mod", fake, known)
    assert found == {f"{PACKAGE}.pretrained.loading", f"{PACKAGE}.auto"}
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]

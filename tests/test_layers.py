"""The folders show the architecture: no import cycles anywhere in the project, and the domain
(claims, sources) never imports the apps built on it.

Every import counts, at the top of a module or inside a function: a lazy import still ties two
modules together, it only hides the tie from Python.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "api",
    "bench",
    "claims",
    "config",
    "exchange",
    "intake",
    "review",
    "scripts",
    "sources",
    "tests",
    "webhooks",
]
DOMAIN = {"claims", "sources"}
OUTER = {"api", "bench", "exchange", "intake", "review", "scripts", "webhooks", "tests"}
MAX_LINES = 600


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, resolved to the longest module name that exists."""
    found = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_anywhere_in_the_project():
    assert cycles(import_graph()) == []


def test_the_domain_imports_none_of_the_apps_built_on_it():
    upward = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if name.split(".")[0] in DOMAIN
        for target in targets
        if target.split(".")[0] in OUTER
    ]
    assert upward == []


def test_relative_imports_resolve_like_python(tmp_path):
    modules = {"pkg": tmp_path / "pkg/__init__.py", "pkg.a": tmp_path / "pkg/a.py", "pkg.b": tmp_path / "pkg/b.py"}
    (tmp_path / "pkg").mkdir()
    modules["pkg.a"].write_text("from . import b\nfrom .b import thing\n")
    assert imports_of("pkg.a", modules["pkg.a"], modules) == {"pkg", "pkg.b"}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_longer_than_one_reader_holds(package):
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []

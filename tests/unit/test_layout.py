"""The tree's shape, read from the imports: a reviewer checks one folder to see how resolvers reach the graph.

    hub/schema/     types only: imports neither ``hub.access``, the graph layer (bar ``graph.model``) nor the resolvers
    hub/resolvers/  thin resolvers: reach the graph only through ``hub.access``, never the graph layer itself
    hub/api.py      the wiring: imports both

Imports are read with ``ast`` from the source (every ``import``, wherever it sits, ``TYPE_CHECKING`` blocks and
function bodies included, and the modules named in ``strawberry.lazy``), not from what happens to be loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGES = ("hub", "graph", "synthetic")
GRAPH_CONSTANTS = "graph.model"  # the record types, as data: types may name them
ENFORCING = "hub.access"  # the one path to the graph


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@cache
def modules() -> dict[str, Path]:
    """Every module of the project, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(module: str, source: str, is_package: bool = False) -> set[str]:
    """The project modules ``source`` (module ``module``) names in its imports."""
    known = modules()
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:  # `from a import b`: b may be a module of its own
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        elif isinstance(node, ast.Call) and _called(node) in {"lazy", "import_module", "__import__"}:
            names.update(a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return {name for name in names if name in known or any(_in(name, p) for p in PACKAGES)}


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


@cache
def imports_of(module: str) -> frozenset[str]:
    path = modules()[module]
    return frozenset(imported(module, path.read_text(encoding="utf-8"), path.name == "__init__.py"))


def reached(module: str, *, through: str | None = None) -> Iterator[tuple[str, ...]]:
    """Every chain of imports from ``module``, not entering ``through`` (the way that is allowed)."""
    stack, seen = [(module,)], {module}
    while stack:
        chain = stack.pop()
        for name in sorted(imports_of(chain[-1]) if chain[-1] in modules() else ()):
            if name in seen:
                continue
            seen.add(name)
            yield (*chain, name)
            if not (through and _in(name, through)):
                stack.append((*chain, name))


def graph_layer(name: str) -> bool:
    return _in(name, "graph") and name != GRAPH_CONSTANTS


def schema_problems(module: str) -> list[str]:
    problems = [
        f"{module} imports {name}: types read nothing (the resolvers call hub.access)"
        for name in sorted(imports_of(module))
        if _in(name, ENFORCING) or graph_layer(name)
    ]
    for chain in reached(module):
        if _in(chain[-1], "hub.resolvers") or _in(chain[-1], "hub.api") or _in(chain[-1], ENFORCING):
            problems.append(f"{' -> '.join(chain)}: types never depend on the resolvers or the enforcing path")
    return problems


def resolver_problems(module: str) -> list[str]:
    return [
        f"{' -> '.join(chain)}: a resolver reaches the graph only through {ENFORCING}"
        for chain in reached(module, through=ENFORCING)
        if graph_layer(chain[-1])
    ]


def under(package: str) -> list[str]:
    return sorted(m for m in modules() if _in(m, package))


def test_the_layers_are_where_the_readme_says() -> None:
    assert len(under("hub.schema")) > 10 and len(under("hub.resolvers")) > 10 and "hub.api" in modules()


@pytest.mark.parametrize("module", under("hub.schema"))
def test_a_schema_module_holds_types_and_reads_nothing(module: str) -> None:
    problems = schema_problems(module)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", under("hub.resolvers"))
def test_a_resolver_reaches_the_graph_only_through_hub_access(module: str) -> None:
    problems = resolver_problems(module)
    assert not problems, "\n".join(problems)


def test_the_wiring_binds_resolvers_to_types() -> None:
    assert any(_in(m, "hub.resolvers") for m in imports_of("hub.api"))
    assert any(_in(m, "hub.schema") for m in imports_of("hub.api"))


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import graph.store", {"graph.store"}),
        ("from graph import persons, model", {"graph.persons", "graph.model"}),
        ("from hub.access.views import find_person", {"hub.access.views"}),
        ("if TYPE_CHECKING:\n    from hub.resolvers.people import person", {"hub.resolvers.people"}),
        ("def f():\n    import hub.api", {"hub.api"}),
        ('x = Annotated["Person", strawberry.lazy("hub.resolvers.people")]', {"hub.resolvers.people"}),
        ("from ..access import views", {"hub.access.views"}),
        ("import strawberry\nfrom starlette.concurrency import run_in_threadpool", set()),
    ],
)
def test_every_kind_of_import_is_seen(source: str, found: set[str]) -> None:
    assert imported("hub.schema.example", source) == found


def test_the_rules_catch_what_they_forbid() -> None:
    assert resolver_problems("hub.agencies")  # imports graph.agencies itself
    assert any("hub.settings -> graph." in p for p in resolver_problems("hub.audit.config"))  # and through another
    assert schema_problems("hub.audit.requests")  # imports hub.access

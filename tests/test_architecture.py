"""Imports flow bot -> handlers -> surveys -> storage; a walk over the source keeps it so.

Inside handlers/, each channel adapter (telegram/, and web/ and zalo/ beside it) imports the
channel-neutral views (handlers/views/) and the domain, never another adapter; the views import
no channel at all. The command line (bot/) reads the views, never an adapter: only the wiring
that starts the adapters (bot/app.py and the web server's wiring) may import one.
Adapters leave access checks and the audit to the domain: they call the use cases that take
an actor (see test_adapters_leave_access_and_audit_to_the_domain).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "storage": {"bot", "handlers", "surveys", "telegram"},
    "surveys": {"bot", "handlers", "telegram"},
    "handlers": {"bot", "storage", "aiosqlite", "sqlite3"},
}
ADAPTERS = ("telegram", "web", "zalo")
WIRING = {"bot/app.py", "bot/web_server.py", "bot/runtime.py", "bot/runtime_refresh.py"}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an import statement names (for `from a import b`, also `a.b`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def _within(names: set[str], prefix: str) -> list[str]:
    return sorted(n for n in names if n == prefix or n.startswith(prefix + "."))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_views_know_no_channel() -> None:
    offences = {}
    for path in (ROOT / "handlers" / "views").rglob("*.py"):
        names = imported_modules(path)
        bad = _within(names, "telegram") + [
            n for a in ADAPTERS for n in _within(names, f"handlers.{a}")
        ]
        if bad:
            offences[str(path.relative_to(ROOT))] = bad
    assert offences == {}


def test_adapters_do_not_import_each_other() -> None:
    offences = {}
    for adapter in ADAPTERS:
        for path in (ROOT / "handlers" / adapter).rglob("*.py"):
            names = imported_modules(path)
            bad = [
                n
                for other in ADAPTERS
                if other != adapter
                for n in _within(names, f"handlers.{other}")
            ]
            if bad:
                offences[str(path.relative_to(ROOT))] = bad
    assert offences == {}


def test_command_line_imports_views_never_an_adapter() -> None:
    offences = {}
    for path in (ROOT / "bot").rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        if rel in WIRING or rel.startswith("bot/sandbox/"):
            continue
        names = imported_modules(path)
        bad = [n for a in ADAPTERS for n in _within(names, f"handlers.{a}")]
        if bad:
            offences[rel] = bad
    assert offences == {}


def test_handlers_hold_only_adapters_and_views() -> None:
    """handlers/ is one subpackage per channel plus the views: no module at its top."""
    loose = sorted(p.name for p in (ROOT / "handlers").glob("*.py") if p.name != "__init__.py")
    assert loose == []


def test_sql_stays_in_storage() -> None:
    """Outside storage/, no module talks SQL: no execute() calls on a connection."""
    for package in ("bot", "handlers", "surveys"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Attribute)
                and n.attr in {"execute", "executemany", "executescript"}
            ]
            assert not calls, f"{path.relative_to(ROOT)} runs SQL"


def _adapter_imports(adapter: str) -> dict[str, set[str]]:
    """Each module of an adapter and the adapter's modules it imports."""
    package = ROOT / "handlers" / adapter
    modules = {p.stem for p in package.glob("*.py")}
    prefix = f"handlers.{adapter}."
    return {
        path.stem: {n.removeprefix(prefix) for n in imported_modules(path) if n.startswith(prefix)}
        & modules
        for path in package.glob("*.py")
    }


def test_telegram_modules_import_no_cycle() -> None:
    """Feature modules never reach back to the router or round to themselves (the router
    imports them); a loop like resident -> features -> households -> resident stays out."""
    graph = _adapter_imports("telegram")
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                cycles.append([*path[path.index(imported) :], imported])
            else:
                visit(imported, [*path, imported])

    for module in sorted(graph):
        visit(module, [module])
    assert cycles == []
    assert sorted(m for m, imported in graph.items() if "router" in imported) == []


# The domain checks access and writes the audit (surveys/access.py): adapters call the use cases
# that take an actor, never the check itself nor the unchecked machinery under those use cases
# (which the scheduler, the sender and the demo's seeding use).
ACCESS_CALLS = {("access", name) for name in ("require", "allowed", "audit", "communes", "grants")}
UNCHECKED = {
    ("broadcasts", name)
    for name in ("cancel", "hold", "release", "remind_now", "launch", "open_round", "plan")
}
UNCHECKED |= {("rounds", "open"), ("rounds", "close"), ("residents", "add_villages")}
UNCHECKED |= {("summaries", name) for name in ("commune", "province", "national")}
SEEDING = {"bot/demo.py", "bot/training.py", "bot/simulate.py"}


def service_calls(path: Path) -> set[tuple[str, str]]:
    """(service, method) of every call written `<...>.service.method(...)`."""
    calls = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Attribute):
                calls.add((owner.attr, node.func.attr))
    return calls


def test_adapters_leave_access_and_audit_to_the_domain() -> None:
    offences = {}
    for package, banned in (("handlers", ACCESS_CALLS | UNCHECKED), ("bot", UNCHECKED)):
        for path in (ROOT / package).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            bad = sorted(service_calls(path) & banned) if name not in SEEDING else []
            if bad:
                offences[name] = bad
    assert offences == {}


def test_the_serving_process_loads_no_drawing_or_workbook_library() -> None:
    """matplotlib and openpyxl are about 40 MB of a 60 MB bot: only a chart or workbook asked
    for loads them (inside the function that makes it), never `ykien run` at start."""
    import subprocess
    import sys

    code = (
        "import sys, bot.cli.main, bot.cli.run, bot.app, bot.web_server;"
        "print(sorted(m for m in ('matplotlib', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

"""Imports flow bot -> handlers -> surveys -> storage; a walk over the source keeps it so."""

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


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offences.items() if v} == {}


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

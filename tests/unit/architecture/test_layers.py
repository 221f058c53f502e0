"""The house's one rule, checked on every import of the package: imports point down the layers.

docs/architecture.md draws the layers; this test is their executable form. A package may import its own
modules and packages of lower layers, never a sibling of its own layer nor anything above it. The one
exception is named in ALLOWED_UP with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "seata_py"

# bottom first; packages on one line are siblings that must not import each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "protocol", "types"),
    ("exceptions", "log_context"),
    ("rpc",),
    ("config", "sql", "tm"),
    ("undo",),
    ("rm", "tc"),
    ("datasource",),
    ("databases",),
    ("runtime",),
    ("aio",),
    ("cli", "integrations"),
    ("__init__",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

ALLOWED_UP = {
    # the deprecated 0.1 home of the undo_log DDL forwards to the registry until it is removed
    ("undo/ddl.py", "databases"),
}


def part_of(module: str) -> str:
    """``seata_py.sql.exec.base`` -> ``sql``; ``seata_py`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[str]:
    """Every seata_py module a file imports, at module level or inside functions, TYPE_CHECKING included."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    here = ".".join(rel.parts[:-1])  # the package relative imports start from
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "seata_py"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "seata_py":  # from seata_py import databases: the names are the modules
                found += [f"seata_py.{a.name}" for a in node.names]
            elif module.split(".")[0] == "seata_py":
                found.append(module)
    return found


def own_part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.name != "__init__.py" else "__init__"


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "generated" not in p.parts)


def test_every_part_has_a_layer() -> None:
    assert {own_part(p) for p in SOURCES} <= set(RANK)


def test_imports_point_down() -> None:
    wrong = []
    for path in SOURCES:
        mine = own_part(path)
        rel = str(path.relative_to(PACKAGE))
        for module in imports_of(path):
            theirs = part_of(module)
            if theirs == mine or (rel, theirs) in ALLOWED_UP:
                continue
            if RANK[theirs] >= RANK[mine]:
                wrong.append(f"{rel} imports {module} ({theirs} is not below {mine})")
    assert wrong == []


@pytest.mark.parametrize("rel, target", sorted(ALLOWED_UP))
def test_each_allowed_exception_is_still_needed(rel: str, target: str) -> None:
    assert any(part_of(m) == target for m in imports_of(PACKAGE / rel)), f"{rel} no longer needs {target}"

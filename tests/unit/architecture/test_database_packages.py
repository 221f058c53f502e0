"""Each database package keeps its database to itself: outside ``seata_py/databases/<db>/`` only the registry
and the public entry points name the package or import its drivers.

Removing a database is then deleting its package, its lines in the registry and its entry points; nothing
in the shared layers (sql, undo, datasource, rm, ...) changes. The few other places a driver is imported are
listed with their reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "seata_py"

DRIVER_MODULES = {
    "mysql": {"pymysql", "MySQLdb", "aiomysql", "asyncmy"},
    "sqlite": {"sqlite3", "aiosqlite"},
    "postgresql": {"psycopg", "psycopg_pool"},
}
# names the registry re-exports for the asyncio drivers (seata_py.databases.psycopg_async, ...)
REGISTRY_ALIASES = {
    "mysql": {"aiomysql", "asyncmy", "mysqlclient"},
    "sqlite": {"aiosqlite"},
    "postgresql": {"psycopg_async"},
}
ENTRY_POINTS = {"databases/__init__.py", "runtime.py", "aio.py"}
ALSO_ALLOWED = {
    # the error tree's PEP 249 bases: pymysql's classes are the default ones for every MySQL-like caller
    ("mysql", "exceptions.py"),
    # sqlite3's classes are the SQLite errors' bases, as psycopg's are in databases/postgresql/errors.py
    ("sqlite", "exceptions.py"),
    # the embedded TC stores its sessions in SQLite; that is storage, not the AT package
    ("sqlite", "tc/sqlite_store.py"),
    # Django's PostgreSQL backend in AT mode derives from Django's, which is built on psycopg
    ("postgresql", "integrations/django/postgresql/base.py"),
}


def references(path: Path, database: str) -> set[str]:
    """What in ``path`` names the database package or imports one of its drivers."""
    drivers = DRIVER_MODULES[database]
    package = f"seata_py.databases.{database}"
    aliases = REGISTRY_ALIASES[database] | {database}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {
                a.name for a in node.names if a.name.split(".")[0] in drivers or a.name.startswith(package)
            }
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module.split(".")[0] in drivers or module.startswith(package):
                found.add(module)
            if module == "seata_py.databases":
                found |= {f"{module}.{a.name}" for a in node.names if a.name in aliases}
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in aliases
            and isinstance(node.value, ast.Name)
            and node.value.id == "databases"
        ):
            found.add(f"databases.{node.attr}")
        elif isinstance(node, ast.Constant) and str(node.value).startswith(package):
            found.add(str(node.value))  # imported by name (importlib), as the registry does
    return found


def outside_users(database: str) -> dict[str, set[str]]:
    own = PACKAGE / "databases" / database
    users: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(own):
            continue
        found = references(path, database)
        if found:
            users[path.relative_to(PACKAGE).as_posix()] = found
    return users


@pytest.mark.parametrize("database", sorted(DRIVER_MODULES))
def test_only_the_registry_and_entry_points_name_a_database_package(database: str) -> None:
    users = outside_users(database)
    stray = {
        path: sorted(names)
        for path, names in users.items()
        if path not in ENTRY_POINTS and (database, path) not in ALSO_ALLOWED
    }
    assert stray == {}, f"{database} leaks out of seata_py/databases/{database}/: {stray}"


def test_the_registry_does_name_every_package() -> None:
    # the check above would pass vacuously if references() found nothing at all
    for database in DRIVER_MODULES:
        assert "databases/__init__.py" in outside_users(database)


def test_the_check_sees_each_kind_of_reference(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import psycopg.rows\n"
        "from seata_py.databases.postgresql.values import PG_OBJECT\n"
        "from seata_py.databases import psycopg_async\n"
        "x = databases.postgresql\n"
        "import pymysql\n"
        "lazy = ('seata_py.databases.postgresql.psycopg', 'psycopg')\n"
    )
    assert references(probe, "postgresql") == {
        "psycopg.rows",
        "seata_py.databases.postgresql.values",
        "seata_py.databases.psycopg_async",
        "databases.postgresql",
        "seata_py.databases.postgresql.psycopg",
    }

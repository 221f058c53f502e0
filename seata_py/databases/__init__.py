"""One package per database, and the registry that chooses among them.

A database package holds everything specific to it: statement syntax, catalog queries, value mapping to
and from the Java undo format, the undo_log DDL, the resourceId form and one module per driver that wraps
the driver's connections (``mysql/pymysql.py``, ``mysql/mysqlclient.py``, ``sqlite/pysqlite.py``,
``postgresql/psycopg.py``). The rest of seata-py sees only its :class:`~seata_py.types.dialect.Dialect`.
Adding a database is a new package and one line in each table here; a package and its driver library
are imported when first used.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from seata_py.datasource.aio import AsyncATConnection
from seata_py.datasource.base import ATConnectionBase
from seata_py.exceptions import UnsupportedDriverError
from seata_py.types.dialect import Dialect

# The driver modules, each with DRIVER_NAME, SQLALCHEMY_DIALECTS, wraps(connection), connect(...) and
# wrap(connection, ...), beside the library each drives. A driver module is imported when it is first used:
# some libraries weigh megabytes (psycopg), and a connection of one exists only once it is imported.
_DRIVERS: tuple[tuple[str, str], ...] = (
    ("seata_py.databases.mysql.pymysql", "pymysql"),
    ("seata_py.databases.mysql.mysqlclient", "MySQLdb"),
    ("seata_py.databases.sqlite.pysqlite", "sqlite3"),
    ("seata_py.databases.postgresql.psycopg", "psycopg"),
)
# the asyncio driver modules, each with DRIVER_NAME, SQLALCHEMY_DIALECTS, wraps(connection) and the coroutine
# functions connect(...) and wrap(connection, ...)
_ASYNC_DRIVERS: tuple[tuple[str, str], ...] = (
    ("seata_py.databases.mysql.aiomysql", "aiomysql"),
    ("seata_py.databases.mysql.asyncmy", "asyncmy"),
    ("seata_py.databases.postgresql.psycopg_async", "psycopg"),
    ("seata_py.databases.sqlite.aiosqlite", "aiosqlite"),
)
# the databases by the name ``seata-py ddl --dialect`` and undo_log_ddl() take
_PACKAGES: dict[str, str] = {
    "mysql": "seata_py.databases.mysql",
    "sqlite": "seata_py.databases.sqlite",
    "postgresql": "seata_py.databases.postgresql",
}
# SQLAlchemy backend names that are another's database
_SQLALCHEMY_BACKENDS = {"mariadb": "mysql"}
PACKAGE_NAMES: tuple[str, ...] = tuple(_PACKAGES)


def _libraries_of(connection: Any) -> set[str]:
    """The top-level modules of the connection's classes: the libraries whose driver modules may wrap it."""
    return {klass.__module__.split(".")[0] for klass in type(connection).__mro__}


def _driver_modules(
    table: tuple[tuple[str, str], ...], libraries: set[str] | None = None
) -> list[ModuleType]:
    return [
        importlib.import_module(module)
        for module, library in table
        if libraries is None or library in libraries
    ]


def adapter_for(connection: Any) -> ModuleType:
    """The driver module that wraps this open connection."""
    if isinstance(connection, ATConnectionBase):
        # wrapped already (its driver's wrap() returns it as is): that driver module is loaded
        candidates = [sys.modules[module] for module, _ in _DRIVERS if module in sys.modules]
    else:
        candidates = _driver_modules(_DRIVERS, _libraries_of(connection))
    for driver in candidates:
        if driver.wraps(connection):
            return driver
    raise UnsupportedDriverError(
        f"no AT support for {type(connection).__module__}.{type(connection).__qualname__} connections; "
        f"supported drivers: {', '.join(d.DRIVER_NAME for d in _driver_modules(_DRIVERS))}"
    )


def async_adapter_for(connection: Any) -> ModuleType:
    """The asyncio driver module that wraps this open connection (or wrapped it already)."""
    if isinstance(connection, AsyncATConnection):  # wrapped already: its driver's wrap() returns it as is
        connection = connection.target
    for driver in _driver_modules(_ASYNC_DRIVERS, _libraries_of(connection)):
        if driver.wraps(connection):
            return driver
    supported = ", ".join(d.DRIVER_NAME for d in _driver_modules(_ASYNC_DRIVERS))
    raise UnsupportedDriverError(
        f"no async AT support for {type(connection).__module__}.{type(connection).__qualname__} "
        f"connections; supported asyncio drivers: {supported}"
    )


def driver_for_sqlalchemy(backend: str, driver: str) -> ModuleType | None:
    """The driver module behind SQLAlchemy URLs ``<backend>+<driver>://``, if one supports them."""
    name = f"{backend}+{driver}"
    package = _PACKAGES.get(_SQLALCHEMY_BACKENDS.get(backend, backend))
    if package is None:
        return None
    candidates = [(module, library) for module, library in _DRIVERS if module.startswith(package + ".")]
    return next((d for d in _driver_modules(tuple(candidates)) if name in d.SQLALCHEMY_DIALECTS), None)


def dialect_named(name: str) -> Dialect:
    return _package(name).Dialect()  # type: ignore[no-any-return]


def undo_log_ddl(database: str = "mysql", table: str = "undo_log") -> str:
    """The undo_log DDL for ``database`` ("mysql" for MySQL/MariaDB, "postgresql" or "sqlite")."""
    return _package(database).undo_log.undo_log_ddl(table)  # type: ignore[no-any-return]


def _package(name: str) -> ModuleType:
    try:
        return importlib.import_module(_PACKAGES[name])
    except KeyError:
        raise ValueError(f"no database {name!r}; choose one of {', '.join(_PACKAGES)}") from None


# names whose modules are imported on first use (PEP 562)
_LAZY_MODULES = {
    **_PACKAGES,
    **{module.rsplit(".", 1)[1]: module for module, _ in _ASYNC_DRIVERS},
    "mysqlclient": "seata_py.databases.mysql.mysqlclient",
}


def __getattr__(name: str) -> Any:
    if name == "DRIVERS":
        return tuple(_driver_modules(_DRIVERS))
    if name == "ASYNC_DRIVERS":
        return tuple(_driver_modules(_ASYNC_DRIVERS))
    if name == "PACKAGES":
        return {key: importlib.import_module(module) for key, module in _PACKAGES.items()}
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ASYNC_DRIVERS",
    "DRIVERS",
    "PACKAGES",
    "PACKAGE_NAMES",
    "adapter_for",
    "async_adapter_for",
    "dialect_named",
    "driver_for_sqlalchemy",
    "undo_log_ddl",
]

"""One package per database, and the registry that chooses among them.

A database package holds everything specific to it: statement syntax, catalog queries, value mapping to
and from the Java undo format, the undo_log DDL, the resourceId form and one module per driver that wraps
the driver's connections (``mysql/pymysql.py``, ``mysql/mysqlclient.py``, ``sqlite/pysqlite.py``,
``postgresql/psycopg.py``). The rest of seata-py sees only its :class:`~seata_py.types.dialect.Dialect`.
Adding a database is a new package and one line in each table here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from seata_py.databases import mysql, postgresql, sqlite
from seata_py.databases.mysql import aiomysql, asyncmy, mysqlclient
from seata_py.databases.postgresql import psycopg_async
from seata_py.databases.sqlite import aiosqlite
from seata_py.datasource.aio import AsyncATConnection
from seata_py.exceptions import UnsupportedDriverError
from seata_py.types.dialect import Dialect

# the driver modules, each with DRIVER_NAME, SQLALCHEMY_DIALECTS, wraps(connection), connect(...) and
# wrap(connection, ...)
DRIVERS: tuple[ModuleType, ...] = (mysql.pymysql, mysqlclient, sqlite.pysqlite, postgresql.psycopg)
# the asyncio driver modules, each with DRIVER_NAME, SQLALCHEMY_DIALECTS, wraps(connection) and the coroutine
# functions connect(...) and wrap(connection, ...); the drivers themselves are imported when used
ASYNC_DRIVERS: tuple[ModuleType, ...] = (aiomysql, asyncmy, psycopg_async, aiosqlite)
# the databases by the name ``seata-py ddl --dialect`` and undo_log_ddl() take
PACKAGES: dict[str, ModuleType] = {"mysql": mysql, "sqlite": sqlite, "postgresql": postgresql}


def adapter_for(connection: Any) -> ModuleType:
    """The driver module that wraps this open connection."""
    for driver in DRIVERS:
        if driver.wraps(connection):
            return driver
    raise UnsupportedDriverError(
        f"no AT support for {type(connection).__module__}.{type(connection).__qualname__} connections; "
        f"supported drivers: {', '.join(d.DRIVER_NAME for d in DRIVERS)}"
    )


def async_adapter_for(connection: Any) -> ModuleType:
    """The asyncio driver module that wraps this open connection (or wrapped it already)."""
    if isinstance(connection, AsyncATConnection):  # wrapped already: its driver's wrap() returns it as is
        connection = connection.target
    for driver in ASYNC_DRIVERS:
        if driver.wraps(connection):
            return driver
    raise UnsupportedDriverError(
        f"no async AT support for {type(connection).__module__}.{type(connection).__qualname__} "
        f"connections; supported asyncio drivers: {', '.join(d.DRIVER_NAME for d in ASYNC_DRIVERS)}"
    )


def driver_for_sqlalchemy(backend: str, driver: str) -> ModuleType | None:
    """The driver module behind SQLAlchemy URLs ``<backend>+<driver>://``, if one supports them."""
    name = f"{backend}+{driver}"
    return next((d for d in DRIVERS if name in d.SQLALCHEMY_DIALECTS), None)


def dialect_named(name: str) -> Dialect:
    return _package(name).Dialect()  # type: ignore[no-any-return]


def undo_log_ddl(database: str = "mysql", table: str = "undo_log") -> str:
    """The undo_log DDL for ``database`` ("mysql" for MySQL/MariaDB, "postgresql" or "sqlite")."""
    return _package(database).undo_log.undo_log_ddl(table)  # type: ignore[no-any-return]


def _package(name: str) -> ModuleType:
    try:
        return PACKAGES[name]
    except KeyError:
        raise ValueError(f"no database {name!r}; choose one of {', '.join(PACKAGES)}") from None


__all__ = [
    "ASYNC_DRIVERS",
    "DRIVERS",
    "PACKAGES",
    "adapter_for",
    "async_adapter_for",
    "dialect_named",
    "driver_for_sqlalchemy",
    "undo_log_ddl",
]

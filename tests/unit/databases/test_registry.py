"""The registry: every database package has the same face, and the driver is chosen from the connection."""

from __future__ import annotations

import inspect
import sqlite3
import warnings
from types import ModuleType

import pymysql
import pytest

from seata_py import databases
from seata_py.databases import mysql, sqlite
from seata_py.exceptions import UnsupportedDriverError
from seata_py.types.dialect import Dialect


@pytest.mark.parametrize("name", sorted(databases.PACKAGES))
def test_every_package_exports_a_dialect_and_its_undo_log_ddl(name: str) -> None:
    package = databases.PACKAGES[name]
    dialect = databases.dialect_named(name)
    assert isinstance(dialect, Dialect)
    assert dialect.name == name
    assert databases.undo_log_ddl(name) == package.undo_log.undo_log_ddl("undo_log") == dialect.undo_log_ddl()
    assert "my_undo" in databases.undo_log_ddl(name, "my_undo")


@pytest.mark.parametrize("driver", databases.DRIVERS, ids=lambda d: d.DRIVER_NAME)
def test_every_driver_module_has_the_adapter_face(driver: ModuleType) -> None:
    for name in ("wraps", "connect", "wrap", "DRIVER_NAME", "DRIVER_ERRORS", "SQLALCHEMY_DIALECTS"):
        assert hasattr(driver, name), f"{driver.__name__} lacks {name}"


@pytest.mark.parametrize("driver", databases.ASYNC_DRIVERS, ids=lambda d: d.DRIVER_NAME)
def test_every_async_driver_module_has_the_adapter_face(driver: ModuleType) -> None:
    for name in ("wraps", "DRIVER_NAME", "SQLALCHEMY_DIALECTS"):
        assert hasattr(driver, name), f"{driver.__name__} lacks {name}"
    for name in ("connect", "wrap"):
        assert inspect.iscoroutinefunction(getattr(driver, name)), f"{driver.__name__}.{name} is not async"


def test_the_async_driver_is_chosen_from_the_connection() -> None:
    import psycopg

    from seata_py.databases.mysql import aiomysql as aiomysql_adapter
    from seata_py.databases.mysql import asyncmy as asyncmy_adapter
    from seata_py.databases.postgresql import psycopg_async
    from seata_py.databases.sqlite import aiosqlite as aiosqlite_adapter

    unopened = {
        # asyncmy's wants a running loop even unopened: told by its module as well
        asyncmy_adapter: type("Connection", (), {"__module__": "asyncmy.connection"})(),
        psycopg_async: psycopg.AsyncConnection.__new__(psycopg.AsyncConnection),
        # aiomysql's and aiosqlite's connections are told by their module (their __del__ needs a loop)
        aiosqlite_adapter: type("Connection", (), {"__module__": "aiosqlite.core"})(),
        aiomysql_adapter: type("Connection", (), {"__module__": "aiomysql.connection"})(),
    }
    for adapter, connection in unopened.items():
        assert databases.async_adapter_for(connection) is adapter
    with pytest.raises(UnsupportedDriverError, match="aiomysql, asyncmy"):
        databases.async_adapter_for(sqlite3.connect(":memory:"))


def test_the_driver_is_chosen_from_the_connection() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        assert databases.adapter_for(conn) is sqlite.pysqlite
    finally:
        conn.close()
    unopened = pymysql.connections.Connection.__new__(pymysql.connections.Connection)
    assert databases.adapter_for(unopened) is mysql.pymysql
    # told by its module: mysqlclient is an optional extra
    mysqldb = type("Connection", (), {"__module__": "MySQLdb.connections"})()
    assert databases.adapter_for(mysqldb) is mysql.mysqlclient


def test_a_connection_of_another_driver_is_refused_with_the_supported_ones() -> None:
    with pytest.raises(UnsupportedDriverError, match="pymysql, mysqlclient, sqlite3") as caught:
        databases.adapter_for(object())
    assert isinstance(caught.value, TypeError)


def test_an_unknown_database_name_is_refused() -> None:
    with pytest.raises(ValueError, match="choose one of mysql, sqlite"):
        databases.undo_log_ddl("oracle")
    with pytest.raises(ValueError, match="not a plain table name"):
        databases.undo_log_ddl("sqlite", 'x"; DROP TABLE t; --')


def test_the_old_ddl_module_still_answers_and_warns() -> None:
    from seata_py.undo import ddl

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ddl.mysql_undo_log_ddl() == databases.undo_log_ddl("mysql")
        assert ddl.undo_log_ddl("sqlite", "t_undo") == databases.undo_log_ddl("sqlite", "t_undo")
    assert [w.category for w in caught] == [DeprecationWarning, DeprecationWarning]
    assert "seata_py.databases.undo_log_ddl" in str(caught[0].message)


def test_an_at_connection_is_answered_by_its_loaded_driver_module() -> None:
    from seata_py.databases.mysql.mysqlclient import MySQLdbATConnection
    from seata_py.databases.sqlite.pysqlite import SQLiteATConnection

    # uninitialised instances: only their class matters here; their target is not read
    assert databases.adapter_for(object.__new__(SQLiteATConnection)) is sqlite.pysqlite
    # mysqlclient's proxy is the pymysql proxy over a facade, and the pymysql module's wrap() takes it as is
    assert databases.adapter_for(object.__new__(MySQLdbATConnection)) is mysql.pymysql


def test_importing_seata_py_loads_no_driver_library_it_does_not_need() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, seata_py, seata_py.aio; "
        "print(sorted(m for m in ('psycopg', 'asyncmy', 'aiomysql', 'aiosqlite') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

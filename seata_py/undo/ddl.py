"""Deprecated: the undo_log DDL now lives with each database (``seata_py.databases.undo_log_ddl``).

Kept so that code written against 0.1 keeps working; each call warns. The one import in this package that
reaches up to ``databases/`` is this shim's (docs/architecture.md), and it goes when the shim does.
"""

from __future__ import annotations

import warnings

DIALECTS = ("mysql", "sqlite")


def _ddl(database: str, table: str, old: str) -> str:
    from seata_py.databases import undo_log_ddl as by_database

    warnings.warn(
        f"seata_py.undo.ddl.{old} is deprecated; use seata_py.databases.undo_log_ddl({database!r}, table)",
        DeprecationWarning,
        stacklevel=3,
    )
    return by_database(database, table)


def undo_log_ddl(dialect: str = "mysql", table: str = "undo_log") -> str:
    return _ddl(dialect, table, "undo_log_ddl")


def mysql_undo_log_ddl(table: str = "undo_log") -> str:
    return _ddl("mysql", table, "mysql_undo_log_ddl")


def sqlite_undo_log_ddl(table: str = "undo_log") -> str:
    return _ddl("sqlite", table, "sqlite_undo_log_ddl")

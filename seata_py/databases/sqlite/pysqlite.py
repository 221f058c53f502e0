"""PEP 249 proxies over Python's ``sqlite3``: inside a global transaction, writes become an AT branch.

Use them like ``sqlite3`` connections and cursors (``execute`` returns the cursor, ``with conn:`` commits or
rolls back, ``conn.execute(...)`` shortcuts, ``row_factory``, ...). The AT logic is the same as for pymysql
(:mod:`seata_py.datasource.base`); what this module adds:

- **Write lock first.** Before the first intercepted statement of a local transaction the connection takes
  SQLite's write lock: ``BEGIN IMMEDIATE`` when no transaction is open, else a no-op write (``DELETE FROM
  undo_log WHERE 0``) that upgrades the open one. Images and statements then run under the lock, so nobody
  can change the rows between the before image and the write.
- **Transaction modes.** ``isolation_level=None`` (or Python 3.12's ``autocommit=True``) runs each statement
  as its own local transaction and branch; the default implicit-transaction mode (and ``autocommit=False``)
  collects statements until ``commit()``, which registers the branch. Switching to autocommit (setting
  ``isolation_level = None`` or ``autocommit = True``), which makes sqlite3 commit, commits pending work
  through the branch first.
- **One statement per execute**, as sqlite3 itself requires; ``executescript`` is refused inside a global
  transaction (it would commit behind the branch's back).
- **Resource id** ``jdbc:sqlite:<absolute path>``: there is no Java AT client for SQLite to match, so the
  id names the database file; phase 2 reopens that file in any process that registered it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from seata_py.config import SeataConfig
from seata_py.databases.sqlite.dialect import MAIN, SQLiteDialect
from seata_py.datasource.base import ATConnectionBase
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import SQLiteStatementError as SQLiteStatementError
from seata_py.exceptions import SQLiteUnsupportedSQLError as SQLiteUnsupportedSQLError
from seata_py.exceptions import UnsupportedSQLError
from seata_py.rm.at import ATResourceManager
from seata_py.sql.errors import SQLitePlaceholderError
from seata_py.sql.exec import UserResult
from seata_py.types.context import current_xid, global_lock_required
from seata_py.types.statements import Statement

# sqlite3.connect arguments the phase-2 connection must not copy: it manages its own transactions, reads raw
# values and is used from the RM's thread
_NOT_FOR_PHASE_TWO = ("isolation_level", "autocommit", "detect_types", "factory", "check_same_thread")
_RELEASE = re.compile(r'^\s*RELEASE\s+(?:SAVEPOINT\s+)?["`\[]?([^"`\]\s;]+)', re.IGNORECASE)
_SAVEPOINT = re.compile(r'^\s*SAVEPOINT\s+["`\[]?([^"`\]\s;]+)', re.IGNORECASE)


# the SQLAlchemy URL forms seata_py.integrations.sqlalchemy accepts for this driver
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("sqlite+pysqlite",)
DRIVER_ERRORS = SQLiteDialect.driver_errors
DRIVER_NAME = "sqlite3"


def wraps(connection: Any) -> bool:
    return isinstance(connection, (sqlite3.Connection, SQLiteATConnection))


def sqlite_resource_id(path: str | os.PathLike[str]) -> str:
    """``jdbc:sqlite:<absolute path>``, sqlite-jdbc's URL form for a file."""
    return f"jdbc:sqlite:{Path(path).resolve()}"


def database_path(database: str | bytes | os.PathLike[str], uri: bool = False) -> str:
    """The file a ``sqlite3.connect(database, uri=...)`` opens; refuses in-memory and temporary databases,
    which phase 2 cannot open again."""
    text = os.fsdecode(database)
    if uri and text.startswith("file:"):
        parts = urlsplit(text)
        options = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        path = unquote(parts.path)
        text = ":memory:" if options.get("mode") == "memory" or path in ("", ":memory:") else path
    if text in ("", ":memory:"):
        raise ValueError(
            "AT mode needs a database file: phase 2 reopens it from the RM (in-memory and temporary "
            "databases cannot be reopened)"
        )
    return str(Path(text).resolve())


def sqlite_resource(
    database: str | bytes | os.PathLike[str],
    config: SeataConfig,
    resource_id: str | None = None,
    **sqlite3_kwargs: Any,
) -> DataSourceResource:
    """The resource of one SQLite database file, with what phase 2 needs to open it again."""
    uri = bool(sqlite3_kwargs.get("uri"))
    path = database_path(database, uri)
    params = {k: v for k, v in sqlite3_kwargs.items() if k not in _NOT_FOR_PHASE_TWO}
    params["database"] = os.fsdecode(database) if uri else path
    return DataSourceResource(resource_id or sqlite_resource_id(path), params, MAIN, config, SQLiteDialect())


def connect(
    database: str | bytes | os.PathLike[str],
    *,
    rm: ATResourceManager,
    resource_id: str | None = None,
    **sqlite3_kwargs: Any,
) -> SQLiteATConnection:
    """``sqlite3.connect(database, **sqlite3_kwargs)`` whose writes inside a global transaction become AT
    branches. The database file needs the undo_log table (``SQLiteDialect().undo_log_ddl()``)."""
    resource = rm.register(sqlite_resource(database, rm.config, resource_id, **sqlite3_kwargs))
    return SQLiteATConnection(sqlite3.connect(database, **sqlite3_kwargs), resource, rm)


def wrap(
    connection: sqlite3.Connection, *, rm: ATResourceManager, resource_id: str | None = None
) -> SQLiteATConnection:
    """Wrap an open sqlite3 connection (phase 2 opens its main database file with default settings)."""
    if isinstance(connection, SQLiteATConnection):
        return connection
    rows = connection.execute("PRAGMA database_list").fetchall()
    path = next((str(r[2]) for r in rows if r[1] == MAIN), "")
    resource = rm.register(sqlite_resource(path, rm.config, resource_id))
    return SQLiteATConnection(connection, resource, rm)


def _autocommit_mode(conn: sqlite3.Connection) -> bool:
    """Each statement commits on its own: Python 3.12's autocommit=True, or legacy isolation_level=None."""
    autocommit = getattr(conn, "autocommit", None)
    if autocommit is True or autocommit is False:
        return autocommit
    return conn.isolation_level is None


def _args_style(args: Any) -> tuple[Any, str]:
    if args is None:
        return (), "sequence"
    if isinstance(args, Mapping) and not isinstance(args, (list, tuple)):
        return args, "mapping"
    return args, "sequence"


class SQLiteATConnection(ATConnectionBase):
    """Wraps an open ``sqlite3.Connection``; use it exactly like the sqlite3 connection."""

    def __init__(
        self, target: sqlite3.Connection, resource: DataSourceResource, rm: ATResourceManager
    ) -> None:
        super().__init__(target, resource, rm)
        self._hidden_result = False
        # savepoints set (through this proxy) inside an open transaction: releasing one cannot commit it
        self._inner_savepoints: set[str] = set()

    @property
    def target(self) -> sqlite3.Connection:
        return self._target

    # -- sqlite3.Connection --------------------------------------------------------------------------------

    def cursor(self, factory: Any = None) -> SQLiteATCursor:
        return SQLiteATCursor(
            self, self._target.cursor(factory) if factory is not None else self._target.cursor()
        )

    def execute(self, sql: str, parameters: Any = (), /) -> SQLiteATCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> SQLiteATCursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> SQLiteATCursor:
        return self.cursor().executescript(sql_script)

    @property
    def isolation_level(self) -> str | None:
        return self._target.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        if value is None:
            self._commit_pending()  # sqlite3 commits an open transaction when autocommit is switched on
        self._target.isolation_level = value

    @property
    def autocommit(self) -> Any:
        return self._target.autocommit  # Python 3.12+; AttributeError before, as sqlite3 raises

    @autocommit.setter
    def autocommit(self, value: Any) -> None:
        if value is True:
            self._commit_pending()
        self._target.autocommit = value

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # sqlite3's context manager ends the transaction, leaves the connection open, lets exceptions through
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            setattr(self._target, name, value)  # row_factory, text_factory, ...

    def _commit_pending(self) -> None:
        if self._context.undo_items or self._context.poisoned:
            self.commit()

    def commit(self) -> None:
        self._inner_savepoints.clear()
        super().commit()

    def rollback(self) -> None:
        self._inner_savepoints.clear()
        super().rollback()

    # -- what cursors call -----------------------------------------------------------------------------------

    def _execute(self, target_cursor: Any, query: str, args: Any) -> int:
        self._hidden_result = False
        try:
            return super()._execute(target_cursor, query, args)
        except UnsupportedSQLError as exc:
            if isinstance(exc, sqlite3.NotSupportedError):
                raise
            raise SQLiteUnsupportedSQLError(exc.construct, exc.sql) from exc

    def _take_hidden_result(self) -> bool:
        """Whether the last statement's result rows were seata-py's own (the RETURNING it added)."""
        hidden, self._hidden_result = self._hidden_result, False
        return hidden

    # -- driver hooks --------------------------------------------------------------------------------------

    def _parse(self, query: str, args: Any) -> tuple[Any, tuple[Statement, ...]]:
        args, style = _args_style(args)
        statements = self._resource.dialect.recognize(query, style)  # type: ignore[arg-type]
        if len(statements) > 1:
            raise SQLiteStatementError("You can only execute one statement at a time.")
        for statement in statements:
            _check_bindings(statement, args)
        return args, statements

    def _execute_plain(self, target_cursor: sqlite3.Cursor, query: str, args: Any) -> int:
        target_cursor.execute(query, () if args is None else args)
        return target_cursor.rowcount

    def _run_user(
        self,
        target_cursor: sqlite3.Cursor,
        statement: Statement,
        query: str,
        args: Any,
        returning: Sequence[str],
    ) -> UserResult:
        if not returning:
            target_cursor.execute(query, args)
            return UserResult(target_cursor.rowcount, target_cursor.lastrowid)
        # The statement's own text (no comments that could swallow the clause), bound by position.
        dialect = self._resource.dialect
        columns = ", ".join(dialect.quote(c) for c in returning)
        target_cursor.execute(f"{statement.sql.sql} RETURNING {columns}", statement.sql.bind(args))
        rows = tuple(tuple(row) for row in target_cursor.fetchall())
        self._hidden_result = True
        return UserResult(len(rows), target_cursor.lastrowid, rows)

    def _in_local_transaction(self) -> bool:
        return self._target.in_transaction or not _autocommit_mode(self._target)

    def _transaction_open(self) -> bool:
        return self._target.in_transaction

    def _begin_locked(self) -> None:
        # EXCLUSIVE when the connection asked for it (isolation_level="EXCLUSIVE"), else IMMEDIATE: the write
        # lock, which is what images need
        exclusive = str(self._target.isolation_level or "").upper() == "EXCLUSIVE"
        self._target.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")

    def _prepare_write(self) -> None:
        target = self._target
        if not target.in_transaction:
            self._begin_locked()
        else:
            # any write statement takes the RESERVED lock when it starts, even one that changes no row
            target.execute(f"DELETE FROM {self._resource.undo_table.table} WHERE 0")

    def _begin_statement_transaction(self) -> None:
        if not self._target.in_transaction:
            self._begin_locked()

    def _local_commit(self) -> None:
        if getattr(self._target, "autocommit", None) is True:
            if self._target.in_transaction:  # Python 3.12+ autocommit=True: commit() does nothing
                self._target.execute("COMMIT")
        else:
            self._target.commit()

    def _local_rollback(self) -> None:
        if getattr(self._target, "autocommit", None) is True:
            if self._target.in_transaction:
                self._target.execute("ROLLBACK")
        else:
            self._target.rollback()

    def _guard_plain(self, statements: Sequence[Statement], query: str) -> None:
        super()._guard_plain(statements, query)
        for statement in statements:
            if getattr(statement, "kind", "") != "savepoint":
                continue
            text = statement.sql.sql
            if (match := _SAVEPOINT.match(text)) and self._target.in_transaction:
                self._inner_savepoints.add(match.group(1).lower())
            elif (
                (match := _RELEASE.match(text))
                and self._context.undo_items
                and match.group(1).lower() not in self._inner_savepoints
            ):
                # SQLite: releasing the savepoint that began the transaction commits the transaction
                raise UnsupportedSQLError(
                    "RELEASE of a savepoint that may have begun the transaction while the branch has "
                    "uncommitted changes: it would commit them (use connection.commit())",
                    query,
                )


def _check_bindings(statement: Statement, args: Any) -> None:
    """sqlite3's own checks, made before anything runs rather than after the before image."""
    refs = statement.sql.params
    if isinstance(args, Mapping):
        missing = sorted({r for r in refs if isinstance(r, str) and r not in args})
        if missing:
            raise SQLiteStatementError(f"You did not supply a value for binding parameter :{missing[0]}.")
        return
    needed = max((r for r in refs if isinstance(r, int)), default=-1) + 1
    if len(args) != needed:
        raise SQLitePlaceholderError(
            f"Incorrect number of bindings supplied. The current statement uses {needed}, and there are "
            f"{len(args)} supplied."
        )


class SQLiteATCursor:
    """A sqlite3 cursor whose ``execute`` goes through the AT connection."""

    def __init__(self, connection: SQLiteATConnection, target: sqlite3.Cursor) -> None:
        self.connection = connection
        self._target = target
        self._rowcount: int | None = None
        self._hide_result = False

    @property
    def target(self) -> sqlite3.Cursor:
        return self._target

    @property
    def rowcount(self) -> int:
        return self._rowcount if self._rowcount is not None else self._target.rowcount

    @property
    def description(self) -> Any:
        return None if self._hide_result else self._target.description

    def execute(self, sql: str, parameters: Any = (), /) -> SQLiteATCursor:
        self._rowcount = None
        try:
            self.connection._execute(self._target, sql, parameters)
        finally:
            self._hide_result = self.connection._take_hidden_result()
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> SQLiteATCursor:
        self._hide_result = False
        if current_xid() is None and not global_lock_required():
            self._rowcount = None
            self._target.executemany(sql, seq_of_parameters)
            return self
        self._rowcount = self.connection._execute_many(self._target, sql, seq_of_parameters)
        self.connection._take_hidden_result()
        return self

    def executescript(self, sql_script: str, /) -> SQLiteATCursor:
        if current_xid() is not None or global_lock_required():
            raise SQLiteUnsupportedSQLError(
                "executescript() inside a global transaction (it commits first and runs statements "
                "unrecognized; use execute() per statement)"
            )
        self._rowcount = None
        self._hide_result = False
        self._target.executescript(sql_script)
        return self

    def fetchone(self) -> Any:
        return None if self._hide_result else self._target.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._hide_result:
            return []
        return self._target.fetchmany() if size is None else self._target.fetchmany(size)

    def fetchall(self) -> list[Any]:
        return [] if self._hide_result else self._target.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def close(self) -> None:
        self._target.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("connection",) or name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._target, name, value)  # arraysize, row_factory

"""PEP 249 proxies over pymysql: inside a global transaction, writes become an AT branch.

Outside a global transaction (and outside a global-lock scope) every call goes straight to pymysql: one
context-variable read is all the proxy adds. The AT logic itself is shared with the other drivers
(:mod:`seata_py.datasource.base`); this module adapts pymysql's transaction state and paramstyle, and adds
SELECT ... FOR UPDATE, which only MySQL has.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import pymysql
from pymysql.constants import SERVER_STATUS

from seata_py.config import SeataConfig
from seata_py.databases.mysql import dialect as mysql_dialect
from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.datasource.base import ATConnectionBase
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import LockConflictError, UnsupportedSQLError
from seata_py.rm.at import ATResourceManager
from seata_py.sql.exec import UserResult
from seata_py.sql.exec.select_for_update import select_for_update_lock_keys
from seata_py.types.context import current_xid, global_lock_required
from seata_py.types.statements import InsertStatement, SelectForUpdateStatement, Statement


def _normalise_args(args: Any) -> tuple[Any, str]:
    if args is None:
        return None, "none"
    if isinstance(args, Mapping):
        return args, "mapping"
    if isinstance(args, (list, tuple)):
        return args, "sequence"
    return (args,), "sequence"  # pymysql accepts one bare value


# the SQLAlchemy URL forms seata_py.integrations.sqlalchemy accepts for this driver
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("mysql+pymysql", "mariadb+pymysql")
DRIVER_ERRORS = mysql_dialect.driver_errors()
DRIVER_NAME = "pymysql"


def wraps(connection: Any) -> bool:
    return isinstance(connection, (pymysql.connections.Connection, ATConnection))


# caller's pymysql arguments a phase-2 connection must not inherit (it always uses tuples and autocommit off)
_NOT_FOR_PHASE_TWO = ("cursorclass", "autocommit", "defer_connect", "client_flag")


def mysql_resource_id(host: str, port: int, database: str) -> str:
    """Java's default for MySQL: the JDBC URL without parameters."""
    return f"jdbc:mysql://{host}:{port}/{database}"


def connect_kwargs_of(conn: pymysql.connections.Connection) -> dict[str, Any]:
    """Enough of an open pymysql connection's settings to open another one to the same database."""
    db = conn.db.decode() if isinstance(conn.db, bytes) else conn.db
    password = conn.password.decode() if isinstance(conn.password, bytes) else conn.password
    kwargs: dict[str, Any] = {
        "host": conn.host,
        "port": conn.port,
        "user": conn.user,
        "password": password,
        "database": db,
        "charset": conn.charset,
    }
    if conn.unix_socket:
        kwargs["unix_socket"] = conn.unix_socket
    return kwargs


def mysql_resource(
    kwargs: Mapping[str, Any], config: SeataConfig, resource_id: str | None = None
) -> DataSourceResource:
    """The resource of the database ``pymysql.connect(**kwargs)`` reaches, with what phase 2 needs to
    reach it again."""
    database = kwargs.get("database") or kwargs.get("db")
    if not database:
        raise ValueError("AT mode needs a database name: pass database=... to connect()")
    host, port = kwargs.get("host") or "localhost", int(kwargs.get("port") or 3306)
    # everything else (TLS, auth plugins, option files, init_command, ...) is needed to reach the database
    kept = {k: v for k, v in kwargs.items() if k not in _NOT_FOR_PHASE_TWO}
    kept["database"] = database
    kept.pop("db", None)
    if "passwd" in kept:
        kept["password"] = kept.pop("passwd")
    return DataSourceResource(
        resource_id or mysql_resource_id(host, port, database),
        kept,
        database,
        config,
        MySQLDialect(config.undo.java_driver),
    )


def connect(*, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any) -> ATConnection:
    """``pymysql.connect(**kwargs)`` whose writes inside a global transaction become AT branches."""
    resource = rm.register(mysql_resource(kwargs, rm.config, resource_id))
    return ATConnection(pymysql.connect(**kwargs), resource, rm)


def wrap(
    connection: pymysql.connections.Connection, *, rm: ATResourceManager, resource_id: str | None = None
) -> ATConnection:
    """Wrap an already open pymysql connection."""
    if isinstance(connection, ATConnection):
        return connection
    resource = rm.register(mysql_resource(connect_kwargs_of(connection), rm.config, resource_id))
    return ATConnection(connection, resource, rm)


class ATConnection(ATConnectionBase):
    """Wraps an open pymysql connection; use it exactly like the pymysql connection."""

    def __init__(
        self, target: pymysql.connections.Connection, resource: DataSourceResource, rm: ATResourceManager
    ) -> None:
        super().__init__(target, resource, rm)
        self._savepoints = 0

    # -- PEP 249 -------------------------------------------------------------------------------------------

    @property
    def target(self) -> pymysql.connections.Connection:
        return self._target

    def cursor(self, cursor: type[pymysql.cursors.Cursor] | None = None) -> ATCursor:
        return ATCursor(self, self._target.cursor(cursor) if cursor is not None else self._target.cursor())

    def autocommit(self, value: bool) -> None:
        """Turning autocommit on commits pending work first, through the branch (as Java's proxy does)."""
        if value and (self._context.undo_items or self._context.poisoned):
            self.commit()
        self._target.autocommit(value)

    def begin(self) -> None:
        """BEGIN implicitly commits what is pending; commit it through the branch instead."""
        if self._context.undo_items or self._context.poisoned:
            self.commit()
        self._target.begin()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    # -- what cursors call -----------------------------------------------------------------------------------

    def execute(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Any) -> int:
        return self._execute(target_cursor, query, args)

    def execute_many(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Iterable[Any]) -> int:
        return self._execute_many(target_cursor, query, args)

    # -- driver hooks --------------------------------------------------------------------------------------

    def _parse(self, query: str, args: Any) -> tuple[Any, tuple[Statement, ...]]:
        args, style = _normalise_args(args)
        return args, self._resource.dialect.recognize(query, style)  # type: ignore[arg-type]

    def _execute_plain(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Any) -> int:
        return target_cursor.execute(query, args)

    def _run_user(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statement: Statement,
        query: str,
        args: Any,
        returning: Sequence[str],
    ) -> UserResult:
        target_cursor.execute(query, args)
        return UserResult(target_cursor.rowcount, target_cursor.lastrowid)

    def _check_cursor(self, target_cursor: pymysql.cursors.Cursor, statement: Statement) -> None:
        if (
            isinstance(statement, InsertStatement)
            and statement.returning
            and isinstance(target_cursor, pymysql.cursors.SSCursor)
        ):
            # the after image is read on this connection right after the statement, which makes pymysql
            # discard the rows an unbuffered cursor has not fetched yet
            raise UnsupportedSQLError(
                "INSERT ... RETURNING through an unbuffered cursor (SSCursor; use a buffered cursor)",
                statement.sql.sql,
            )

    def _in_local_transaction(self) -> bool:
        return not self._target.get_autocommit() or self._transaction_open()

    def _transaction_open(self) -> bool:
        return bool(self._target.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)

    def _begin_statement_transaction(self) -> None:
        self._target.autocommit(False)

    def _end_statement_transaction(self) -> None:
        self._target.autocommit(True)

    def _local_commit(self) -> None:
        self._target.commit()

    def _local_rollback(self) -> None:
        self._target.rollback()

    def _select_for_update(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statement: SelectForUpdateStatement,
        query: str,
        args: Any,
        xid: str | None,
    ) -> int:
        """Lock the rows locally and ask the TC whether another global transaction holds them; while one does,
        undo the local locks (savepoint), wait and try again. The user's query runs last, once it may."""
        env = self._environment()
        autocommit = not self._in_local_transaction()
        savepoint = None
        if autocommit:
            self._target.autocommit(False)
        else:
            self._savepoints += 1
            savepoint = f"seata_py_sfu_{self._savepoints}"
            env.image_cursor.execute(f"SAVEPOINT {savepoint}")
        checked = False
        try:
            for attempt in self._rm.config.lock_retry.in_force().attempts():
                key = ";".join(select_for_update_lock_keys(env, statement, args))
                if not key or self._rm.check_lock(xid, self._resource.resource_id, key):
                    checked = True
                    break
                if attempt.last:
                    raise LockConflictError(f"rows {key} stay locked by another global transaction", xid=xid)
                if savepoint:
                    env.image_cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                else:
                    self._target.rollback()
        finally:
            # after a deadlock the server has dropped the savepoint with the transaction: releasing it would
            # hide the deadlock error behind "SAVEPOINT does not exist"
            if savepoint and checked:
                env.image_cursor.execute(f"RELEASE SAVEPOINT {savepoint}")
            if autocommit:
                with contextlib.suppress(*self._resource.dialect.driver_errors):
                    self._target.rollback()  # statement-scoped locks: the user's query takes its own
                self._target.autocommit(True)
        # last on the connection, so an unbuffered (SSCursor) result is not drained by our own queries
        return self._run_user(target_cursor, statement, query, args, ()).rowcount


class ATCursor:
    """A pymysql cursor whose execute() goes through the AT connection."""

    def __init__(self, connection: ATConnection, target: pymysql.cursors.Cursor) -> None:
        self.connection = connection
        self._target = target
        self._rowcount: int | None = None

    @property
    def target(self) -> pymysql.cursors.Cursor:
        return self._target

    @property
    def rowcount(self) -> int:
        return self._rowcount if self._rowcount is not None else self._target.rowcount

    def execute(self, query: str, args: Any = None) -> int:
        self._rowcount = None
        return self.connection.execute(self._target, query, args)

    def executemany(self, query: str, args: Iterable[Any]) -> int | None:
        if current_xid() is None and not global_lock_required():
            self._rowcount = None
            return self._target.executemany(query, args)
        self._rowcount = self.connection.execute_many(self._target, query, args)
        return self._rowcount

    def callproc(self, procname: str, args: Sequence[Any] = ()) -> Any:
        if current_xid() is not None:
            raise UnsupportedSQLError(f"stored procedures (CALL {procname}) inside a global transaction")
        return self._target.callproc(procname, args)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._target)

    def __enter__(self) -> ATCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._target.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

"""PEP 249 proxies over psycopg 3: inside a global transaction, writes become an AT branch.

Use them like psycopg connections and cursors (``execute`` returns the cursor, ``conn.execute(...)``,
``with conn.transaction():``, ``autocommit``, row factories, ``psycopg.sql`` queries). The AT logic is the
same as for the other drivers (:mod:`seata_py.datasource.base`); what this module adds:

- **Transactions.** With ``autocommit=False`` statements collect until ``commit()``, which registers the
  branch; with ``autocommit=True`` each statement is its own local transaction and branch.
  ``conn.transaction()`` blocks work as psycopg's: the outermost one commits (through the branch) or rolls
  back, inner ones are savepoints, and rolling one back drops the undo images recorded inside it, as
  ``ROLLBACK TO SAVEPOINT`` run through a cursor does.
- **Generated keys.** An INSERT whose key the database fills gets a ``RETURNING`` of its key columns, whose
  rows the caller never sees; when the statement has its own ``RETURNING``, the keys are read from its rows
  (which must then include them) and the cursor is rewound, so the caller reads every row.
- **Refused inside a global transaction:** server-side (named) cursors for writes, ``COPY``, pipelines,
  ``executemany(..., returning=True)`` and two-phase commit, each with a typed error before anything runs.
- **Resource id** ``jdbc:postgresql://host:port/dbname``, Java's form for the same database, with
  ``?currentSchema=a!b`` when the connection's ``options`` set ``-c search_path=a,b`` (as pgjdbc's
  ``currentSchema`` makes Java's); pass ``resource_id=`` to match a Java service whose URL differs.
  Connections sharing a resource id share phase 2's connection settings: give them the same
  ``search_path`` (it is in the id) and the same ``IntervalStyle``/``DateStyle`` (values of arrays,
  ``interval``, ``timetz`` and ``money`` are compared in their text form).
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg.rows import tuple_row

from seata_py.config import SeataConfig
from seata_py.databases.postgresql.dialect import PostgresDialect
from seata_py.databases.postgresql.errors import PostgresPlaceholderError, PostgresUnsupportedSQLError
from seata_py.datasource.base import ATConnectionBase
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import LockConflictError, SQLPlaceholderError, UnsupportedSQLError
from seata_py.rm.at import ATResourceManager
from seata_py.sql.exec import UserResult
from seata_py.sql.exec.select_for_update import select_for_update_lock_keys
from seata_py.types.context import current_xid, global_lock_required
from seata_py.types.statements import InsertStatement, SelectForUpdateStatement, Statement

# the SQLAlchemy URL forms seata_py.integrations.sqlalchemy accepts for this driver
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("postgresql+psycopg",)
DRIVER_ERRORS = PostgresDialect.driver_errors
DRIVER_NAME = "psycopg"

# connection settings a phase-2 connection must not copy: it manages its own transactions
_NOT_FOR_PHASE_TWO = ("autocommit", "row_factory", "cursor_factory", "context", "prepare_threshold")
_IDLE = pq.TransactionStatus.IDLE
# an unqualified table is the one the session's search_path finds (the catalog is asked unqualified)
SEARCH_PATH = ""


def wraps(connection: Any) -> bool:
    return isinstance(connection, (psycopg.Connection, ATConnection))


def postgres_resource_id(host: str, port: int, dbname: str, search_path: str | None = None) -> str:
    """Java's resourceId for the same database: the JDBC URL without parameters, but for the schema list
    unqualified names resolve in (pgjdbc's ``currentSchema``, commas written ``!``), which is part of
    where a row is."""
    base = f"jdbc:postgresql://{host}:{port}/{dbname}"
    return f"{base}?currentSchema={search_path.replace(',', '!')}" if search_path else base


_SEARCH_PATH_OPTION = re.compile(r"(?:^|\s)-c\s*search_path\s*=\s*((?:\\.|[^\s\\])+)", re.IGNORECASE)


def search_path_option(options: str | None) -> str | None:
    """The search_path a libpq ``options`` string sets (``-c search_path=a,b``), spaces unescaped."""
    match = _SEARCH_PATH_OPTION.search(options or "")
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else None


def _connect_params(conninfo: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The connection parameters libpq will use: the conninfo string (or URL) merged with keywords."""
    merged = psycopg.conninfo.conninfo_to_dict(conninfo, **{k: v for k, v in kwargs.items() if v is not None})
    return {k: v for k, v in merged.items() if k not in _NOT_FOR_PHASE_TWO}


def postgres_resource(
    params: Mapping[str, Any], config: SeataConfig, resource_id: str | None = None
) -> DataSourceResource:
    """The resource of the database ``psycopg.connect(**params)`` reaches, with what phase 2 needs to reach
    it again."""
    dbname = params.get("dbname") or params.get("user")
    if not dbname:
        raise ValueError("AT mode needs a database name: pass dbname=... (or a conninfo naming one)")
    host = str(params.get("host") or params.get("hostaddr") or "localhost").split(",")[0]
    port = int(str(params.get("port") or 5432).split(",")[0])
    search_path = search_path_option(params.get("options"))
    return DataSourceResource(
        resource_id or postgres_resource_id(host, port, str(dbname), search_path),
        dict(params),
        SEARCH_PATH,
        config,
        PostgresDialect(config.zone, config.undo.class_prefix),
    )


def connect(
    conninfo: str = "", *, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any
) -> ATConnection:
    """``psycopg.connect(conninfo, **kwargs)`` whose writes inside a global transaction become AT branches.
    The database needs the undo_log table (``seata-py ddl --dialect postgresql``)."""
    params = _connect_params(conninfo, {k: v for k, v in kwargs.items() if k not in _NOT_FOR_PHASE_TWO})
    resource = rm.register(postgres_resource(params, rm.config, resource_id))
    return ATConnection(psycopg.connect(conninfo, **kwargs), resource, rm)


def wrap(
    connection: psycopg.Connection[Any], *, rm: ATResourceManager, resource_id: str | None = None
) -> ATConnection:
    """Wrap an open psycopg connection (phase 2 connects with the same parameters and password)."""
    if isinstance(connection, ATConnection):
        return connection
    resource = rm.register(postgres_resource(connection_params(connection), rm.config, resource_id))
    return ATConnection(connection, resource, rm)


def connection_params(connection: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> dict[str, Any]:
    """What phase 2 needs to reach the database this open connection is on, password included."""
    params = {k: v for k, v in connection.info.get_parameters().items() if k not in _NOT_FOR_PHASE_TWO}
    params.setdefault("host", connection.info.host)
    params.setdefault("port", connection.info.port)
    params.setdefault("dbname", connection.info.dbname)
    if connection.info.password:
        params["password"] = connection.info.password
    return params


def _query_text(query: Any, conn: psycopg.Connection[Any]) -> str:
    if isinstance(query, sql.Composable):
        return query.as_string(conn)
    if isinstance(query, (bytes, bytearray, memoryview)):
        return bytes(query).decode(conn.info.encoding)
    return str(query)


def _args_style(args: Any) -> tuple[Any, str]:
    if args is None:
        return None, "none"
    if isinstance(args, Mapping):
        return args, "mapping"
    return args, "sequence"


class ATConnection(ATConnectionBase):
    """Wraps an open ``psycopg.Connection``; use it exactly like the psycopg connection."""

    def __init__(
        self, target: psycopg.Connection[Any], resource: DataSourceResource, rm: ATResourceManager
    ) -> None:
        super().__init__(target, resource, rm)
        self._hidden_result = False
        self._savepoint_numbers = itertools.count(1)
        self._transactions: list[ATTransaction] = []

    @property
    def target(self) -> psycopg.Connection[Any]:
        return self._target

    # -- psycopg.Connection ---------------------------------------------------------------------------------

    def cursor(self, name: str = "", **kwargs: Any) -> ATCursor:
        target = self._target.cursor(name, **kwargs) if name else self._target.cursor(**kwargs)
        return ATCursor(self, target, server_side=bool(name))

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> ATCursor:
        return self.cursor().execute(query, params, **kwargs)

    @property
    def autocommit(self) -> bool:
        return self._target.autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self.set_autocommit(value)

    def set_autocommit(self, value: bool) -> None:
        if value and (self._context.undo_items or self._context.poisoned):
            raise PostgresUnsupportedSQLError(
                "switching autocommit on while the branch has uncommitted changes (commit() first)"
            )
        self._target.set_autocommit(value)

    def transaction(self, savepoint_name: str | None = None, force_rollback: bool = False) -> ATTransaction:
        return ATTransaction(self, savepoint_name, force_rollback)

    def pipeline(self) -> Any:
        if current_xid() is not None or global_lock_required():
            raise PostgresUnsupportedSQLError(
                "a pipeline inside a global transaction (statements would run unseen)"
            )
        return self._target.pipeline()

    def tpc_begin(self, xid: Any) -> None:
        if current_xid() is not None:
            raise PostgresUnsupportedSQLError("two-phase commit (tpc_begin) inside a global transaction")
        self._target.tpc_begin(xid)

    def commit(self) -> None:
        if self._transactions:
            raise psycopg.ProgrammingError(
                "Explicit commit() forbidden within a Transaction context. "
                "(Transaction will be automatically committed on successful exit from context.)"
            )
        super().commit()

    def rollback(self) -> None:
        if self._transactions:
            raise psycopg.ProgrammingError(
                "Explicit rollback() forbidden within a Transaction context. "
                "(Either raise Rollback() or allow an exception to propagate out of the context.)"
            )
        super().rollback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # psycopg's context manager: commit (or roll back on an exception), then close
        if not self._target.closed:
            try:
                if exc_type is None:
                    self.commit()
                else:
                    with contextlib.suppress(psycopg.Error):
                        self.rollback()
            finally:
                self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            setattr(self._target, name, value)  # isolation_level, read_only, row_factory, ...

    # -- transaction blocks ----------------------------------------------------------------------------------

    def _enter_block(self, block: ATTransaction) -> None:
        if not self._transactions and self._target.info.transaction_status == _IDLE:
            block.outer = True
            self._target.execute("BEGIN")
        if not block.outer or block.savepoint_name:
            block.savepoint_name = block.savepoint_name or f"_pg3_{next(self._savepoint_numbers)}"
            self._savepoint(f"SAVEPOINT {self.dialect_quote(block.savepoint_name)}")
        self._transactions.append(block)

    def _exit_block(self, block: ATTransaction, commit: bool) -> None:
        assert self._transactions and self._transactions[-1] is block
        self._transactions.pop()
        name = self.dialect_quote(block.savepoint_name) if block.savepoint_name else None
        if block.outer:
            if commit:
                self.commit()
            else:
                self.rollback()
            return
        if not commit:
            self._savepoint(f"ROLLBACK TO SAVEPOINT {name}")
        self._savepoint(f"RELEASE SAVEPOINT {name}")

    def _savepoint(self, statement: str) -> None:
        self._target.execute(statement)
        self._context.savepoint_statement(statement)

    def dialect_quote(self, name: str) -> str:
        return self._resource.dialect.quote(name)

    # -- what cursors call -----------------------------------------------------------------------------------

    def _execute(self, target_cursor: Any, query: str, args: Any) -> int:
        with _as_psycopg_errors():
            return super()._execute(target_cursor, query, args)

    def _execute_many(self, target_cursor: Any, query: str, args: Iterable[Any]) -> int:
        with _as_psycopg_errors():
            return super()._execute_many(target_cursor, query, args)

    def _take_hidden_result(self) -> bool:
        """Whether the last statement's result rows were seata-py's own (the RETURNING it added)."""
        hidden, self._hidden_result = self._hidden_result, False
        return hidden

    # -- driver hooks --------------------------------------------------------------------------------------

    def _parse(self, query: str, args: Any) -> tuple[Any, tuple[Statement, ...]]:
        args, style = _args_style(args)
        return args, self._resource.dialect.recognize(query, style)  # type: ignore[arg-type]

    def _execute_plain(self, target_cursor: psycopg.Cursor[Any], query: str, args: Any) -> int:
        target_cursor.execute(query, args)
        return target_cursor.rowcount

    def _run_user(
        self,
        target_cursor: psycopg.Cursor[Any],
        statement: Statement,
        query: str,
        args: Any,
        returning: Sequence[str],
    ) -> UserResult:
        if not returning:
            target_cursor.execute(query, args)
            return UserResult(target_cursor.rowcount)
        if isinstance(statement, InsertStatement) and statement.returning:
            target_cursor.execute(query, args)
            return UserResult(target_cursor.rowcount, None, _returned_keys(target_cursor, returning))
        columns = ", ".join(self._resource.dialect.quote(c) for c in returning)
        target_cursor.execute(f"{statement.sql.sql} RETURNING {columns}", statement.sql.bind(args))
        rows = tuple(tuple(row) for row in _tuples(target_cursor))
        self._hidden_result = True
        return UserResult(target_cursor.rowcount, None, rows)

    def _in_local_transaction(self) -> bool:
        return not self._target.autocommit or self._transaction_open()

    def _transaction_open(self) -> bool:
        return self._target.info.transaction_status != _IDLE

    def _begin_statement_transaction(self) -> None:
        if self._target.info.transaction_status == _IDLE:
            self._target.execute("BEGIN")

    def _local_commit(self) -> None:
        self._target.commit()

    def _local_rollback(self) -> None:
        self._target.rollback()

    def _select_for_update(
        self,
        target_cursor: psycopg.Cursor[Any],
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
            self._target.execute("BEGIN")
        else:
            savepoint = f"seata_py_sfu_{next(self._savepoint_numbers)}"
            env.image_cursor.execute(f"SAVEPOINT {savepoint}")
        checked = False
        try:
            for attempt in self._rm.config.lock_retry.in_force().attempts():
                key = ";".join(select_for_update_lock_keys(env, statement, args))
                if not key or self._rm.check_lock(xid, self._resource.resource_id, key):
                    checked = True
                    break
                # the probe's row locks go before waiting (and before giving up: the caller's statement
                # never ran, so nothing of it may stay locked)
                if savepoint:
                    env.image_cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                else:
                    self._target.rollback()
                if attempt.last:
                    raise LockConflictError(f"rows {key} stay locked by another global transaction", xid=xid)
                if not savepoint:
                    self._target.execute("BEGIN")
        finally:
            if savepoint and (
                checked or self._target.info.transaction_status != pq.TransactionStatus.INERROR
            ):
                env.image_cursor.execute(f"RELEASE SAVEPOINT {savepoint}")
            elif autocommit and not checked:
                with contextlib.suppress(psycopg.Error):
                    self._target.rollback()  # the statement's own transaction ends with it
        try:
            target_cursor.execute(query, args)
            return target_cursor.rowcount
        finally:
            if autocommit:
                # the statement's own transaction: its row locks end with it, as without seata-py
                with contextlib.suppress(psycopg.Error):
                    self._target.commit()


@contextlib.contextmanager
def _as_psycopg_errors() -> Iterator[None]:
    """A refusal reaches psycopg callers (and SQLAlchemy) as psycopg's own error class."""
    try:
        yield
    except UnsupportedSQLError as exc:
        if isinstance(exc, psycopg.Error):
            raise
        raise PostgresUnsupportedSQLError(exc.construct, exc.sql) from exc
    except SQLPlaceholderError as exc:
        if isinstance(exc, psycopg.Error):
            raise
        raise PostgresPlaceholderError(str(exc)) from exc


def _tuples(cursor: psycopg.Cursor[Any]) -> list[tuple[Any, ...]]:
    """All result rows as tuples, whatever row factory the caller's cursor has."""
    saved = cursor.row_factory
    cursor.row_factory = tuple_row
    try:
        return cursor.fetchall()
    finally:
        cursor.row_factory = saved


def _returned_keys(cursor: psycopg.Cursor[Any], keys: Sequence[str]) -> tuple[tuple[Any, ...], ...]:
    """The key columns of the caller's own RETURNING rows; the cursor is rewound for the caller."""
    names = [d.name.lower() for d in cursor.description or ()]
    positions = [names.index(k.lower()) for k in keys]
    rows = _tuples(cursor)
    cursor.scroll(0, mode="absolute")
    return tuple(tuple(row[p] for p in positions) for row in rows)


class ATTransaction:
    """``with conn.transaction():`` on an AT connection: psycopg's semantics, with the branch's bookkeeping
    (commit through the branch, undo images dropped with a rolled-back savepoint)."""

    def __init__(self, connection: ATConnection, savepoint_name: str | None, force_rollback: bool) -> None:
        self.connection = connection
        self.savepoint_name = savepoint_name
        self.force_rollback = force_rollback
        self.outer = False

    def __enter__(self) -> ATTransaction:
        self.connection._enter_block(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        commit = exc_type is None and not self.force_rollback
        try:
            self.connection._exit_block(self, commit)
        except BaseException:
            if exc is None:
                raise
        # psycopg.Rollback() (or Rollback(this block)) stops here after rolling this block back
        return isinstance(exc, psycopg.Rollback) and exc.transaction in (None, self)


class ATCursor:
    """A psycopg cursor whose ``execute`` goes through the AT connection."""

    def __init__(self, connection: ATConnection, target: psycopg.Cursor[Any], server_side: bool) -> None:
        self.connection = connection
        self._target = target
        self._server_side = server_side
        self._rowcount: int | None = None
        self._hide_result = False

    @property
    def target(self) -> psycopg.Cursor[Any]:
        return self._target

    @property
    def rowcount(self) -> int:
        return self._rowcount if self._rowcount is not None else self._target.rowcount

    @property
    def description(self) -> Any:
        return None if self._hide_result else self._target.description

    def _in_scope(self) -> bool:
        return current_xid() is not None or global_lock_required()

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> ATCursor:
        self._rowcount = None
        self._hide_result = False
        if not self._in_scope():
            self._target.execute(query, params, **kwargs)
            return self
        text = _query_text(query, self.connection.target)
        if self._server_side:
            with _as_psycopg_errors():
                statements = self.connection._parse(text, params)[1]
            if any(not getattr(s, "kind", "") == "select" for s in statements):
                raise PostgresUnsupportedSQLError("a write through a server-side (named) cursor", text)
            self._target.execute(query, params, **kwargs)
            return self
        try:
            self._rowcount = self.connection._execute(self._target, text, params)
        finally:
            self._hide_result = self.connection._take_hidden_result()
        return self

    def executemany(self, query: Any, params_seq: Iterable[Any], *, returning: bool = False) -> None:
        self._hide_result = False
        if not self._in_scope():
            self._rowcount = None
            self._target.executemany(query, params_seq, returning=returning)
            return
        if returning:
            raise PostgresUnsupportedSQLError("executemany(..., returning=True) inside a global transaction")
        text = _query_text(query, self.connection.target)
        self._rowcount = self.connection._execute_many(self._target, text, params_seq)
        self.connection._take_hidden_result()

    def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        if self._in_scope():
            raise PostgresUnsupportedSQLError("COPY inside a global transaction (rows would change unseen)")
        return self._target.copy(statement, params, **kwargs)

    def _no_result(self) -> psycopg.ProgrammingError:
        return psycopg.ProgrammingError("the last operation didn't produce a result")

    def fetchone(self) -> Any:
        if self._hide_result:
            raise self._no_result()
        return self._target.fetchone()

    def fetchmany(self, size: int = 0) -> list[Any]:
        if self._hide_result:
            raise self._no_result()
        return self._target.fetchmany(size)

    def fetchall(self) -> list[Any]:
        if self._hide_result:
            raise self._no_result()
        return self._target.fetchall()

    def __iter__(self) -> Iterator[Any]:
        if self._hide_result:
            raise self._no_result()
        return iter(self._target)

    def __enter__(self) -> ATCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._target.close()

    def close(self) -> None:
        self._target.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

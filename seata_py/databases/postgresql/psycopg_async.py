"""psycopg 3 ``AsyncConnection`` in AT mode: the sync proxy's semantics, awaited on the caller's event loop.

The sync proxy (:mod:`.psycopg`) runs over a facade with ``psycopg.Connection``'s face whose every call
awaits the ``AsyncConnection`` (:func:`~seata_py.types.awaiting.wait`), under
:func:`~seata_py.types.awaiting.run_bridged`. Use the wrapped connection as psycopg's async one:
``cursor()``, ``await cur.execute()`` (returns the cursor), ``await conn.execute()``, ``async with
conn.transaction():`` (savepoints drop the images recorded inside them), ``await conn.set_autocommit()``.
Phase 2 reaches the database through psycopg's sync connection, in the resource manager's threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

from seata_py.databases.postgresql.errors import PostgresUnsupportedSQLError
from seata_py.databases.postgresql.psycopg import (
    _NOT_FOR_PHASE_TWO,
    ATConnection,
    ATCursor,
    ATTransaction,
    _connect_params,
    connection_params,
    postgres_resource,
)
from seata_py.datasource.aio import AsyncATConnection, AsyncATCursor, ConnectionFacade
from seata_py.rm.at import ATResourceManager
from seata_py.types.awaiting import run_bridged, wait
from seata_py.types.context import current_xid, global_lock_required

SQLALCHEMY_DIALECTS: tuple[str, ...] = ("postgresql+psycopg", "postgresql+psycopg_async")
DRIVER_NAME = "psycopg (async)"


def wraps(connection: Any) -> bool:
    return isinstance(connection, (psycopg.AsyncConnection, AsyncPostgresConnection))


class _CursorFacade:
    """``psycopg.Cursor``'s face over an ``AsyncCursor``: results stay in the async cursor; attributes
    (``row_factory``, ``description``, the adapters map) are the async cursor's."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "target", target)

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> _CursorFacade:
        wait(self.target.execute(query, params, **kwargs))
        return self

    def executemany(self, query: Any, params_seq: Iterable[Any], *, returning: bool = False) -> None:
        wait(self.target.executemany(query, params_seq, returning=returning))

    def fetchone(self) -> Any:
        return wait(self.target.fetchone())

    def fetchmany(self, size: int = 0) -> list[Any]:
        return wait(self.target.fetchmany(size))  # type: ignore[no-any-return]

    def fetchall(self) -> list[Any]:
        return wait(self.target.fetchall())  # type: ignore[no-any-return]

    def scroll(self, value: int, mode: str = "relative") -> None:
        wait(self.target.scroll(value, mode))

    def close(self) -> None:
        wait(self.target.close())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.target, name, value)


class _ConnectionFacade(ConnectionFacade):
    """``psycopg.Connection``'s face over an ``AsyncConnection``."""

    target: psycopg.AsyncConnection[Any]

    def cursor(self, name: str = "", **kwargs: Any) -> _CursorFacade:
        return _CursorFacade(self.target.cursor(name, **kwargs) if name else self.target.cursor(**kwargs))

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> _CursorFacade:
        return _CursorFacade(wait(self.target.execute(query, params, **kwargs)))

    @property
    def autocommit(self) -> bool:
        return self.target.autocommit

    def set_autocommit(self, value: bool) -> None:
        wait(self.target.set_autocommit(value))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)  # info, closed, adapters, ...


class AsyncPostgresConnection(AsyncATConnection):
    """A psycopg ``AsyncConnection`` in AT mode; its other attributes pass through."""

    proxy: ATConnection  # type: ignore[assignment]

    def cursor(self, name: str = "", **kwargs: Any) -> AsyncPostgresCursor:
        target = self._target.cursor(name, **kwargs) if name else self._target.cursor(**kwargs)
        facade = _CursorFacade(target)
        return AsyncPostgresCursor(self, target, ATCursor(self.proxy, facade, server_side=bool(name)))  # type: ignore[arg-type]

    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> AsyncPostgresCursor:
        return await self.cursor().execute(query, params, **kwargs)

    @property
    def autocommit(self) -> bool:
        return bool(self._target.autocommit)

    async def set_autocommit(self, value: bool) -> None:
        await self.run(ATConnection.set_autocommit, value)

    def transaction(
        self, savepoint_name: str | None = None, force_rollback: bool = False
    ) -> AsyncTransaction:
        return AsyncTransaction(self, self.proxy.transaction(savepoint_name, force_rollback))

    def pipeline(self) -> Any:
        if current_xid() is not None or global_lock_required():
            raise PostgresUnsupportedSQLError(
                "a pipeline inside a global transaction (statements would run unseen)"
            )
        return self._target.pipeline()

    async def tpc_begin(self, xid: Any) -> None:
        if current_xid() is not None:
            raise PostgresUnsupportedSQLError("two-phase commit (tpc_begin) inside a global transaction")
        await self._target.tpc_begin(xid)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # psycopg's: commit (or roll back on an exception), then close
        await run_bridged(self.proxy.__exit__, exc_type, exc, tb)


class AsyncTransaction:
    """``async with conn.transaction():`` — psycopg's semantics with the branch's bookkeeping."""

    def __init__(self, connection: AsyncPostgresConnection, block: ATTransaction) -> None:
        self.connection = connection
        self._block = block

    @property
    def savepoint_name(self) -> str | None:
        return self._block.savepoint_name

    async def __aenter__(self) -> AsyncTransaction:
        await run_bridged(self._block.__enter__)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if isinstance(exc, psycopg.Rollback) and exc.transaction is self:
            exc.transaction = self._block  # Rollback(this block) names the async block; the proxy's is meant
        return await run_bridged(self._block.__exit__, exc_type, exc, tb)


class AsyncPostgresCursor(AsyncATCursor):
    """A psycopg ``AsyncCursor`` whose ``execute()`` goes through the AT proxy (returns the cursor)."""

    _sync: ATCursor

    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> AsyncPostgresCursor:  # type: ignore[override]
        if isinstance(query, sql.Composable):
            query = query.as_string(self._target)
        self._proxied = current_xid() is not None or global_lock_required()
        if not self._proxied:
            await self._target.execute(query, params, **kwargs)
        else:
            await run_bridged(self._sync.execute, query, params, **kwargs)
        return self

    async def executemany(self, query: Any, params_seq: Iterable[Any], *, returning: bool = False) -> None:  # type: ignore[override]
        if isinstance(query, sql.Composable):
            query = query.as_string(self._target)
        self._proxied = current_xid() is not None or global_lock_required()
        if not self._proxied:
            await self._target.executemany(query, params_seq, returning=returning)
        else:
            await run_bridged(self._sync.executemany, query, params_seq, returning=returning)

    @property
    def description(self) -> Any:
        return self._sync.description if self._proxied else self._target.description

    def _hidden(self) -> bool:
        return self._proxied and self._sync._hide_result

    @property
    def pgresult(self) -> Any:
        """None while the last result was seata-py's own RETURNING (SQLAlchemy's adapter reads it to decide
        whether there are rows to fetch)."""
        return None if self._hidden() else self._target.pgresult

    async def fetchone(self) -> Any:
        if self._hidden():
            raise self._sync._no_result()
        return await self._target.fetchone()

    async def fetchmany(self, size: int = 0) -> list[Any]:
        if self._hidden():
            raise self._sync._no_result()
        return await self._target.fetchmany(size)  # type: ignore[no-any-return]

    async def fetchall(self) -> list[Any]:
        if self._hidden():
            raise self._sync._no_result()
        return await self._target.fetchall()  # type: ignore[no-any-return]

    def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        if current_xid() is not None or global_lock_required():
            raise PostgresUnsupportedSQLError("COPY inside a global transaction (rows would change unseen)")
        return self._target.copy(statement, params, **kwargs)


async def connect(
    conninfo: str = "", *, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any
) -> AsyncPostgresConnection:
    """``await psycopg.AsyncConnection.connect(conninfo, **kwargs)`` in AT mode."""
    params = _connect_params(conninfo, {k: v for k, v in kwargs.items() if k not in _NOT_FOR_PHASE_TWO})
    resource = await run_bridged(rm.register, postgres_resource(params, rm.config, resource_id))
    connection = await psycopg.AsyncConnection.connect(conninfo, **kwargs)
    return AsyncPostgresConnection(connection, ATConnection(_ConnectionFacade(connection), resource, rm))  # type: ignore[arg-type]


async def wrap(
    connection: psycopg.AsyncConnection[Any], *, rm: ATResourceManager, resource_id: str | None = None
) -> AsyncPostgresConnection:
    """Wrap an open ``AsyncConnection`` (phase 2 connects with the same parameters and password)."""
    if isinstance(connection, AsyncPostgresConnection):
        return connection
    params = connection_params(connection)
    resource = await run_bridged(rm.register, postgres_resource(params, rm.config, resource_id))
    return AsyncPostgresConnection(connection, ATConnection(_ConnectionFacade(connection), resource, rm))  # type: ignore[arg-type]

"""aiosqlite connections in AT mode: the sqlite3 proxy's semantics, awaited on the caller's event loop.

The sqlite3 proxy (:mod:`.pysqlite`) runs over a facade with ``sqlite3.Connection``'s face whose calls
await aiosqlite's (:func:`~seata_py.types.awaiting.wait`), under :func:`~seata_py.types.awaiting.run_bridged`.
Use the wrapped connection as aiosqlite's: ``await conn.execute()`` and ``await conn.cursor()`` give cursors
whose ``execute()`` is intercepted, ``await conn.commit()``; ``isolation_level=None`` runs each statement as
its own branch. Phase 2 opens the file with ``sqlite3`` in the resource manager's threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from seata_py.databases.sqlite.dialect import MAIN
from seata_py.databases.sqlite.pysqlite import SQLiteATConnection, SQLiteATCursor, sqlite_resource
from seata_py.datasource.aio import (
    AsyncATConnection,
    AsyncATCursor,
    ConnectionFacade,
    CursorOpening,
    open_cursor,
)
from seata_py.rm.at import ATResourceManager
from seata_py.types.awaiting import run_bridged, wait
from seata_py.types.context import current_xid, global_lock_required

SQLALCHEMY_DIALECTS: tuple[str, ...] = ("sqlite+aiosqlite",)
DRIVER_NAME = "aiosqlite"


def wraps(connection: Any) -> bool:
    return type(connection).__module__.startswith("aiosqlite.")


class _CursorFacade:
    """``sqlite3.Cursor``'s face over an aiosqlite cursor (results stay in it)."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "target", target)

    def execute(self, sql: str, parameters: Any = (), /) -> _CursorFacade:
        wait(self.target.execute(sql, parameters))
        return self

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> _CursorFacade:
        wait(self.target.executemany(sql, parameters))
        return self

    def executescript(self, sql_script: str, /) -> _CursorFacade:
        wait(self.target.executescript(sql_script))
        return self

    def fetchone(self) -> Any:
        return wait(self.target.fetchone())

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return wait(self.target.fetchmany(size) if size is not None else self.target.fetchmany())  # type: ignore[no-any-return]

    def fetchall(self) -> list[Any]:
        return list(wait(self.target.fetchall()))

    def close(self) -> None:
        wait(self.target.close())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)  # rowcount, lastrowid, description, arraysize

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.target, name, value)  # row_factory, arraysize


class _ConnectionFacade(ConnectionFacade):
    """``sqlite3.Connection``'s face over an aiosqlite connection."""

    def cursor(self, factory: Any = None) -> _CursorFacade:
        if factory is not None:
            raise TypeError("cursor factories are not supported on aiosqlite AT connections")
        return _CursorFacade(wait(self.target.cursor()))

    def execute(self, sql: str, parameters: Any = (), /) -> _CursorFacade:
        return _CursorFacade(wait(self.target.execute(sql, parameters)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)  # in_transaction, isolation_level, text_factory, row_factory

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.target, name, value)


class AsyncSQLiteConnection(AsyncATConnection):
    """An aiosqlite connection in AT mode; its other attributes pass through."""

    proxy: SQLiteATConnection  # type: ignore[assignment]

    def _cursor_of(self, target: Any) -> AsyncSQLiteCursor:
        return AsyncSQLiteCursor(self, target, SQLiteATCursor(self.proxy, _CursorFacade(target)))  # type: ignore[arg-type]

    def cursor(self) -> AsyncATCursor | CursorOpening:
        return open_cursor(self._target.cursor(), self._cursor_of)

    def execute(self, sql: str, parameters: Any = (), /) -> CursorOpening:
        """``await conn.execute(...)`` or ``async with conn.execute(...) as cur``, as aiosqlite's."""
        return CursorOpening(self._run(sql, parameters, many=False), lambda cursor: cursor)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> CursorOpening:
        return CursorOpening(self._run(sql, parameters, many=True), lambda cursor: cursor)

    def executescript(self, sql_script: str, /) -> CursorOpening:
        """Refused inside a global transaction (it would commit behind the branch), as sqlite3's."""
        return CursorOpening(self._script(sql_script), lambda cursor: cursor)

    async def execute_insert(self, sql: str, parameters: Any = (), /) -> Any:
        """aiosqlite's shortcut, through the AT cursor: the inserted row's ``(last_insert_rowid(),)``."""
        cursor = await self._run(sql, parameters, many=False)
        try:
            return cursor.lastrowid if cursor.lastrowid is None else (cursor.lastrowid,)
        finally:
            await cursor.close()

    async def execute_fetchall(self, sql: str, parameters: Any = (), /) -> list[Any]:
        cursor = await self._run(sql, parameters, many=False)
        try:
            return await cursor.fetchall()
        finally:
            await cursor.close()

    async def _run(self, sql: str, parameters: Any, many: bool) -> AsyncSQLiteCursor:
        cursor = self._cursor_of(await self._target.cursor())
        if many:
            return await cursor.executemany(sql, parameters)
        return await cursor.execute(sql, parameters)

    async def _script(self, sql_script: str) -> AsyncSQLiteCursor:
        cursor = self._cursor_of(await self._target.cursor())
        return await cursor.executescript(sql_script)

    @property
    def isolation_level(self) -> str | None:
        return self._target.isolation_level  # type: ignore[no-any-return]

    async def set_isolation_level(self, value: str | None) -> None:
        """Switching to autocommit (None) commits pending work through the branch first."""

        def switch(proxy: SQLiteATConnection) -> None:
            proxy.isolation_level = value

        await self.run(switch)


class AsyncSQLiteCursor(AsyncATCursor):
    """An aiosqlite cursor whose ``execute()`` goes through the AT proxy (returns the cursor)."""

    _sync: SQLiteATCursor

    async def execute(self, sql: str, parameters: Any = (), /) -> AsyncSQLiteCursor:  # type: ignore[override]
        self._proxied = current_xid() is not None or global_lock_required()
        if not self._proxied:
            await self._target.execute(sql, parameters)
        else:
            await run_bridged(self._sync.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> AsyncSQLiteCursor:  # type: ignore[override]
        self._proxied = current_xid() is not None or global_lock_required()
        if not self._proxied:
            await self._target.executemany(sql, parameters)
        else:
            await run_bridged(self._sync.executemany, sql, parameters)
        return self

    async def executescript(self, sql_script: str, /) -> AsyncSQLiteCursor:
        if current_xid() is None and not global_lock_required():
            await self._target.executescript(sql_script)
        else:
            await run_bridged(self._sync.executescript, sql_script)  # refuses it
        return self

    @property
    def description(self) -> Any:
        return self._sync.description if self._proxied else self._target.description

    async def fetchone(self) -> Any:
        return None if self._proxied and self._sync._hide_result else await self._target.fetchone()

    async def fetchall(self) -> list[Any]:
        return [] if self._proxied and self._sync._hide_result else list(await self._target.fetchall())

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._proxied and self._sync._hide_result:
            return []
        return list(await (self._target.fetchmany(size) if size is not None else self._target.fetchmany()))


async def connect(
    database: str | bytes | os.PathLike[str],
    *,
    rm: ATResourceManager,
    resource_id: str | None = None,
    **kwargs: Any,
) -> AsyncSQLiteConnection:
    """``await aiosqlite.connect(database, **kwargs)`` in AT mode (the file needs the undo_log table)."""
    import aiosqlite

    resource = await run_bridged(rm.register, sqlite_resource(database, rm.config, resource_id, **kwargs))
    connection = await aiosqlite.connect(database, **kwargs)
    return AsyncSQLiteConnection(connection, SQLiteATConnection(_ConnectionFacade(connection), resource, rm))  # type: ignore[arg-type]


async def wrap(
    connection: Any, *, rm: ATResourceManager, resource_id: str | None = None
) -> AsyncSQLiteConnection:
    """Wrap an open aiosqlite connection (phase 2 opens its main database file with default settings)."""
    if isinstance(connection, AsyncSQLiteConnection):
        return connection
    async with connection.execute("PRAGMA database_list") as cursor:
        rows = await cursor.fetchall()
    path = next((str(r[2]) for r in rows if r[1] == MAIN), "")
    resource = await run_bridged(rm.register, sqlite_resource(path, rm.config, resource_id))
    return AsyncSQLiteConnection(connection, SQLiteATConnection(_ConnectionFacade(connection), resource, rm))  # type: ignore[arg-type]

"""pymysql's face over an asyncio MySQL connection (aiomysql, asyncmy), for the one AT implementation.

The pymysql proxy (:mod:`seata_py.databases.mysql.pymysql`) calls the connection and its cursors as
pymysql's; these facades answer each call by awaiting the asyncio driver's (both drivers follow pymysql's
API, as coroutines) through :func:`~seata_py.types.awaiting.wait`, so they are used only under
:func:`~seata_py.types.awaiting.run_bridged`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

import pymysql
from pymysql.constants import SERVER_STATUS

from seata_py.config import SeataConfig
from seata_py.databases.mysql.pymysql import ATConnection, ATCursor, mysql_resource
from seata_py.datasource.aio import (
    AsyncATConnection,
    AsyncATCursor,
    ConnectionFacade,
    CursorOpening,
    open_cursor,
)
from seata_py.datasource.resource import DataSourceResource
from seata_py.rm.at import ATResourceManager
from seata_py.types.awaiting import run_bridged, wait


def _done(result: Any) -> Any:
    """A driver call's result: awaited when the driver returned an awaitable (their APIs mix both)."""
    return wait(result) if inspect.isawaitable(result) else result


class CursorFacade:
    """A pymysql cursor's face over an asyncio driver's cursor (results stay in that cursor)."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def execute(self, query: str, args: Any = None) -> int:
        return _done(self.target.execute(query, args))  # type: ignore[no-any-return]

    def executemany(self, query: str, args: Iterable[Any]) -> int | None:
        return _done(self.target.executemany(query, args))  # type: ignore[no-any-return]

    def fetchone(self) -> Any:
        return _done(self.target.fetchone())

    def fetchall(self) -> list[Any]:
        return list(_done(self.target.fetchall()))

    def callproc(self, procname: str, args: Any = ()) -> Any:
        return _done(self.target.callproc(procname, args))

    def nextset(self) -> bool | None:
        return _done(self.target.nextset())  # type: ignore[no-any-return]

    def close(self) -> None:
        _done(self.target.close())

    @property
    def rowcount(self) -> int:
        return self.target.rowcount  # type: ignore[no-any-return]

    @property
    def lastrowid(self) -> int | None:
        return self.target.lastrowid  # type: ignore[no-any-return]

    @property
    def description(self) -> Any:
        return self.target.description

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class MySQLConnectionFacade(ConnectionFacade):
    """A pymysql connection's face over an asyncio MySQL connection.

    ``plain_cursor`` is the driver's tuple cursor class (what pymysql's ``Cursor`` is to pymysql): image and
    catalog queries ask for ``pymysql.cursors.Cursor`` and get one of these.
    """

    def __init__(
        self, target: Any, plain_cursor: type[Any], cursor_facade: type[CursorFacade] = CursorFacade
    ) -> None:
        super().__init__(target)
        self._plain_cursor = plain_cursor
        self._cursor_facade = cursor_facade

    def cursor(self, cursor: type[Any] | None = None) -> CursorFacade:
        if cursor is pymysql.cursors.Cursor:
            cursor = self._plain_cursor
        opened = self.target.cursor(cursor) if cursor is not None else self.target.cursor()
        return self._cursor_facade(_done(opened))

    def wrap_cursor(self, target_cursor: Any) -> CursorFacade:
        """The facade of a cursor the caller opened on the asyncio connection."""
        return self._cursor_facade(target_cursor)

    @property
    def server_status(self) -> int:
        # the drivers keep the server's status flags under different names; both answer this
        return SERVER_STATUS.SERVER_STATUS_IN_TRANS if self.target.get_transaction_status() else 0

    def get_autocommit(self) -> bool:
        return bool(self.target.get_autocommit())

    def autocommit(self, value: bool) -> None:
        _done(self.target.autocommit(value))

    def begin(self) -> None:
        _done(self.target.begin())

    def close(self) -> None:
        wait(self.target.ensure_closed())  # close() of both drivers drops the socket without a goodbye


class AsyncMySQLConnection(AsyncATConnection):
    """An aiomysql / asyncmy connection in AT mode: ``cursor()`` is the driver's, with AT ``execute()``."""

    proxy: ATConnection  # type: ignore[assignment]

    def cursor(self, *cursor_class: Any) -> AsyncATCursor | CursorOpening:
        facade = self._proxy.target
        assert isinstance(facade, MySQLConnectionFacade)

        def wrap(target: Any) -> AsyncATCursor:
            return AsyncATCursor(self, target, ATCursor(self.proxy, facade.wrap_cursor(target)))

        return open_cursor(self._target.cursor(*cursor_class), wrap)

    def close(self) -> None:  # type: ignore[override]
        """As the drivers' ``close()``: closes the socket at once, without telling the server."""
        self._proxy.forget_transaction_state()
        self._target.close()

    async def ensure_closed(self) -> None:
        """As the drivers' ``ensure_closed()``: says goodbye to the server, then closes."""
        self._proxy.forget_transaction_state()
        await self._target.ensure_closed()

    async def __aexit__(self, *exc: object) -> None:
        await self.ensure_closed()

    async def autocommit(self, value: bool) -> None:
        await self.run(ATConnection.autocommit, value)

    async def begin(self) -> None:
        await self.run(ATConnection.begin)


def async_mysql_resource(
    kwargs: Mapping[str, Any], config: SeataConfig, resource_id: str | None
) -> DataSourceResource:
    """The resource of the database an asyncio driver reaches with ``kwargs``; phase 2 reaches it through
    pymysql (in the resource manager's threads, never on the caller's loop)."""
    known = ("host", "port", "user", "password", "database", "charset", "unix_socket", "init_command", "ssl")
    pymysql_kwargs = {k: v for k, v in kwargs.items() if k in known and v is not None}
    if "db" in kwargs and "database" not in pymysql_kwargs:
        pymysql_kwargs["database"] = kwargs["db"]
    return mysql_resource(pymysql_kwargs, config, resource_id)


async def wrap_async(
    connection: Any,
    settings: Mapping[str, Any],
    plain_cursor: type[Any],
    *,
    rm: ATResourceManager,
    resource_id: str | None,
    cursor_facade: type[CursorFacade] = CursorFacade,
) -> AsyncMySQLConnection:
    """``connection`` (open, of an asyncio MySQL driver) in AT mode; ``settings`` reach the same database."""
    # registering the resource is a TC request: awaited on this loop
    resource = await run_bridged(rm.register, async_mysql_resource(settings, rm.config, resource_id))
    facade = MySQLConnectionFacade(connection, plain_cursor, cursor_facade)
    return AsyncMySQLConnection(connection, ATConnection(facade, resource, rm))  # type: ignore[arg-type]


async def connect_async(
    opened: Awaitable[Any],
    kwargs: Mapping[str, Any],
    settings_of: Callable[[Any], dict[str, Any]],
    plain_cursor: type[Any],
    *,
    rm: ATResourceManager,
    resource_id: str | None,
    cursor_facade: type[CursorFacade] = CursorFacade,
) -> AsyncMySQLConnection:
    """The connection ``opened`` (the driver's connect coroutine, given ``kwargs``) in AT mode; closed again
    when it cannot be (the resource cannot be registered, say)."""
    connection = await opened
    try:
        settings = {**settings_of(connection), **kwargs}
        return await wrap_async(
            connection, settings, plain_cursor, rm=rm, resource_id=resource_id, cursor_facade=cursor_facade
        )
    except BaseException:
        connection.close()
        raise

"""aiomysql connections in AT mode: the pymysql proxy's semantics, awaited on the caller's event loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymysql.converters import escape_item

from seata_py.databases.mysql.asyncio_facade import (
    AsyncMySQLConnection,
    CursorFacade,
    connect_async,
    wrap_async,
)
from seata_py.rm.at import ATResourceManager

DRIVER_NAME = "aiomysql"
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("mysql+aiomysql", "mariadb+aiomysql")


def wraps(connection: Any) -> bool:
    return type(connection).__module__.startswith("aiomysql.")


class _CursorFacade(CursorFacade):
    """aiomysql 0.3 escapes ``bytes`` with a pymysql function that pymysql 1.2 no longer has; parameters
    are bound here with pymysql's own escaping instead, which is what aiomysql does for every other type."""

    def execute(self, query: str, args: Any = None) -> int:
        if args is None or not _has_bytes(args):
            return super().execute(query, args)
        return super().execute(query % self._escaped(args), None)

    def _escaped(self, args: Any) -> Any:
        conn = self.target.connection

        def one(value: Any) -> str:
            if isinstance(value, (bytes, bytearray)):
                return escape_item(bytes(value), conn.charset)  # type: ignore[no-any-return]
            return conn.escape(value)  # type: ignore[no-any-return]

        if isinstance(args, Mapping):
            return {key: one(value) for key, value in args.items()}
        return tuple(one(value) for value in args)


def _has_bytes(args: Any) -> bool:
    values = args.values() if isinstance(args, Mapping) else args
    return isinstance(values, (tuple, list, Mapping, type({}.values()))) and any(
        isinstance(v, (bytes, bytearray)) for v in values
    )


def settings_of(connection: Any) -> dict[str, Any]:
    """What pymysql needs to reach the database this open aiomysql connection is on (phase 2)."""
    return {
        "host": connection.host,
        "port": connection.port,
        "user": connection.user,
        "password": connection._password,  # aiomysql keeps no public copy
        "database": connection.db,
        "charset": connection.charset,
        "unix_socket": connection.unix_socket,
    }


async def connect(
    *, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any
) -> AsyncMySQLConnection:
    """``await aiomysql.connect(**kwargs)`` whose writes inside a global transaction become AT branches."""
    import aiomysql

    return await connect_async(
        aiomysql.connect(**kwargs),
        kwargs,
        settings_of,
        aiomysql.Cursor,
        rm=rm,
        resource_id=resource_id,
        cursor_facade=_CursorFacade,
    )


async def wrap(
    connection: Any, *, rm: ATResourceManager, resource_id: str | None = None
) -> AsyncMySQLConnection:
    """Wrap an open aiomysql connection."""
    if isinstance(connection, AsyncMySQLConnection):
        return connection
    import aiomysql

    return await wrap_async(
        connection,
        settings_of(connection),
        aiomysql.Cursor,
        rm=rm,
        resource_id=resource_id,
        cursor_facade=_CursorFacade,
    )

"""asyncmy connections in AT mode: the pymysql proxy's semantics, awaited on the caller's event loop."""

from __future__ import annotations

from typing import Any

from seata_py.databases.mysql.asyncio_facade import AsyncMySQLConnection, connect_async, wrap_async
from seata_py.rm.at import ATResourceManager

DRIVER_NAME = "asyncmy"
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("mysql+asyncmy", "mariadb+asyncmy")


def wraps(connection: Any) -> bool:
    return type(connection).__module__.startswith("asyncmy.")


def settings_of(connection: Any) -> dict[str, Any]:
    """What pymysql needs to reach the database this open asyncmy connection is on (phase 2); asyncmy
    keeps them in private attributes only."""
    settings = {
        "host": connection._host,
        "port": connection._port,
        "user": connection._user,
        "password": connection._password,
        "database": connection._db,
        "charset": connection._charset,
        "unix_socket": connection._unix_socket,
    }
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in settings.items()}


async def connect(
    *, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any
) -> AsyncMySQLConnection:
    """``await asyncmy.connect(**kwargs)`` whose writes inside a global transaction become AT branches."""
    import asyncmy
    import asyncmy.cursors

    plain = asyncmy.cursors.Cursor
    opened = asyncmy.connect(**kwargs)
    return await connect_async(opened, kwargs, settings_of, plain, rm=rm, resource_id=resource_id)


async def wrap(
    connection: Any, *, rm: ATResourceManager, resource_id: str | None = None
) -> AsyncMySQLConnection:
    """Wrap an open asyncmy connection."""
    if isinstance(connection, AsyncMySQLConnection):
        return connection
    import asyncmy.cursors

    plain = asyncmy.cursors.Cursor
    return await wrap_async(connection, settings_of(connection), plain, rm=rm, resource_id=resource_id)

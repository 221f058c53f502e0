"""asyncmy connections in AT mode: the pymysql proxy's semantics, awaited on the caller's event loop."""

from __future__ import annotations

from typing import Any

from seata_py.databases.mysql.asyncio_facade import AsyncMySQLConnection, wrap_async
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


async def connect(*, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any) -> Any:
    """``await asyncmy.connect(**kwargs)`` whose writes inside a global transaction become AT branches."""
    import asyncmy

    connection = await asyncmy.connect(**kwargs)
    try:
        return await wrap(connection, rm=rm, resource_id=resource_id, _settings=kwargs)
    except BaseException:
        connection.close()
        raise


async def wrap(
    connection: Any,
    *,
    rm: ATResourceManager,
    resource_id: str | None = None,
    _settings: dict[str, Any] | None = None,
) -> AsyncMySQLConnection:
    """Wrap an open asyncmy connection."""
    if isinstance(connection, AsyncMySQLConnection):
        return connection
    import asyncmy.cursors

    settings = {**settings_of(connection), **(_settings or {})}
    return await wrap_async(connection, settings, asyncmy.cursors.Cursor, rm=rm, resource_id=resource_id)

"""seata-py for asyncio services: AT connections over asyncio drivers, and the async TM API.

::

    import seata_py, seata_py.aio

    seata_py.init(application_id="order-service", grouplist="127.0.0.1:8091")
    conn = await seata_py.aio.connect_mysql(host=..., user=..., password=..., db="orders")  # aiomysql
    async with seata_py.global_transaction(name="place-order"):
        async with conn.cursor() as cur:
            await cur.execute("UPDATE t_stock SET count = count - 1 WHERE sku = %s", ("A",))
        await conn.commit()

The connections behave as the driver's own (``cursor()``, ``await cur.execute()``, ``await conn.commit()``,
fetches, other attributes), with the sync proxies' AT semantics: the same implementation runs, and every
wait in it (the database, the TC, lock-retry pauses) is awaited on the caller's loop. The XID is a context
variable, so it follows tasks: ``asyncio.gather`` and tasks spawned inside a global transaction take part in
it; concurrent global transactions on one loop do not mix. One AT connection serves one task at a time, as
the drivers' connections do.

Drivers: aiomysql and asyncmy (MySQL/MariaDB), psycopg's ``AsyncConnection`` (PostgreSQL), aiosqlite
(SQLite); :func:`wrap` chooses by the connection.
"""

from __future__ import annotations

import os
from typing import Any

from seata_py import databases
from seata_py.datasource.aio import AsyncATConnection
from seata_py.runtime import runtime
from seata_py.tm.api import global_transaction, global_transactional

_MYSQL_DRIVERS = {"aiomysql": databases.aiomysql, "asyncmy": databases.asyncmy}


async def wrap(connection: Any, *, resource_id: str | None = None) -> AsyncATConnection:
    """Wrap an open connection of a supported asyncio driver, chosen from the connection
    (:func:`seata_py.databases.async_adapter_for`)."""
    driver = databases.async_adapter_for(connection)
    return await driver.wrap(connection, rm=runtime().rm, resource_id=resource_id)  # type: ignore[no-any-return]


async def connect_mysql(
    *, driver: str = "aiomysql", resource_id: str | None = None, **kwargs: Any
) -> AsyncATConnection:
    """``await aiomysql.connect(**kwargs)`` (or asyncmy's, with ``driver="asyncmy"``) whose writes inside a
    global transaction become AT branches. ``resource_id`` defaults to Java's ``jdbc:mysql://host:port/db``."""
    try:
        module = _MYSQL_DRIVERS[driver]
    except KeyError:
        raise ValueError(
            f"no asyncio MySQL driver {driver!r}; choose one of {', '.join(_MYSQL_DRIVERS)}"
        ) from None
    return await module.connect(rm=runtime().rm, resource_id=resource_id, **kwargs)  # type: ignore[no-any-return]


async def connect_postgresql(
    conninfo: str = "", *, resource_id: str | None = None, **kwargs: Any
) -> AsyncATConnection:
    """``await psycopg.AsyncConnection.connect(conninfo, **kwargs)`` in AT mode (resourceId
    ``jdbc:postgresql://host:port/dbname``)."""
    module = databases.psycopg_async
    return await module.connect(  # type: ignore[no-any-return]
        conninfo, rm=runtime().rm, resource_id=resource_id, **kwargs
    )


async def connect_sqlite(
    database: str | os.PathLike[str], *, resource_id: str | None = None, **kwargs: Any
) -> AsyncATConnection:
    """``await aiosqlite.connect(database, **kwargs)`` in AT mode (resourceId ``jdbc:sqlite:<path>``)."""
    module = databases.aiosqlite
    return await module.connect(  # type: ignore[no-any-return]
        database, rm=runtime().rm, resource_id=resource_id, **kwargs
    )


__all__ = [
    "AsyncATConnection",
    "connect_mysql",
    "connect_postgresql",
    "connect_sqlite",
    "global_transaction",
    "global_transactional",
    "wrap",
]

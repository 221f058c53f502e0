"""SQLAlchemy asyncio engines whose driver connections are seata-py async AT connections.

Core (``AsyncConnection``) and ORM (``AsyncSession``) code runs unchanged; inside ``async with
seata_py.global_transaction()`` the writes of every connection of the engine become AT branches, registered
when SQLAlchemy commits::

    import seata_py
    from seata_py.integrations.sqlalchemy_asyncio import create_async_engine
    from sqlalchemy.ext.asyncio import AsyncSession

    seata_py.init(application_id="order-svc", grouplist="127.0.0.1:8091")
    engine = create_async_engine("mysql+aiomysql://app:secret@db:3306/orders", pool_size=10)

    async with seata_py.global_transaction(name="purchase"):
        async with AsyncSession(engine) as session, session.begin():
            session.add(Order(user_id="u1", sku="A", amount=10))

URLs: ``mysql+aiomysql://``, ``mysql+asyncmy://`` (and ``mariadb+...``), ``postgresql+psycopg://`` (the
asyncio engine picks psycopg's ``AsyncConnection``). An engine you already have: ``instrument(engine)``.
``resource_id=`` as for the sync engines.

How it hooks in: SQLAlchemy's asyncio dialects open their driver connection through a creator function
they take in the connection parameters (the one ``async_creator=`` sets); a ``do_connect`` listener gives
them seata-py's (``seata_py.aio``'s connect of the driver), so SQLAlchemy's adapter wraps the AT connection
as it would the driver's own. The pool's ``checkout`` rolls back what a previous user left, as for the sync
engines. ``async_creator=`` / ``creator=`` of your own are refused: they would bypass it.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import create_async_engine as sqlalchemy_create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from seata_py import databases
from seata_py.datasource.aio import AsyncATConnection
from seata_py.exceptions import ConfigError
from seata_py.integrations.sqlalchemy import (
    already_instrumented,
    engine_runtime,
    mark_instrumented,
    no_insert_from_select,
    outdated,
    refuse_memory_database,
    remember_runtime,
)
from seata_py.integrations.sqlalchemy import is_instrumented as sync_is_instrumented
from seata_py.types.context import current_xid

__all__ = ["create_async_engine", "instrument", "is_instrumented"]

log = logging.getLogger("seata_py.integrations.sqlalchemy")

# connection_record.info: the AT connection under SQLAlchemy's adapter (next to the sync module's runtime key)
_AT_CONNECTION_KEY = "seata_py.at_connection"


def create_async_engine(
    url: str | URL, *, resource_id: str | None = None, **engine_kwargs: Any
) -> AsyncEngine:
    """``sqlalchemy.ext.asyncio.create_async_engine(url, **engine_kwargs)``, instrumented."""
    parsed = make_url(url)
    if _driver(parsed.get_backend_name(), parsed.get_driver_name()) is None:
        raise ConfigError(
            f"seata-py's async AT mode works with {_supported()} URLs, not {parsed.drivername}://"
        )
    for refused in ("async_creator", "creator"):
        if refused in engine_kwargs:
            raise ConfigError(
                f"create_async_engine({refused}=...) would open connections seata-py never sees; "
                "return await seata_py.aio.wrap(connection) from your creator and use SQLAlchemy's "
                "create_async_engine instead"
            )
    return instrument(sqlalchemy_create_async_engine(parsed, **engine_kwargs), resource_id=resource_id)


def instrument(engine: AsyncEngine, resource_id: str | None = None) -> AsyncEngine:
    """Make ``engine``'s driver connections async AT connections; returns ``engine``. Calling it again with
    the same ``resource_id`` does nothing; with another one it raises ConfigError."""
    if not isinstance(engine, AsyncEngine):
        raise ConfigError(
            f"instrument() takes a sqlalchemy AsyncEngine, not {type(engine).__name__} "
            "(sync engines: seata_py.integrations.sqlalchemy.instrument)"
        )
    dialect = engine.sync_engine.dialect
    driver = _driver(dialect.name, dialect.driver)
    if driver is None:
        raise ConfigError(
            f"seata-py's async AT mode works with {_supported()} URLs; this engine uses "
            f"{dialect.name}+{dialect.driver}"
        )
    refuse_memory_database(engine.sync_engine)
    if already_instrumented(dialect, resource_id):
        return engine
    _unwrap_driver_connection(dialect)
    no_insert_from_select(engine.sync_engine)  # AT mode cannot undo INSERT ... SELECT
    event.listen(engine.sync_engine, "do_connect", _Connector(driver, resource_id))
    event.listen(engine.sync_engine, "checkout", _checkout)
    mark_instrumented(dialect, resource_id)
    return engine


def _unwrap_driver_connection(dialect: Dialect) -> None:
    """``driver_connection`` (``await conn.get_raw_connection()``, psycopg's ``TypeInfo.fetch`` at first
    connect) is the driver's own connection under the AT one, as for the sync engines; statements run on
    it bypass AT mode."""
    adapter_connection = dialect.get_driver_connection

    def driver_connection(connection: Any) -> Any:
        found = adapter_connection(connection)
        return found.target if isinstance(found, AsyncATConnection) else found

    dialect.get_driver_connection = driver_connection  # type: ignore[method-assign]


def is_instrumented(engine: AsyncEngine) -> bool:
    return sync_is_instrumented(engine.sync_engine)


def _driver(backend: str, driver: str) -> ModuleType | None:
    name = f"{backend}+{driver}"
    return next((d for d in databases.ASYNC_DRIVERS if name in d.SQLALCHEMY_DIALECTS), None)


def _supported() -> str:
    return ", ".join(f"{name}://" for d in databases.ASYNC_DRIVERS for name in d.SQLALCHEMY_DIALECTS)


class _Connector:
    """The do_connect listener: the dialect opens its driver connection with seata-py's connect."""

    def __init__(self, driver: ModuleType, resource_id: str | None) -> None:
        self.driver = driver
        self.resource_id = resource_id

    def __call__(
        self, dialect: Dialect, conn_rec: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        rt = engine_runtime()
        driver, resource_id = self.driver, self.resource_id

        async def connect(*args: Any, **kwargs: Any) -> AsyncATConnection:
            connection: AsyncATConnection = await driver.connect(
                *args, rm=rt.rm, resource_id=resource_id, **kwargs
            )
            conn_rec.info[_AT_CONNECTION_KEY] = connection
            return connection

        cparams["async_creator_fn"] = connect
        remember_runtime(conn_rec, rt)
        # returning None lets the dialect connect, with the creator above


def _checkout(
    dbapi_connection: Any, connection_record: ConnectionPoolEntry, connection_proxy: PoolProxiedConnection
) -> None:
    """Only AT connections of the current runtime, with nothing of an earlier user's transaction."""
    at_connection = connection_record.info.get(_AT_CONNECTION_KEY)
    if not isinstance(at_connection, AsyncATConnection):
        raise DisconnectionError("pooled connection is not a seata-py AT connection; reconnecting")
    if outdated(connection_record):
        raise DisconnectionError("pooled connection predates the current seata_py.init(); reconnecting")
    if at_connection.has_transaction_state():
        log.warning(
            "a pooled connection was checked out with seata-py's state of a transaction; rolling it back "
            "xid=%s",
            current_xid(),
        )
        dbapi_connection.rollback()

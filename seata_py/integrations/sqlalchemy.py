"""SQLAlchemy 2.x engines whose DBAPI connections are seata-py AT connections.

Core and ORM code runs unchanged; inside ``seata_py.global_transaction()`` the writes of every session or
connection of the engine become AT branches, registered when SQLAlchemy commits::

    import seata_py
    from seata_py.integrations.sqlalchemy import create_engine
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    seata_py.init(application_id="order-svc", grouplist="127.0.0.1:8091")
    engine = create_engine("mysql+pymysql://app:secret@db:3306/orders", pool_size=10)

    with seata_py.global_transaction(name="purchase"):
        with Session(engine) as session, session.begin():
            session.add(Order(user_id="u1", sku="A", amount=10))
            session.execute(update(Stock).where(Stock.sku == "A").values(count=Stock.count - 1))
        # the session's commit registered the branch; an exception anywhere in the block rolls back
        # every branch of every service and is re-raised

An engine you already have: ``instrument(engine)``. ``postgresql+psycopg://`` and ``sqlite:///file.db``
engines work the same way (asyncio engines: :mod:`seata_py.integrations.sqlalchemy_asyncio`).
Both take ``resource_id=`` (default ``jdbc:mysql://host:port/database``, ``jdbc:postgresql://...`` for
PostgreSQL); pass the JDBC URL your Java services use for the same database so that global row locks are
shared with them.

How it hooks in, with SQLAlchemy's own events and dialect settings (nothing is monkeypatched):

- ``do_connect`` opens every DBAPI connection with :func:`seata_py.connect`, so the pool holds AT proxies.
  ``seata_py.init()`` must have run before the engine's first connection. Your own ``do_connect`` listeners
  that edit ``cparams`` (a token as password, ...) must be registered before :func:`instrument`: the
  listener that returns a connection ends the chain.
- ``checkout`` replaces pooled connections that are not AT proxies (opened before :func:`instrument`) or
  were opened under an earlier ``seata_py.init()`` (their resource manager is gone), and rolls back what a
  previous user left (possible only with ``pool_reset_on_return=None``): an open local transaction or
  seata-py's state of one (``ATConnection.has_transaction_state()``), so no undo items, lock keys,
  savepoints or XID reach the next checkout.

Two settings of the instrumented engine's own dialect (nothing else sees them):

- ``get_driver_connection``: ``connection.driver_connection`` is the driver's own connection under the AT
  proxy (``dbapi_connection``), as for SQLAlchemy's asyncio adaptations; psycopg's ``TypeInfo.fetch``, which
  the psycopg dialect runs at first connect (hstore), takes nothing else. Statements run on it bypass AT mode.
- ``insertmanyvalues_implicit_sentinel``: a dialect that batches INSERTs whose database-generated keys must
  come back in parameter order (the ORM's, ``returning(..., sort_by_parameter_order=True)``) as
  ``INSERT ... SELECT ... FROM (VALUES ...) ORDER BY`` (PostgreSQL) would be refused, since AT mode cannot
  undo ``INSERT ... SELECT``; such batches run as one ``INSERT ... VALUES ... RETURNING`` per row instead, as
  on dialects without that form. Unordered batches stay one multi-row statement.

``INSERT ... RETURNING`` (MariaDB 10.5+, PostgreSQL) needs nothing special: the ORM's inserts of rows with
database-generated keys and explicit ``insert(...).returning(...)`` return their rows as usual, and AT mode
reads the generated ids (``LAST_INSERT_ID()`` on MySQL, the statement's own RETURNING rows on PostgreSQL).
Only with ``stream_results=True`` (an unbuffered or server-side cursor) is such a statement refused inside a
global transaction, before it runs.

Errors: SQLAlchemy wraps driver errors. A statement AT mode cannot undo raises
``sqlalchemy.exc.NotSupportedError`` whose ``.orig`` is :class:`seata_py.UnsupportedSQLError` (raised before
the statement runs; a Core connection's transaction stays usable, an ORM Session whose flush failed must be
rolled back, as after any flush error). seata-py errors that are not driver errors (``LockConflictError``
from ``session.commit()``, ``TCUnavailableError``, ...) reach you unwrapped.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from types import ModuleType
from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts

from seata_py import databases
from seata_py import runtime as seata_runtime
from seata_py.datasource.base import ATConnectionBase
from seata_py.exceptions import ConfigError
from seata_py.types.context import current_xid

__all__ = ["create_engine", "instrument", "is_instrumented"]

log = logging.getLogger("seata_py.integrations.sqlalchemy")

# connection_record.info: the runtime the connection was opened under (a weak reference)
_RUNTIME_KEY = "seata_py.runtime"
# connection_record.record_info: a non-AT connection was already replaced once on this record
_REPLACED_KEY = "seata_py.replaced_plain_connection"

# dialect -> the resource_id its engine was instrumented with; keyed by dialect because engines made with
# engine.execution_options() share their parent's dialect, pool and listeners
_instrumented: weakref.WeakKeyDictionary[Dialect, str | None] = weakref.WeakKeyDictionary()


def create_engine(url: str | URL, *, resource_id: str | None = None, **engine_kwargs: Any) -> Engine:
    """``sqlalchemy.create_engine(url, **engine_kwargs)`` for a ``mysql+pymysql://`` (or
    ``mariadb+pymysql://``, ``postgresql+psycopg://``, ``sqlite:///file.db``) URL, instrumented with
    :func:`instrument`::

        engine = create_engine("mysql+pymysql://app:secret@db/orders", pool_size=5, pool_pre_ping=True)

    ``creator=`` is refused: a creator bypasses ``do_connect``, so the connections would not be AT proxies
    (build the engine yourself with a creator returning ``seata_py.wrap(conn)`` if you need one).
    """
    parsed = make_url(url)
    if databases.driver_for_sqlalchemy(parsed.get_backend_name(), parsed.get_driver_name()) is None:
        raise ConfigError(f"seata-py's AT mode works with {_supported()} URLs, not {parsed.drivername}://")
    if "creator" in engine_kwargs:
        raise ConfigError(
            "create_engine(creator=...) bypasses the do_connect event that makes AT connections; "
            "return seata_py.wrap(connection) from your creator and use sqlalchemy.create_engine instead"
        )
    check_resource_id(resource_id)
    return instrument(sqlalchemy.create_engine(parsed, **engine_kwargs), resource_id=resource_id)


def instrument(engine: Engine, resource_id: str | None = None) -> Engine:
    """Make ``engine``'s DBAPI connections AT proxies (see the module documentation); returns ``engine``::

        engine = instrument(sqlalchemy.create_engine("mysql+pymysql://app:secret@db/orders"),
                            resource_id="jdbc:mysql://db:3306/orders")

    Calling it again with the same ``resource_id`` does nothing; with another one it raises ConfigError.
    Connections already in the pool are replaced at their next checkout.
    """
    if not isinstance(engine, Engine):
        raise ConfigError(
            f"instrument() takes a sqlalchemy Engine, not {type(engine).__name__} "
            "(asyncio engines: seata_py.integrations.sqlalchemy_asyncio.instrument)"
        )
    dialect = engine.dialect
    driver = databases.driver_for_sqlalchemy(dialect.name, dialect.driver)
    if driver is None:
        raise ConfigError(
            f"seata-py's AT mode works with {_supported()} URLs; this engine uses "
            f"{dialect.name}+{dialect.driver}"
        )
    refuse_memory_database(engine)
    if already_instrumented(dialect, resource_id):
        return engine
    _adapt_dialect(engine)
    event.listen(engine, "do_connect", _Connector(driver, resource_id))
    event.listen(engine, "checkout", _Checkout(driver))
    mark_instrumented(dialect, resource_id)
    log.debug("instrumented engine %s (resource_id=%s)", engine.url.render_as_string(), resource_id)
    return engine


def refuse_memory_database(engine: Engine) -> None:
    """An in-memory SQLite database cannot be reopened by phase 2: such engines are refused up front."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        raise ConfigError(
            f"AT mode on sqlite needs a database file, not {engine.url.render_as_string()!r} (in memory): "
            "phase 2 reopens the file to roll a branch back"
        )


def already_instrumented(dialect: Dialect, resource_id: str | None) -> bool:
    """True when the engine of ``dialect`` went through instrument() with this ``resource_id``; a
    different one is refused."""
    check_resource_id(resource_id)
    if dialect not in _instrumented:
        return False
    if _instrumented[dialect] != resource_id:
        raise ConfigError(
            f"engine is already instrumented with resource_id={_instrumented[dialect]!r}, not {resource_id!r}"
        )
    return True


def mark_instrumented(dialect: Dialect, resource_id: str | None) -> None:
    _instrumented[dialect] = resource_id


def is_instrumented(engine: Engine) -> bool:
    """True when ``engine`` (or the engine it was derived from) went through :func:`instrument`."""
    return engine.dialect in _instrumented


def _supported() -> str:
    return ", ".join(f"{name}://" for d in databases.DRIVERS for name in d.SQLALCHEMY_DIALECTS)


def _adapt_dialect(engine: Engine) -> None:
    """The two dialect settings of the module documentation, on this engine's dialect instance."""
    engine.dialect.get_driver_connection = _driver_connection  # type: ignore[method-assign,assignment]
    no_insert_from_select(engine)


def no_insert_from_select(engine: Engine) -> None:
    """Ordered batches of INSERTs with database-generated keys run row by row (the module documentation)."""
    dialect = engine.dialect
    if dialect.insertmanyvalues_implicit_sentinel & InsertmanyvaluesSentinelOpts.USE_INSERT_FROM_SELECT:
        # no implicit sentinel: SQLAlchemy runs ordered batches with server-generated keys row by row; client
        # side sentinels (insert_sentinel columns, client defaults) still batch
        dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.NOT_SUPPORTED
        engine.clear_compiled_cache()  # statements compiled before instrument() would keep the old form


def _driver_connection(dbapi_connection: Any) -> Any:
    if isinstance(dbapi_connection, ATConnectionBase):
        return dbapi_connection.target
    return dbapi_connection


def check_resource_id(resource_id: str | None) -> None:
    if resource_id is not None and (not resource_id or "," in resource_id):
        # the TC takes a comma-separated list of resource ids at registration
        raise ConfigError(f"resource_id must be a non-empty string without ',': {resource_id!r}")


class _Connector:
    """The do_connect listener: opens the connection through seata-py (registering the database once)."""

    def __init__(self, driver: ModuleType, resource_id: str | None) -> None:
        self.driver = driver
        self.resource_id = resource_id

    def __call__(
        self, dialect: Dialect, conn_rec: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]
    ) -> ATConnectionBase:
        if cargs and not _takes_positional(self.driver.connect):
            raise ConfigError(
                f"{self.driver.DRIVER_NAME} takes keyword arguments only; got positional {cargs!r}"
            )
        rt = engine_runtime()
        connection: ATConnectionBase = seata_runtime.connect_with(
            self.driver, *cargs, resource_id=self.resource_id, **cparams
        )
        remember_runtime(conn_rec, rt)
        return connection


def _takes_positional(connect: Any) -> bool:
    """Whether a driver module's connect() takes the database positionally (sqlite3's file name)."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in kinds for p in inspect.signature(connect).parameters.values())


def engine_runtime() -> seata_runtime.Runtime:
    """The runtime an engine's new connection registers with; it must exist by then."""
    try:
        return seata_runtime.runtime()
    except seata_runtime.NotInitializedError:
        raise seata_runtime.NotInitializedError(
            "this engine opens seata-py AT connections: call seata_py.init(...) before its first "
            "connection (and again after seata_py.shutdown())"
        ) from None


def remember_runtime(connection_record: ConnectionPoolEntry, rt: seata_runtime.Runtime) -> None:
    connection_record.info[_RUNTIME_KEY] = weakref.ref(rt)


def outdated(connection_record: ConnectionPoolEntry) -> bool:
    """Whether the pooled connection was opened under a runtime that is gone (its resource manager was
    closed by seata_py.shutdown(); a fresh connection registers again)."""
    made_under = connection_record.info.get(_RUNTIME_KEY)
    current = _current_runtime()
    return made_under is not None and (current is None or made_under() is not current)


def _current_runtime() -> seata_runtime.Runtime | None:
    try:
        return seata_runtime.runtime()
    except seata_runtime.NotInitializedError:
        return None


class _Checkout:
    """The checkout listener: hands out only AT connections of the current runtime, rolled back."""

    def __init__(self, driver: ModuleType) -> None:
        self.driver = driver

    def __call__(
        self,
        dbapi_connection: Any,
        connection_record: ConnectionPoolEntry,
        connection_proxy: PoolProxiedConnection,
    ) -> None:
        if not isinstance(dbapi_connection, ATConnectionBase):
            record_info = connection_record.record_info
            if record_info is not None and record_info.get(_REPLACED_KEY):
                raise ConfigError(
                    "the engine's pool makes plain DBAPI connections although it is instrumented: a custom "
                    "creator= or pool bypasses the do_connect event; return seata_py.wrap(connection) from it"
                )
            if record_info is not None:
                record_info[_REPLACED_KEY] = True
            # opened before instrument(): the pool reconnects, through do_connect
            raise DisconnectionError("pooled connection is not a seata-py AT connection; reconnecting")
        if outdated(connection_record):
            raise DisconnectionError("pooled connection predates the current seata_py.init(); reconnecting")
        if dbapi_connection.has_transaction_state():
            log.warning(
                "a pooled connection was checked out with a local transaction still open, or seata-py's "
                "state of one (pool_reset_on_return=None?); rolling it back xid=%s",
                current_xid(),
            )
            try:
                dbapi_connection.rollback()  # also forgets the undo items and lock keys of that transaction
            except self.driver.DRIVER_ERRORS as exc:
                raise DisconnectionError(f"could not roll back a pooled connection: {exc}") from exc

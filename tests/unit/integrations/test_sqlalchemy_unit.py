"""seata_py.integrations.sqlalchemy without a database: URL/engine checks, the do_connect wiring and the pool
guards (non-AT connections, connections of an earlier runtime, a local transaction left open).

The engines are built with SQLAlchemy's ``_initialize=False`` so that no dialect initialisation talks to a
server; the pool, its events and reset-on-return are SQLAlchemy's real ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pymysql
import pytest
import sqlalchemy
from pymysql.constants import CLIENT, SERVER_STATUS
from sqlalchemy import event

from seata_py import runtime as seata_runtime
from seata_py.databases.mysql import pymysql as pymysql_driver
from seata_py.databases.mysql.pymysql import ATConnection
from seata_py.exceptions import ConfigError
from seata_py.integrations import sqlalchemy as sa_integration
from seata_py.integrations.sqlalchemy import create_engine, instrument, is_instrumented

URL = "mysql+pymysql://app:secret@db.example:3307/orders?charset=utf8mb4"
IN_TRANS = SERVER_STATUS.SERVER_STATUS_IN_TRANS


class FakePymysql:
    """The few pymysql connection calls the pool and ATConnection make outside a global transaction."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.server_status = 0
        self.rollbacks = 0
        self.closed = False
        self._autocommit = False

    def rollback(self) -> None:
        self.rollbacks += 1
        self.server_status &= ~IN_TRANS

    def commit(self) -> None:
        self.server_status &= ~IN_TRANS

    def close(self) -> None:
        self.closed = True

    def get_autocommit(self) -> bool:
        return self._autocommit

    def autocommit(self, value: bool) -> None:
        self._autocommit = value

    def ping(self, reconnect: bool = False) -> None:
        if self.closed:
            raise RuntimeError("closed")


class FakeRuntime:
    pass


class Seata:
    """Stands in for seata_py.runtime: which runtime is current, and the connections seata_py.connect made."""

    def __init__(self) -> None:
        self.current: FakeRuntime | None = FakeRuntime()
        self.connect_calls: list[dict[str, Any]] = []
        self.made: list[ATConnection] = []

    def runtime(self) -> FakeRuntime:
        if self.current is None:
            raise seata_runtime.NotInitializedError("call seata_py.init(...) first")
        return self.current

    def connect(self, driver: ModuleType, *, resource_id: str | None = None, **kwargs: Any) -> ATConnection:
        assert driver is pymysql_driver
        self.runtime()
        self.connect_calls.append({"resource_id": resource_id, **kwargs})
        # resource and resource manager serve only global transactions, which these tests never open
        conn = ATConnection(FakePymysql(**kwargs), object(), object())  # type: ignore[arg-type]
        self.made.append(conn)
        return conn


@pytest.fixture
def seata(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seata]:
    fake = Seata()
    monkeypatch.setattr(seata_runtime, "runtime", fake.runtime)
    monkeypatch.setattr(seata_runtime, "connect_with", fake.connect)
    yield fake


def offline_engine(url: str = URL, **kwargs: Any) -> sqlalchemy.Engine:
    return create_engine(url, _initialize=False, pool_size=1, max_overflow=0, pool_timeout=1, **kwargs)


# -- what create_engine / instrument accept --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mysql+mysqlconnector://app@db/orders",
        "postgresql+psycopg2://app@db/orders",
        "sqlite+pysqlcipher://:key@/orders.db",
    ],
)
def test_create_engine_accepts_only_the_supported_drivers(url: str) -> None:
    with pytest.raises(ConfigError, match=r"mysql\+pymysql://, mariadb\+pymysql://"):
        create_engine(url)


def test_create_engine_accepts_mariadb_pymysql_urls(seata: Seata) -> None:
    engine = offline_engine("mariadb+pymysql://app:secret@db/orders")
    assert is_instrumented(engine)


def test_create_engine_refuses_a_creator_because_it_bypasses_do_connect() -> None:
    with pytest.raises(ConfigError, match="creator"):
        create_engine(URL, creator=lambda: FakePymysql())


@pytest.mark.parametrize("resource_id", ["", "jdbc:mysql://a:1/x,jdbc:mysql://b:1/x"])
def test_resource_ids_the_tc_cannot_take_are_refused(resource_id: str) -> None:
    with pytest.raises(ConfigError, match="resource_id"):
        create_engine(URL, resource_id=resource_id)


def test_instrument_refuses_engines_of_other_drivers_and_non_engines() -> None:
    with pytest.raises(ConfigError, match="sqlite"):
        instrument(sqlalchemy.create_engine("sqlite://"))
    with pytest.raises(ConfigError, match="Engine"):
        instrument("mysql+pymysql://app@db/orders")  # type: ignore[arg-type]


def test_instrument_twice_is_harmless_but_a_second_resource_id_is_refused() -> None:
    engine = sqlalchemy.create_engine(URL, _initialize=False)
    assert not is_instrumented(engine)
    assert instrument(engine, resource_id="jdbc:mysql://db:3307/orders") is engine
    instrument(engine, resource_id="jdbc:mysql://db:3307/orders")
    assert len(engine.dialect.dispatch.do_connect) == 1
    assert is_instrumented(engine.execution_options(isolation_level="AUTOCOMMIT"))
    with pytest.raises(ConfigError, match="already instrumented"):
        instrument(engine, resource_id="jdbc:mysql://other:3306/orders")


def test_instrument_leaves_insert_returning_batches_on_where_the_server_supports_them() -> None:
    """AT mode reads the generated ids of INSERT ... RETURNING itself: the ORM keeps batching inserts."""
    plain = sqlalchemy.create_engine(URL, _initialize=False)
    instrumented = offline_engine()
    for engine in (plain, instrumented):
        engine.dialect.insert_returning = (
            True  # what the dialect sets on its first MariaDB >= 10.5 connection
        )
    for flag in ("insert_executemany_returning", "insert_executemany_returning_sort_by_parameter_order"):
        assert getattr(instrumented.dialect, flag) is getattr(plain.dialect, flag) is True


# -- connections ---------------------------------------------------------------------------------------


def test_connections_are_opened_through_seata_with_the_url_parameters(seata: Seata) -> None:
    engine = offline_engine(resource_id="jdbc:mysql://db.example:3307/orders")
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is seata.made[0]
    (call,) = seata.connect_calls
    assert call["resource_id"] == "jdbc:mysql://db.example:3307/orders"
    assert (call["host"], call["port"], call["user"], call["password"], call["database"]) == (
        "db.example",
        3307,
        "app",
        "secret",
        "orders",
    )
    assert call["charset"] == "utf8mb4"
    assert call["client_flag"] & CLIENT.FOUND_ROWS  # what SQLAlchemy's rowcount checks rely on


def test_the_first_connection_needs_seata_py_init(seata: Seata) -> None:
    seata.current = None
    engine = offline_engine()
    with pytest.raises(seata_runtime.NotInitializedError, match="before its first connection"):
        engine.connect()


def test_connections_opened_before_instrument_are_replaced_at_checkout(seata: Seata) -> None:
    engine = sqlalchemy.create_engine(URL, _initialize=False, pool_size=1, max_overflow=0)
    plain = FakePymysql()

    def plain_connect(*_: Any) -> FakePymysql:
        return plain

    event.listen(engine, "do_connect", plain_connect)
    engine.connect().close()  # the pool now holds a plain connection
    event.remove(engine, "do_connect", plain_connect)

    instrument(engine)
    with engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, ATConnection)
    assert plain.closed
    assert len(seata.made) == 1


def test_a_creator_that_makes_plain_connections_is_refused_clearly(seata: Seata) -> None:
    engine = instrument(sqlalchemy.create_engine(URL, _initialize=False, creator=lambda: FakePymysql()))
    with pytest.raises(ConfigError, match="creator"):
        engine.connect()


def test_a_creator_returning_at_connections_is_accepted(seata: Seata) -> None:
    made = ATConnection(FakePymysql(), object(), object())  # type: ignore[arg-type]
    engine = instrument(sqlalchemy.create_engine(URL, _initialize=False, creator=lambda: made))
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is made


def test_connections_of_an_earlier_runtime_are_replaced_at_checkout(seata: Seata) -> None:
    engine = offline_engine()
    engine.connect().close()
    first = seata.made[0]
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is first  # same runtime: the pool reuses it

    seata.current = FakeRuntime()  # shutdown() + init()
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is seata.made[1]
    assert first.target.closed

    seata.current = None  # shutdown() only
    with pytest.raises(seata_runtime.NotInitializedError):
        engine.connect()


def test_the_checkout_guard_survives_engine_dispose(seata: Seata) -> None:
    engine = offline_engine()
    engine.connect().close()
    engine.dispose()  # a new pool
    engine.connect().close()
    seata.current = FakeRuntime()
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is seata.made[2]
    assert seata.made[1].target.closed


# -- no transaction state reaches the next checkout ------------------------------------------------------


def pending_branch_work(conn: ATConnection) -> None:
    """What a statement inside a global transaction leaves on the connection until commit/rollback."""
    conn._context.bind("192.0.2.1:8091:1", False)
    conn._context.add([], ["t_account:1"])
    conn._context.savepoint_statement("SAVEPOINT sa_savepoint_1")
    conn._context.poison("a statement failed after it ran")
    conn.target.server_status |= IN_TRANS


def assert_clean(conn: ATConnection) -> None:
    context = conn._context
    assert (context.xid, context.undo_items, context.lock_keys, context.poisoned, context.savepoints) == (
        None,
        [],
        [],
        None,
        {},
    )
    assert not conn.target.server_status & IN_TRANS
    assert conn.target.get_autocommit() is False


def test_reset_on_return_rolls_back_exactly_once(seata: Seata) -> None:
    engine = offline_engine()
    raw = engine.raw_connection()
    pending_branch_work(raw.dbapi_connection)
    raw.close()
    conn = seata.made[0]
    assert conn.target.rollbacks == 1  # SQLAlchemy's reset; the checkout guard found nothing left to do
    with engine.connect() as again:
        assert again.connection.dbapi_connection is conn
        assert_clean(conn)
    assert conn.target.rollbacks == 2


def test_without_reset_on_return_the_checkout_rolls_back_what_was_left_open(
    seata: Seata, caplog: pytest.LogCaptureFixture
) -> None:
    engine = offline_engine(pool_reset_on_return=None)
    raw = engine.raw_connection()
    pending_branch_work(raw.dbapi_connection)
    raw.close()
    conn = seata.made[0]
    assert conn.target.rollbacks == 0
    with caplog.at_level(logging.WARNING, logger=sa_integration.log.name), engine.connect() as again:
        assert again.connection.dbapi_connection is conn
        assert_clean(conn)
    assert conn.target.rollbacks == 1
    assert "local transaction still open" in caplog.text


def test_without_reset_on_return_the_checkout_clears_an_xid_a_failed_statement_left(
    seata: Seata, caplog: pytest.LogCaptureFixture
) -> None:
    """No local transaction is open (the statement failed before it changed anything), yet the connection
    still names the global transaction it ran in."""
    engine = offline_engine(pool_reset_on_return=None)
    raw = engine.raw_connection()
    raw.dbapi_connection._context.bind("192.0.2.1:8091:1", False)
    raw.close()
    conn = seata.made[0]
    assert not conn.target.server_status & IN_TRANS
    assert conn.has_transaction_state()
    with caplog.at_level(logging.WARNING, logger=sa_integration.log.name), engine.connect() as again:
        assert again.connection.dbapi_connection is conn
        assert_clean(conn)
    assert conn.target.rollbacks == 1
    assert "local transaction still open" in caplog.text


def test_without_reset_on_return_a_clean_connection_is_not_rolled_back_at_checkout(seata: Seata) -> None:
    engine = offline_engine(pool_reset_on_return=None)
    engine.raw_connection().close()
    conn = seata.made[0]
    with engine.connect():
        pass
    assert conn.target.rollbacks == 0


@pytest.mark.parametrize(
    "leave",
    [
        lambda conn: setattr(conn.target, "server_status", IN_TRANS),
        lambda conn: conn._context.bind("192.0.2.1:8091:1", False),
        lambda conn: conn._context.add([], ["t_account:1"]),
        lambda conn: conn._context.savepoint_statement("SAVEPOINT sp"),
        lambda conn: conn._context.poison("a statement failed after it ran"),
    ],
    ids=["open-local-transaction", "xid", "lock-keys", "savepoint", "poisoned"],
)
def test_has_transaction_state_sees_each_kind_of_leftover_until_rollback(leave: Any) -> None:
    conn = ATConnection(FakePymysql(), object(), object())  # type: ignore[arg-type]
    assert not conn.has_transaction_state()
    leave(conn)
    assert conn.has_transaction_state()
    conn.rollback()
    assert not conn.has_transaction_state()


def test_a_connection_that_cannot_roll_back_at_checkout_is_replaced(seata: Seata) -> None:
    engine = offline_engine(pool_reset_on_return=None)
    raw = engine.raw_connection()
    pending_branch_work(raw.dbapi_connection)
    raw.close()
    broken = seata.made[0]

    def lost(*_: object) -> None:
        raise pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")

    broken.target.rollback = lost  # type: ignore[method-assign]
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is seata.made[1]
        assert_clean(seata.made[1])
    assert broken.target.closed

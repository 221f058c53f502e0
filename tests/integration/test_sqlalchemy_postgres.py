"""SQLAlchemy Core and ORM code on ``postgresql+psycopg://`` engines inside global transactions, against a
real PostgreSQL and every TC kind.

The tables are those of ``postgres_schema`` (serial, identity, uuid, text and composite keys). Every engine
has a pool of one connection, so the tests also check that the connection a global transaction used comes
back clean for the next one. Rolled-back transactions must restore every table to its snapshot in
PostgreSQL's own text form and leave undo_log empty; committed ones keep their changes and undo_log empties
within 10 s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy
from psycopg.pq import TransactionStatus
from psycopg.types import TypeInfo
from sqlalchemy import Computed, Numeric, Text, delete, event, insert, select, text, update
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import seata_py
from seata_py.databases.postgresql.psycopg import ATConnection, ATCursor
from seata_py.integrations.sqlalchemy import create_engine
from seata_py.runtime import runtime
from seata_py.sql.exec.base import ImageError
from seata_py.types.context import bind_xid, reset_xid
from tests.infra.postgres import PostgresServer
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import eventually
from tests.integration.postgres_schema import admin, create_schema, reseed, snapshot, undo_rows

pytestmark = pytest.mark.integration

DATABASE = "it_sqlalchemy_pg"

# A statement AT mode cannot undo: SQLAlchemy wraps it as NotSupportedError when it is a psycopg error, and
# lets it through unwrapped otherwise (see
# test_a_refusal_reaches_sqlalchemy_as_the_drivers_not_supported_error).
REFUSED = (sqlalchemy.exc.NotSupportedError, seata_py.UnsupportedSQLError)


class Boom(Exception):
    pass


class Base(DeclarativeBase):
    pass


class Account(Base):
    """SERIAL key and a server default: the ORM reads both back with RETURNING."""

    __tablename__ = "t_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, unique=True)
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    points: Mapped[int] = mapped_column(server_default=text("0"))


class OrderLine(Base):
    """Composite primary key given by the client."""

    __tablename__ = "t_order"
    order_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(Text)
    qty: Mapped[int]
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    note: Mapped[str | None] = mapped_column(Text)


class Stock(Base):
    """Text primary key given by the client."""

    __tablename__ = "t_stock"
    sku: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    count: Mapped[int]


class Ident(Base):
    """GENERATED ALWAYS AS IDENTITY key and a stored generated column."""

    __tablename__ = "t_ident"
    id: Mapped[int] = mapped_column(sqlalchemy.BigInteger, sqlalchemy.Identity(always=True), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    doubled: Mapped[int] = mapped_column(Computed("length(label) * 2"))


class Token(Base):
    """UUID key filled by the server's default."""

    __tablename__ = "t_token"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    owner: Mapped[str] = mapped_column(Text)


@dataclass
class Env:
    server: PostgresServer
    database: str
    url: URL


@pytest.fixture(scope="module")
def env(postgres_server: PostgresServer, seata_tc: SeataServer) -> Iterator[Env]:
    postgres_server.create_database(DATABASE)
    create_schema(postgres_server, DATABASE)
    url = URL.create(
        "postgresql+psycopg",
        username=postgres_server.user,
        password=postgres_server.password,
        host=postgres_server.host,
        port=postgres_server.port,
        database=DATABASE,
    )
    seata_py.init(
        application_id="it-sqlalchemy-pg",
        grouplist=seata_tc.address,
        time_zone="UTC",
        lock_retry={"interval_ms": 10, "times": 5},
    )
    try:
        yield Env(postgres_server, DATABASE, url)
    finally:
        seata_py.shutdown()


@pytest.fixture
def engine(env: Env) -> Iterator[Engine]:
    engine = create_engine(env.url, pool_size=1, max_overflow=0, pool_timeout=10, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def seeded(env: Env) -> None:
    reseed(env.server, env.database)  # also restarts the serial and identity sequences


def tables(env: Env) -> dict[str, list[str]]:
    return snapshot(env.server, env.database)


def undo_count(env: Env) -> int:
    return undo_rows(env.server, env.database)


def query(env: Env, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows as another session sees them (autocommit, so the latest commits)."""
    with admin(env.server, env.database) as conn:
        return conn.execute(sql, params).fetchall()


def ids_by_user(env: Env) -> dict[str, int]:
    return dict(query(env, "SELECT user_id, id FROM t_account"))  # type: ignore[arg-type]


def undo_documents(env: Env, xid: str) -> list[dict[str, Any]]:
    """The decoded rollback_info of each undo row (one per branch) of one global transaction."""
    rows = query(env, "SELECT rollback_info FROM undo_log WHERE xid = %s ORDER BY id", (xid,))
    return [json.loads(bytes(info)) for (info,) in rows]


def undo_items(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(sqlType, tableName) of every item of one Java BranchUndoLog document."""
    return [(item["sqlType"], item["tableName"]) for item in document["sqlUndoLogs"][1]]


def dbapi_of(session_or_connection: Session | sqlalchemy.Connection) -> ATConnection:
    connection = (
        session_or_connection.connection()
        if isinstance(session_or_connection, Session)
        else session_or_connection
    )
    dbapi = connection.connection.dbapi_connection
    assert isinstance(dbapi, ATConnection)
    return dbapi


def refusal(exc: BaseException) -> seata_py.UnsupportedSQLError:
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    assert isinstance(orig, seata_py.UnsupportedSQLError)
    return orig


@contextlib.contextmanager
def rolls_back_if(rollback: bool) -> Iterator[None]:
    if rollback:
        with pytest.raises(Boom):
            yield
    else:
        yield


@contextlib.contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def assert_outcome(env: Env, rollback: bool, before: dict[str, Any], during: dict[str, Any]) -> None:
    after = tables(env)
    if rollback:
        assert after == before
        assert undo_count(env) == 0
    else:
        assert after == during
        assert eventually(lambda: undo_count(env) == 0, timeout=10)


# -- ORM --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_orm_session_flow_in_a_global_transaction(env: Env, engine: Engine, rollback: bool) -> None:
    before = tables(env)
    with (
        rolls_back_if(rollback),
        recorded_statements(engine) as statements,
        seata_py.global_transaction(name="sa-pg-orm", timeout_ms=60000) as tx,
    ):
        with Session(engine) as session:
            new_accounts = [Account(user_id=f"n{i}", balance=Decimal(i)) for i in range(1, 4)]
            session.add_all(new_accounts)
            session.add_all(
                [
                    OrderLine(order_id=10, item_id=i, sku=sku, qty=i, price=Decimal(i))
                    for i, sku in ((1, "A"), (2, "B"))
                ]
            )
            session.flush()
            assert [account.points for account in new_accounts] == [0, 0, 0]  # the server default, returned
            session.get_one(Account, 1).balance -= Decimal("30.00")
            session.get_one(Account, 2).points = 20
            session.delete(session.get_one(OrderLine, (1, 2)))
            nested = session.begin_nested()  # SAVEPOINT ... ROLLBACK TO SAVEPOINT drops its undo items
            session.add(Account(user_id="gone with the savepoint", balance=Decimal("1.00")))
            session.add(Stock(sku="TMP", name="tmp", count=1))
            session.get_one(Account, 3).balance = Decimal("999.00")
            session.flush()
            nested.rollback()
            session.execute(  # UPDATE ... RETURNING
                update(Stock)
                .where(Stock.count > 0)
                .values(count=Stock.count - 1)
                .execution_options(synchronize_session="fetch")
            )
            session.execute(  # DELETE ... RETURNING
                delete(OrderLine).where(OrderLine.qty >= 5).execution_options(synchronize_session="fetch")
            )
            session.merge(OrderLine(order_id=1, item_id=1, sku="A", qty=9, price=Decimal("10.00")))  # UPDATE
            session.merge(Stock(sku="NEW", name="new", count=3))  # does not exist: INSERT
            session.commit()
            generated = {account.user_id: account.id for account in new_accounts}

        during = tables(env)
        assert during != before
        ids = ids_by_user(env)
        assert generated == {user: ids[user] for user in generated}
        assert "gone with the savepoint" not in ids
        assert "TMP" not in {sku for (sku,) in query(env, "SELECT sku FROM t_stock")}
        assert query(env, "SELECT balance FROM t_account WHERE id = 3") == [(Decimal("0.00"),)]
        # ordered batches of server-generated keys: one INSERT ... VALUES ... RETURNING per row, never the
        # INSERT ... SELECT form AT mode cannot undo
        inserts = [s for s in statements if s.startswith("INSERT INTO t_account")]
        assert len(inserts) == 4 and all("RETURNING" in s and "SELECT" not in s for s in inserts)
        (document,) = undo_documents(env, tx.xid)  # one session commit: one branch
        items = undo_items(document)
        assert {
            ("INSERT", "t_account"),
            ("INSERT", "t_order"),
            ("INSERT", "t_stock"),
            ("UPDATE", "t_stock"),
            ("DELETE", "t_order"),
        } <= set(items)
        # the statements rolled back to the savepoint left nothing to undo
        dumped = json.dumps(document)
        assert "gone with the savepoint" not in dumped and '"TMP"' not in dumped
        assert '"java.math.BigDecimal", 999' not in dumped  # (not bare "999": the xid holds a port number)
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_orm_inserts_get_their_generated_keys_back(env: Env, engine: Engine, rollback: bool) -> None:
    """SQLAlchemy's psycopg dialect inserts with RETURNING of the key and the server-filled columns; AT mode
    reads the keys from those rows and rewinds the cursor, so the ORM still gets every generated value."""
    before = tables(env)
    with (
        rolls_back_if(rollback),
        recorded_statements(engine) as statements,
        seata_py.global_transaction(name="sa-pg-keys") as tx,
    ):
        with Session(engine) as session:
            account = Account(user_id="serial", balance=Decimal("12.34"))
            ident = Ident(label="three")
            token = Token(owner="u1")
            session.add_all([account, ident, token])
            session.flush()
            assert (account.id, account.points) == (4, 0)  # the seed used 1..3
            assert (ident.id, ident.doubled) == (3, 10)
            assert isinstance(token.id, uuid.UUID)
            session.commit()
            account_id, ident_id, token_id = account.id, ident.id, token.id
        with engine.begin() as conn:
            single = conn.execute(insert(Account.__table__).values(user_id="core", balance=1))
            core_id = single.inserted_primary_key[0]
        during = tables(env)
        assert ids_by_user(env) == {"u1": 1, "u2": 2, "u3": 3, "serial": account_id, "core": core_id}
        assert core_id == 5
        assert query(env, "SELECT label, doubled FROM t_ident WHERE id = %s", (ident_id,)) == [("three", 10)]
        assert query(env, "SELECT owner FROM t_token WHERE id = %s", (token_id,)) == [("u1",)]
        inserts = [s for s in statements if s.startswith("INSERT")]
        assert len(inserts) == 4 and all("RETURNING" in s for s in inserts)
        documents = undo_documents(env, tx.xid)
        assert len(documents) == 2  # the session commit and the Core commit
        assert {item for document in documents for item in undo_items(document)} == {
            ("INSERT", "t_account"),
            ("INSERT", "t_ident"),
            ("INSERT", "t_token"),
        }
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_orm_insert_of_client_assigned_keys(env: Env, engine: Engine, rollback: bool) -> None:
    """The dialect renders every bound value with a cast (``%(sku)s::VARCHAR``): the cast parameter is the key
    value AT mode finds the rows again by."""
    before = tables(env)
    with (
        rolls_back_if(rollback),
        recorded_statements(engine) as statements,
        seata_py.global_transaction(name="sa-pg-client-keys") as tx,
    ):
        with Session(engine) as session:
            session.add(Stock(sku="NEW", name="new", count=3))
            session.add_all(
                [
                    OrderLine(order_id=9, item_id=i, sku=sku, qty=i, price=Decimal("1.00"))
                    for i, sku in ((1, "A"), (2, "B"))
                ]
            )
            session.merge(Stock(sku="MERGED", name="merged", count=1))  # does not exist: INSERT
            session.commit()
        during = tables(env)
        assert {"NEW", "MERGED"} <= {sku for (sku,) in query(env, "SELECT sku FROM t_stock")}
        assert query(env, "SELECT item_id FROM t_order WHERE order_id = 9 ORDER BY 1") == [(1,), (2,)]
        assert any("%(sku)s::VARCHAR" in s for s in statements if s.startswith("INSERT INTO t_stock"))
        (document,) = undo_documents(env, tx.xid)
        assert set(undo_items(document)) == {("INSERT", "t_stock"), ("INSERT", "t_order")}
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


def test_orm_statements_at_mode_cannot_undo_are_refused_and_the_session_goes_on(
    env: Env, engine: Engine
) -> None:
    before = tables(env)
    with seata_py.global_transaction(name="sa-pg-orm-unsupported"):
        with Session(engine) as session:
            session.get_one(Account, 1).points = 11
            session.flush()
            with pytest.raises(REFUSED) as err:
                # DELETE ... USING on PostgreSQL
                session.execute(delete(OrderLine).where(OrderLine.sku == Stock.sku, Stock.count == 0))
            assert refusal(err.value).construct == "DELETE ... USING"
            session.get_one(Account, 2).points = 22
            session.commit()
        during = tables(env)
    assert_outcome(env, False, before, during)
    assert during["t_order"] == before["t_order"]  # refused before it ran
    assert query(env, "SELECT id, points FROM t_account ORDER BY id") == [(1, 11), (2, 22), (3, 3)]


# -- Core -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_core_engine_begin_in_a_global_transaction(env: Env, engine: Engine, rollback: bool) -> None:
    accounts, lines, stock = Account.__table__, OrderLine.__table__, Stock.__table__
    before = tables(env)
    with rolls_back_if(rollback), seata_py.global_transaction(name="sa-pg-core") as tx:
        with engine.begin() as conn:
            # executemany: each parameter set gets its own images
            conn.execute(insert(accounts), [{"user_id": "c1", "balance": 1}, {"user_id": "c2", "balance": 2}])
            # one multi-VALUES statement: AT mode adds a RETURNING of the keys the caller never sees
            conn.execute(
                insert(accounts).values([{"user_id": "c3", "balance": 3}, {"user_id": "c4", "balance": 4}])
            )
            single = conn.execute(insert(accounts).values(user_id="c5", balance=5))
            ordered = conn.execute(
                insert(accounts).returning(accounts.c.id, accounts.c.user_id, sort_by_parameter_order=True),
                [{"user_id": "c6", "balance": 6}, {"user_id": "c7", "balance": 7}],
            ).all()
            # client-assigned composite keys, each bound value cast by the dialect
            conn.execute(
                insert(lines),
                [
                    {"order_id": 20, "item_id": i, "sku": sku, "qty": i, "price": 1}
                    for i, sku in ((1, "A"), (2, "B"), (3, "C"))
                ],
            )
            conn.execute(
                text("INSERT INTO t_stock (sku, name, count) VALUES (:s, :n, 1)"), {"s": "T", "n": "t"}
            )
            conn.execute(update(stock).where(stock.c.sku == "A").values(count=stock.c.count - 4))
            conn.execute(update(lines).where(lines.c.order_id == 1).values(qty=lines.c.qty * 10))
            conn.execute(delete(lines).where(lines.c.order_id == 2))
            conn.execute(delete(accounts).where(accounts.c.user_id == "u3"))
            conn.execute(text("UPDATE t_account SET points = :p WHERE id = :id"), {"p": 7, "id": 2})
        during = tables(env)
        ids = ids_by_user(env)
        assert {"c1", "c2", "c3", "c4", "c5", "c6", "c7"} <= set(ids) and "u3" not in ids
        assert single.inserted_primary_key[0] == ids["c5"]
        assert [tuple(row) for row in ordered] == [(ids["c6"], "c6"), (ids["c7"], "c7")]
        (document,) = undo_documents(env, tx.xid)
        assert {"t_account", "t_order", "t_stock"} == {table for _, table in undo_items(document)}
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


def test_core_statement_at_mode_cannot_undo_is_refused_before_it_runs_and_the_transaction_stays_usable(
    env: Env, engine: Engine
) -> None:
    accounts, stock = Account.__table__, Stock.__table__
    before = tables(env)
    with (
        recorded_statements(engine) as statements,
        seata_py.global_transaction(name="sa-pg-core-unsupported"),
        engine.connect() as conn,
    ):
        conn.execute(update(accounts).where(accounts.c.id == 1).values(points=10))
        with pytest.raises(REFUSED) as err:
            # UPDATE ... FROM on PostgreSQL
            conn.execute(update(accounts).where(accounts.c.user_id == stock.c.sku).values(points=99))
        refused = refusal(err.value)
        assert refused.construct == "UPDATE ... FROM"
        assert refused.sql is not None and refused.sql.startswith("UPDATE t_account SET points=")
        assert "FROM t_stock" in statements[-1]  # SQLAlchemy handed it to the driver, which refused it
        conn.execute(update(accounts).where(accounts.c.id == 2).values(points=20))
        conn.commit()
        during = tables(env)
    assert_outcome(env, False, before, during)
    assert query(env, "SELECT id, points FROM t_account ORDER BY id") == [(1, 10), (2, 20), (3, 3)]


def test_a_refusal_reaches_sqlalchemy_as_the_drivers_not_supported_error(env: Env, engine: Engine) -> None:
    accounts, stock = Account.__table__, Stock.__table__
    with seata_py.global_transaction(name="sa-pg-wrapped"), engine.connect() as conn:
        with pytest.raises(sqlalchemy.exc.NotSupportedError) as err:
            conn.execute(update(accounts).where(accounts.c.user_id == stock.c.sku).values(points=99))
        assert isinstance(err.value.orig, seata_py.UnsupportedSQLError)
        assert isinstance(err.value.orig, psycopg.NotSupportedError)
        assert "UPDATE t_account SET points=" in str(err.value)  # SQLAlchemy shows the statement
        conn.commit()


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_autocommit_isolation_level_makes_every_statement_its_own_branch(
    env: Env, engine: Engine, rollback: bool
) -> None:
    accounts = Account.__table__
    before = tables(env)
    with rolls_back_if(rollback), seata_py.global_transaction(name="sa-pg-autocommit") as tx:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert dbapi_of(conn).autocommit is True
            conn.execute(update(accounts).where(accounts.c.id == 1).values(points=11))
            assert query(env, "SELECT points FROM t_account WHERE id = 1") == [(11,)]  # committed locally
            conn.execute(update(accounts).where(accounts.c.id == 1).values(points=12))
            new_id = conn.execute(insert(accounts).values(user_id="ac", balance=1)).inserted_primary_key[0]
        assert len(undo_documents(env, tx.xid)) == 3  # a branch per statement
        during = tables(env)
        assert ids_by_user(env)["ac"] == new_id
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)
    with engine.connect() as conn:  # the pool reset autocommit and the isolation level
        assert dbapi_of(conn).autocommit is False
        assert conn.get_isolation_level() == conn.default_isolation_level == "READ COMMITTED"


def test_server_side_cursors_and_isolation_levels_in_a_global_transaction(env: Env, engine: Engine) -> None:
    accounts = Account.__table__
    before = tables(env)
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pg-driver") as tx:
        with engine.connect() as conn:
            streamed = conn.execute(
                select(accounts.c.id).order_by(accounts.c.id), execution_options={"stream_results": True}
            )
            assert isinstance(streamed.cursor, ATCursor)
            assert isinstance(streamed.cursor.target, psycopg.ServerCursor)
            assert [row.id for row in streamed] == [1, 2, 3]
            with pytest.raises(REFUSED) as err:  # a write through a server-side cursor
                conn.execute(
                    insert(accounts).values(user_id="s1", balance=1).returning(accounts.c.id),
                    execution_options={"stream_results": True},
                )
            assert "server-side" in refusal(err.value).construct
            conn.execute(update(accounts).where(accounts.c.id == 1).values(points=10))
            conn.commit()
        with engine.connect().execution_options(isolation_level="SERIALIZABLE") as conn:
            assert conn.get_isolation_level() == "SERIALIZABLE"
            conn.execute(update(accounts).where(accounts.c.id == 2).values(points=20))
            conn.commit()
        assert len(undo_documents(env, tx.xid)) == 2
        raise Boom
    assert tables(env) == before
    assert undo_count(env) == 0
    with engine.connect() as conn:
        assert conn.get_isolation_level() == "READ COMMITTED"


def test_driver_connection_is_psycopgs_own_connection(env: Env, engine: Engine) -> None:
    """The psycopg dialect's first connect runs TypeInfo.fetch(driver_connection, "hstore"), which takes only
    a psycopg.Connection; dbapi_connection stays the AT proxy that every statement goes through."""
    with engine.connect() as conn:
        proxy = dbapi_of(conn)
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection) and driver is proxy.target
        info = TypeInfo.fetch(driver, "mood")
        assert info is not None and info.name == "mood"
    assert proxy.resource_id == f"jdbc:postgresql://{env.server.host}:{env.server.port}/{DATABASE}"


def test_first_connection_of_an_engine_opened_inside_a_global_transaction(env: Env) -> None:
    """The dialect's first-connect queries (version, isolation level, hstore, ...) run with the XID bound."""
    fresh = create_engine(env.url, pool_size=1, max_overflow=0)
    before = tables(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="sa-pg-first-connect"):
            with Session(fresh) as session, session.begin():
                session.add(Account(user_id="first", balance=Decimal("1.00")))
            assert "first" in ids_by_user(env)
            raise Boom
    finally:
        fresh.dispose()
    assert tables(env) == before
    assert undo_count(env) == 0


# -- a pooled connection carries nothing to its next checkout ---------------------------------------------


def committed(env: Env, engine: Engine) -> None:
    with seata_py.global_transaction(name="sa-pg-pool-committed"), Session(engine) as session:
        session.get_one(Account, 1).points = 100
        session.commit()


def rolled_back(env: Env, engine: Engine) -> None:
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pg-pool-rolled-back"):
        with Session(engine) as session:
            session.get_one(Account, 1).points = 100
            session.commit()
        raise Boom


def aborted_after_flush(env: Env, engine: Engine) -> None:
    """The statement ran and holds undo items and lock keys when the exception closes the session."""
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-aborted"),
        Session(engine) as session,
    ):
        session.get_one(Account, 1).points = 100
        session.flush()
        raise Boom


def aborted_inside_a_savepoint(env: Env, engine: Engine) -> None:
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-savepoint"),
        Session(engine) as session,
    ):
        session.get_one(Account, 1).points = 100
        session.flush()
        with session.begin_nested():
            session.get_one(Account, 3).points = 300
            session.flush()
            raise Boom


def poisoned(env: Env, engine: Engine) -> None:
    """A statement failed after it ran: the proxy refuses to commit that local transaction."""
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-poisoned"),
        engine.connect() as conn,
    ):
        conn.execute(update(Account.__table__).where(Account.id == 1).values(points=100))
        with pytest.raises(ImageError, match="contains ','"):  # the lock key separator, found after running
            conn.execute(text("INSERT INTO t_stock (sku, name, count) VALUES ('a,b', 'ab', 1)"))
        raise Boom


def failed_in_the_database(env: Env, engine: Engine) -> None:
    """The statement failed in PostgreSQL: the local transaction is aborted and still names its XID."""
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-failed"),
        engine.connect() as conn,
    ):
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="nosuchcolumn"):
            conn.execute(text("UPDATE t_account SET points = 1 WHERE nosuchcolumn = 1"))
        assert dbapi_of(conn).has_transaction_state()
        assert dbapi_of(conn).target.info.transaction_status == TransactionStatus.INERROR
        raise Boom


def refused(env: Env, engine: Engine) -> None:
    """A statement refused before it ran, after one that holds undo items."""
    accounts, stock = Account.__table__, Stock.__table__
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-refused"),
        engine.connect() as conn,
    ):
        conn.execute(update(accounts).where(accounts.c.id == 1).values(points=100))
        with pytest.raises(REFUSED):
            conn.execute(update(accounts).where(accounts.c.user_id == stock.c.sku).values(points=99))
        raise Boom


def autocommit_statements(env: Env, engine: Engine) -> None:
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pg-pool-autocommit"),
        autocommit.connect() as conn,
    ):
        conn.execute(update(Account.__table__).where(Account.id == 1).values(points=100))
        raise Boom


def lock_failure_at_commit(env: Env, engine: Engine) -> None:
    """Another global transaction holds the row: the session's commit fails on BranchRegister."""
    rt = runtime()
    holder_xid = rt.tc.begin("sa-pg-pool-holder", 60000)
    holder = seata_py.connect_postgresql(**env.server.connect_kwargs(env.database))
    try:
        token = bind_xid(holder_xid)
        try:
            holder.cursor().execute("UPDATE t_account SET points = 7 WHERE id = 1")
            holder.commit()  # an AT branch of the holder transaction: it keeps the row's global lock
        finally:
            reset_xid(token)
        with (
            pytest.raises(seata_py.LockConflictError),
            seata_py.global_transaction(name="sa-pg-pool-locked"),
            Session(engine) as session,
        ):
            session.get_one(Account, 1).points = 100
            session.commit()
    finally:
        rt.tc.rollback(holder_xid)
        holder.close()


SCENARIOS: list[Callable[[Env, Engine], None]] = [
    committed,
    rolled_back,
    aborted_after_flush,
    aborted_inside_a_savepoint,
    poisoned,
    failed_in_the_database,
    refused,
    autocommit_statements,
    lock_failure_at_commit,
]


def assert_checked_out_clean(conn: ATConnection) -> None:
    assert not conn.has_transaction_state()
    context = conn._context  # white box: the proxy's per-transaction state
    assert context.xid is None
    assert context.undo_items == []
    assert context.lock_keys == []
    assert context.savepoints == {}
    assert context.poisoned is None
    assert conn._transactions == []
    assert conn.autocommit is False
    assert conn.target.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_pool_of_one_checks_out_clean_after(
    env: Env, engine: Engine, scenario: Callable[[Env, Engine], None]
) -> None:
    with engine.connect() as conn:
        used = dbapi_of(conn)
    scenario(env, engine)

    # next checkout, no global transaction: plain work, no branch, no undo row
    with Session(engine) as session:
        assert dbapi_of(session) is used
        assert_checked_out_clean(used)
        session.get_one(Stock, "C").count = 7
        session.commit()
    assert eventually(lambda: undo_count(env) == 0, timeout=10)

    # next checkout inside a new global transaction: its branch holds its own work only
    with seata_py.global_transaction(name="sa-pg-pool-next") as tx:
        with Session(engine) as session:
            assert dbapi_of(session) is used
            assert_checked_out_clean(used)
            session.get_one(Stock, "B").count = 1
            session.commit()
        (document,) = undo_documents(env, tx.xid)
        assert undo_items(document) == [("UPDATE", "t_stock")]
        # the rows the scenario touched are not locked by this transaction
        assert runtime().rm.check_lock(None, used.resource_id, "t_account:1,3")
    assert query(env, "SELECT sku, count FROM t_stock WHERE sku IN ('B', 'C') ORDER BY sku") == [
        ("B", 1),
        ("C", 7),
    ]


def test_without_reset_on_return_a_transaction_left_open_is_rolled_back_at_checkout(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(env.url, pool_size=1, max_overflow=0, pool_reset_on_return=None)
    before = tables(env)
    try:
        with seata_py.global_transaction(name="sa-pg-no-reset-left-open"):
            raw = engine.raw_connection()  # the DBAPI connection as the pool hands it out
            raw.cursor().execute("UPDATE t_account SET points = 50 WHERE id = 1")
            raw.close()  # back to the pool with undo items, lock keys and an open transaction
        with (
            caplog.at_level(logging.WARNING, logger="seata_py.integrations.sqlalchemy"),
            seata_py.global_transaction(name="sa-pg-no-reset-next") as tx,
            Session(engine) as session,
        ):
            session.get_one(Stock, "A").count = 0
            session.commit()
            (document,) = undo_documents(env, tx.xid)
            assert undo_items(document) == [("UPDATE", "t_stock")]
        assert "local transaction still open" in caplog.text
    finally:
        engine.dispose()
    after = tables(env)
    assert after["t_account"] == before["t_account"]
    assert query(env, "SELECT count FROM t_stock WHERE sku = 'A'") == [(0,)]
    assert eventually(lambda: undo_count(env) == 0, timeout=10)

"""SQLAlchemy Core and ORM code inside global transactions, against real MariaDB and the real Seata server.

Every engine here has a pool of one connection, so each test also checks that the connection a global
transaction used comes back clean for the next one.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pymysql
import pytest
import sqlalchemy
from pymysql.constants import SERVER_STATUS
from sqlalchemy import ForeignKey, String, delete, event, insert, select, text, update
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.databases.mysql.pymysql import ATConnection
from seata_py.integrations.sqlalchemy import create_engine
from seata_py.runtime import runtime
from seata_py.sql.exec.base import ImageError
from seata_py.types.context import bind_xid, reset_xid
from tests.infra.mariadb import MySQLServer
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

DATABASE = "it_sqlalchemy"


class Boom(Exception):
    pass


class Base(DeclarativeBase):
    pass


class Account(Base):
    """Auto-increment key: the ORM reads generated ids back."""

    __tablename__ = "sa_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(32), unique=True)
    balance: Mapped[Decimal] = mapped_column(sqlalchemy.Numeric(12, 2))
    note: Mapped[str | None] = mapped_column(String(64))


class OrderLine(Base):
    """Composite primary key."""

    __tablename__ = "sa_order_line"
    order_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(16), ForeignKey("sa_stock.sku"))
    qty: Mapped[int]


class Stock(Base):
    __tablename__ = "sa_stock"
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int]


SEED: list[tuple[type[Base], list[dict[str, Any]]]] = [
    (
        Stock,
        [{"sku": "A", "count": 10}, {"sku": "B", "count": 5}, {"sku": "C", "count": 0}],
    ),
    (
        Account,
        [
            {"id": 1, "owner": "u1", "balance": Decimal("100.00"), "note": None},
            {"id": 2, "owner": "u2", "balance": Decimal("250.50"), "note": "vip"},
            {"id": 3, "owner": "u3", "balance": Decimal("0.00"), "note": None},
        ],
    ),
    (
        OrderLine,
        [
            {"order_id": 1, "item_id": 1, "sku": "A", "qty": 2},
            {"order_id": 1, "item_id": 2, "sku": "B", "qty": 1},
            {"order_id": 2, "item_id": 1, "sku": "A", "qty": 5},
            {"order_id": 3, "item_id": 7, "sku": "C", "qty": 1},
        ],
    ),
]
TABLES = [model.__tablename__ for model, _ in SEED]


@dataclass
class Env:
    server: MySQLServer
    url: URL
    admin: pymysql.connections.Connection  # autocommit, so every read sees the latest commits
    resource_id: str


@pytest.fixture(scope="module")
def env(mysql_server: MySQLServer, seata_tc: SeataServer) -> Iterator[Env]:
    mysql_server.create_database(DATABASE)
    url = URL.create(
        "mysql+pymysql",
        username=mysql_server.user,
        password=mysql_server.password,
        host=mysql_server.host,
        port=mysql_server.port,
        database=DATABASE,
        query={"charset": "utf8mb4"},
    )
    schema_engine = sqlalchemy.create_engine(url)  # a plain engine: DDL is not part of any AT test
    Base.metadata.create_all(schema_engine)
    schema_engine.dispose()
    admin = pymysql.connect(**mysql_server.connect_kwargs(DATABASE), autocommit=True)
    with admin.cursor() as cur:
        cur.execute(undo_log_ddl("mysql"))
    seata_py.init(
        application_id="it-sqlalchemy",
        grouplist=seata_tc.address,
        time_zone="UTC",
        lock_retry={"interval_ms": 10, "times": 5},
    )
    try:
        yield Env(
            mysql_server,
            url,
            admin,
            f"jdbc:mysql://{mysql_server.host}:{mysql_server.port}/{DATABASE}",
        )
    finally:
        seata_py.shutdown()
        admin.close()


@pytest.fixture
def engine(env: Env) -> Iterator[Engine]:
    engine = create_engine(env.url, pool_size=1, max_overflow=0, pool_timeout=10, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def seeded(env: Env) -> None:
    with env.admin.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in [*TABLES, "undo_log"]:
            cur.execute(f"TRUNCATE TABLE `{table}`")  # also resets auto-increment counters
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        for model, rows in SEED:
            columns = list(rows[0])
            cur.executemany(
                f"INSERT INTO `{model.__tablename__}` ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [tuple(row[c] for c in columns) for row in rows],
            )


def snapshot(env: Env) -> dict[str, list[tuple[Any, ...]]]:
    state = {}
    with env.admin.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT * FROM `{table}`")
            state[table] = sorted(cur.fetchall(), key=repr)
    return state


def undo_rows(env: Env, xid: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(branch_id, decoded rollback_info) of the undo rows, of one transaction or all."""
    with env.admin.cursor() as cur:
        if xid is None:
            cur.execute("SELECT branch_id, rollback_info FROM undo_log")
        else:
            cur.execute("SELECT branch_id, rollback_info FROM undo_log WHERE xid = %s", (xid,))
        return [(branch_id, json.loads(info)) for branch_id, info in cur.fetchall()]


def undo_items(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(sqlType, tableName) of every item of one Java BranchUndoLog document."""
    return [(item["sqlType"], item["tableName"]) for item in document["sqlUndoLogs"][1]]


def require_insert_returning(engine: Engine) -> None:
    with engine.connect():  # the dialect learns the server's features on the first connection
        pass
    if not engine.dialect.insert_returning:
        pytest.skip("the server has no INSERT ... RETURNING (MySQL); MariaDB 10.5+ has")


def dbapi_of(session_or_connection: Session | sqlalchemy.Connection) -> ATConnection:
    connection = (
        session_or_connection.connection()
        if isinstance(session_or_connection, Session)
        else session_or_connection
    )
    dbapi = connection.connection.dbapi_connection
    assert isinstance(dbapi, ATConnection)
    return dbapi


@contextlib.contextmanager
def rolls_back_if(rollback: bool) -> Iterator[None]:
    if rollback:
        with pytest.raises(Boom):
            yield
    else:
        yield


def assert_outcome(env: Env, rollback: bool, before: dict[str, Any], during: dict[str, Any]) -> None:
    after = snapshot(env)
    if rollback:
        assert after == before
        assert undo_rows(env) == []
    else:
        assert after == during
        assert eventually(lambda: undo_rows(env) == [], timeout=10)


# -- ORM --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_orm_session_flow_in_a_global_transaction(env: Env, engine: Engine, rollback: bool) -> None:
    before = snapshot(env)
    with rolls_back_if(rollback), seata_py.global_transaction(name="sa-orm", timeout_ms=60000) as tx:
        with Session(engine) as session:
            new_accounts = [Account(owner=f"n{i}", balance=Decimal(i)) for i in range(1, 4)]
            session.add_all(new_accounts)  # generated keys: one INSERT ... RETURNING on MariaDB
            session.add_all([OrderLine(order_id=10, item_id=i, sku="B", qty=i) for i in (1, 2)])
            session.flush()
            session.get_one(Account, 1).balance -= Decimal("30.00")
            session.get_one(Account, 2).note = None
            session.delete(session.get_one(OrderLine, (1, 2)))
            nested = session.begin_nested()  # SAVEPOINT ... ROLLBACK TO SAVEPOINT drops its undo items
            session.add(Stock(sku="TMP", count=1))
            session.get_one(Account, 3).note = "gone with the savepoint"
            session.flush()
            nested.rollback()
            session.execute(update(Stock).where(Stock.count > 0).values(count=Stock.count - 1))
            session.execute(
                # DELETE ... RETURNING on MariaDB, SELECT then DELETE on MySQL
                delete(OrderLine).where(OrderLine.qty >= 5).execution_options(synchronize_session="fetch")
            )
            session.merge(OrderLine(order_id=1, item_id=1, sku="A", qty=9))  # exists: UPDATE
            session.merge(Stock(sku="NEW", count=3))  # does not: INSERT
            session.commit()
            generated = {account.owner: account.id for account in new_accounts}

        during = snapshot(env)
        accounts = {row[1]: row for row in during["sa_account"]}
        assert {owner: accounts[owner][0] for owner in generated} == generated
        assert accounts["u3"] == next(row for row in before["sa_account"] if row[1] == "u3")
        assert "TMP" not in {row[0] for row in during["sa_stock"]}
        assert during != before
        ((_, document),) = undo_rows(env, tx.xid)  # one session commit: one branch
        assert ("INSERT", "sa_stock") in undo_items(document)
        # the statements rolled back to the savepoint left nothing to undo
        assert "TMP" not in json.dumps(document) and "gone with the savepoint" not in json.dumps(document)
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


def test_orm_primary_key_change_is_refused_by_the_flush_and_the_session_must_roll_back(
    env: Env, engine: Engine
) -> None:
    before = snapshot(env)
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-orm-pk"):
        with Session(engine) as session:
            session.get_one(Account, 2).balance = Decimal("1.00")
            session.flush()
            session.get_one(Account, 1).id = 99
            with pytest.raises(sqlalchemy.exc.NotSupportedError) as err:
                session.flush()
            assert isinstance(err.value.orig, seata_py.UnsupportedSQLError)
            assert "primary key" in str(err.value.orig)
            assert "UPDATE sa_account SET id=" in str(err.value)  # SQLAlchemy shows the statement
            with pytest.raises(sqlalchemy.exc.PendingRollbackError):
                session.get_one(Account, 3)
            session.rollback()
            assert session.get_one(Account, 2).balance == Decimal("250.50")
        raise Boom
    assert snapshot(env) == before
    assert undo_rows(env) == []


def test_orm_bulk_statements_that_at_mode_cannot_undo_are_refused_and_the_session_goes_on(
    env: Env, engine: Engine
) -> None:
    before = snapshot(env)
    with seata_py.global_transaction(name="sa-orm-unsupported"):
        with Session(engine) as session:
            session.get_one(Account, 1).note = "kept"
            session.flush()
            with pytest.raises(sqlalchemy.exc.NotSupportedError) as err:
                session.execute(delete(OrderLine).where(OrderLine.sku.in_(select(Stock.sku))))
            assert isinstance(err.value.orig, seata_py.UnsupportedSQLError)
            assert err.value.orig.construct == "IN (subquery)"
            session.get_one(Account, 2).note = "also kept"
            session.commit()
        during = snapshot(env)
    assert_outcome(env, False, before, during)
    assert during["sa_order_line"] == before["sa_order_line"]  # refused before it ran
    notes = {row[0]: row[3] for row in during["sa_account"]}
    assert (notes[1], notes[2]) == ("kept", "also kept")


# -- Core -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_core_engine_begin_in_a_global_transaction(env: Env, engine: Engine, rollback: bool) -> None:
    accounts, lines, stock = Account.__table__, OrderLine.__table__, Stock.__table__
    before = snapshot(env)
    with rolls_back_if(rollback), seata_py.global_transaction(name="sa-core"):
        with engine.begin() as conn:
            # executemany: each parameter set gets its own images
            conn.execute(insert(accounts), [{"owner": "c1", "balance": 1}, {"owner": "c2", "balance": 2}])
            # one multi-VALUES statement with generated keys
            conn.execute(
                insert(accounts).values([{"owner": "c3", "balance": 3}, {"owner": "c4", "balance": 4}])
            )
            single = conn.execute(insert(accounts).values(owner="c5", balance=5))
            conn.execute(
                insert(lines),
                [{"order_id": 20, "item_id": i, "sku": "C", "qty": i} for i in (1, 2, 3)],
            )
            conn.execute(update(stock).where(stock.c.sku == "A").values(count=stock.c.count - 4))
            conn.execute(update(lines).where(lines.c.order_id == 1).values(qty=lines.c.qty * 10))
            conn.execute(delete(lines).where(lines.c.order_id == 2))
            conn.execute(delete(accounts).where(accounts.c.owner == "u3"))
            conn.execute(text("UPDATE sa_account SET note = :note WHERE id = :id"), {"note": "t", "id": 2})
        during = snapshot(env)
        owners = {row[1]: row[0] for row in during["sa_account"]}
        assert owners["c5"] == single.inserted_primary_key[0]
        assert {"c1", "c2", "c3", "c4"} <= set(owners)
        if rollback:
            raise Boom
    assert_outcome(env, rollback, before, during)


def test_core_statement_at_mode_cannot_undo_is_refused_and_the_transaction_stays_usable(
    env: Env, engine: Engine
) -> None:
    lines, accounts = OrderLine.__table__, Account.__table__
    before = snapshot(env)
    with seata_py.global_transaction(name="sa-core-unsupported"):
        with engine.connect() as conn:
            conn.execute(update(accounts).where(accounts.c.id == 1).values(note="first"))
            with pytest.raises(sqlalchemy.exc.NotSupportedError) as err:
                # MySQL's DELETE ... USING form: a multi-table DELETE
                conn.execute(delete(lines).where(lines.c.order_id == accounts.c.id))
            assert isinstance(err.value.orig, seata_py.UnsupportedSQLError)
            assert isinstance(err.value.orig, pymysql.err.NotSupportedError)
            assert err.value.orig.construct == "multi-table DELETE"
            assert "DELETE FROM sa_order_line USING" in str(err.value)
            conn.execute(update(accounts).where(accounts.c.id == 2).values(note="second"))
            conn.commit()
        during = snapshot(env)
    assert_outcome(env, False, before, during)
    assert during["sa_order_line"] == before["sa_order_line"]
    notes = {row[0]: row[3] for row in during["sa_account"]}
    assert (notes[1], notes[2]) == ("first", "second")


@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "commit"])
def test_insert_returning_of_generated_keys_returns_its_rows_and_is_undone(
    env: Env, engine: Engine, rollback: bool
) -> None:
    """Explicit insert().returning() of one and of several rows, and the ORM's batched inserts, which MariaDB
    runs as one INSERT ... VALUES (...), (...) RETURNING: the driver reports no lastrowid for them."""
    require_insert_returning(engine)
    accounts = Account.__table__
    before = snapshot(env)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with rolls_back_if(rollback), seata_py.global_transaction(name="sa-returning") as tx:
            with engine.connect() as conn:
                one = conn.execute(
                    insert(accounts).values(owner="r1", balance=1).returning(accounts.c.id, accounts.c.owner)
                ).all()
                several = conn.execute(
                    insert(accounts).returning(accounts.c.id, accounts.c.owner, sort_by_parameter_order=True),
                    [{"owner": "r2", "balance": 2}, {"owner": "r3", "balance": 3}],
                ).all()
                conn.commit()
            with Session(engine) as session:
                batch = [Account(owner=f"orm{i}", balance=Decimal(i)) for i in range(3)]
                session.add_all(batch)
                session.commit()
                orm_ids = {account.owner: account.id for account in batch}
            during = snapshot(env)
            ids = {row[1]: row[0] for row in during["sa_account"]}
            assert [tuple(row) for row in one] == [(ids["r1"], "r1")]
            assert [tuple(row) for row in several] == [(ids["r2"], "r2"), (ids["r3"], "r3")]
            assert orm_ids == {owner: ids[owner] for owner in orm_ids}
            inserts = [s for s in statements if s.startswith("INSERT INTO sa_account")]
            assert len(inserts) == 3 and all("RETURNING" in s for s in inserts)  # one statement per batch
            assert len(undo_rows(env, tx.xid)) == 2  # the Core commit and the session commit
            if rollback:
                raise Boom
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert_outcome(env, rollback, before, during)


def test_insert_returning_with_stream_results_is_refused_before_it_runs(env: Env, engine: Engine) -> None:
    require_insert_returning(engine)
    accounts = Account.__table__
    before = snapshot(env)
    with seata_py.global_transaction(name="sa-returning-stream"), engine.connect() as conn:
        with pytest.raises(sqlalchemy.exc.NotSupportedError) as err:
            conn.execute(
                insert(accounts).values(owner="s1", balance=1).returning(accounts.c.id),
                execution_options={"stream_results": True},
            )
        assert isinstance(err.value.orig, seata_py.UnsupportedSQLError)
        conn.commit()
    assert snapshot(env) == before


# -- driver features through the proxy --------------------------------------------------------------------


def test_server_side_cursor_and_isolation_levels_in_a_global_transaction(env: Env, engine: Engine) -> None:
    accounts = Account.__table__
    before = snapshot(env)
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-driver") as tx:
        with engine.connect() as conn:
            streamed = conn.execute(
                select(accounts.c.id).order_by(accounts.c.id), execution_options={"stream_results": True}
            )
            assert isinstance(streamed.cursor.target, pymysql.cursors.SSCursor)
            assert [row.id for row in streamed] == [1, 2, 3]
            conn.execute(update(accounts).where(accounts.c.id == 1).values(note="streamed"))
            conn.commit()
        with engine.connect().execution_options(isolation_level="SERIALIZABLE") as conn:
            assert conn.get_isolation_level() == "SERIALIZABLE"
            conn.execute(update(accounts).where(accounts.c.id == 2).values(note="serializable"))
            conn.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert dbapi_of(conn).get_autocommit() is True
            conn.execute(update(accounts).where(accounts.c.id == 3).values(note="autocommit 1"))
            conn.execute(update(accounts).where(accounts.c.id == 3).values(note="autocommit 2"))
        # a branch per session commit, and one per autocommit statement
        assert len(undo_rows(env, tx.xid)) == 4
        raise Boom
    assert snapshot(env) == before
    assert undo_rows(env) == []
    with engine.connect() as conn:  # the pool reset the isolation level and autocommit
        assert dbapi_of(conn).get_autocommit() is False
        assert conn.get_isolation_level() == conn.default_isolation_level == "REPEATABLE READ"


def test_first_connection_of_an_engine_opened_inside_a_global_transaction(env: Env) -> None:
    """The dialect's first-connect queries (version, sql_mode, ...) run with the XID bound."""
    fresh = create_engine(env.url, pool_size=1, max_overflow=0)
    before = snapshot(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="sa-first-connect"):
            with Session(fresh) as session, session.begin():
                session.add(Account(owner="first", balance=Decimal("1.00")))
            raise Boom
    finally:
        fresh.dispose()
    assert snapshot(env) == before


def test_a_connection_killed_inside_a_global_transaction_is_invalidated_and_replaced(
    env: Env, engine: Engine
) -> None:
    """The proxy lets SQLAlchemy see pymysql's disconnect errors, so the pool drops the dead connection."""
    before = snapshot(env)
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-killed"):
        with Session(engine) as session:
            session.get_one(Account, 1).note = "lost with the connection"
            session.flush()
            dead = dbapi_of(session)
            with env.admin.cursor() as cur:
                cur.execute("KILL %s", (dead.thread_id(),))
            with pytest.raises(sqlalchemy.exc.OperationalError) as err:
                session.get_one(Account, 2).note = "after the kill"
                session.flush()
            assert err.value.connection_invalidated
        raise Boom
    with engine.connect() as conn:
        fresh = dbapi_of(conn)
        assert fresh is not dead
        assert_checked_out_clean(fresh)
    assert snapshot(env) == before
    assert undo_rows(env) == []


# -- a pooled connection carries nothing to its next checkout ---------------------------------------------


def committed(engine: Engine) -> None:
    with seata_py.global_transaction(name="sa-pool-committed"), Session(engine) as session:
        session.get_one(Account, 1).note = "committed"
        session.commit()


def rolled_back(engine: Engine) -> None:
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pool-rolled-back"):
        with Session(engine) as session:
            session.get_one(Account, 1).note = "rolled back"
            session.commit()
        raise Boom


def aborted_after_flush(engine: Engine) -> None:
    """The statement ran and holds undo items and lock keys when the exception closes the session."""
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pool-aborted"), Session(engine) as session:
        session.get_one(Account, 1).note = "aborted"
        session.flush()
        raise Boom


def aborted_inside_a_savepoint(engine: Engine) -> None:
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pool-savepoint"),
        Session(engine) as session,
    ):
        session.get_one(Account, 1).note = "outer"
        session.flush()
        with session.begin_nested():
            session.get_one(Account, 3).note = "inner"
            session.flush()
            raise Boom


def poisoned(engine: Engine) -> None:
    """A statement failed after it ran: the proxy refuses to commit that local transaction."""
    accounts = Account.__table__
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pool-poisoned"), engine.connect() as conn:
        conn.execute(update(accounts).where(accounts.c.id == 1).values(note="poisoned"))
        with pytest.raises(ImageError, match="contains ','"):  # the lock key separator, found after running
            conn.execute(insert(Stock.__table__).values(sku="a,b", count=1))
        raise Boom


def failed_before_running(engine: Engine) -> None:
    """The statement failed before it changed anything; the connection still names its transaction."""
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-pool-failed"), engine.connect() as conn:
        with pytest.raises(sqlalchemy.exc.OperationalError, match="nosuchcolumn"):
            conn.execute(text("UPDATE sa_account SET note = 'x' WHERE nosuchcolumn = 1"))
        assert dbapi_of(conn).has_transaction_state()
        raise Boom


def autocommit_statements(engine: Engine) -> None:
    accounts = Account.__table__
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with (
        pytest.raises(Boom),
        seata_py.global_transaction(name="sa-pool-autocommit"),
        autocommit.connect() as conn,
    ):
        conn.execute(update(accounts).where(accounts.c.id == 1).values(note="autocommit"))
        raise Boom


def lock_failure_at_commit(engine: Engine) -> None:
    """Another global transaction holds the row: the session's commit fails on BranchRegister."""
    rt = runtime()
    holder_xid = rt.tc.begin("sa-pool-holder", 60000)
    holder = seata_py.connect(**engine.dialect.create_connect_args(engine.url)[1])
    try:
        token = bind_xid(holder_xid)
        try:
            holder.cursor().execute("UPDATE sa_account SET note = 'holder' WHERE id = 1")
            holder.commit()  # an AT branch of the holder transaction: it keeps the row's global lock
        finally:
            reset_xid(token)
        with (
            pytest.raises(seata_py.LockConflictError),
            seata_py.global_transaction(name="sa-pool-locked"),
            Session(engine) as session,
        ):
            session.get_one(Account, 1).note = "locked out"
            session.commit()
    finally:
        rt.tc.rollback(holder_xid)
        holder.close()


SCENARIOS: list[Callable[[Engine], None]] = [
    committed,
    rolled_back,
    aborted_after_flush,
    aborted_inside_a_savepoint,
    poisoned,
    failed_before_running,
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
    assert conn.get_autocommit() is False
    assert not conn.target.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_pool_of_one_checks_out_clean_after(env: Env, engine: Engine, scenario: Callable[..., None]) -> None:
    with engine.connect() as conn:
        used = dbapi_of(conn)
    scenario(engine)

    # next checkout, no global transaction: plain work, no branch, no undo row
    with Session(engine) as session:
        assert dbapi_of(session) is used
        assert_checked_out_clean(used)
        session.get_one(Stock, "C").count = 7
        session.commit()
    assert eventually(lambda: undo_rows(env) == [], timeout=10)

    # next checkout inside a new global transaction: its branch holds its own work only
    with seata_py.global_transaction(name="sa-pool-next") as tx:
        with Session(engine) as session:
            assert dbapi_of(session) is used
            assert_checked_out_clean(used)
            session.get_one(Stock, "B").count = 1
            session.commit()
        ((_, document),) = undo_rows(env, tx.xid)
        assert undo_items(document) == [("UPDATE", "sa_stock")]
        # the rows the scenario touched are not locked by this transaction
        assert runtime().rm.check_lock(None, used.resource_id, "sa_account:1,3")
    stock = dict(snapshot(env)["sa_stock"])
    assert (stock["B"], stock["C"]) == (1, 7)


def test_without_reset_on_return_a_transaction_left_open_is_rolled_back_at_checkout(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(env.url, pool_size=1, max_overflow=0, pool_reset_on_return=None)
    before = snapshot(env)
    try:
        with seata_py.global_transaction(name="sa-no-reset-left-open"):
            raw = engine.raw_connection()  # the DBAPI connection as the pool hands it out
            raw.cursor().execute("UPDATE sa_account SET note = 'left open' WHERE id = 1")
            raw.close()  # back to the pool with undo items, lock keys and an open transaction
        with (
            caplog.at_level(logging.WARNING, logger="seata_py.integrations.sqlalchemy"),
            seata_py.global_transaction(name="sa-no-reset-next") as tx,
            Session(engine) as session,
        ):
            session.get_one(Stock, "A").count = 0
            session.commit()
            ((_, document),) = undo_rows(env, tx.xid)
            assert undo_items(document) == [("UPDATE", "sa_stock")]
        assert "local transaction still open" in caplog.text
    finally:
        engine.dispose()
    after = snapshot(env)
    assert after["sa_account"] == before["sa_account"]
    assert dict(after["sa_stock"])["A"] == 0

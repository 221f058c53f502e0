"""SQLAlchemy asyncio engines (``mysql+aiomysql``, ``mysql+asyncmy``, ``postgresql+psycopg``,
``sqlite+aiosqlite``) instrumented by seata-py, against MariaDB / PostgreSQL / a SQLite file and the real
Seata server: ORM ``AsyncSession`` and Core
``AsyncConnection`` writes become AT branches, a global rollback restores every row, a commit keeps them and
cleans undo_log, a nested transaction (savepoint) rolled back drops its images; on debug-mode loops."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pymysql
import pytest
import sqlalchemy
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.exceptions import ConfigError
from seata_py.integrations.sqlalchemy_asyncio import create_async_engine, instrument, is_instrumented
from tests.infra.mariadb import MySQLServer
from tests.infra.postgres import PostgresServer
from tests.integration.async_support import DebugLoop
from tests.integration.conftest import eventually
from tests.integration.test_sqlalchemy import SEED, TABLES, Account, Base, OrderLine, Stock

pytestmark = pytest.mark.integration

DATABASE = "it_sqlalchemy_async"
BACKENDS = ("mysql+aiomysql", "mysql+asyncmy", "postgresql+psycopg", "sqlite+aiosqlite")


class Boom(Exception):
    pass


@dataclass
class Env:
    url: URL
    admin: Any  # autocommit DB-API connection for seeding and snapshots
    quote: str
    mark: str  # the admin connection's placeholder
    loop: DebugLoop  # the module's loop: the engine's pool lives on it
    engine: AsyncEngine


@pytest.fixture(scope="module")
def runtime(real_seata_server: Any) -> Iterator[None]:
    seata_py.init(application_id="it-sqlalchemy-async", grouplist=real_seata_server.address, time_zone="UTC")
    try:
        yield
    finally:
        seata_py.shutdown()


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, runtime: None) -> Iterator[Env]:
    backend: str = request.param
    mark = "%s"
    if backend.startswith("mysql"):
        server: MySQLServer = request.getfixturevalue("mysql_server")
        server.create_database(DATABASE)
        host, port, user, password = server.host, server.port, server.user, server.password
        sync_url = URL.create("mysql+pymysql", user, password, host, port, DATABASE)
        url = URL.create(backend, user, password, host, port, DATABASE)
        admin: Any = pymysql.connect(**server.connect_kwargs(DATABASE), autocommit=True)
        quote = "`"
    elif backend.startswith("postgresql"):
        pg: PostgresServer = request.getfixturevalue("postgres_server")
        pg.create_database(DATABASE)
        host, port, user, password = pg.host, pg.port, pg.user, pg.password
        sync_url = URL.create("postgresql+psycopg", user, password, host, port, DATABASE)
        url = URL.create(backend, user, password, host, port, DATABASE)
        admin = psycopg.connect(**pg.connect_kwargs(DATABASE), autocommit=True)
        quote = '"'
    else:
        path = request.getfixturevalue("tmp_path_factory").mktemp("sa-aiosqlite") / f"{DATABASE}.db"
        sync_url, url = make_url(f"sqlite:///{path}"), make_url(f"sqlite+aiosqlite:///{path}")
        admin = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # read off the loop too
        quote, mark = '"', "?"
    schema_engine = sqlalchemy.create_engine(sync_url)  # a plain engine: DDL is not part of any AT test
    Base.metadata.drop_all(schema_engine)
    Base.metadata.create_all(schema_engine)
    schema_engine.dispose()
    with closing(admin.cursor()) as cur:
        cur.execute("DROP TABLE IF EXISTS undo_log")
    ddl = undo_log_ddl(url.get_backend_name())
    if mark == "?":
        admin.executescript(ddl)  # the table and its indexes
    else:
        with closing(admin.cursor()) as cur:
            cur.execute(ddl)
    seed(admin, quote, mark)
    loop = DebugLoop()
    engine = loop.warm_up(_warm_engine(url))
    try:
        yield Env(url, admin, quote, mark, loop, engine)
    finally:
        loop.warm_up(engine.dispose())
        loop.close()
        admin.close()


async def _warm_engine(url: URL) -> AsyncEngine:
    """SQLAlchemy's one-time work (first connect, mapper configuration, statement compilation) done before
    the tests watch the loop; a local transaction that rolls back, outside any global transaction."""
    engine = create_async_engine(url, pool_size=2, max_overflow=0, pool_timeout=10)
    async with AsyncSession(engine) as session:
        await orm_work(session)
        session.add_all([Account(owner=f"warm{i}", balance=Decimal(i)) for i in range(3)])
        await session.flush()
        await session.rollback()
    async with engine.begin() as conn:
        await conn.execute(update(Stock).where(Stock.sku == "B").values(count=99))
        await conn.execute(delete(Account).where(Account.id == 3))
        await conn.execute(insert(OrderLine).values(order_id=9, item_id=1, sku="A", qty=1))
        await conn.rollback()
    return engine


@pytest.fixture(autouse=True)
def seeded(env: Env) -> None:
    seed(env.admin, env.quote, env.mark)


def seed(admin: Any, q: str, mark: str) -> None:
    with closing(admin.cursor()) as cur:
        for table in ["undo_log", *reversed(TABLES)]:
            cur.execute(f"DELETE FROM {q}{table}{q}")
        for model, rows in SEED:
            columns = list(rows[0])
            cur.executemany(
                f"INSERT INTO {q}{model.__tablename__}{q} ({', '.join(columns)}) "
                f"VALUES ({', '.join([mark] * len(columns))})",
                [tuple(_bindable(row[c], mark) for c in columns) for row in rows],
            )
        if q == '"' and mark == "%s":  # explicit ids leave PostgreSQL's sequence behind: move it past them
            cur.execute("SELECT setval(pg_get_serial_sequence('sa_account', 'id'), max(id)) FROM sa_account")


def _bindable(value: Any, mark: str) -> Any:
    """sqlite3 binds no Decimal; the NUMERIC column stores the number (as SQLAlchemy sends it)."""
    return float(value) if mark == "?" and isinstance(value, Decimal) else value


def snapshot(env: Env) -> dict[str, list[tuple[Any, ...]]]:
    state = {}
    with closing(env.admin.cursor()) as cur:
        for table in TABLES:
            cur.execute(f"SELECT * FROM {env.quote}{table}{env.quote}")
            state[table] = sorted(cur.fetchall(), key=repr)
    return state


def undo_count(env: Env) -> int:
    with closing(env.admin.cursor()) as cur:
        cur.execute("SELECT count(*) FROM undo_log")
        return int(cur.fetchone()[0])


async def orm_work(session: AsyncSession) -> None:
    session.add(Account(owner="new", balance=Decimal("5.00")))
    account = (await session.execute(select(Account).where(Account.owner == "u2"))).scalar_one()
    account.balance -= Decimal("50.50")
    await session.execute(update(Stock).where(Stock.sku == "A").values(count=Stock.count - 3))
    await session.execute(delete(OrderLine).where(OrderLine.order_id == 3))


def test_orm_session_rolls_back_with_the_global_transaction(env: Env) -> None:
    before = snapshot(env)

    async def body() -> None:
        engine = env.engine
        with pytest.raises(Boom):
            async with seata_py.global_transaction(name="sa-async-rollback"):
                async with AsyncSession(engine) as session, session.begin():
                    await orm_work(session)
                during = await asyncio.to_thread(snapshot, env)
                assert during != before
                assert await asyncio.to_thread(undo_count, env) >= 1
                raise Boom

    env.loop.run(body())
    assert snapshot(env) == before
    assert undo_count(env) == 0


def test_orm_session_commit_keeps_the_rows_and_cleans_undo_log(env: Env) -> None:
    async def body() -> None:
        engine = env.engine
        async with (
            seata_py.global_transaction(name="sa-async-commit"),
            AsyncSession(engine) as session,
            session.begin(),
        ):
            await orm_work(session)

    env.loop.run(body())
    state = snapshot(env)
    assert any(row[1] == "new" for row in state["sa_account"])
    assert (2, "u2", Decimal("200.00"), "vip") in state["sa_account"]
    assert ("A", 7) in state["sa_stock"]
    assert all(row[0] != 3 for row in state["sa_order_line"])
    assert eventually(lambda: undo_count(env) == 0, timeout=5)


def test_core_connection_and_a_rolled_back_savepoint(env: Env) -> None:
    """The nested transaction's images go with it; the rest rolls back globally, exactly."""
    before = snapshot(env)

    async def body() -> None:
        engine = env.engine
        with pytest.raises(Boom):
            async with seata_py.global_transaction(name="sa-async-savepoint"):
                async with engine.begin() as conn:
                    await conn.execute(update(Stock).where(Stock.sku == "B").values(count=99))
                    nested = await conn.begin_nested()
                    await conn.execute(delete(Account).where(Account.id == 3))
                    await nested.rollback()
                    await conn.execute(insert(OrderLine).values(order_id=9, item_id=1, sku="A", qty=1))
                state = await asyncio.to_thread(snapshot, env)
                assert ("B", 99) in state["sa_stock"]
                assert any(row[0] == 3 for row in state["sa_account"])
                raise Boom

    env.loop.run(body())
    assert snapshot(env) == before
    assert undo_count(env) == 0


def test_batched_orm_inserts_and_a_text_insert_with_a_generated_key(env: Env) -> None:
    """Several new rows with database-generated keys in one flush (SQLAlchemy would send PostgreSQL an
    INSERT ... SELECT, which AT mode cannot undo, unless told not to), and a text() INSERT whose key only a
    RETURNING seata-py adds can tell (its rows must not reach SQLAlchemy)."""
    before = snapshot(env)

    async def body() -> None:
        engine = env.engine
        with pytest.raises(Boom):
            async with seata_py.global_transaction(name="sa-async-batch"):
                async with AsyncSession(engine) as session, session.begin():
                    rows = [Account(owner=f"batch{i}", balance=Decimal(i)) for i in range(3)]
                    session.add_all(rows)
                    await session.flush()
                    assert len({row.id for row in rows}) == 3
                async with engine.begin() as conn:
                    result = await conn.execute(
                        sqlalchemy.text("INSERT INTO sa_account (owner, balance) VALUES ('text', 1)")
                    )
                    assert result.rowcount == 1
                state = await asyncio.to_thread(snapshot, env)
                assert len(state["sa_account"]) == len(before["sa_account"]) + 4
                raise Boom

    env.loop.run(body())
    assert snapshot(env) == before
    assert undo_count(env) == 0


def test_engines_are_instrumented_once_and_sync_engines_refused(env: Env) -> None:
    async def body() -> None:
        engine = env.engine
        assert is_instrumented(engine)
        assert instrument(engine) is engine
        with pytest.raises(ConfigError, match="already instrumented"):
            instrument(engine, resource_id="jdbc:other://x/y")
        with pytest.raises(ConfigError, match="AsyncEngine"):
            instrument(sqlalchemy.create_engine("sqlite://"))  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="async_creator"):
            create_async_engine(env.url, async_creator=lambda: None)

    env.loop.run(body())

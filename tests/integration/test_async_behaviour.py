"""Async AT behaviour against MariaDB and the real Seata server: the XID follows tasks, concurrent global
transactions on one loop keep their branches apart, global-lock waits and lock conflicts leave the loop free,
and typed refusals come before anything runs. Every test runs on a debug-mode loop that fails on a callback
slower than 50 ms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pymysql
import pytest

import seata_py
import seata_py.aio
from seata_py.exceptions import LockConflictError, UnsupportedSQLError
from seata_py.tm.propagation import Propagation
from tests.infra.mariadb import MySQLServer
from tests.integration.async_support import run_async
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually
from tests.integration.test_async_mysql_corpus import DRIVERS, driver_kwargs

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def db(mysql_server: MySQLServer, real_seata_server: Any) -> Iterator[dict[str, Any]]:
    name = mysql_server.create_database("it_async_behaviour")
    admin = pymysql.connect(**mysql_server.connect_kwargs(name), autocommit=True)
    create_schema(admin)
    seata_py.init(application_id="it-async-behaviour", grouplist=real_seata_server.address, time_zone="UTC")
    try:
        yield {"server": mysql_server, "name": name, "admin": admin}
    finally:
        seata_py.shutdown()
        admin.close()


@pytest.fixture
def admin(db: dict[str, Any]) -> pymysql.connections.Connection:
    reseed(db["admin"])
    return db["admin"]


async def connect(db: dict[str, Any], driver: str) -> Any:
    return await seata_py.aio.connect_mysql(driver=driver, **driver_kwargs(db["server"], db["name"]))


def balance(admin: Any, user: str) -> Decimal:
    with admin.cursor() as cur:
        cur.execute("SELECT balance FROM t_account WHERE user_id = %s", (user,))
        return cur.fetchone()[0]  # type: ignore[no-any-return]


async def debit(conn: Any, user: str, amount: str) -> None:
    async with conn.cursor() as cur:
        await cur.execute("UPDATE t_account SET balance = balance - %s WHERE user_id = %s", (amount, user))
    await conn.commit()


@pytest.mark.parametrize("driver", DRIVERS)
def test_gather_and_spawned_tasks_join_the_global_transaction(
    db: dict[str, Any], admin: Any, driver: str
) -> None:
    before = snapshot(admin)

    async def body() -> None:
        conns = [await connect(db, driver) for _ in range(3)]
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name="async-gather"):
                    await asyncio.gather(debit(conns[0], "u1", "1"), debit(conns[1], "u2", "2"))
                    await asyncio.create_task(debit(conns[2], "u3", "3"))
                    assert await asyncio.to_thread(undo_rows, admin) == 3  # three branches, one XID
                    raise Boom
        finally:
            for conn in conns:
                await conn.ensure_closed()

    run_async(body())
    assert snapshot(admin) == before
    assert undo_rows(admin) == 0


@pytest.mark.parametrize("driver", DRIVERS)
def test_concurrent_global_transactions_on_one_loop_keep_their_branches(
    db: dict[str, Any], admin: Any, driver: str
) -> None:
    """One commits, one rolls back, interleaved on one loop: each outcome reaches only its own rows."""
    u1, u2 = balance(admin, "u1"), balance(admin, "u2")

    async def one(user: str, fail: bool, started: asyncio.Event, other: asyncio.Event) -> None:
        conn = await connect(db, driver)
        try:
            async with seata_py.aio.global_transaction(name=f"async-{user}"):
                async with conn.cursor() as cur:
                    sql = "UPDATE t_account SET balance = balance - 5 WHERE user_id = %s"
                    await cur.execute(sql, (user,))
                started.set()
                await other.wait()  # both are inside their global transactions now
                await conn.commit()
                if fail:
                    raise Boom
        except Boom:
            pass
        finally:
            await conn.ensure_closed()

    async def body() -> None:
        a, b = asyncio.Event(), asyncio.Event()
        await asyncio.gather(one("u1", False, a, b), one("u2", True, b, a))

    run_async(body())
    assert balance(admin, "u1") == u1 - 5
    assert balance(admin, "u2") == u2
    assert eventually(lambda: undo_rows(admin) == 0, timeout=5)


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_lock_conflict_waits_on_the_loop_and_fails_typed(
    db: dict[str, Any], admin: Any, driver: str
) -> None:
    """A second global transaction wants a row the first holds: its retries sleep on the loop (a ticker keeps
    running meanwhile), it fails with LockConflictError, and nothing of it stays."""
    u1 = balance(admin, "u1")
    ticks: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        while not stop.is_set():
            ticks.append(asyncio.get_running_loop().time())
            await asyncio.sleep(0.01)

    async def body() -> None:
        holder, waiter = await connect(db, driver), await connect(db, driver)
        stop = asyncio.Event()
        tick = asyncio.create_task(ticker(stop))
        try:
            async with seata_py.aio.global_transaction(name="async-holder"):
                await debit(holder, "u1", "1")  # committed locally: the global lock stays with the holder
                with pytest.raises(LockConflictError):
                    async with seata_py.aio.global_transaction(
                        name="async-waiter",
                        propagation=Propagation.REQUIRES_NEW,
                        lock_retry_interval_ms=20,
                        lock_retry_times=10,
                    ):
                        await debit(waiter, "u1", "100")
                count = len(ticks)
                assert count >= 10, f"the loop ran {count} ticks while the waiter retried for ~200 ms"
        finally:
            stop.set()
            await tick
            await holder.ensure_closed()
            await waiter.ensure_closed()

    run_async(body())
    assert balance(admin, "u1") == u1 - 1


@pytest.mark.parametrize("driver", DRIVERS)
def test_unsupported_sql_is_refused_before_it_runs(db: dict[str, Any], admin: Any, driver: str) -> None:
    before = snapshot(admin)

    async def body() -> None:
        conn = await connect(db, driver)
        try:
            async with seata_py.aio.global_transaction(name="async-refused"):
                async with conn.cursor() as cur:
                    with pytest.raises(UnsupportedSQLError):
                        await cur.execute("UPDATE t_account SET id = id + 100 WHERE id = 1")  # a key change
                await conn.rollback()
        finally:
            await conn.ensure_closed()

    run_async(body())
    assert snapshot(admin) == before


@pytest.mark.parametrize("driver", DRIVERS)
def test_outside_a_global_transaction_the_driver_runs_alone(
    db: dict[str, Any], admin: Any, driver: str
) -> None:
    async def body() -> None:
        conn = await connect(db, driver)
        try:
            await debit(conn, "u1", "1")
        finally:
            await conn.ensure_closed()

    u1 = balance(admin, "u1")
    run_async(body())
    assert balance(admin, "u1") == u1 - 1
    assert undo_rows(admin) == 0

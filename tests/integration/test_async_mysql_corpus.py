"""The AT corpus through the asyncio MySQL drivers (aiomysql, asyncmy) against real MariaDB and the real Seata
server: the cases of test_at_corpus.py, with the same assertions, through ``await`` all the way, each test on
a loop in debug mode that fails on any callback slower than 50 ms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import seata_py
import seata_py.aio
from tests.infra.mariadb import MySQLServer
from tests.integration.async_support import run_async
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually
from tests.integration.test_at_corpus import CASES, Boom, Case, Step, run_plain

pytestmark = pytest.mark.integration

DRIVERS = ("aiomysql", "asyncmy")


@pytest.fixture(scope="module")
def databases(mysql_server: MySQLServer, real_seata_server: Any) -> Iterator[dict[str, Any]]:
    at_db = mysql_server.create_database("it_async_corpus")
    plain_db = mysql_server.create_database("it_async_plain")
    admin = {name: pymysql.connect(**mysql_server.connect_kwargs(name)) for name in (at_db, plain_db)}
    for conn in admin.values():
        create_schema(conn)
    seata_py.init(application_id="it-async-corpus", grouplist=real_seata_server.address, time_zone="UTC")
    try:
        yield {"server": mysql_server, "at": at_db, "plain": plain_db, "admin": admin}
    finally:
        seata_py.shutdown()
        for conn in admin.values():
            conn.close()


def driver_kwargs(server: MySQLServer, database: str) -> dict[str, Any]:
    kwargs = server.connect_kwargs(database)
    kwargs["db"] = kwargs.pop("database")  # aiomysql knows only db=; asyncmy takes both
    kwargs["init_command"] = "SET time_zone='+00:00'"
    return kwargs


async def at_connection(databases: dict[str, Any], driver: str, autocommit: bool) -> Any:
    conn = await seata_py.aio.connect_mysql(
        driver=driver, **driver_kwargs(databases["server"], databases["at"])
    )
    await conn.autocommit(autocommit)
    return conn


async def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    async with conn.cursor() as cur:
        for step in steps:
            if step.many:
                await cur.executemany(step.sql, step.args)
            else:
                await cur.execute(step.sql, step.args)
            await cur.fetchall()


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(databases: dict[str, Any], driver: str, c: Case) -> None:
    admin = databases["admin"][databases["at"]]
    reseed(admin)
    before = snapshot(admin)

    async def body() -> None:
        conn = await at_connection(databases, driver, c.autocommit)
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name=f"async-{c.id}") as tx:
                    await run_steps(conn, c.steps)
                    if not c.autocommit:
                        await conn.commit()
                    if c.changes:  # the admin connection is sync: read it off the loop
                        during = await asyncio.to_thread(snapshot, admin)
                        assert during != before, "the case changed nothing: it cannot show a rollback"
                    assert tx.xid
                    raise Boom
        finally:
            await conn.ensure_closed()

    run_async(body())
    assert snapshot(admin) == before
    assert undo_rows(admin) == 0


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(databases: dict[str, Any], driver: str, c: Case) -> None:
    at_admin = databases["admin"][databases["at"]]
    plain_admin = databases["admin"][databases["plain"]]
    reseed(at_admin)
    reseed(plain_admin)

    run_plain(databases, c)  # through pymysql: aiomysql 0.3 cannot bind bytes under pymysql 1.2 itself

    async def body() -> None:
        conn = await at_connection(databases, driver, c.autocommit)
        try:
            async with seata_py.aio.global_transaction(name=f"async-{c.id}"):
                await run_steps(conn, c.steps)
                if not c.autocommit:
                    await conn.commit()
        finally:
            await conn.ensure_closed()

    run_async(body())
    assert snapshot(at_admin, skip_columns=("updated_at",)) == snapshot(
        plain_admin, skip_columns=("updated_at",)
    )
    assert eventually(lambda: undo_rows(at_admin) == 0, timeout=5), "undo_log not cleaned within 5 s"

"""The PostgreSQL AT corpus through psycopg's ``AsyncConnection`` against the real Seata server: the cases of
test_postgres_corpus.py with the same assertions, awaited all the way, each test on a debug-mode loop that
fails on any callback slower than 50 ms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import seata_py
import seata_py.aio
from tests.infra.postgres import PostgresServer
from tests.integration.async_support import run_async
from tests.integration.conftest import eventually
from tests.integration.postgres_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.test_at_corpus import Boom, Case, Step
from tests.integration.test_postgres_corpus import CASES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def databases(postgres_server: PostgresServer, real_seata_server: Any) -> Iterator[dict[str, str]]:
    names = {"at": postgres_server.create_database("it_pg_async"), "plain": "it_pg_async_plain"}
    postgres_server.create_database(names["plain"])
    for name in names.values():
        create_schema(postgres_server, name)
    seata_py.init(application_id="it-pg-async", grouplist=real_seata_server.address)
    try:
        yield names
    finally:
        seata_py.shutdown()


async def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = conn.cursor()
    for step in steps:
        if step.many:
            await cur.executemany(step.sql, step.args)
        else:
            await cur.execute(step.sql, step.args)
            if cur.description is not None:
                await cur.fetchall()


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(
    postgres_server: PostgresServer, databases: dict[str, str], c: Case
) -> None:
    db = databases["at"]
    reseed(postgres_server, db)
    before = snapshot(postgres_server, db)

    async def body() -> None:
        conn = await seata_py.aio.connect_postgresql(
            **postgres_server.connect_kwargs(db), autocommit=c.autocommit
        )
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name=f"pg-async-{c.id}") as tx:
                    await run_steps(conn, c.steps)
                    if not c.autocommit:
                        await conn.commit()
                    if c.changes:  # the snapshot is read through a sync connection: off the loop
                        during = await asyncio.to_thread(snapshot, postgres_server, db)
                        assert during != before, "the case changed nothing: it shows no rollback"
                    assert tx.xid
                    raise Boom
        finally:
            await conn.close()

    run_async(body())
    assert snapshot(postgres_server, db) == before
    assert undo_rows(postgres_server, db) == 0


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(
    postgres_server: PostgresServer, databases: dict[str, str], c: Case
) -> None:
    at_db, plain_db = databases["at"], databases["plain"]
    reseed(postgres_server, at_db)
    reseed(postgres_server, plain_db)

    async def body() -> None:
        plain = await psycopg.AsyncConnection.connect(
            **postgres_server.connect_kwargs(plain_db), autocommit=c.autocommit
        )
        try:
            await run_steps(plain, c.steps)
            await plain.commit()
        finally:
            await plain.close()
        conn = await seata_py.aio.connect_postgresql(
            **postgres_server.connect_kwargs(at_db), autocommit=c.autocommit
        )
        try:
            async with seata_py.aio.global_transaction(name=f"pg-async-{c.id}"):
                await run_steps(conn, c.steps)
                if not c.autocommit:
                    await conn.commit()
        finally:
            await conn.close()

    run_async(body())
    at, plain_rows = snapshot(postgres_server, at_db), snapshot(postgres_server, plain_db)
    if any("gen_random_uuid" in s.sql or "t_token (owner)" in s.sql for s in c.steps):
        at.pop("t_token"), plain_rows.pop("t_token")  # fresh uuids differ between the twins
    assert at == plain_rows
    assert eventually(lambda: undo_rows(postgres_server, at_db) == 0, timeout=5), (
        "undo_log not cleaned in 5 s"
    )

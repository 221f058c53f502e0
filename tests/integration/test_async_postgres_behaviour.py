"""psycopg's AsyncConnection in AT mode against PostgreSQL and the real Seata server: async transaction
blocks with savepoints, generated keys read through a RETURNING the caller never sees, the caller's own
RETURNING rows, refusals with psycopg's own error classes; on debug-mode loops."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import seata_py
import seata_py.aio
from seata_py.exceptions import UnsupportedSQLError
from tests.infra.postgres import PostgresServer
from tests.integration.async_support import run_async
from tests.integration.postgres_schema import create_schema, reseed, snapshot, undo_rows

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def db(postgres_server: PostgresServer, real_seata_server: Any) -> Iterator[str]:
    name = postgres_server.create_database("it_pg_async_behaviour")
    create_schema(postgres_server, name)
    seata_py.init(application_id="it-pg-async-behaviour", grouplist=real_seata_server.address)
    try:
        yield name
    finally:
        seata_py.shutdown()


def test_savepoint_blocks_drop_their_images_and_the_rest_rolls_back(
    postgres_server: PostgresServer, db: str
) -> None:
    reseed(postgres_server, db)
    before = snapshot(postgres_server, db)
    seen: dict[str, Any] = {}

    async def body() -> None:
        conn = await seata_py.aio.connect_postgresql(**postgres_server.connect_kwargs(db))
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name="pg-async-savepoints"):
                    async with conn.transaction():
                        await conn.execute("UPDATE t_stock SET count = count + 1 WHERE sku = 'A'")
                        async with conn.transaction() as inner:
                            await conn.execute("DELETE FROM t_stock WHERE sku = 'B'")
                            raise psycopg.Rollback(inner)
                        insert = "INSERT INTO t_account (user_id, balance) VALUES ('async', 1)"
                        cur = await conn.execute(f"{insert} RETURNING id, user_id")
                        seen["returned"] = [row[1] for row in await cur.fetchall()]
                    seen["undo"] = undo_rows(postgres_server, db)
                    raise Boom
        finally:
            await conn.close()

    run_async(body(), slow_limit=0.25)  # undo_rows reads through a sync connection inside the body
    assert seen["returned"] == ["async"]
    assert seen["undo"] == 1
    assert snapshot(postgres_server, db) == before
    assert undo_rows(postgres_server, db) == 0


def test_generated_keys_stay_hidden_and_refusals_are_psycopg_errors(
    postgres_server: PostgresServer, db: str
) -> None:
    reseed(postgres_server, db)
    before = snapshot(postgres_server, db)

    async def body() -> None:
        conn = await seata_py.aio.connect_postgresql(**postgres_server.connect_kwargs(db))
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name="pg-async-keys"):
                    cur = await conn.execute("INSERT INTO t_account (user_id, balance) VALUES ('k', 2)")
                    assert cur.rowcount == 1
                    assert cur.description is None
                    with pytest.raises(psycopg.ProgrammingError):
                        await cur.fetchall()  # the RETURNING seata-py added is not the caller's
                    with pytest.raises(UnsupportedSQLError) as refused:
                        await conn.execute("TRUNCATE t_stock")
                    assert isinstance(refused.value, psycopg.Error)
                    await conn.rollback()
                    raise Boom
        finally:
            await conn.close()

    run_async(body())
    assert snapshot(postgres_server, db) == before

"""The SQLite AT corpus through aiosqlite against the real Seata server: the cases of test_sqlite_corpus.py
with the same assertions, awaited all the way, each test on a debug-mode loop that fails on any callback
slower than 50 ms."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import seata_py
import seata_py.aio
from tests.integration.async_support import run_async
from tests.integration.conftest import eventually
from tests.integration.sqlite_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.test_at_corpus import Case, Step
from tests.integration.test_sqlite_corpus import CASES, Boom

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, real_seata_server: Any) -> Iterator[dict[str, Path]]:
    directory = tmp_path_factory.mktemp("aiosqlite-corpus")
    paths = {"at": directory / "at.db", "plain": directory / "plain.db"}
    for path in paths.values():
        create_schema(path)
    seata_py.init(application_id="it-aiosqlite-corpus", grouplist=real_seata_server.address)
    try:
        yield paths
    finally:
        seata_py.shutdown()


async def at_connection(path: Path, autocommit: bool) -> Any:
    if autocommit:
        return await seata_py.aio.connect_sqlite(path, isolation_level=None, timeout=10)
    return await seata_py.aio.connect_sqlite(path, timeout=10)


async def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = await conn.cursor()
    for step in steps:
        args = () if step.args is None else step.args
        if step.many:
            await cur.executemany(step.sql, args)
        else:
            await cur.execute(step.sql, args)
        await cur.fetchall()


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(files: dict[str, Path], c: Case) -> None:
    reseed(files["at"])
    before = snapshot(files["at"])

    async def body() -> None:
        conn = await at_connection(files["at"], c.autocommit)
        try:
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name=f"aiosqlite-{c.id}") as tx:
                    await run_steps(conn, c.steps)
                    if not c.autocommit:
                        await conn.commit()
                    if c.changes:  # the snapshot reads the file through sqlite3: off the loop
                        during = await asyncio.to_thread(snapshot, files["at"])
                        assert during != before, "the case changed nothing: it cannot show a rollback"
                    assert tx.xid
                    raise Boom
        finally:
            await conn.close()

    run_async(body())
    assert snapshot(files["at"]) == before
    assert undo_rows(files["at"]) == 0


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(files: dict[str, Path], c: Case) -> None:
    reseed(files["at"])
    reseed(files["plain"])
    plain = sqlite3.connect(files["plain"], isolation_level=None if c.autocommit else "", timeout=10)
    try:
        cur = plain.cursor()
        for step in c.steps:
            args = () if step.args is None else step.args
            (cur.executemany if step.many else cur.execute)(step.sql, args)
            cur.fetchall()
        plain.commit()
    finally:
        plain.close()

    async def body() -> None:
        conn = await at_connection(files["at"], c.autocommit)
        try:
            async with seata_py.aio.global_transaction(name=f"aiosqlite-{c.id}"):
                await run_steps(conn, c.steps)
                if not c.autocommit:
                    await conn.commit()
        finally:
            await conn.close()

    run_async(body())
    assert snapshot(files["at"]) == snapshot(files["plain"])
    assert eventually(lambda: undo_rows(files["at"]) == 0, timeout=5), "undo_log not cleaned within 5 s"

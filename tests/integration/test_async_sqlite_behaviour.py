"""aiosqlite connections in AT mode against the real Seata server: aiosqlite's own shortcuts go through AT
mode too, settings written on the wrapper reach the driver, wrapping twice is harmless; on debug-mode
loops."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import seata_py
import seata_py.aio
from seata_py.exceptions import UnsupportedSQLError
from tests.integration.async_support import run_async
from tests.integration.sqlite_schema import create_schema, reseed, snapshot, undo_rows

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory, real_seata_server: Any) -> Iterator[Path]:
    file = tmp_path_factory.mktemp("aiosqlite-behaviour") / "at.db"
    create_schema(file)
    seata_py.init(application_id="it-aiosqlite-behaviour", grouplist=real_seata_server.address)
    try:
        yield file
    finally:
        seata_py.shutdown()


def test_connection_shortcuts_are_intercepted_and_roll_back(path: Path) -> None:
    reseed(path)
    before = snapshot(path)

    async def body() -> None:
        conn = await seata_py.aio.connect_sqlite(path, timeout=10)
        try:
            assert await seata_py.aio.wrap(conn) is conn
            conn.row_factory = sqlite3.Row  # the driver's setting, not the wrapper's
            assert conn.target.row_factory is sqlite3.Row
            with pytest.raises(Boom):
                async with seata_py.aio.global_transaction(name="aiosqlite-shortcuts"):
                    async with conn.execute("UPDATE t_stock SET count = 99 WHERE sku = 'A'") as cur:
                        assert cur.rowcount == 1
                    await conn.execute_insert("INSERT INTO t_stock (sku, name, count) VALUES ('Z', 'zed', 1)")
                    rows = await conn.execute_fetchall("SELECT sku FROM t_stock WHERE sku = 'Z'")
                    assert [row["sku"] for row in rows] == ["Z"]
                    with pytest.raises(UnsupportedSQLError):
                        await conn.executescript("DELETE FROM t_stock;")
                    await conn.commit()
                    raise Boom
        finally:
            await conn.close()

    run_async(body())
    assert snapshot(path) == before
    assert undo_rows(path) == 0

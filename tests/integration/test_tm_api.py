"""The TM API against real MariaDB and the TC: propagation, rollback rules, timeouts, tasks, global lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import seata_py
from seata_py import Propagation
from seata_py.exceptions import LockConflictError, PropagationError, TransactionTimeoutError
from seata_py.types.context import current_xid
from tests.infra.mariadb import MySQLServer
from tests.infra.seata_server import SeataServer
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


class Declined(Exception):
    pass


@pytest.fixture(scope="module")
def env(mysql_server: MySQLServer, seata_tc: SeataServer) -> Iterator[dict[str, Any]]:
    db = mysql_server.create_database("it_tm_api")
    admin = pymysql.connect(**mysql_server.connect_kwargs(db))
    create_schema(admin)
    seata_py.init(
        application_id="it-tm-api",
        grouplist=seata_tc.address,
        time_zone="UTC",
        lock_retry={"interval_ms": 10, "times": 20},
    )
    try:
        yield {"server": mysql_server, "db": db, "admin": admin}
    finally:
        seata_py.shutdown()
        admin.close()


@pytest.fixture(autouse=True)
def fresh(env: dict[str, Any]) -> None:
    reseed(env["admin"])


def connect(env: dict[str, Any]) -> Any:
    return seata_py.connect(**env["server"].connect_kwargs(env["db"]))


def add_stock(conn: Any, sku: str) -> None:
    with conn.cursor() as cur:
        cur.execute("INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s)", (sku, f"n-{sku}", 1))
    conn.commit()


def skus(env: dict[str, Any]) -> set[str]:
    return {row[0] for row in snapshot(env["admin"])["t_stock"]}


SEEDED = {"A", "B", "C"}


# mode -> does the inner write survive when the OUTER transaction then rolls back?
SURVIVES_OUTER_ROLLBACK = {
    Propagation.REQUIRED: False,
    Propagation.SUPPORTS: False,
    Propagation.MANDATORY: False,
    Propagation.REQUIRES_NEW: True,  # its own transaction, committed when the inner block ended
    Propagation.NOT_SUPPORTED: True,  # ran as a plain local transaction
}


@pytest.mark.parametrize("mode", list(SURVIVES_OUTER_ROLLBACK))
def test_propagation_with_an_outer_transaction(env: dict[str, Any], mode: Propagation) -> None:
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction("outer") as outer:
            add_stock(conn, "OUT")
            with seata_py.global_transaction("inner", propagation=mode) as inner:
                assert (inner.xid == outer.xid) == (
                    mode not in (Propagation.REQUIRES_NEW, Propagation.NOT_SUPPORTED)
                )
                add_stock(conn, "IN")
            assert current_xid() == outer.xid
            raise Boom
    finally:
        conn.close()
    expected = SEEDED | ({"IN"} if SURVIVES_OUTER_ROLLBACK[mode] else set())
    assert skus(env) == expected
    assert eventually(lambda: undo_rows(env["admin"]) == 0, 10)


# mode -> is the inner block's failure rolled back globally when there is NO outer transaction?
ROLLS_BACK_ALONE = {
    Propagation.REQUIRED: True,
    Propagation.REQUIRES_NEW: True,
    Propagation.SUPPORTS: False,  # no transaction: the local commit stands
    Propagation.NOT_SUPPORTED: False,
    Propagation.NEVER: False,
}


@pytest.mark.parametrize("mode", list(ROLLS_BACK_ALONE))
def test_propagation_without_an_outer_transaction(env: dict[str, Any], mode: Propagation) -> None:
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction("alone", propagation=mode) as tx:
            assert (tx.xid is not None) == ROLLS_BACK_ALONE[mode]
            add_stock(conn, "X")
            raise Boom
    finally:
        conn.close()
    assert skus(env) == (SEEDED if ROLLS_BACK_ALONE[mode] else SEEDED | {"X"})


def test_never_inside_and_mandatory_outside_are_refused_before_any_write(env: dict[str, Any]) -> None:
    conn = connect(env)
    try:
        with pytest.raises(PropagationError, match="NEVER"), seata_py.global_transaction("outer"):
            add_stock(conn, "OUT")
            with seata_py.global_transaction("inner", propagation=Propagation.NEVER):
                add_stock(conn, "IN")
        with (
            pytest.raises(PropagationError, match="MANDATORY"),
            seata_py.global_transaction("m", propagation=Propagation.MANDATORY),
        ):
            add_stock(conn, "M")
    finally:
        conn.close()
    assert skus(env) == SEEDED  # the outer block saw the PropagationError and rolled back


def test_no_rollback_for_commits_and_still_raises(env: dict[str, Any]) -> None:
    @seata_py.global_transactional(no_rollback_for=[Declined])
    def order(conn: Any) -> None:
        add_stock(conn, "KEEP")
        raise Declined("card declined, order kept for retry")

    @seata_py.global_transactional(rollback_for=[Declined])
    def order_strict(conn: Any) -> None:
        add_stock(conn, "DROP")
        raise Declined("card declined")

    conn = connect(env)
    try:
        with pytest.raises(Declined):
            order(conn)
        with pytest.raises(Declined):
            order_strict(conn)
    finally:
        conn.close()
    assert skus(env) == SEEDED | {"KEEP"}
    assert eventually(lambda: undo_rows(env["admin"]) == 0, 10)


def test_timed_out_transaction_is_rolled_back_not_committed(env: dict[str, Any]) -> None:
    conn = connect(env)
    try:
        with pytest.raises(TransactionTimeoutError), seata_py.global_transaction("slow", timeout_ms=300):
            add_stock(conn, "LATE")
            threading.Event().wait(0.6)
    finally:
        conn.close()
    # the TC may have found the timeout first (TimeoutRollbacking): it then rolls back on its own schedule
    assert eventually(lambda: skus(env) == SEEDED, 15), skus(env)
    assert eventually(lambda: undo_rows(env["admin"]) == 0, 10)


def test_fifty_concurrent_tasks_keep_their_own_transactions(env: dict[str, Any]) -> None:
    """Even tasks fail; each writes in a worker thread that inherits its task's context."""

    def write(sku: str, expected_xid: str) -> None:
        assert current_xid() == expected_xid
        conn = connect(env)
        try:
            add_stock(conn, sku)
        finally:
            conn.close()

    async def one(i: int) -> str:
        async with seata_py.global_transaction(f"task-{i}") as tx:
            assert tx.xid is not None
            await asyncio.to_thread(write, f"T{i:02d}", tx.xid)
            await asyncio.sleep(0)
            assert current_xid() == tx.xid
            if i % 2 == 0:
                raise Boom(i)
            return tx.xid

    async def main() -> list[Any]:
        return await asyncio.gather(*(one(i) for i in range(50)), return_exceptions=True)

    results = asyncio.run(main())
    committed = [r for r in results if isinstance(r, str)]
    assert len(set(committed)) == 25
    assert all(isinstance(results[i], Boom) for i in range(0, 50, 2))
    assert skus(env) == SEEDED | {f"T{i:02d}" for i in range(1, 50, 2)}
    assert eventually(lambda: undo_rows(env["admin"]) == 0, 15)


def test_global_lock_waits_for_a_global_transaction(env: dict[str, Any]) -> None:
    holder_ready, release = threading.Event(), threading.Event()

    def holder() -> None:
        conn = connect(env)
        try:
            with seata_py.global_transaction("holder"):
                with conn.cursor() as cur:
                    cur.execute("UPDATE t_stock SET count = count - 1 WHERE sku = %s", ("A",))
                conn.commit()
                holder_ready.set()
                release.wait(10)
        finally:
            conn.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holder_ready.wait(10)
        plain = connect(env)
        try:
            with pytest.raises(LockConflictError), seata_py.global_lock():
                with plain.cursor() as cur:
                    cur.execute("UPDATE t_stock SET count = 0 WHERE sku = %s", ("A",))
                plain.commit()
            release.set()
            thread.join(10)

            @seata_py.global_lock
            def reset_count() -> None:
                with plain.cursor() as cur:
                    cur.execute("UPDATE t_stock SET count = 0 WHERE sku = %s", ("A",))
                plain.commit()

            reset_count()
        finally:
            plain.close()
    finally:
        release.set()
        thread.join(10)
    assert dict((r[0], r[2]) for r in snapshot(env["admin"])["t_stock"])["A"] == 0
    assert eventually(lambda: undo_rows(env["admin"]) == 0, 10)

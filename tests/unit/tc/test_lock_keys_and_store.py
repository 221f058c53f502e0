"""Lock keys as the TC reads them, the lock table, the id sequence and both session stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seata_py.protocol import BranchStatus, BranchType, GlobalStatus
from seata_py.tc.errors import MalformedLockKeyError, TCStoreError
from seata_py.tc.ids import BLOCK, IdGenerator
from seata_py.tc.lock_keys import parse_lock_key
from seata_py.tc.locks import LockTable
from seata_py.tc.model import BranchSession, GlobalSession, RowLock
from seata_py.tc.sqlite_store import SqliteStore
from seata_py.tc.store import MemoryStore, Store

R = "jdbc:mysql://h:3306/db"


def test_lock_key_splits_on_semicolon_then_first_colon_then_comma() -> None:
    rows = parse_lock_key(R, "t_order:1,2;t_stock:7_3;t_odd:a:b,c")
    assert [(r.table, r.pk) for r in rows] == [
        ("t_order", "1"),
        ("t_order", "2"),
        ("t_stock", "7_3"),
        ("t_odd", "a:b"),  # only the first ':' separates the table
        ("t_odd", "c"),
    ]
    assert rows[0].row_key == f"{R}^^^t_order^^^1"


def test_lock_key_duplicates_and_empty_parts_are_dropped() -> None:
    rows = parse_lock_key(R, "t:1,1,,2;;t:2")
    assert [r.pk for r in rows] == ["1", "2"]
    assert parse_lock_key(R, None) == [] and parse_lock_key(R, "") == []


@pytest.mark.parametrize("bad", ["t_order", ":1", "t:1;nocolon"])
def test_lock_key_without_table_colon_is_rejected(bad: str) -> None:
    with pytest.raises(MalformedLockKeyError, match="wrong format"):
        parse_lock_key(R, bad, xid="x:1:2")


def test_lock_table_reentrant_rows_stay_with_the_first_branch() -> None:
    table = LockTable()
    first = table.missing("x1", 1, 10, parse_lock_key(R, "t:1,2"))
    table.add(first)
    second = table.missing("x1", 1, 11, parse_lock_key(R, "t:2,3"))
    assert [lock.pk for lock in second] == ["3"]
    table.add(second)
    assert table.conflicts("x1", parse_lock_key(R, "t:1,2,3")) == []
    assert {lock.pk for lock in table.conflicts("x2", parse_lock_key(R, "t:2,9"))} == {"2"}
    assert {lock.pk for lock in table.conflicts(None, parse_lock_key(R, "t:3"))} == {"3"}
    assert {lock.pk for lock in table.release_branch(11)} == {"3"}
    assert {lock.pk for lock in table.of_xid("x1")} == {"1", "2"}
    assert {lock.pk for lock in table.release_xid("x1")} == {"1", "2"}
    assert len(table) == 0


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reservations: list[int] = []

    def reserve_ids(self, high_water: int) -> None:
        self.reservations.append(high_water)
        super().reserve_ids(high_water)


def test_ids_increase_reserve_blocks_and_continue_above_them_after_a_restart() -> None:
    store = CountingStore()
    ids = IdGenerator(store, store.load().id_high_water, seed=500)
    first = [ids.next() for _ in range(BLOCK + 5)]
    assert first == list(range(500, 500 + BLOCK + 5))
    assert store.reservations == [500 + BLOCK, 500 + 2 * BLOCK]
    # a restart whose clock went backwards still continues above everything reserved
    again = IdGenerator(store, store.load().id_high_water, seed=1)
    assert again.next() == 500 + 2 * BLOCK > first[-1]


def test_ids_without_a_stored_counter_start_from_the_clock() -> None:
    a = IdGenerator(MemoryStore(), 0).next()
    b = IdGenerator(MemoryStore(), 0).next()
    assert b >= a > 10**15  # a :memory: TC started again does not reuse its predecessor's ids


def _session(xid: str = "127.0.0.1:8091:100") -> GlobalSession:
    return GlobalSession(
        xid=xid,
        transaction_id=int(xid.rsplit(":", 1)[1]),
        application_id="app",
        tx_service_group="g",
        name="tx",
        timeout_ms=60000,
        begin_time_ms=1_700_000_000_000,
    )


def _branch(session: GlobalSession, branch_id: int) -> BranchSession:
    return BranchSession(
        branch_id=branch_id,
        xid=session.xid,
        transaction_id=session.transaction_id,
        resource_id=R,
        branch_type=BranchType.AT,
        lock_key=f"t:{branch_id}",
        client_id="app:127.0.0.1:5000",
        application_data='{"autoCommit":false}',
        begin_time_ms=1_700_000_000_500,
    )


def _lock(branch: BranchSession) -> RowLock:
    (ref,) = parse_lock_key(R, branch.lock_key)
    return RowLock(ref.row_key, branch.xid, branch.transaction_id, branch.branch_id, R, ref.table, ref.pk)


STORES: dict[str, Callable[[Path], Store]] = {
    "memory": lambda _: MemoryStore(),
    "sqlite": lambda tmp: SqliteStore(tmp / "tc.db"),
}


@pytest.mark.parametrize("kind", list(STORES))
def test_store_round_trip(kind: str, tmp_path: Path) -> None:
    store = STORES[kind](tmp_path)
    session = _session()
    b1, b2 = _branch(session, 102), _branch(session, 101)
    with store.transaction():
        store.put_global(session)
        store.put_branch(b1)
        store.put_branch(b2)
        store.add_locks([_lock(b1), _lock(b2)])
    store.reserve_ids(5000)
    store.reserve_ids(4000)  # never lowers the high-water mark
    session.status, session.active = GlobalStatus.ROLLBACK_RETRYING, False
    store.put_global(session)
    b1.status = BranchStatus.PHASE_ONE_FAILED
    store.put_branch(b1)

    state = store.load()
    assert state.id_high_water == 5000
    (loaded,) = state.sessions
    assert loaded.status is GlobalStatus.ROLLBACK_RETRYING and loaded.active is False
    assert (loaded.name, loaded.timeout_ms, loaded.begin_time_ms) == ("tx", 60000, 1_700_000_000_000)
    assert [b.branch_id for b in loaded.branches] == [101, 102]  # registration (id) order
    assert loaded.branches[1].status is BranchStatus.PHASE_ONE_FAILED
    assert loaded.branches[0].application_data == '{"autoCommit":false}'
    assert loaded.branches[0].branch_type is BranchType.AT
    assert sorted(lock.pk for lock in state.locks) == ["101", "102"]

    with store.transaction():
        store.delete_branch(101)
        store.remove_locks([_lock(b2).row_key])
    state = store.load()
    assert [b.branch_id for b in state.sessions[0].branches] == [102]
    assert [lock.pk for lock in state.locks] == ["102"]
    store.delete_global(session.xid)
    state = store.load()
    assert state.sessions == [] and state.locks == []
    store.close()


@pytest.mark.parametrize("kind", list(STORES))
def test_store_transaction_that_fails_writes_nothing(kind: str, tmp_path: Path) -> None:
    store = STORES[kind](tmp_path)
    session = _session()
    with pytest.raises(RuntimeError), store.transaction():
        store.put_global(session)
        with store.transaction():  # nested: joins the outer one
            store.put_branch(_branch(session, 7))
        raise RuntimeError("decision abandoned")
    assert store.load().sessions == []
    store.close()


def test_sqlite_store_survives_reopening_and_refuses_a_second_process(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tc.db"
    store = SqliteStore(path)
    store.put_global(_session())
    with pytest.raises(TCStoreError, match="another TC process"):
        SqliteStore(path)
    store.close()
    reopened = SqliteStore(path)
    assert [s.xid for s in reopened.load().sessions] == ["127.0.0.1:8091:100"]
    reopened.close()


def test_sqlite_store_refuses_other_schema_versions_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "tc.db"
    store = SqliteStore(path)
    store._db.execute("UPDATE meta SET value = 99 WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(TCStoreError, match="schema version 99"):
        SqliteStore(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TCStoreError, match="cannot open"):
        SqliteStore(junk)

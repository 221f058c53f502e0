"""AT mode on SQLite beyond the corpus, against the real Seata server."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import seata_py
from seata_py.databases.sqlite.pysqlite import SQLiteATConnection
from seata_py.databases.sqlite.pysqlite import connect as connect_sqlite
from seata_py.databases.sqlite.pysqlite import wrap as wrap_sqlite
from seata_py.exceptions import TransactionStateError
from seata_py.protocol import BranchRollbackRequest, BranchStatus, BranchType, GlobalStatus
from seata_py.runtime import runtime
from seata_py.types.context import bind_xid, reset_xid
from seata_py.undo.log_table import LOG_STATUS_GLOBAL_FINISHED
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import eventually
from tests.integration.sqlite_schema import admin_connection, create_schema, reseed, snapshot, undo_rows

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, seata_tc: SeataServer) -> Iterator[dict[str, Any]]:
    # "dirty" is only for the dirty-data test: the TC keeps that transaction's row locks for an operator
    directory = tmp_path_factory.mktemp("sqlite-behaviour")
    paths = {name: directory / f"{name}.db" for name in ("one", "two", "dirty")}
    for path in paths.values():
        create_schema(path)
        with admin_connection(path) as admin:  # readers never block writers here: only locks protect images
            assert admin.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    seata_py.init(
        application_id="it-sqlite-behaviour",
        grouplist=seata_tc.address,
        lock_retry={"interval_ms": 10, "times": 30},
    )
    try:
        yield {**paths, "tc": seata_tc}
    finally:
        seata_py.shutdown()


@pytest.fixture(autouse=True)
def fresh(files: dict[str, Any]) -> None:
    for name in ("one", "two", "dirty"):
        reseed(files[name])


def connect(path: Path, **kwargs: Any) -> SQLiteATConnection:
    rt = runtime()
    return connect_sqlite(path, rm=rt.rm, timeout=10, **kwargs)


def points_of(path: Path, account_id: int) -> int:
    with admin_connection(path) as conn:
        return int(conn.execute("SELECT points FROM t_account WHERE id = ?", (account_id,)).fetchone()[0])


# -- rejections ---------------------------------------------------------------------------------------------

UNSUPPORTED = [
    ("REPLACE INTO t_stock (sku, name, count) VALUES ('A', 'x', 1)", "REPLACE"),
    ("INSERT OR REPLACE INTO t_stock (sku, name, count) VALUES ('A', 'x', 1)", "OR REPLACE"),
    ("UPDATE OR REPLACE t_stock SET name = 'banana' WHERE sku = 'A'", "OR REPLACE"),
    ("INSERT INTO t_stock (sku, name, count) SELECT 'Q', 'q', 1", "INSERT ... SELECT"),
    ("UPDATE t_stock SET count = 0 WHERE sku IN (SELECT sku FROM t_order)", "subquery"),
    ("UPDATE t_stock SET count = o.qty FROM t_order o WHERE o.sku = t_stock.sku", "UPDATE ... FROM"),
    ("SELECT * FROM t_account WHERE id = 1 FOR UPDATE", "FOR UPDATE"),
    ("UPDATE t_account SET id = 99 WHERE id = 1", "primary key"),
    ("UPDATE t_nopk SET a = 5", "primary key"),
    ("DELETE FROM t_nopk", "primary key"),
    (
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'x', 1) "
        "ON CONFLICT (sku) DO UPDATE SET sku = 'Z'",
        "primary key",
    ),
    ("INSERT INTO t_account (balance) VALUES (1) ON CONFLICT DO NOTHING", "no primary or unique key value"),
    ("UPDATE temp.t_scratch SET v = 1", "outside the main database"),
    ("DELETE FROM other.t_stock", "outside the main database"),
]


@pytest.mark.parametrize(("sql", "named"), UNSUPPORTED, ids=[u[0][:40] for u in UNSUPPORTED])
def test_unsupported_sql_is_rejected_before_it_runs_and_the_transaction_stays_usable(
    files: dict[str, Any], sql: str, named: str
) -> None:
    path = files["one"]
    before = snapshot(path)
    conn = connect(path)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS t_scratch (id INTEGER PRIMARY KEY, v INT)")
    conn.execute("ATTACH DATABASE ? AS other", (str(files["two"]),))
    try:
        with seata_py.global_transaction(name="unsupported"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 42 WHERE id = 1")
            with pytest.raises(seata_py.UnsupportedSQLError) as err:
                cur.execute(sql)
            assert named.lower() in str(err.value).lower()
            assert isinstance(err.value, sqlite3.NotSupportedError)
            cur.execute("UPDATE t_account SET points = 43 WHERE id = 2")  # still usable
            conn.commit()
    finally:
        conn.close()
    after = snapshot(path)
    assert {k: v for k, v in after.items() if k != "t_account"} == {
        k: v for k, v in before.items() if k != "t_account"
    }
    assert points_of(path, 1) == 42 and points_of(path, 2) == 43
    assert snapshot(files["two"])["t_stock"] == before["t_stock"]


def test_sqlite3_errors_come_before_anything_runs(files: dict[str, Any]) -> None:
    path = files["one"]
    before = snapshot(path)
    conn = connect(path)
    try:
        with seata_py.global_transaction(name="driver-errors"):
            cur = conn.cursor()
            with pytest.raises(sqlite3.ProgrammingError, match="one statement at a time"):
                cur.execute("UPDATE t_stock SET count = 1; UPDATE t_stock SET count = 2")
            with pytest.raises(sqlite3.ProgrammingError, match="Incorrect number of bindings"):
                cur.execute("UPDATE t_stock SET count = ? WHERE sku = ?", (1,))
            with pytest.raises(sqlite3.ProgrammingError, match="binding parameter :sku"):
                cur.execute("UPDATE t_stock SET count = :c WHERE sku = :sku", {"c": 1})
            with pytest.raises(sqlite3.NotSupportedError, match="executescript"):
                conn.executescript("UPDATE t_stock SET count = 1;")
            conn.commit()
    finally:
        conn.close()
    assert snapshot(path) == before


def test_outside_a_global_transaction_statements_pass_through(files: dict[str, Any]) -> None:
    path = files["one"]
    conn = connect(path)
    try:
        with conn:
            conn.execute("REPLACE INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1)")
            conn.executescript("UPDATE t_stock SET count = 2 WHERE sku = 'B';")
    finally:
        conn.close()
    assert undo_rows(path) == 0
    counts = {r[0]: r[4] for r in snapshot(path)["t_stock"]}
    assert counts["A"] == 1 and counts["B"] == 2


# -- two databases, lock conflicts, write lock --------------------------------------------------------------


def test_one_global_transaction_over_two_databases_rolls_back_both(files: dict[str, Any]) -> None:
    snap_one, snap_two = snapshot(files["one"]), snapshot(files["two"])
    first, second = connect(files["one"]), connect(files["two"], isolation_level=None)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="two-files"):
            first.execute("UPDATE t_stock SET count = count - 1 WHERE sku = 'A'")
            first.commit()
            second.execute(
                "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (50, 1, 'A', 1, 1)"
            )
            second.execute(
                "UPDATE t_account SET balance = balance - 1 WHERE id = 1"
            )  # autocommit: 2 branches
            assert snapshot(files["one"]) != snap_one and snapshot(files["two"]) != snap_two
            assert undo_rows(files["one"]) == 1 and undo_rows(files["two"]) == 2
            raise Boom
    finally:
        first.close()
        second.close()
    assert snapshot(files["one"]) == snap_one
    assert snapshot(files["two"]) == snap_two
    assert undo_rows(files["one"]) == 0 and undo_rows(files["two"]) == 0


def test_two_databases_commit(files: dict[str, Any]) -> None:
    first, second = connect(files["one"]), connect(files["two"])
    try:
        with seata_py.global_transaction(name="two-files-commit"):
            with first:  # sqlite3's context manager commits, through the branch
                first.execute("UPDATE t_stock SET count = 77 WHERE sku = 'A'")
            second.execute("UPDATE t_stock SET count = 88 WHERE sku = 'A'")
            second.commit()
    finally:
        first.close()
        second.close()
    for name, expected in (("one", 77), ("two", 88)):
        counts = {r[0]: r[4] for r in snapshot(files[name])["t_stock"]}
        assert counts["A"] == expected
        assert eventually(lambda n=name: undo_rows(files[n]) == 0, timeout=5)


@pytest.mark.parametrize("mode", ["implicit-transaction", "autocommit", "deferred-transaction-open"])
def test_no_other_writer_gets_between_the_before_image_and_the_statement(
    files: dict[str, Any], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    path = files["one"]
    conn = connect(path, isolation_level=None) if mode == "autocommit" else connect(path)
    other = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    env = conn._environment()
    take_image = env.records
    attempts: list[str] = []

    def records_then_intrude(*args: Any) -> Any:
        image = take_image(*args)
        try:  # another writer right after the before image: it would make the image stale
            other.execute("UPDATE t_account SET points = 55 WHERE id = 1")
            attempts.append("wrote")
        except sqlite3.OperationalError as exc:
            attempts.append(str(exc))
        return image

    monkeypatch.setattr(env, "records", records_then_intrude)
    try:
        with seata_py.global_transaction(name=f"write-lock-{mode}"):
            if mode == "deferred-transaction-open":
                conn.execute("SAVEPOINT outer_sp")  # a transaction without any lock yet
                conn.execute("SELECT count(*) FROM t_account").fetchall()
            conn.execute("UPDATE t_account SET points = points + 1 WHERE id = 1")
            conn.commit()
    finally:
        conn.close()
        other.close()
    assert attempts and all("locked" in a for a in attempts), attempts
    assert points_of(path, 1) == 1


def test_release_of_the_savepoint_that_began_the_transaction_is_refused(files: dict[str, Any]) -> None:
    path = files["one"]
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="release"):
            conn.execute("SAVEPOINT outer_sp")
            conn.execute("UPDATE t_account SET points = 7 WHERE id = 1")
            with pytest.raises(seata_py.UnsupportedSQLError, match="RELEASE"):
                conn.execute("RELEASE outer_sp")  # would commit the branch's work unregistered
            assert undo_rows(path) == 0 and conn.in_transaction
            conn.commit()
            assert points_of(path, 1) == 7
            raise Boom
    finally:
        conn.close()
    assert points_of(path, 1) == 0


def test_lock_conflict_retries_then_fails_and_rolls_back_local_work(files: dict[str, Any]) -> None:
    path = files["one"]
    before = snapshot(path)
    holder_ready, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        conn = connect(path)
        try:
            with seata_py.global_transaction(name="holder"):
                conn.execute("UPDATE t_account SET points = 1 WHERE id = 1")
                conn.commit()
                holder_ready.set()
                release.wait(20)
                raise Boom
        except Boom:
            pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holder_ready.wait(20)
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="contender"):
            conn.execute("UPDATE t_account SET points = 2 WHERE id = 1")
            conn.execute("UPDATE t_stock SET count = 0 WHERE sku = 'B'")
            with pytest.raises(seata_py.LockConflictError) as err:
                conn.commit()
            assert "t_account:1" in str(err.value)
            assert not conn.in_transaction  # the local transaction was rolled back, the write lock released
            raise Boom
    finally:
        conn.close()
        release.set()
        thread.join(30)
    assert not errors
    assert snapshot(path) == before


# -- phase 2 ------------------------------------------------------------------------------------------------


def test_dirty_data_makes_rollback_unretryable_and_names_the_rows(
    files: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    path = files["dirty"]
    caplog.set_level(logging.ERROR, logger="seata_py.rm")
    rt = runtime()
    xid = rt.tc.begin("dirty", 60000)
    token = bind_xid(xid)
    conn = connect(path)
    try:
        conn.execute("UPDATE t_account SET balance = 1.00, points = 3 WHERE id = 2")
        conn.commit()
    finally:
        reset_xid(token)
        conn.close()
    with admin_connection(path) as admin:  # someone outside the global transaction changes the row
        admin.execute("UPDATE t_account SET points = 99 WHERE id = 2")
    status = rt.tc.rollback(xid)
    assert status in (
        GlobalStatus.ROLLBACK_FAILED,
        GlobalStatus.TIMEOUT_ROLLBACK_FAILED,
        GlobalStatus.ROLLBACKING,
        GlobalStatus.ROLLBACK_RETRYING,
    )
    assert "t_account" in caplog.text and "id=2" in caplog.text and "points" in caplog.text
    assert points_of(path, 2) == 99, "a rollback that is not safe must not overwrite the outside change"
    assert undo_rows(path) == 1, "the undo row stays for an operator"


def test_rollback_without_undo_row_leaves_a_defense_row(files: dict[str, Any]) -> None:
    path = files["one"]
    connect(path).close()
    rm = runtime().rm
    resource_id = f"jdbc:sqlite:{path.resolve()}"
    request = BranchRollbackRequest(
        xid="10.0.0.1:8091:555", branch_id=556, branch_type=BranchType.AT, resource_id=resource_id
    )
    assert rm.branch_rollback(request) is BranchStatus.PHASE_TWO_ROLLBACKED
    with admin_connection(path) as admin:
        rows = admin.execute(
            "SELECT log_status, rollback_info, context FROM undo_log WHERE xid = ?", (request.xid,)
        ).fetchall()
        assert rows == [(LOG_STATUS_GLOBAL_FINISHED, b"{}", "serializer=jackson&compressorType=NONE")]
        with pytest.raises(sqlite3.IntegrityError):  # a late phase 1 cannot commit its undo row now
            admin.execute(
                "INSERT INTO undo_log VALUES (556, ?, 'c', x'7b7d', 0, datetime('now'), datetime('now'))",
                (request.xid,),
            )
    assert rm.branch_rollback(request) is BranchStatus.PHASE_TWO_ROLLBACKED  # idempotent


PHASE_ONE_ONLY = textwrap.dedent(
    """
    import os, sys, seata_py
    from seata_py.databases.sqlite.pysqlite import connect as connect_sqlite
    from seata_py.runtime import runtime
    from seata_py.types.context import bind_xid
    tc_address, path = sys.argv[1:3]
    seata_py.init(application_id="it-sqlite-dying", grouplist=tc_address)
    rt = runtime()
    xid = rt.tc.begin("dies-after-phase-one", 60000)
    bind_xid(xid)
    conn = connect_sqlite(path, rm=rt.rm)
    conn.execute("UPDATE t_stock SET count = count + 1000 WHERE sku = 'C'")
    conn.execute("INSERT INTO t_account (user_id, balance) VALUES ('x1', 1), ('x2', 2)")
    conn.commit()
    print(xid, flush=True)
    os._exit(0)  # gone before phase 2: no goodbye to the TC
    """
)


def test_phase_two_runs_in_another_process_from_the_database_alone(files: dict[str, Any]) -> None:
    path = files["one"]
    before = snapshot(path)
    connect(path).close()  # this process registers the same resource
    proc = subprocess.run(
        [sys.executable, "-c", PHASE_ONE_ONLY, files["tc"].address, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    xid = proc.stdout.strip().splitlines()[-1]
    assert snapshot(path) != before and undo_rows(path) == 1
    status = runtime().tc.rollback(xid)  # the TC finds no channel of the dead RM and routes to us
    assert status in (GlobalStatus.ROLLBACKED, GlobalStatus.ROLLBACKING, GlobalStatus.ROLLBACK_RETRYING)
    assert eventually(lambda: snapshot(path) == before, timeout=20)
    assert undo_rows(path) == 0


def test_two_branches_on_the_same_row_roll_back_newest_first(files: dict[str, Any]) -> None:
    path = files["one"]
    before = snapshot(path)
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="same-row-two-branches"):
            conn.execute("UPDATE t_account SET points = 100 WHERE id = 1")
            conn.commit()  # branch 1
            conn.execute("UPDATE t_account SET points = 200 WHERE id = 1")
            conn.execute("UPDATE t_stock SET count = 1 WHERE sku = 'A'")
            conn.commit()  # branch 2, same row again
            raise Boom
    finally:
        conn.close()
    assert eventually(lambda: snapshot(path) == before, timeout=10)
    assert eventually(lambda: undo_rows(path) == 0, timeout=10)


# -- connection behaviour -----------------------------------------------------------------------------------


def test_switching_to_autocommit_commits_pending_work_through_the_branch(files: dict[str, Any]) -> None:
    path = files["one"]
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="autocommit-on"):
            conn.execute("UPDATE t_account SET points = 8 WHERE id = 2")
            conn.isolation_level = None  # sqlite3 would commit here on its own
            assert points_of(path, 2) == 8 and undo_rows(path) == 1
            raise Boom
    finally:
        conn.close()
    assert points_of(path, 2) == 10


def test_explicit_begin_on_an_autocommit_connection_keeps_one_local_transaction(
    files: dict[str, Any],
) -> None:
    path = files["one"]
    conn = connect(path, isolation_level=None)
    try:
        with seata_py.global_transaction(name="begin"):
            conn.execute("BEGIN")
            conn.execute("UPDATE t_account SET points = 9 WHERE id = 1")
            assert undo_rows(path) == 0  # not committed statement by statement
            conn.rollback()
    finally:
        conn.close()
    assert points_of(path, 1) == 0


def test_wrapped_connection_with_converters_and_row_factory_builds_correct_images(
    files: dict[str, Any],
) -> None:
    path = files["one"]
    before = snapshot(path)
    raw = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES, timeout=10)
    raw.row_factory = sqlite3.Row
    rt = runtime()
    conn = wrap_sqlite(raw, rm=rt.rm)
    assert wrap_sqlite(conn, rm=rt.rm) is conn
    assert conn.resource_id == f"jdbc:sqlite:{path.resolve()}"
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="wrapped"):
            cur = conn.cursor()
            cur.execute("UPDATE t_types SET c_date = '2030-01-01', c_ts = 'soon' WHERE id IN (1, 2)")
            cur.execute("DELETE FROM t_types WHERE id = 4")
            row = cur.execute("SELECT id, c_date FROM t_types WHERE id = 1").fetchone()
            assert row["id"] == 1  # the user's row factory still applies to the user's queries
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert snapshot(path) == before


def test_table_description_is_read_again_after_the_table_changes(files: dict[str, Any]) -> None:
    path = files["one"]
    conn = connect(path)
    try:
        with seata_py.global_transaction(name="meta-1"):
            conn.execute("DELETE FROM t_stock WHERE sku = 'C'")
            conn.commit()
        with admin_connection(path) as admin:
            admin.execute("ALTER TABLE t_stock ADD COLUMN origin TEXT")
            admin.execute("UPDATE t_stock SET origin = 'spain' WHERE sku = 'A'")
            admin.execute("ALTER TABLE t_stock DROP COLUMN count")
        before = snapshot(path)
        with pytest.raises(Boom), seata_py.global_transaction(name="meta-2"):
            # the cached description still lists `count`: the image query fails and drops the cache
            with pytest.raises(sqlite3.OperationalError, match="no such column"):
                conn.execute("DELETE FROM t_stock WHERE sku = 'A'")
            conn.execute("DELETE FROM t_stock WHERE sku = 'A'")
            conn.commit()
            assert snapshot(path) != before
            raise Boom
        assert snapshot(path) == before  # `origin` came back too: the image had the new column
    finally:
        conn.close()
        create_schema(path)


def undo_xids(path: Path) -> list[str]:
    with admin_connection(path) as conn:
        return [row[0] for row in conn.execute("SELECT xid FROM undo_log")]


def test_a_statement_failing_before_it_changed_anything_leaves_the_connection_free_for_the_next_transaction(
    files: dict[str, Any],
) -> None:
    path = files["one"]
    before = snapshot(path)
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="failed-statement"):
            with pytest.raises(sqlite3.OperationalError, match="no such column"):
                conn.execute("UPDATE t_account SET balance = 1 WHERE nosuchcolumn = 1")
            assert conn.has_transaction_state()
            raise Boom
        with pytest.raises(Boom), seata_py.global_transaction(name="next") as tx:
            conn.execute("UPDATE t_account SET points = 5 WHERE id = 1")
            conn.commit()
            assert undo_xids(path) == [tx.xid]
            raise Boom
        assert not conn.has_transaction_state()
    finally:
        conn.close()
    assert snapshot(path) == before


def test_pending_work_of_one_global_transaction_refuses_a_statement_of_another(files: dict[str, Any]) -> None:
    path = files["one"]
    before = snapshot(path)
    conn = connect(path)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="outer") as outer:
            conn.execute("UPDATE t_account SET points = 6 WHERE id = 1")
            with seata_py.global_transaction(name="inner", propagation="REQUIRES_NEW") as inner:
                with pytest.raises(TransactionStateError) as err:
                    conn.execute("UPDATE t_account SET points = 7 WHERE id = 2")
                assert outer.xid in str(err.value) and inner.xid in str(err.value)
            conn.commit()
            assert undo_xids(path) == [outer.xid]
            assert (points_of(path, 1), points_of(path, 2)) == (6, 10)
            raise Boom
    finally:
        conn.close()
    assert snapshot(path) == before

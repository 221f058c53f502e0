"""AT mode behaviour beyond the corpus, against real MariaDB and the real Seata server."""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import seata_py
from seata_py.exceptions import TransactionStateError
from seata_py.protocol import (
    BranchRollbackRequest,
    BranchStatus,
    BranchType,
    GlobalStatus,
    UndoLogDeleteRequest,
)
from seata_py.runtime import runtime
from seata_py.undo.log_table import LOG_STATUS_GLOBAL_FINISHED
from tests.infra.mariadb import MySQLServer
from tests.infra.seata_server import SeataServer
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def env(mysql_server: MySQLServer, seata_tc: SeataServer) -> Iterator[dict[str, Any]]:
    # the third database is for the dirty-data test: the TC keeps that transaction's row locks for an operator
    dbs = [mysql_server.create_database(name) for name in ("it_at_one", "it_at_two", "it_at_dirty")]
    admin = {name: pymysql.connect(**mysql_server.connect_kwargs(name)) for name in dbs}
    for conn in admin.values():
        create_schema(conn)
    seata_py.init(
        application_id="it-behaviour",
        grouplist=seata_tc.address,
        time_zone="UTC",
        lock_retry={"interval_ms": 10, "times": 30},
    )
    try:
        yield {"server": mysql_server, "tc": seata_tc, "dbs": dbs, "admin": admin}
    finally:
        seata_py.shutdown()
        for conn in admin.values():
            conn.close()


def connect(env: dict[str, Any], index: int = 0, **kwargs: Any) -> Any:
    return seata_py.connect(**env["server"].connect_kwargs(env["dbs"][index]), **kwargs)


@pytest.fixture(autouse=True)
def fresh(env: dict[str, Any]) -> None:
    for conn in env["admin"].values():
        reseed(conn)


UNSUPPORTED = [
    ("REPLACE INTO t_stock (sku, name, count) VALUES ('A', 'x', 1)", "REPLACE"),
    ("INSERT IGNORE INTO t_stock (sku, name, count) VALUES ('A', 'x', 1)", "INSERT IGNORE"),
    ("INSERT INTO t_stock (sku, name, count) SELECT 'Q', 'q', 1", "INSERT ... SELECT"),
    ("UPDATE t_stock SET count = 0 WHERE sku IN (SELECT sku FROM t_order)", "subquery"),
    ("DELETE FROM t_stock WHERE sku IN (SELECT sku FROM t_order)", "subquery"),
    ("UPDATE t_stock s JOIN (SELECT sku FROM t_order) o ON o.sku = s.sku SET s.count = 0", "derived table"),
    ("DELETE s FROM t_stock s JOIN t_order o ON o.sku = s.sku", "multi-table DELETE"),
    ("UPDATE t_account SET id = 99 WHERE id = 1", "primary key"),
    ("UPDATE t_nopk SET a = 5", "primary key"),
    ("DELETE FROM t_nopk", "primary key"),
    (
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'x', 1) ON DUPLICATE KEY UPDATE sku = 'Z'",
        "primary key",
    ),
]


@pytest.mark.parametrize(("sql", "named"), UNSUPPORTED, ids=[u[0][:40] for u in UNSUPPORTED])
def test_unsupported_sql_is_rejected_before_it_runs_and_the_transaction_stays_usable(
    env: dict[str, Any], sql: str, named: str
) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="unsupported"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 42 WHERE id = 1")
            with pytest.raises(seata_py.UnsupportedSQLError) as err:
                cur.execute(sql)
            assert named.lower() in str(err.value).lower()
            assert isinstance(err.value, pymysql.err.NotSupportedError)
            cur.execute("UPDATE t_account SET points = 43 WHERE id = 2")  # still usable
            conn.commit()
    finally:
        conn.close()
    after = snapshot(admin)
    expected = dict(before)
    assert after["t_stock"] == before["t_stock"] and after["t_nopk"] == before["t_nopk"]
    points = {row[0]: row[3] for row in after["t_account"]}
    assert points[1] == 42 and points[2] == 43
    assert expected["t_order"] == after["t_order"]


def test_outside_a_global_transaction_statements_pass_through(env: dict[str, Any]) -> None:
    conn = connect(env)
    try:
        cur = conn.cursor()
        cur.execute("REPLACE INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1)")  # not intercepted
        conn.commit()
        assert undo_rows(env["admin"][env["dbs"][0]]) == 0
    finally:
        conn.close()


def test_one_global_transaction_over_two_databases_rolls_back_both(env: dict[str, Any]) -> None:
    one, two = (env["admin"][name] for name in env["dbs"][:2])
    snap_one, snap_two = snapshot(one), snapshot(two)
    first, second = connect(env, 0), connect(env, 1)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="two-dbs"):
            first.cursor().execute("UPDATE t_stock SET count = count - 1 WHERE sku = 'A'")
            first.commit()
            second.cursor().execute(
                "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (50, 1, 'A', 1, 1)"
            )
            second.cursor().execute("UPDATE t_account SET balance = balance - 1 WHERE id = 1")
            second.commit()
            assert snapshot(one) != snap_one and snapshot(two) != snap_two
            raise Boom
    finally:
        first.close()
        second.close()
    assert snapshot(one) == snap_one
    assert snapshot(two) == snap_two


def test_two_databases_commit(env: dict[str, Any]) -> None:
    first, second = connect(env, 0), connect(env, 1)
    try:
        with seata_py.global_transaction(name="two-dbs-commit"):
            first.cursor().execute("UPDATE t_stock SET count = 77 WHERE sku = 'A'")
            first.commit()
            second.cursor().execute("UPDATE t_stock SET count = 88 WHERE sku = 'A'")
            second.commit()
    finally:
        first.close()
        second.close()
    for name, expected in zip(env["dbs"][:2], (77, 88), strict=True):
        counts = {row[0]: row[2] for row in snapshot(env["admin"][name])["t_stock"]}
        assert counts["A"] == expected
        assert eventually(lambda n=name: undo_rows(env["admin"][n]) == 0, timeout=5)


def test_undo_row_is_java_jackson_json_while_in_flight(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="format") as tx:
            conn.cursor().execute("UPDATE t_account SET balance = balance - 1 WHERE id = 2")
            conn.commit()
            with admin.cursor() as cur:
                cur.execute("SELECT xid, branch_id, context, rollback_info, log_status FROM undo_log")
                rows = cur.fetchall()
            admin.commit()
            assert len(rows) == 1
            xid, branch_id, context, info, status = rows[0]
            assert xid == tx.xid and status == 0
            assert context == "serializer=jackson&compressorType=NONE&map=16777216"
            doc = json.loads(info)
            assert (
                next(iter(doc)) == "@class"
                and doc["@class"] == "org.apache.seata.rm.datasource.undo.BranchUndoLog"
            )
            assert doc["xid"] == tx.xid and doc["branchId"] == branch_id
            items = doc["sqlUndoLogs"]
            assert items[0] == "java.util.ArrayList"
            item = items[1][0]
            assert item["sqlType"] == "UPDATE" and item["tableName"] == "t_account"
            fields = item["beforeImage"]["rows"][1][0]["fields"][1]
            assert [f["name"] for f in fields] == ["balance", "id"]  # updated + PK, case-insensitively sorted
            assert fields[0]["value"] == ["java.math.BigDecimal", 250.5] or fields[0]["type"] == 3
            assert b'"value":["java.math.BigDecimal",250.50]' in bytes(info)
            raise Boom
    finally:
        conn.close()


def test_lock_conflict_retries_then_fails_and_rolls_back_local_work(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    holder_ready, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        conn = connect(env)
        try:
            with seata_py.global_transaction(name="holder"):
                conn.cursor().execute("UPDATE t_account SET points = 1 WHERE id = 1")
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
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="contender"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 2 WHERE id = 1")
            cur.execute("UPDATE t_stock SET count = 0 WHERE sku = 'B'")
            started = time.monotonic()
            with pytest.raises(seata_py.LockConflictError) as err:
                conn.commit()
            waited = time.monotonic() - started
            assert "t_account:1" in str(err.value)
            assert waited >= 0.25, "the default 30 retries of 10 ms should have been tried"
            raise Boom
    finally:
        conn.close()
        release.set()
        thread.join(30)
    assert not errors
    assert snapshot(admin) == before  # contender's local work was rolled back; holder rolled back too


def test_lock_released_when_holder_ends_lets_the_next_transaction_commit(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    first = connect(env)
    with seata_py.global_transaction(name="first"):
        first.cursor().execute("UPDATE t_account SET points = 10 WHERE id = 3")
        first.commit()
    first.close()
    second = connect(env)
    with seata_py.global_transaction(name="second"):
        second.cursor().execute("UPDATE t_account SET points = points + 1 WHERE id = 3")
        second.commit()
    second.close()
    points = {row[0]: row[3] for row in snapshot(admin)["t_account"]}
    assert points[3] == 11


def test_dirty_data_makes_rollback_unretryable_and_names_the_rows(
    env: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    admin = env["admin"][env["dbs"][2]]
    conn = connect(env, 2)
    caplog.set_level(logging.ERROR, logger="seata_py.rm")
    rt = runtime()
    xid = rt.tc.begin("dirty", 60000)
    from seata_py.types.context import bind_xid, reset_xid

    token = bind_xid(xid)
    try:
        conn.cursor().execute("UPDATE t_account SET balance = 1.00, points = 3 WHERE id = 2")
        conn.commit()
    finally:
        reset_xid(token)
        conn.close()
    with admin.cursor() as cur:  # someone outside the global transaction changes the row
        cur.execute("UPDATE t_account SET points = 99 WHERE id = 2")
    admin.commit()
    status = rt.tc.rollback(xid)
    assert status in (
        GlobalStatus.ROLLBACK_FAILED,
        GlobalStatus.TIMEOUT_ROLLBACK_FAILED,
        GlobalStatus.ROLLBACKING,
        GlobalStatus.ROLLBACK_RETRYING,
    )
    text = caplog.text
    assert "t_account" in text and "id=2" in text and "points" in text
    row = {r[0]: r for r in snapshot(admin)["t_account"]}[2]
    assert row[3] == 99, "a rollback that is not safe must not overwrite the outside change"
    assert undo_rows(admin) == 1, "the undo row stays for an operator"


def test_rollback_without_undo_row_leaves_a_defense_row(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    conn.close()
    rm = runtime().rm
    resource_id = next(iter(rm._resources))
    request = BranchRollbackRequest(
        xid="10.0.0.1:8091:555", branch_id=556, branch_type=BranchType.AT, resource_id=resource_id
    )
    assert rm.branch_rollback(request) is BranchStatus.PHASE_TWO_ROLLBACKED
    with admin.cursor() as cur:
        cur.execute("SELECT log_status, rollback_info, context FROM undo_log WHERE xid = %s", (request.xid,))
        rows = cur.fetchall()
        assert rows == ((LOG_STATUS_GLOBAL_FINISHED, b"{}", "serializer=jackson&compressorType=NONE"),)
        with pytest.raises(pymysql.err.IntegrityError):  # a late phase 1 cannot commit its undo row now
            cur.execute("INSERT INTO undo_log VALUES (556, %s, 'c', '{}', 0, now(6), now(6))", (request.xid,))
    admin.rollback()
    assert rm.branch_rollback(request) is BranchStatus.PHASE_TWO_ROLLBACKED  # idempotent


def test_undo_log_delete_purges_rows_older_than_save_days(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    with admin.cursor() as cur:
        cur.execute(
            "INSERT INTO undo_log VALUES (1, 'old:1:1', 'c', '{}', 0, now(6) - INTERVAL 10 DAY, now(6))"
        )
        cur.execute("INSERT INTO undo_log VALUES (2, 'new:1:2', 'c', '{}', 0, now(6), now(6))")
    admin.commit()
    conn = connect(env)
    conn.close()
    rm = runtime().rm
    resource_id = conn.resource_id
    rm.undo_log_delete(UndoLogDeleteRequest(branch_type=BranchType.AT, resource_id=resource_id, save_days=7))
    with admin.cursor() as cur:
        cur.execute("SELECT xid FROM undo_log")
        assert [r[0] for r in cur.fetchall()] == ["new:1:2"]
    admin.commit()


PHASE_ONE_ONLY = textwrap.dedent(
    """
    import os, sys, seata_py
    from seata_py.runtime import runtime
    from seata_py.types.context import bind_xid
    tc_address, host, port, user, password, db = sys.argv[1:7]
    seata_py.init(application_id="it-dying", grouplist=tc_address, time_zone="UTC")
    xid = runtime().tc.begin("dies-after-phase-one", 60000)
    bind_xid(xid)
    conn = seata_py.connect(host=host, port=int(port), user=user, password=password, database=db)
    conn.cursor().execute("UPDATE t_stock SET count = count + 1000 WHERE sku = 'C'")
    conn.commit()
    print(xid, flush=True)
    os._exit(0)  # gone before phase 2: no goodbye to the TC
    """
)


def test_phase_two_runs_in_another_process_from_the_database_alone(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    server: MySQLServer = env["server"]
    connect(env).close()  # this process registers the same resource
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PHASE_ONE_ONLY,
            env["tc"].address,
            server.host,
            str(server.port),
            server.user,
            server.password,
            env["dbs"][0],
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    xid = proc.stdout.strip().splitlines()[-1]
    assert snapshot(admin) != before
    status = runtime().tc.rollback(xid)  # the TC finds no channel of the dead RM and routes to us
    assert status in (GlobalStatus.ROLLBACKED, GlobalStatus.ROLLBACKING, GlobalStatus.ROLLBACK_RETRYING)
    assert eventually(lambda: snapshot(admin) == before, timeout=20)
    assert undo_rows(admin) == 0


def test_large_undo_row_is_zip_compressed_and_still_rolls_back(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="big"):
            conn.cursor().execute("UPDATE t_types SET c_text = REPEAT(%s, 30000)", ("ab",))
            conn.commit()
            with admin.cursor() as cur:
                cur.execute("SELECT context, LENGTH(rollback_info) FROM undo_log")
                ((context, size),) = cur.fetchall()
            admin.commit()
            assert "compressorType=ZIP" in context
            assert size < 64 * 1024  # 3 rows x 60 KB of text, compressed
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_failed_local_commit_after_registration_reports_phase_one_failed(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    rm = runtime().rm
    reported: list[tuple[str, int]] = []
    real_report = rm.report_phase_one_failed

    def spy(xid: str, branch_id: int, resource_id: str) -> None:
        reported.append((xid, branch_id))
        real_report(xid, branch_id, resource_id)

    def broken_insert(*args: Any, **kwargs: Any) -> None:
        raise pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")

    monkeypatch.setattr(rm, "report_phase_one_failed", spy)
    monkeypatch.setattr(conn._resource.undo_table, "insert", broken_insert)
    try:
        with (
            pytest.raises(pymysql.err.OperationalError),
            seata_py.global_transaction(name="phase-one-fails") as tx,
        ):
            conn.cursor().execute("UPDATE t_account SET points = 7 WHERE id = 1")
            conn.commit()
    finally:
        conn.close()
    assert [x for x, _ in reported] == [tx.xid]
    assert snapshot(admin) == before  # the local transaction never committed


def test_table_description_is_read_again_after_the_table_changes(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="meta-1"):
            conn.cursor().execute("DELETE FROM t_stock WHERE sku = 'C'")
            conn.commit()
        with admin.cursor() as cur:
            cur.execute("ALTER TABLE t_stock ADD COLUMN origin VARCHAR(10) NULL")
            cur.execute("UPDATE t_stock SET origin = 'spain' WHERE sku = 'A'")
            cur.execute("ALTER TABLE t_stock DROP COLUMN name")
        admin.commit()
        try:
            before = snapshot(admin)
            with pytest.raises(Boom), seata_py.global_transaction(name="meta-2"):
                cur = conn.cursor()
                # the cached description still lists `name`: the image query fails and drops the cache
                with pytest.raises(pymysql.err.OperationalError):
                    cur.execute("DELETE FROM t_stock WHERE sku = 'A'")
                cur.execute("DELETE FROM t_stock WHERE sku = 'A'")
                conn.commit()
                raise Boom
            assert snapshot(admin) == before  # `origin` came back too: the image had the new column
        finally:
            from tests.integration.at_schema import create_schema

            create_schema(admin)
    finally:
        conn.close()


def test_two_branches_on_the_same_row_roll_back_newest_first(env: dict[str, Any]) -> None:
    """The 2.0.0 server rolls branches back oldest first; undoing the older branch first would find the
    newer branch's value and stop on 'dirty data'."""
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="same-row-two-branches"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 100 WHERE id = 1")
            conn.commit()  # branch 1
            cur.execute("UPDATE t_account SET points = 200 WHERE id = 1")
            cur.execute("UPDATE t_stock SET count = 1 WHERE sku = 'A'")
            conn.commit()  # branch 2, same row again
            raise Boom
    finally:
        conn.close()
    assert eventually(lambda: snapshot(admin) == before, timeout=10)
    assert eventually(lambda: undo_rows(admin) == 0, timeout=10)  # the newer branch's marker goes last


# -- regressions from review: each test failed before its fix -----------------------------------------------


def points_of(admin: Any, account_id: int) -> int:
    return {row[0]: row[3] for row in snapshot(admin)["t_account"]}[account_id]


def test_transaction_past_its_timeout_is_rolled_back_not_reported_committed(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    try:
        with (
            pytest.raises(seata_py.TransactionError, match="timeout"),
            seata_py.global_transaction(name="slow", timeout_ms=1000),
        ):
            conn.cursor().execute("UPDATE t_account SET points = 5 WHERE id = 1")
            conn.commit()
            time.sleep(1.5)
    finally:
        conn.close()
    assert eventually(lambda: points_of(admin, 1) == 0, timeout=10)


def test_begin_on_an_autocommit_connection_keeps_one_local_transaction(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env, autocommit=True)
    try:
        with seata_py.global_transaction(name="begin"):
            conn.begin()
            conn.cursor().execute("UPDATE t_account SET points = 9 WHERE id = 1")
            conn.rollback()
            assert points_of(admin, 1) == 0
    finally:
        conn.close()
    assert points_of(admin, 1) == 0


def test_switching_autocommit_on_commits_pending_work_through_the_branch(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="autocommit-on"):
            conn.cursor().execute("UPDATE t_account SET points = 8 WHERE id = 2")
            conn.autocommit(True)
            assert points_of(admin, 2) == 8 and undo_rows(admin) == 1
            raise Boom
    finally:
        conn.close()
    assert points_of(admin, 2) == 10


def test_commit_statement_with_pending_work_is_refused(env: dict[str, Any]) -> None:
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="commit-stmt"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 8 WHERE id = 2")
            for sql in ("COMMIT", "CREATE TABLE t_x (a INT)"):
                with pytest.raises(seata_py.UnsupportedSQLError, match=r"connection\.commit"):
                    cur.execute(sql)
            conn.commit()
    finally:
        conn.close()


def test_upsert_through_a_defaulted_unique_column_is_undone(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    with admin.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS t_up")
        cur.execute(
            "CREATE TABLE t_up (id INT PRIMARY KEY, code VARCHAR(8) NOT NULL DEFAULT 'x', v INT, "
            "UNIQUE KEY uk_code (code))"
        )
        cur.execute("INSERT INTO t_up VALUES (1, 'x', 1)")
    admin.commit()
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="upsert-default"):
            rows = conn.cursor().execute(
                "INSERT INTO t_up (id, v) VALUES (2, 5) ON DUPLICATE KEY UPDATE v = 5"
            )
            conn.commit()
            assert rows == 2  # the existing row was updated through uk_code
            raise Boom
    finally:
        conn.close()
    with admin.cursor() as cur:
        cur.execute("SELECT id, code, v FROM t_up")
        assert cur.fetchall() == ((1, "x", 1),)
    admin.commit()


def test_dict_cursor_connections_build_correct_images(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env, cursorclass=pymysql.cursors.DictCursor)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="dict-cursor"):
            cur = conn.cursor()
            cur.execute("DELETE FROM t_stock WHERE sku = %s", ("B",))
            cur.execute("SELECT * FROM t_stock WHERE sku = %s FOR UPDATE", ("A",))
            assert cur.fetchall()[0]["name"] == "apple"
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_phase_two_connects_with_the_callers_password_keyword(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    server: MySQLServer = env["server"]
    conn = seata_py.connect(
        host=server.host, port=server.port, user=server.user, passwd=server.password, db=env["dbs"][0]
    )
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="passwd"):
            conn.cursor().execute("UPDATE t_account SET points = 4 WHERE id = 3")
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert points_of(admin, 3) == 5


def test_a_statement_failing_after_it_ran_poisons_the_local_transaction(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="poisoned"):
            cur = conn.cursor()
            with pytest.raises(seata_py.SeataError, match="contains ','"):
                cur.execute("INSERT INTO t_stock (sku, name, count) VALUES ('a,b', 'comma', 1)")
            with pytest.raises(seata_py.SeataError, match="rolled back instead of committed"):
                conn.commit()
    finally:
        conn.close()
    assert "a,b" not in {row[0] for row in snapshot(admin)["t_stock"]}


def test_executemany_in_autocommit_mode_is_all_or_nothing(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env, autocommit=True)
    try:
        with seata_py.global_transaction(name="batch"), pytest.raises(pymysql.err.IntegrityError):
            conn.cursor().executemany(
                "INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s)",
                [("X1", "x1", 1), ("X2", "x2", 1), ("A", "dup", 1)],
            )
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_select_for_update_with_an_unbuffered_cursor_returns_its_rows(env: dict[str, Any]) -> None:
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="sscursor"):
            cur = conn.cursor(pymysql.cursors.SSCursor)
            cur.execute("SELECT id FROM t_account WHERE id IN (%s, %s) ORDER BY id FOR UPDATE", (1, 2))
            assert [r[0] for r in cur.fetchall()] == [1, 2]
            conn.commit()
    finally:
        conn.close()


def test_rollback_to_savepoint_discards_its_undo_items(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="savepoint"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 1 WHERE id = 1")
            cur.execute("SAVEPOINT sp1")
            cur.execute("DELETE FROM t_stock WHERE sku = 'A'")
            cur.execute("ROLLBACK TO SAVEPOINT sp1")
            conn.commit()
            with admin.cursor() as check:
                check.execute("SELECT rollback_info FROM undo_log")
                ((info,),) = check.fetchall()
            admin.commit()
            assert b"t_stock" not in bytes(info), "the rolled-back DELETE left an undo item"
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_update_join_under_only_full_group_by(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env, init_command="SET SESSION sql_mode = CONCAT(@@sql_mode, ',ONLY_FULL_GROUP_BY')")
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="join-strict"):
            conn.cursor().execute(
                "UPDATE t_stock s JOIN t_order o ON o.sku = s.sku SET s.count = s.count - o.qty "
                "WHERE o.order_id = 1"
            )
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_wrapping_an_open_pymysql_connection(env: dict[str, Any]) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    raw = pymysql.connect(**env["server"].connect_kwargs(env["dbs"][0]))
    conn = seata_py.wrap(raw)
    assert seata_py.wrap(conn) is conn
    assert conn.resource_id == f"jdbc:mysql://{env['server'].host}:{env['server'].port}/{env['dbs'][0]}"
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="wrapped"):
            conn.cursor().execute("UPDATE t_stock SET count = 1 WHERE sku = %s", ("B",))
            conn.commit()
            assert snapshot(admin) != before
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


@contextlib.contextmanager
def row_held_by_another_transaction(env: dict[str, Any], sql: str) -> Iterator[str]:
    """A branch of another global transaction holds the global lock of the rows ``sql`` changes."""
    from seata_py.types.context import bind_xid, reset_xid

    tc = runtime().tc
    holder_xid = tc.begin("holder", 60000)
    holder = connect(env)
    try:
        token = bind_xid(holder_xid)
        try:
            holder.cursor().execute(sql)
            holder.commit()
        finally:
            reset_xid(token)
        yield holder_xid
    finally:
        tc.rollback(holder_xid)
        holder.close()


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Counts the calls of one TC request (``lock_query`` or ``branch_register``) of this process."""
    tc = runtime().rm.tc
    real = getattr(tc, name)
    calls: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tc, name, spy)
    return calls


@pytest.mark.parametrize(("times", "attempts"), [(0, 1), (3, 4)])
def test_block_lock_retry_times_bound_select_for_update_and_branch_registration(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch, times: int, attempts: int
) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with row_held_by_another_transaction(env, "UPDATE t_account SET points = 1 WHERE id = 1"):
            before_held = snapshot(admin)
            checks = counting(monkeypatch, "lock_query")
            with (
                pytest.raises(seata_py.LockConflictError, match="t_account:1"),
                seata_py.global_transaction(name="sfu", lock_retry_times=times, lock_retry_interval_ms=1),
            ):
                conn.cursor().execute("SELECT id FROM t_account WHERE id = 1 FOR UPDATE")
            assert len(checks) == attempts

            registrations = counting(monkeypatch, "branch_register")
            with (
                pytest.raises(seata_py.LockConflictError, match=f"after {attempts} attempt"),
                seata_py.global_transaction(name="commit", lock_retry_times=times, lock_retry_interval_ms=1),
            ):
                conn.cursor().execute("UPDATE t_account SET points = 2 WHERE id = 1")
                conn.commit()
            assert len(registrations) == attempts
            assert snapshot(admin) == before_held
    finally:
        conn.close()
    assert snapshot(admin) == before


def undo_xids(admin: pymysql.connections.Connection) -> list[str]:
    with admin.cursor() as cur:
        cur.execute("SELECT xid FROM undo_log")
        xids = [row[0] for row in cur.fetchall()]
    admin.commit()
    return xids


def test_a_statement_failing_before_it_ran_leaves_the_connection_free_for_the_next_transaction(
    env: dict[str, Any],
) -> None:
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="failed-statement"):
            with pytest.raises(pymysql.err.OperationalError) as err:
                conn.cursor().execute("UPDATE t_account SET balance = 1 WHERE nosuchcolumn = 1")
            assert err.value.args[0] == 1054  # ER_BAD_FIELD_ERROR
            assert conn.has_transaction_state()  # the connection still names that transaction
            raise Boom
        with pytest.raises(Boom), seata_py.global_transaction(name="next") as tx:
            conn.cursor().execute("UPDATE t_account SET points = 5 WHERE id = 1")
            conn.commit()
            assert undo_xids(admin) == [tx.xid]
            raise Boom
        assert not conn.has_transaction_state()
    finally:
        conn.close()
    assert snapshot(admin) == before


def test_pending_work_of_one_global_transaction_refuses_a_statement_of_another(env: dict[str, Any]) -> None:
    """A REQUIRES_NEW block reusing the connection of its caller's uncommitted work."""
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="outer") as outer:
            conn.cursor().execute("UPDATE t_account SET points = 6 WHERE id = 1")
            with seata_py.global_transaction(name="inner", propagation="REQUIRES_NEW") as inner:
                with pytest.raises(TransactionStateError) as err:
                    conn.cursor().execute("UPDATE t_account SET points = 7 WHERE id = 2")
                assert outer.xid in str(err.value) and inner.xid in str(err.value)
            conn.commit()  # the outer transaction's work, alone, in its branch
            assert undo_xids(admin) == [outer.xid]
            points = {row[0]: row[3] for row in snapshot(admin)["t_account"]}
            assert (points[1], points[2]) == (6, before["t_account"][1][3])
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before


@pytest.mark.parametrize("count", [1, 3], ids=["one-row", "three-rows"])
@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
def test_insert_returning_generated_keys_is_undone_and_returns_its_rows(
    env: dict[str, Any], autocommit: bool, count: int
) -> None:
    """pymysql reports no lastrowid for a statement that returns rows; the ids come from LAST_INSERT_ID()."""
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env, autocommit=autocommit)
    owners = [f"ret{i}" for i in range(count)]
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="insert-returning"):
            cur = conn.cursor()
            # an earlier generated id on this connection, which the statement below must not be taken for
            cur.execute("INSERT INTO t_account (user_id, balance) VALUES ('earlier', 1)")
            cur.execute(
                "INSERT INTO t_account (user_id, balance) VALUES "
                + ", ".join(["(%s, 2)"] * count)
                + " RETURNING id, user_id",
                owners,
            )
            returned = cur.fetchall()
            assert cur.rowcount == count
            assert [row[1] for row in returned] == owners
            if not autocommit:
                conn.commit()
            with admin.cursor() as check:
                check.execute("SELECT id, user_id FROM t_account WHERE balance = 2 ORDER BY id")
                assert [tuple(row) for row in check.fetchall()] == [tuple(row) for row in returned]
            admin.commit()
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before  # the rollback deleted exactly the inserted rows


def test_insert_returning_through_an_unbuffered_cursor_is_refused_before_it_runs(env: dict[str, Any]) -> None:
    """The after image would make pymysql discard the returned rows the cursor has not fetched yet."""
    admin = env["admin"][env["dbs"][0]]
    before = snapshot(admin)
    conn = connect(env)
    try:
        with seata_py.global_transaction(name="insert-returning-sscursor"):
            with pytest.raises(seata_py.UnsupportedSQLError, match="unbuffered"):
                conn.cursor(pymysql.cursors.SSCursor).execute(
                    "INSERT INTO t_account (user_id, balance) VALUES ('streamed', 1) RETURNING id"
                )
            conn.commit()
    finally:
        conn.close()
    assert snapshot(admin) == before

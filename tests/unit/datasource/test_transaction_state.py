"""Which global transaction a connection's local transaction belongs to, statement after statement.

A statement that failed before changing anything leaves nothing to settle: the next statement's XID (or
none) simply takes over. Pending work of one scope is never joined by a statement of another: that is a
:class:`TransactionStateError`, raised before anything runs. The proxies are the real sqlite3 ones, with the
real resource manager and an in-memory TC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seata_py.config import build_config
from seata_py.databases import undo_log_ddl
from seata_py.databases.sqlite.pysqlite import SQLiteATConnection
from seata_py.databases.sqlite.pysqlite import connect as connect_sqlite
from seata_py.datasource.pending_branch import ConnectionContext
from seata_py.exceptions import SeataError, TransactionStateError
from seata_py.rm.at import ATResourceManager
from seata_py.types.context import bind_global_lock, bind_xid, reset_global_lock, reset_xid
from tests.unit.datasource.fake_tc import FakeTC

X = "10.0.0.1:8091:1"
Y = "10.0.0.1:8091:2"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = tmp_path / "shop.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(undo_log_ddl("sqlite"))
    conn.executescript(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INT NOT NULL);"
        "INSERT INTO account VALUES (1, 0), (2, 0);"
    )
    conn.close()
    return db


@pytest.fixture
def tc() -> FakeTC:
    return FakeTC()


@pytest.fixture
def conn(path: Path, tc: FakeTC) -> Iterator[SQLiteATConnection]:
    manager = ATResourceManager(build_config(application_id="unit", async_commit_interval=3600), tc)  # type: ignore[arg-type]
    connection = connect_sqlite(path, rm=manager)
    yield connection
    connection.close()
    manager.close()


def in_xid(xid: str | None, conn: SQLiteATConnection, sql: str, *args: Any) -> None:
    token = bind_xid(xid)
    try:
        conn.execute(sql, args)
    finally:
        reset_xid(token)


def balances(path: Path) -> list[int]:
    check = sqlite3.connect(path)
    try:
        return [row[0] for row in check.execute("SELECT balance FROM account ORDER BY id")]
    finally:
        check.close()


# -- the context alone -------------------------------------------------------------------------------------


def test_with_nothing_pending_a_new_scope_takes_over() -> None:
    context = ConnectionContext()
    context.bind(X, False)
    context.bind(Y, False)
    assert context.xid == Y
    context.bind(None, True)  # a global-lock scope after it
    assert (context.xid, context.global_lock) == (None, True)
    context.bind(X, False)
    assert (context.xid, context.global_lock) == (X, False)


@pytest.mark.parametrize(
    "pending",
    [
        lambda c: c.add([object()], []),
        lambda c: c.add([], ["account:1"]),
        lambda c: c.poison("ran, then failed"),
    ],
    ids=["undo-items", "lock-keys", "poisoned"],
)
@pytest.mark.parametrize(
    ("held", "requested"), [(X, Y), (X, None), (None, X)], ids=["x-then-y", "x-then-lock", "lock-then-x"]
)
def test_pending_work_of_one_scope_refuses_another(
    pending: Any, held: str | None, requested: str | None
) -> None:
    context = ConnectionContext()
    context.bind(held, held is None)
    pending(context)
    with pytest.raises(TransactionStateError) as err:
        context.bind(requested, requested is None)
    assert isinstance(err.value, SeataError)
    assert (err.value.held_by, err.value.requested_by) == (held, requested)
    assert "commit or roll back the connection first" in str(err.value)
    if held:
        assert f"global transaction {held}" in str(err.value)
    assert context.xid == held  # the pending work still belongs where it did
    context.bind(held, held is None)  # the same scope goes on


# -- through the sqlite3 proxy -------------------------------------------------------------------------------


def test_a_statement_that_failed_before_running_leaves_nothing_the_next_transaction_trips_on(
    path: Path, conn: SQLiteATConnection, tc: FakeTC
) -> None:
    with pytest.raises(sqlite3.OperationalError, match="nosuchcolumn"):
        in_xid(X, conn, "UPDATE account SET balance = 1 WHERE nosuchcolumn = 1")
    in_xid(Y, conn, "UPDATE account SET balance = 2 WHERE id = 1")
    conn.commit()
    assert [(b.xid, b.lock_key) for b in tc.branches] == [(Y, "account:1")]
    assert balances(path) == [2, 0]
    assert not conn.has_transaction_state()


def test_after_a_failed_statement_a_global_lock_scope_commits_without_a_branch(
    path: Path, conn: SQLiteATConnection, tc: FakeTC
) -> None:
    with pytest.raises(sqlite3.OperationalError):
        in_xid(X, conn, "UPDATE account SET balance = 1 WHERE nosuchcolumn = 1")
    token = bind_global_lock(True)
    try:
        conn.execute("UPDATE account SET balance = 3 WHERE id = 2")
        conn.commit()
    finally:
        reset_global_lock(token)
    assert tc.branches == [] and balances(path) == [0, 3]


def test_pending_work_of_x_refuses_a_statement_of_y_before_it_runs(
    path: Path, conn: SQLiteATConnection, tc: FakeTC
) -> None:
    in_xid(X, conn, "UPDATE account SET balance = 1 WHERE id = 1")
    with pytest.raises(TransactionStateError, match=f"{X}.*{Y}"):
        in_xid(Y, conn, "UPDATE account SET balance = 9 WHERE id = 2")
    assert conn.has_transaction_state()
    conn.commit()  # X's work, and only X's, goes into X's branch
    assert [(b.xid, b.lock_key) for b in tc.branches] == [(X, "account:1")]
    assert balances(path) == [1, 0]


def test_a_refused_statement_after_earlier_work_still_keeps_that_transaction_from_committing(
    path: Path, conn: SQLiteATConnection, tc: FakeTC
) -> None:
    """The refusal could have ended the local transaction (a deadlock does) and voided the earlier work; a
    refusal of the first statement voids nothing."""
    in_xid(X, conn, "UPDATE account SET balance = 1 WHERE id = 1")
    with pytest.raises(sqlite3.OperationalError):
        in_xid(X, conn, "UPDATE account SET balance = 1 WHERE nosuchcolumn = 1")
    with pytest.raises(SeataError, match="rolled back instead of committed"):
        conn.commit()
    assert tc.branches == [] and balances(path) == [0, 0]
    assert not conn.has_transaction_state()


def test_has_transaction_state_follows_the_local_transaction(conn: SQLiteATConnection) -> None:
    assert not conn.has_transaction_state()
    conn.execute("UPDATE account SET balance = 5 WHERE id = 1")  # outside a global transaction
    assert conn.has_transaction_state()  # sqlite3 opened a local transaction
    conn.rollback()
    assert not conn.has_transaction_state()
    with pytest.raises(sqlite3.OperationalError):
        in_xid(X, conn, "UPDATE account SET balance = 1 WHERE nosuchcolumn = 1")
    assert conn.has_transaction_state()
    conn.rollback()
    assert not conn.has_transaction_state()

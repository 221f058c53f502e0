"""The sqlite3 proxy with the real resource manager and an in-memory TC: phase 1, phase 2, sqlite3 manners."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from seata_py.config import build_config
from seata_py.databases import undo_log_ddl
from seata_py.databases.sqlite.dialect import SQLiteDialect
from seata_py.databases.sqlite.pysqlite import (
    SQLiteATConnection,
    _autocommit_mode,
    database_path,
    sqlite_resource,
)
from seata_py.databases.sqlite.pysqlite import (
    connect as connect_sqlite,
)
from seata_py.exceptions import LockConflictError, UnsupportedSQLError
from seata_py.protocol import BranchCommitRequest, BranchRollbackRequest, BranchStatus, BranchType
from seata_py.protocol.messages import UndoLogDeleteRequest
from seata_py.rm.at import ATResourceManager
from seata_py.types.context import bind_global_lock, bind_xid, reset_global_lock, reset_xid
from tests.unit.datasource.fake_tc import FakeTC

XID = "10.0.0.1:8091:42"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = tmp_path / "shop.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(undo_log_ddl("sqlite"))
    conn.executescript(
        """CREATE TABLE account (id INTEGER PRIMARY KEY, user_id TEXT UNIQUE NOT NULL, points INT NOT NULL);
        INSERT INTO account VALUES (1, 'u1', 0), (2, 'u2', 10);"""
    )
    conn.close()
    return db


@pytest.fixture
def rm() -> Iterator[tuple[ATResourceManager, FakeTC]]:
    tc = FakeTC()
    manager = ATResourceManager(build_config(application_id="unit", async_commit_interval=3600), tc)  # type: ignore[arg-type]
    yield manager, tc
    manager.close()


@pytest.fixture
def xid() -> Iterator[str]:
    token = bind_xid(XID)
    yield XID
    reset_xid(token)


def rows(path: Path, sql: str = "SELECT id, user_id, points FROM account ORDER BY id") -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def connect(path: Path, rm: tuple[ATResourceManager, FakeTC], **kwargs: Any) -> SQLiteATConnection:
    manager = rm[0]
    return connect_sqlite(path, rm=manager, **kwargs)


def roll_back(rm: tuple[ATResourceManager, FakeTC]) -> list[BranchStatus]:
    manager, tc = rm
    return [
        manager.branch_rollback(
            BranchRollbackRequest(
                xid=b.xid, branch_id=b.branch_id, branch_type=BranchType.AT, resource_id=b.resource_id
            )
        )
        for b in reversed(tc.branches)
    ]


# -- resources ----------------------------------------------------------------------------------------------


def test_resource_id_is_the_absolute_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    resource = sqlite_resource("rel.db", build_config(), timeout=3, isolation_level=None, detect_types=1)
    assert resource.resource_id == f"jdbc:sqlite:{tmp_path.resolve()}/rel.db"
    assert resource.connect_kwargs == {"timeout": 3, "database": str(tmp_path.resolve() / "rel.db")}
    assert resource.database == "main" and isinstance(resource.dialect, SQLiteDialect)
    uri = sqlite_resource(f"file:{tmp_path}/u.db?cache=shared", build_config(), uri=True)
    assert uri.resource_id == f"jdbc:sqlite:{tmp_path.resolve()}/u.db"
    assert uri.connect_kwargs["database"] == f"file:{tmp_path}/u.db?cache=shared"


@pytest.mark.parametrize(
    ("database", "uri"),
    [(":memory:", False), ("", False), ("file::memory:", True), ("file:x.db?mode=memory", True)],
)
def test_databases_phase_two_cannot_reopen_are_refused(database: str, uri: bool) -> None:
    with pytest.raises(ValueError, match="database file"):
        database_path(database, uri)


def test_a_comma_in_the_resource_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="','"):
        sqlite_resource(tmp_path / "a,b.db", build_config())


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"isolation_level": None}, True),
        ({"isolation_level": ""}, False),
        ({"isolation_level": "DEFERRED", "autocommit": -1}, False),  # 3.12 LEGACY_TRANSACTION_CONTROL
        ({"isolation_level": "", "autocommit": True}, True),
        ({"isolation_level": None, "autocommit": False}, False),
    ],
)
def test_autocommit_mode_of_every_python_version(attrs: dict[str, Any], expected: bool) -> None:
    assert _autocommit_mode(SimpleNamespace(**attrs)) is expected  # type: ignore[arg-type]


# -- phase 1 and 2 ------------------------------------------------------------------------------------------


def test_multi_row_insert_of_generated_keys_reads_them_back_without_showing_the_user(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    conn = connect(path, rm)
    cur = conn.cursor()
    assert cur.execute("INSERT INTO account (user_id, points) VALUES (?, 1), (?, 2)", ("a", "b")) is cur
    assert cur.description is None and cur.fetchall() == [] and cur.fetchone() is None
    assert cur.rowcount == 2 and cur.lastrowid == 4
    conn.commit()
    assert rm[1].branches[-1].lock_key == "account:3,4"
    assert roll_back(rm) == [BranchStatus.PHASE_TWO_ROLLBACKED]
    assert rows(path) == [(1, "u1", 0), (2, "u2", 10)]
    assert rows(path, "SELECT count(*) FROM undo_log") == [(0,)]


def test_the_users_own_returning_rows_reach_the_user(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    conn = connect(path, rm)
    cur = conn.execute("INSERT INTO account (user_id, points) VALUES ('r', 5) RETURNING id, points")
    assert [d[0] for d in cur.description] == ["id", "points"]
    assert cur.fetchall() == [(3, 5)]
    conn.commit()


def test_without_returning_multi_row_generated_keys_are_refused_before_running(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SQLiteDialect, "insert_returning", False)
    conn = connect(path, rm)
    with pytest.raises(UnsupportedSQLError, match="RETURNING") as err:
        conn.execute("INSERT INTO account (user_id, points) VALUES ('a', 1), ('b', 2)")
    assert isinstance(err.value, sqlite3.NotSupportedError)
    conn.execute("INSERT INTO account (user_id, points) VALUES ('a', 1)")  # one row: lastrowid is exact
    conn.commit()
    assert rows(path)[-1] == (3, "a", 1)


def test_context_manager_commits_through_the_branch_or_rolls_back(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    conn = connect(path, rm)
    with conn:
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
    assert len(rm[1].branches) == 1 and rows(path, "SELECT count(*) FROM undo_log") == [(1,)]
    with pytest.raises(ZeroDivisionError), conn:
        conn.execute("UPDATE account SET points = 6 WHERE id = 2")
        raise ZeroDivisionError
    assert len(rm[1].branches) == 1 and rows(path)[1] == (2, "u2", 10)
    conn.close()


def test_autocommit_statements_are_branches_and_batches_all_or_nothing(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    conn = connect(path, rm, isolation_level=None)
    conn.execute("UPDATE account SET points = 1 WHERE id = 1")
    conn.execute("UPDATE account SET points = 2 WHERE id = 2")
    assert len(rm[1].branches) == 2 and not conn.in_transaction
    with pytest.raises(sqlite3.IntegrityError):
        conn.executemany("INSERT INTO account (user_id, points) VALUES (?, 0)", [("x",), ("y",), ("u1",)])
    assert not conn.in_transaction and len(rm[1].branches) == 2
    assert [r[1] for r in rows(path)] == ["u1", "u2"]


def test_global_lock_scope_checks_the_tc_at_commit(path: Path, rm: tuple[ATResourceManager, FakeTC]) -> None:
    tc = rm[1]
    tc.locks[(f"jdbc:sqlite:{path.resolve()}", "account:1")] = "another:8091:1"
    conn = connect(path, rm)
    token = bind_global_lock(True)
    try:
        conn.execute("UPDATE account SET points = 9 WHERE id = 2")
        conn.commit()  # row 2 is free
        conn.execute("UPDATE account SET points = 9 WHERE id = 1")
        with pytest.raises(LockConflictError, match="account:1"):
            conn.commit()
    finally:
        reset_global_lock(token)
    assert not tc.branches and [r[2] for r in rows(path)] == [0, 9]
    assert not conn.in_transaction


def test_phase_two_commit_and_purge_delete_undo_rows(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    manager, tc = rm
    conn = connect(path, rm)
    conn.execute("UPDATE account SET points = 3 WHERE id = 1")
    conn.commit()
    branch = tc.branches[0]
    status = manager.branch_commit(
        BranchCommitRequest(
            xid=xid, branch_id=branch.branch_id, branch_type=BranchType.AT, resource_id=branch.resource_id
        )
    )
    assert status is BranchStatus.PHASE_TWO_COMMITTED
    manager.flush_committed()
    assert rows(path, "SELECT count(*) FROM undo_log") == [(0,)]
    old = sqlite3.connect(path, isolation_level=None)
    old.execute(
        "INSERT INTO undo_log VALUES (1, 'old:1:1', 'c', x'7b7d', 0, '2001-01-01 00:00:00', "
        "'2001-01-01 00:00:00')"
    )
    old.execute(
        "INSERT INTO undo_log VALUES (2, 'new:1:2', 'c', x'7b7d', 0, ?, ?)", (str(datetime.now()),) * 2
    )
    old.close()
    manager.undo_log_delete(
        UndoLogDeleteRequest(branch_type=BranchType.AT, resource_id=branch.resource_id, save_days=7)
    )
    assert rows(path, "SELECT xid FROM undo_log") == [("new:1:2",)]
    assert rows(path)[0] == (1, "u1", 3)


def test_phase_two_waits_for_a_writer_and_reports_retryable(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str
) -> None:
    manager, tc = rm
    conn = connect(path, rm, timeout=10)
    conn.execute("UPDATE account SET points = 3 WHERE id = 1")
    conn.commit()
    manager.resource(tc.branches[0].resource_id).connect_kwargs["timeout"] = 0.05  # type: ignore[union-attr]
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert roll_back(rm) == [BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert roll_back(rm) == [BranchStatus.PHASE_TWO_ROLLBACKED]
    assert rows(path)[0] == (1, "u1", 0)


@pytest.mark.parametrize(
    "sql", ["COMMIT", "END", "END TRANSACTION", "ROLLBACK", "BEGIN", "DROP TABLE undo_log"]
)
def test_statements_that_would_end_the_branchs_transaction_are_refused(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str, sql: str
) -> None:
    conn = connect(path, rm)
    conn.execute("UPDATE account SET points = 5 WHERE id = 1")
    with pytest.raises(UnsupportedSQLError, match=r"connection\.commit"):
        conn.execute(sql)
    assert conn.in_transaction
    conn.commit()
    assert len(rm[1].branches) == 1 and rows(path)[0] == (1, "u1", 5)


@pytest.mark.parametrize(("isolation_level", "readers_blocked"), [("", False), ("EXCLUSIVE", True)])
def test_the_write_lock_follows_the_connections_locking_mode(
    path: Path, rm: tuple[ATResourceManager, FakeTC], xid: str, isolation_level: str, readers_blocked: bool
) -> None:
    conn = connect(path, rm, isolation_level=isolation_level)
    reader = sqlite3.connect(path, timeout=0.05)
    try:
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
        if readers_blocked:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                reader.execute("SELECT count(*) FROM account").fetchall()
        else:
            assert reader.execute("SELECT points FROM account WHERE id = 1").fetchall() == [(0,)]
        conn.commit()
    finally:
        reader.close()
        conn.close()


def test_attributes_reach_the_sqlite3_connection(path: Path, rm: tuple[ATResourceManager, FakeTC]) -> None:
    conn = connect(path, rm)
    conn.row_factory = sqlite3.Row
    assert conn.target.row_factory is sqlite3.Row
    row = conn.execute("SELECT id, user_id FROM account WHERE id = 1").fetchone()
    assert row["user_id"] == "u1"
    assert [r["id"] for r in conn.execute("SELECT id FROM account ORDER BY id")] == [1, 2]
    conn.close()

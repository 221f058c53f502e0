"""Per-block lock retry settings (``global_transaction(lock_retry_...)``, ``global_lock(...)``) reach every
place the AT layer retries a lock: branch registration at commit, autocommit statements, global-lock commit.

SQLite files with the real resource manager and an in-memory TC that counts what it is asked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seata_py.config import LockRetry, build_config
from seata_py.databases import undo_log_ddl
from seata_py.databases.sqlite.pysqlite import SQLiteATConnection
from seata_py.databases.sqlite.pysqlite import connect as connect_sqlite
from seata_py.exceptions import LockConflictError
from seata_py.protocol import BranchType
from seata_py.rm.at import ATResourceManager
from seata_py.tm.api import global_transaction
from seata_py.tm.global_lock import global_lock
from seata_py.tm.transaction import TmSettings
from seata_py.types.context import LockRetryOverride, bind_lock_retry, reset_lock_retry
from tests.unit.datasource.fake_tc import FakeTC
from tests.unit.tm.fake_backend import FakeBackend

HOLDER = "10.0.0.9:8091:1"
CONFIGURED = LockRetry(interval_ms=1, times=2)


@dataclass
class CountingTC(FakeTC):
    registrations: int = 0
    lock_checks: int = 0

    def branch_register(
        self, xid: str, resource_id: str, lock_key: str, branch_type: BranchType, data: str | None
    ) -> int:
        self.registrations += 1
        return super().branch_register(xid, resource_id, lock_key, branch_type, data)

    def lock_query(self, xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType) -> bool:
        self.lock_checks += 1
        return super().lock_query(xid, resource_id, lock_key, branch_type)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = tmp_path / "shop.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(undo_log_ddl("sqlite"))
    conn.executescript(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, points INT NOT NULL);"
        "INSERT INTO account VALUES (1, 0), (2, 0);"
    )
    conn.close()
    return db


@pytest.fixture
def tc(path: Path) -> CountingTC:
    counting = CountingTC()
    counting.locks[(f"jdbc:sqlite:{path.resolve()}", "account:1")] = HOLDER  # another transaction's row
    return counting


@pytest.fixture
def rm(tc: CountingTC) -> Iterator[ATResourceManager]:
    config = build_config(
        application_id="unit",
        async_commit_interval=3600,
        lock_retry={"interval_ms": CONFIGURED.interval_ms, "times": CONFIGURED.times},
    )
    manager = ATResourceManager(config, tc)  # type: ignore[arg-type]
    yield manager
    manager.close()


def connect(path: Path, rm: ATResourceManager, **kwargs: Any) -> SQLiteATConnection:
    return connect_sqlite(path, rm=rm, **kwargs)


def transaction(**options: Any) -> global_transaction:
    return global_transaction("t", backend=FakeBackend(), settings=TmSettings(), **options)  # type: ignore[arg-type]


def points(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT points FROM account ORDER BY id")]
    finally:
        conn.close()


# -- the helper ----------------------------------------------------------------------------------------------


def test_effective_settings_replace_only_the_fields_the_block_sets() -> None:
    assert CONFIGURED.in_force() is CONFIGURED
    for override, expected in [
        (LockRetryOverride(times=0), LockRetry(interval_ms=1, times=0)),
        (LockRetryOverride(interval_ms=50), LockRetry(interval_ms=50, times=2)),
        (LockRetryOverride(interval_ms=0, times=9), LockRetry(interval_ms=0, times=9)),
    ]:
        token = bind_lock_retry(override)
        try:
            assert CONFIGURED.in_force() == expected
        finally:
            reset_lock_retry(token)
    assert (CONFIGURED.interval_ms, CONFIGURED.times) == (1, 2)  # the configuration itself is untouched


# -- branch registration at commit ---------------------------------------------------------------------------


@pytest.mark.parametrize(("times", "attempts"), [(None, CONFIGURED.times + 1), (0, 1), (4, 5)])
def test_commit_registers_the_branch_as_often_as_the_block_allows(
    path: Path, rm: ATResourceManager, tc: CountingTC, times: int | None, attempts: int
) -> None:
    conn = connect(path, rm)
    with (
        pytest.raises(LockConflictError, match=rf"account:1 after {attempts} attempt"),
        transaction(lock_retry_times=times, lock_retry_interval_ms=0),
    ):
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
        conn.commit()
    assert tc.registrations == attempts
    assert not tc.branches and points(path) == [0, 0]
    conn.close()


def test_without_a_conflict_the_override_changes_nothing(
    path: Path, rm: ATResourceManager, tc: CountingTC
) -> None:
    conn = connect(path, rm)
    with transaction(lock_retry_times=0):
        conn.execute("UPDATE account SET points = 5 WHERE id = 2")
        conn.commit()
    assert tc.registrations == 1 and len(tc.branches) == 1
    conn.close()


# -- autocommit statements: the whole statement runs again -------------------------------------------------


@pytest.mark.parametrize(("times", "attempts"), [(None, CONFIGURED.times + 1), (0, 1), (3, 4)])
def test_an_autocommit_statement_runs_as_often_as_the_block_allows(
    path: Path, rm: ATResourceManager, tc: CountingTC, times: int | None, attempts: int
) -> None:
    conn = connect(path, rm, isolation_level=None)
    with pytest.raises(LockConflictError), transaction(lock_retry_times=times, lock_retry_interval_ms=0):
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
    assert tc.registrations == attempts  # one registration (no retry of its own) per run of the statement
    assert not conn.in_transaction and points(path) == [0, 0]
    conn.close()


# -- global-lock scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("times", "checks"), [(None, CONFIGURED.times + 1), (0, 1), (5, 6)])
def test_global_lock_commit_checks_as_often_as_the_block_allows(
    path: Path, rm: ATResourceManager, tc: CountingTC, times: int | None, checks: int
) -> None:
    conn = connect(path, rm)
    with global_lock(lock_retry_times=times, lock_retry_interval_ms=0):
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
        with pytest.raises(LockConflictError, match="account:1"):
            conn.commit()
    assert tc.lock_checks == checks
    assert not tc.branches and points(path) == [0, 0]
    conn.close()


def test_the_override_ends_with_its_block(path: Path, rm: ATResourceManager, tc: CountingTC) -> None:
    conn = connect(path, rm)
    with global_lock(lock_retry_times=0):
        pass
    with global_lock():
        conn.execute("UPDATE account SET points = 5 WHERE id = 1")
        with pytest.raises(LockConflictError):
            conn.commit()
    assert tc.lock_checks == CONFIGURED.times + 1
    conn.close()

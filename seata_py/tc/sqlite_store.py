"""The TC's state in one SQLite file, written through on every change.

WAL with ``synchronous=NORMAL``: a committed change survives the TC process being killed (it is in the WAL
file), which is the crash this development TC has to survive; an OS crash may lose the last moments.
A lock file keeps a second TC process from opening the same store.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from seata_py.protocol import BranchStatus, BranchType, GlobalStatus
from seata_py.tc.errors import TCStoreError
from seata_py.tc.model import BranchSession, GlobalSession, RowLock
from seata_py.tc.store import StoredState

log = logging.getLogger("seata_py.tc.store")

SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS global_session (
        xid TEXT PRIMARY KEY,
        transaction_id INTEGER NOT NULL,
        application_id TEXT,
        tx_service_group TEXT,
        name TEXT,
        timeout_ms INTEGER NOT NULL,
        begin_time_ms INTEGER NOT NULL,
        status INTEGER NOT NULL,
        active INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS branch_session (
        branch_id INTEGER PRIMARY KEY,
        xid TEXT NOT NULL,
        transaction_id INTEGER NOT NULL,
        resource_id TEXT NOT NULL,
        branch_type INTEGER NOT NULL,
        lock_key TEXT,
        client_id TEXT NOT NULL,
        application_data TEXT,
        status INTEGER NOT NULL,
        begin_time_ms INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_branch_session_xid ON branch_session (xid)",
    """CREATE TABLE IF NOT EXISTS row_lock (
        row_key TEXT PRIMARY KEY,
        xid TEXT NOT NULL,
        transaction_id INTEGER NOT NULL,
        branch_id INTEGER NOT NULL,
        resource_id TEXT NOT NULL,
        table_name TEXT NOT NULL,
        pk TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_row_lock_xid ON row_lock (xid)",
)


class SqliteStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.description = str(self.path)
        self._depth = 0
        self._lock_file: IO[str] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = _exclusive_lock(self.path.with_name(self.path.name + ".lock"))
            # One loop thread uses the connection; the TC may have been built on another thread.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self.transaction():
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._check_schema_version()
        except (OSError, sqlite3.Error) as exc:
            self._release_lock_file()
            raise TCStoreError(f"cannot open the TC store {self.path}: {exc}") from exc

    def _check_schema_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise TCStoreError(
                f"TC store {self.path} has schema version {row[0]}, this seata-py reads {SCHEMA_VERSION}"
            )

    # -- reading -------------------------------------------------------------------------------------------

    def load(self) -> StoredState:
        try:
            sessions = {
                row[0]: GlobalSession(
                    xid=row[0],
                    transaction_id=row[1],
                    application_id=row[2],
                    tx_service_group=row[3],
                    name=row[4],
                    timeout_ms=row[5],
                    begin_time_ms=row[6],
                    status=_enum(GlobalStatus, row[7], "global status"),
                    active=bool(row[8]),
                )
                for row in self._db.execute(
                    "SELECT xid, transaction_id, application_id, tx_service_group, name, timeout_ms, "
                    "begin_time_ms, status, active FROM global_session ORDER BY transaction_id"
                )
            }
            for row in self._db.execute(
                "SELECT branch_id, xid, transaction_id, resource_id, branch_type, lock_key, client_id, "
                "application_data, status, begin_time_ms FROM branch_session ORDER BY branch_id"
            ):
                owner = sessions.get(row[1])
                if owner is None:
                    log.warning("TC store %s: branch %s of unknown xid=%s ignored", self.path, row[0], row[1])
                    continue
                owner.branches.append(
                    BranchSession(
                        branch_id=row[0],
                        xid=row[1],
                        transaction_id=row[2],
                        resource_id=row[3],
                        branch_type=_enum(BranchType, row[4], "branch type"),
                        lock_key=row[5],
                        client_id=row[6],
                        application_data=row[7],
                        status=_enum(BranchStatus, row[8], "branch status"),
                        begin_time_ms=row[9],
                    )
                )
            locks = [
                RowLock(*row)
                for row in self._db.execute(
                    "SELECT row_key, xid, transaction_id, branch_id, resource_id, table_name, pk "
                    "FROM row_lock"
                )
            ]
            high = self._db.execute("SELECT value FROM meta WHERE key = 'id_high_water'").fetchone()
        except sqlite3.Error as exc:
            raise TCStoreError(f"cannot read the TC store {self.path}: {exc}") from exc
        return StoredState(list(sessions.values()), locks, high[0] if high else 0)

    # -- writing -------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        outermost = self._depth == 0
        try:
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            if outermost:
                self._db.execute("COMMIT")
        except BaseException as exc:
            if outermost and self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise TCStoreError(f"writing the TC store {self.path} failed: {exc}") from exc
            raise

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        with self.transaction():
            self._db.execute(sql, tuple(params))

    def _execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.transaction():
            self._db.executemany(sql, (tuple(r) for r in rows))

    def put_global(self, session: GlobalSession) -> None:
        self._execute(
            "INSERT OR REPLACE INTO global_session (xid, transaction_id, application_id, tx_service_group, "
            "name, timeout_ms, begin_time_ms, status, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.xid,
                session.transaction_id,
                session.application_id,
                session.tx_service_group,
                session.name,
                session.timeout_ms,
                session.begin_time_ms,
                int(session.status),
                int(session.active),
            ),
        )

    def delete_global(self, xid: str) -> None:
        with self.transaction():
            for table in ("row_lock", "branch_session", "global_session"):
                self._db.execute(f"DELETE FROM {table} WHERE xid = ?", (xid,))

    def put_branch(self, branch: BranchSession) -> None:
        self._execute(
            "INSERT OR REPLACE INTO branch_session (branch_id, xid, transaction_id, resource_id, "
            "branch_type, lock_key, client_id, application_data, status, begin_time_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                branch.branch_id,
                branch.xid,
                branch.transaction_id,
                branch.resource_id,
                int(branch.branch_type),
                branch.lock_key,
                branch.client_id,
                branch.application_data,
                int(branch.status),
                branch.begin_time_ms,
            ),
        )

    def delete_branch(self, branch_id: int) -> None:
        self._execute("DELETE FROM branch_session WHERE branch_id = ?", (branch_id,))

    def add_locks(self, locks: Iterable[RowLock]) -> None:
        self._execute_many(
            "INSERT OR REPLACE INTO row_lock (row_key, xid, transaction_id, branch_id, resource_id, "
            "table_name, pk) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((k.row_key, k.xid, k.transaction_id, k.branch_id, k.resource_id, k.table, k.pk) for k in locks),
        )

    def remove_locks(self, row_keys: Iterable[str]) -> None:
        self._execute_many("DELETE FROM row_lock WHERE row_key = ?", ((key,) for key in row_keys))

    def reserve_ids(self, high_water: int) -> None:
        self._execute(
            "INSERT INTO meta (key, value) VALUES ('id_high_water', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
            (high_water,),
        )

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error as exc:
            log.warning("closing the TC store %s: %s", self.path, exc)
        finally:
            self._release_lock_file()

    def _release_lock_file(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the flock
            self._lock_file = None


def _exclusive_lock(path: Path) -> IO[str]:
    handle = open(path, "w")  # noqa: SIM115 - held open for the store's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise TCStoreError(f"another TC process is using the store ({path} is locked)") from None
    return handle


_E = TypeVar("_E", bound=enum.IntEnum)


def _enum(enum_cls: type[_E], value: int, what: str) -> _E:
    try:
        return enum_cls(value)
    except ValueError:
        raise TCStoreError(f"TC store holds an unknown {what} {value!r}") from None

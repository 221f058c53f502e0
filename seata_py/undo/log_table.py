"""Reads and writes of the ``undo_log`` table, with the statements Java Seata uses (bound parameters).

The SQL is the same on every database but for placeholders, row locking and a few spellings, which come
from the dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seata_py.sql.exec.base import Cursor
from seata_py.types.dialect import Dialect

LOG_STATUS_NORMAL = 0
LOG_STATUS_GLOBAL_FINISHED = 1  # the defense row phase-2 rollback leaves when phase 1 has not committed yet
PURGE_BATCH = 3000
DELETE_BATCH = 1000


def check_plain_table_name(table: str) -> None:
    """The undo_log table's name goes into DDL as written: letters, digits and underscores only."""
    if not table.replace("_", "").isalnum():
        raise ValueError(f"not a plain table name: {table!r}")


@dataclass(frozen=True)
class StoredUndoRow:
    branch_id: int
    xid: str
    context: str
    rollback_info: bytes
    log_status: int


class UndoLogTable:
    def __init__(self, table: str, dialect: Dialect) -> None:
        self.table = dialect.quote(table)
        self.dialect = dialect
        self._now = dialect.now_sql
        self._for_update = dialect.for_update_suffix

    def _sql(self, text: str) -> str:
        """``text`` written with ``%s`` placeholders, in the dialect's paramstyle."""
        return text.replace("%s", self.dialect.placeholder)

    def insert(
        self, cur: Cursor, branch_id: int, xid: str, context: str, rollback_info: bytes, status: int
    ) -> None:
        cur.execute(
            self._sql(
                f"INSERT INTO {self.table} (branch_id, xid, context, rollback_info, log_status, log_created, "
                f"log_modified) VALUES (%s, %s, %s, %s, %s, {self._now}, {self._now})"
            ),
            [branch_id, xid, context, rollback_info, status],
        )

    def select_for_update(self, cur: Cursor, branch_id: int, xid: str) -> list[StoredUndoRow]:
        cur.execute(
            self._sql(
                f"SELECT branch_id, xid, context, rollback_info, log_status FROM {self.table} "
                f"WHERE branch_id = %s AND xid = %s{self._for_update}"
            ),
            [branch_id, xid],
        )
        return [StoredUndoRow(int(r[0]), r[1], r[2], bytes(r[3]), int(r[4])) for r in cur.fetchall()]

    def newer_branches_for_update(self, cur: Cursor, xid: str, branch_id: int) -> list[StoredUndoRow]:
        """Undo rows of later branches of the same global transaction, newest first (no split chunks)."""
        cur.execute(
            self._sql(
                f"SELECT branch_id, xid, context, rollback_info, log_status FROM {self.table} "
                "WHERE xid = %s AND branch_id > %s AND log_status = %s AND context NOT LIKE %s "
                f"ORDER BY branch_id DESC{self._for_update}"
            ),
            [xid, branch_id, LOG_STATUS_NORMAL, "branchId=%"],
        )
        return [StoredUndoRow(int(r[0]), r[1], r[2], bytes(r[3]), int(r[4])) for r in cur.fetchall()]

    def mark_finished(self, cur: Cursor, branch_id: int, xid: str) -> None:
        cur.execute(
            self._sql(
                f"UPDATE {self.table} SET log_status = %s, log_modified = {self._now} "
                "WHERE branch_id = %s AND xid = %s"
            ),
            [LOG_STATUS_GLOBAL_FINISHED, branch_id, xid],
        )

    def sub_rows(self, cur: Cursor, xid: str, branch_ids: Sequence[int]) -> list[bytes]:
        """Chunks 2..n of a split rollback_info, in the order the main row's context lists them."""
        if not branch_ids:
            return []
        marks = self.dialect.marks(len(branch_ids))
        cur.execute(
            self._sql(
                f"SELECT branch_id, rollback_info FROM {self.table} WHERE branch_id IN ({marks}) AND xid = %s"
            ),
            [*branch_ids, xid],
        )
        found = {int(r[0]): bytes(r[1]) for r in cur.fetchall()}
        missing = [b for b in branch_ids if b not in found]
        if missing:
            raise LookupError(f"undo_log chunks {missing} of xid {xid} are missing")
        return [found[b] for b in branch_ids]

    def delete(self, cur: Cursor, branch_id: int, xid: str) -> None:
        cur.execute(
            self._sql(f"DELETE FROM {self.table} WHERE branch_id = %s AND xid = %s"), [branch_id, xid]
        )
        cur.execute(
            self._sql(f"DELETE FROM {self.table} WHERE context = %s AND xid = %s"),
            [f"branchId={branch_id}", xid],
        )

    def delete_many(self, cur: Cursor, branches: Sequence[tuple[str, int]]) -> int:
        """Delete the undo rows (and split chunks) of committed branches, in batches."""
        deleted = 0
        for start in range(0, len(branches), DELETE_BATCH):
            chunk = branches[start : start + DELETE_BATCH]
            pairs = " OR ".join(["(branch_id = %s AND xid = %s)"] * len(chunk))
            params: list[Any] = [v for xid, branch_id in chunk for v in (branch_id, xid)]
            cur.execute(self._sql(f"DELETE FROM {self.table} WHERE {pairs}"), params)
            deleted += cur.rowcount
            subs = " OR ".join(["(context = %s AND xid = %s)"] * len(chunk))
            sub_params: list[Any] = [v for xid, branch_id in chunk for v in (f"branchId={branch_id}", xid)]
            cur.execute(self._sql(f"DELETE FROM {self.table} WHERE {subs}"), sub_params)
        return deleted

    def purge_created_before(
        self,
        cur: Cursor,
        cutoff: datetime,
        commit: Callable[[], None],
        begin: Callable[[], None] = lambda: None,
    ) -> int:
        """Deletes in batches, one local transaction each (``begin`` starts it where the dialect must)."""
        total = 0
        sql = self.dialect.purge_sql(self.table, PURGE_BATCH)
        while True:
            begin()
            cur.execute(sql, [self.dialect.datetime_param(cutoff)])
            count = cur.rowcount
            commit()
            total += count
            if count < PURGE_BATCH:
                return total

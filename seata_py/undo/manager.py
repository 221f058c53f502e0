"""Phase 2 of AT branches on one database: undo from the undo_log rows, or forget them.

Everything here works from the database alone (the undo_log rows and the tables they name), so any process
that registered the same resource can finish a branch another process began.

Rollback, in one local transaction holding the write locks: read the branch's undo row; when there is none,
insert the *defense row* (log_status 1) so that a phase 1 that has not committed yet collides with it and
fails; otherwise undo every newer branch of the same XID that touched the rows again, check each row still
holds what the branch left (dirty data is reported, never overwritten), restore the before images, delete
the undo row and commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from seata_py.exceptions import DirtyUndoError, SeataError, UndoLogFormatError
from seata_py.protocol import BranchStatus
from seata_py.sql.exec.base import Cursor, Environment
from seata_py.types.dialect import Dialect
from seata_py.types.images import BranchUndoLog
from seata_py.types.meta import TableMeta
from seata_py.undo.codec import DEFENSE_ROW_CONTENT, DEFENSE_ROW_CONTEXT, decode_undo_row
from seata_py.undo.compensate import Compensator
from seata_py.undo.log_table import LOG_STATUS_GLOBAL_FINISHED, LOG_STATUS_NORMAL, StoredUndoRow, UndoLogTable

log = logging.getLogger("seata_py.rm")

# a defense-row insert that collides means a late phase 1 committed meanwhile: read its undo row again
DEFENSE_RACE_ATTEMPTS = 3


class UndoTarget(Protocol):
    """The database an undo manager works on, as its resource describes it."""

    resource_id: str
    dialect: Dialect
    undo_table: UndoLogTable

    def connect(self) -> Any: ...

    def begin_write(self, conn: Any) -> None: ...

    def environment(self, conn: Any) -> Environment: ...

    def table_meta(self, cursor: Cursor, schema: str | None, table: str) -> TableMeta: ...

    def forget_table_meta(self) -> None: ...


class UndoManager:
    def __init__(self, target: UndoTarget, *, zone: tzinfo | None, validate: bool) -> None:
        self.target = target
        self.zone = zone
        self.validate = validate

    # -- rollback ------------------------------------------------------------------------------------------

    def rollback(self, xid: str, branch_id: int) -> BranchStatus:
        """Undo one branch; the status is what the TC is answered (retryable failures are retried by it)."""
        dialect = self.target.dialect
        for _ in range(DEFENSE_RACE_ATTEMPTS):
            try:
                self._rollback_once(xid, branch_id)
                log.info("branch %s rolled back xid=%s", branch_id, xid)
                return BranchStatus.PHASE_TWO_ROLLBACKED
            except DirtyUndoError as exc:
                log.error("branch %s cannot be rolled back: %s xid=%s", branch_id, exc, xid)
                return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE
            except Exception as exc:
                if dialect.is_undo_log_duplicate_error(exc):
                    continue
                if dialect.is_unknown_column_error(exc):
                    # a table changed since it was described: describe it again before the TC's retry
                    self.target.forget_table_meta()
                log.warning(
                    "rollback of branch %s failed, TC will retry: %s xid=%s",
                    branch_id,
                    exc,
                    xid,
                    exc_info=not isinstance(exc, (*dialect.driver_errors, SeataError)),
                )
                return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
        return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE

    def _rollback_once(self, xid: str, branch_id: int) -> None:
        target = self.target
        conn = target.connect()
        try:
            target.begin_write(conn)
            env = target.environment(conn)
            cur = env.image_cursor
            table = target.undo_table
            rows = table.select_for_update(cur, branch_id, xid)
            if not rows:
                table.insert(
                    cur, branch_id, xid, DEFENSE_ROW_CONTEXT, DEFENSE_ROW_CONTENT, LOG_STATUS_GLOBAL_FINISHED
                )
                conn.commit()
                return
            row = rows[0]
            if row.log_status != LOG_STATUS_NORMAL:
                if row.rollback_info != DEFENSE_ROW_CONTENT:
                    # undone already, together with an older branch (below): only the marker is left
                    table.delete(cur, branch_id, xid)
                    conn.commit()
                else:  # a defense row: it must stay to stop a late phase 1
                    conn.rollback()
                log.info("branch %s already finished (log_status=%s) xid=%s", branch_id, row.log_status, xid)
                return
            compensator = Compensator(
                env, cur, lambda schema, name: target.table_meta(cur, schema, name), validate=self.validate
            )
            # The TC may ask for the oldest branch first (2.0.0 does); a newer branch of the same transaction
            # may have changed the same rows again, so it is undone first and marked finished.
            for newer in table.newer_branches_for_update(cur, xid, branch_id):
                try:
                    newer_log = self._decode(cur, newer)
                except UndoLogFormatError as exc:
                    # another client's format (seata-go json, kryo, ...): that branch is its RM's to undo
                    log.warning("not undoing branch %s early: %s xid=%s", newer.branch_id, exc, xid)
                    continue
                compensator.undo(newer_log.sql_undo_logs)
                table.mark_finished(cur, newer.branch_id, xid)
                log.info("branch %s undone before older branch %s xid=%s", newer.branch_id, branch_id, xid)
            compensator.undo(self._decode(cur, row).sql_undo_logs)
            table.delete(cur, branch_id, xid)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def _decode(self, cur: Cursor, row: StoredUndoRow) -> BranchUndoLog:
        table = self.target.undo_table
        return decode_undo_row(
            row.context, row.rollback_info, lambda ids: table.sub_rows(cur, row.xid, ids), zone=self.zone
        )

    # -- commit and purge ----------------------------------------------------------------------------------

    def delete(self, branches: Sequence[tuple[str, int]]) -> None:
        """Delete the undo rows of committed branches ((xid, branch_id) pairs), in one local transaction."""
        conn = self.target.connect()
        try:
            self.target.begin_write(conn)
            cur = self.target.dialect.image_cursor(conn)
            try:
                self.target.undo_table.delete_many(cur, branches)
            finally:
                cur.close()
            conn.commit()
        finally:
            conn.close()

    def purge(self, save_days: int) -> int:
        """Delete undo rows created before the start of the day ``save_days`` ago; returns how many."""
        cutoff = datetime.combine(
            datetime.now().date() - timedelta(days=max(save_days, 0)), datetime.min.time()
        )
        target = self.target
        conn = target.connect()
        try:
            cur = target.dialect.image_cursor(conn)
            purged: int = target.undo_table.purge_created_before(
                cur, cutoff, conn.commit, lambda: target.begin_write(conn)
            )
        finally:
            conn.close()
        log.info("purged %d undo_log rows created before %s from %s", purged, cutoff, target.resource_id)
        return purged

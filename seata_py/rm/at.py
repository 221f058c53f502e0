"""The AT resource manager: branch registration for phase 1, and the phase-2 handler the TC pushes to.

Phase 2 works from the database alone (the undo_log rows), so any process that registered the same
resource can finish a branch another process began.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta

from seata_py.config import SeataConfig
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import LockConflictError, SeataError, TransactionError
from seata_py.protocol import (
    BranchCommitRequest,
    BranchRollbackRequest,
    BranchStatus,
    BranchType,
    TransactionExceptionCode,
    UndoLogDeleteRequest,
)
from seata_py.rpc.coordinator import TransactionCoordinator
from seata_py.sql.exec.base import Cursor
from seata_py.types.context import effective_lock_retry
from seata_py.undo.codec import DEFENSE_ROW_CONTENT, DEFENSE_ROW_CONTEXT, decode_undo_row
from seata_py.undo.compensate import Compensator, DirtyUndoError
from seata_py.undo.errors import UndoLogFormatError
from seata_py.undo.log_table import LOG_STATUS_GLOBAL_FINISHED, LOG_STATUS_NORMAL, StoredUndoRow, UndoLogTable
from seata_py.undo.model import BranchUndoLog

log = logging.getLogger("seata_py.rm")


class ATResourceManager:
    def __init__(self, config: SeataConfig, tc: TransactionCoordinator) -> None:
        self.config = config
        self.tc = tc
        self._resources: dict[str, DataSourceResource] = {}
        self._committed: queue.Queue[tuple[str, int, str]] = queue.Queue()
        self._stop = threading.Event()
        self._worker = threading.Thread(
            target=self._delete_committed_loop, name="seata-py-async-commit", daemon=True
        )
        self._worker.start()

    # -- resources -----------------------------------------------------------------------------------------

    def register(self, resource: DataSourceResource) -> DataSourceResource:
        """Register a database once per process; later connections to it share the same resource."""
        existing = self._resources.get(resource.resource_id)
        if existing is not None:
            return existing
        self._resources[resource.resource_id] = resource
        self.tc.client.register_resource(resource.resource_id)
        return resource

    def resource(self, resource_id: str) -> DataSourceResource | None:
        return self._resources.get(resource_id)

    # -- phase 1 -------------------------------------------------------------------------------------------

    def register_branch(
        self, xid: str, resource_id: str, lock_key: str, application_data: str | None, retry: bool = True
    ) -> int:
        """BranchRegister, retrying lock conflicts (client.rm.lock.retryInterval x retryTimes, or the
        enclosing block's override), unless the caller retries the whole statement itself (autocommit
        statements)."""
        policy = effective_lock_retry(self.config.lock_retry)
        attempts = max(policy.times, 0) + 1 if retry else 1
        for attempt in range(attempts):
            try:
                return self.tc.branch_register(xid, resource_id, lock_key, BranchType.AT, application_data)
            except LockConflictError as exc:
                fail_fast = exc.code is TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST
                if fail_fast or attempt == attempts - 1:
                    raise LockConflictError(
                        f"global lock conflict on {lock_key} after {attempt + 1} attempt(s): "
                        f"{exc.tc_message}",
                        code=exc.code,
                        xid=xid,
                    ) from exc
                time.sleep(policy.interval_ms / 1000)
        raise AssertionError("unreachable")

    def check_lock(self, xid: str | None, resource_id: str, lock_key: str) -> bool:
        return self.tc.lock_query(xid, resource_id, lock_key, BranchType.AT)

    def report_phase_one_failed(self, xid: str, branch_id: int, resource_id: str) -> None:
        self._report(xid, branch_id, resource_id, BranchStatus.PHASE_ONE_FAILED)

    def report_phase_one_done(self, xid: str, branch_id: int, resource_id: str) -> None:
        self._report(xid, branch_id, resource_id, BranchStatus.PHASE_ONE_DONE)

    def _report(self, xid: str, branch_id: int, resource_id: str, status: BranchStatus) -> None:
        for attempt in range(max(self.config.report_retry_count, 1)):
            try:
                self.tc.branch_report(xid, branch_id, status, resource_id)
                return
            except SeataError as exc:
                log.warning(
                    "BranchReport %s of branch %s failed (attempt %d): %s xid=%s",
                    status.name,
                    branch_id,
                    attempt + 1,
                    exc,
                    xid,
                )
        log.error("could not report %s for branch %s xid=%s", status.name, branch_id, xid)

    # -- phase 2: commit -----------------------------------------------------------------------------------

    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        """Answer at once; the undo rows are deleted in the background, in batches."""
        self._committed.put((request.xid or "", request.branch_id, request.resource_id or ""))
        return BranchStatus.PHASE_TWO_COMMITTED

    def _delete_committed_loop(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.config.async_commit_interval)
            self.flush_committed()

    def flush_committed(self) -> None:
        pending: dict[str, list[tuple[str, int]]] = defaultdict(list)
        while True:
            try:
                xid, branch_id, resource_id = self._committed.get_nowait()
            except queue.Empty:
                break
            pending[resource_id].append((xid, branch_id))
        for resource_id, branches in pending.items():
            resource = self._resources.get(resource_id)
            if resource is None:
                log.warning("committed branches of unknown resource %s kept for later", resource_id)
                self._requeue(resource_id, branches)
                continue
            try:
                conn = resource.connect()
                try:
                    resource.begin_write(conn)
                    cur = resource.dialect.image_cursor(conn)
                    try:
                        resource.undo_table.delete_many(cur, branches)
                    finally:
                        cur.close()
                    conn.commit()
                finally:
                    conn.close()
            except Exception as exc:  # the worker must survive anything; the branches are kept
                log.warning(
                    "deleting undo rows of %d committed branches failed, will retry: %s", len(branches), exc
                )
                self._requeue(resource_id, branches)

    def _requeue(self, resource_id: str, branches: list[tuple[str, int]]) -> None:
        for xid, branch_id in branches:
            self._committed.put((xid, branch_id, resource_id))

    # -- phase 2: rollback ---------------------------------------------------------------------------------

    def branch_rollback(self, request: BranchRollbackRequest) -> BranchStatus:
        xid, branch_id, resource_id = request.xid or "", request.branch_id, request.resource_id or ""
        resource = self._resources.get(resource_id)
        if resource is None:
            log.error("rollback of branch %s for unknown resource %s xid=%s", branch_id, resource_id, xid)
            return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
        for _ in range(3):  # a duplicate defense row means phase 1 committed meanwhile: read again
            try:
                self._rollback_once(resource, xid, branch_id)
                log.info("branch %s rolled back xid=%s", branch_id, xid)
                return BranchStatus.PHASE_TWO_ROLLBACKED
            except DirtyUndoError as exc:
                log.error("branch %s cannot be rolled back: %s xid=%s", branch_id, exc, xid)
                return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE
            except Exception as exc:
                if resource.dialect.is_undo_log_duplicate_error(exc):
                    # our own defense-row insert raced a late phase 1, which committed: read again
                    continue
                if resource.dialect.is_unknown_column_error(exc):
                    # a table changed since it was described: describe it again before the TC's retry
                    resource.meta_cache.invalidate(resource_id=resource.resource_id)
                log.warning(
                    "rollback of branch %s failed, TC will retry: %s xid=%s",
                    branch_id,
                    exc,
                    xid,
                    exc_info=not isinstance(exc, (*resource.dialect.driver_errors, SeataError)),
                )
                return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
        return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE

    def _rollback_once(self, resource: DataSourceResource, xid: str, branch_id: int) -> None:
        conn = resource.connect()
        try:
            resource.begin_write(conn)
            env = resource.environment(conn)
            cur = env.image_cursor
            table = resource.undo_table
            rows = table.select_for_update(cur, branch_id, xid)
            if not rows:
                # Defense against a phase 1 that has not committed yet: its undo insert will now collide.
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
                env,
                cur,
                lambda schema, name: resource.table_meta(cur, schema, name),
                validate=self.config.undo.data_validation,
            )
            # The TC may ask for the oldest branch first (2.0.0 does); a newer branch of the same transaction
            # may have changed the same rows again, so it is undone first and marked finished.
            for newer in table.newer_branches_for_update(cur, xid, branch_id):
                try:
                    newer_log = self._decode(table, cur, newer)
                except UndoLogFormatError as exc:
                    # another client's format (seata-go json, kryo, ...): that branch is its RM's to undo
                    log.warning("not undoing branch %s early: %s xid=%s", newer.branch_id, exc, xid)
                    continue
                compensator.undo(newer_log.sql_undo_logs)
                table.mark_finished(cur, newer.branch_id, xid)
                log.info("branch %s undone before older branch %s xid=%s", newer.branch_id, branch_id, xid)
            compensator.undo(self._decode(table, cur, row).sql_undo_logs)
            table.delete(cur, branch_id, xid)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def _decode(self, table: UndoLogTable, cur: Cursor, row: StoredUndoRow) -> BranchUndoLog:
        return decode_undo_row(
            row.context,
            row.rollback_info,
            lambda ids: table.sub_rows(cur, row.xid, ids),
            zone=self.config.zone,
        )

    # -- undo log purge ------------------------------------------------------------------------------------

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        resource = self._resources.get(request.resource_id or "")
        if resource is None:
            return
        cutoff = datetime.combine(
            datetime.now().date() - timedelta(days=max(request.save_days, 0)), datetime.min.time()
        )
        conn = resource.connect()
        try:
            cur = resource.dialect.image_cursor(conn)
            purged = resource.undo_table.purge_created_before(
                cur, cutoff, conn.commit, lambda: resource.begin_write(conn)
            )
            log.info(
                "purged %d undo_log rows created before %s from %s", purged, cutoff, resource.resource_id
            )
        finally:
            conn.close()

    # -- lifecycle -----------------------------------------------------------------------------------------

    def close(self) -> None:
        self._stop.set()
        self._worker.join(timeout=5)
        self.flush_committed()


def application_data(user_transaction: bool) -> str | None:
    """What Java sends with BranchRegister: the TC fails fast on conflicts with a rolling-back holder when the
    user, not Seata, opened the local transaction (the rollback would need this transaction's row locks)."""
    return json.dumps({"autoCommit": False}, separators=(",", ":")) if user_transaction else None


__all__ = ["ATResourceManager", "TransactionError", "application_data"]

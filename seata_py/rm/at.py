"""The AT resource manager: branch lifecycle — resources, registration and reports in phase 1, and the
phase-2 pushes of the TC handed to the resource they name.

What phase 2 does to a database (undo, delete undo rows, purge) is the resource's: see
:mod:`seata_py.undo.manager`. Commits are answered at once and their undo rows deleted in the background.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol, TypeVar

from seata_py.config import SeataConfig
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
from seata_py.types.retry import LockRetry

log = logging.getLogger("seata_py.rm")


class BranchResource(Protocol):
    """One database as the resource manager sees it: its resourceId and what phase 2 asks of it."""

    @property
    def resource_id(self) -> str: ...

    def rollback_branch(self, xid: str, branch_id: int) -> BranchStatus: ...

    def delete_undo_logs(self, branches: Sequence[tuple[str, int]]) -> None: ...

    def purge_undo_logs(self, save_days: int) -> int: ...


R = TypeVar("R", bound=BranchResource)


class ATResourceManager:
    def __init__(self, config: SeataConfig, tc: TransactionCoordinator) -> None:
        self.config = config
        self.tc = tc
        self._resources: dict[str, BranchResource] = {}
        self._committed: queue.Queue[tuple[str, int, str]] = queue.Queue()
        self._stop = threading.Event()
        self._worker = threading.Thread(
            target=self._delete_committed_loop, name="seata-py-async-commit", daemon=True
        )
        self._worker.start()

    # -- resources -----------------------------------------------------------------------------------------

    def register(self, resource: R) -> R:
        """Register a database once per process; later connections to it share the same resource."""
        existing = self._resources.get(resource.resource_id)
        if existing is not None:
            return existing  # type: ignore[return-value]
        self._resources[resource.resource_id] = resource
        self.tc.client.register_resource(resource.resource_id)
        return resource

    def resource(self, resource_id: str) -> BranchResource | None:
        return self._resources.get(resource_id)

    # -- phase 1 -------------------------------------------------------------------------------------------

    def register_branch(
        self, xid: str, resource_id: str, lock_key: str, application_data: str | None, retry: bool = True
    ) -> int:
        """BranchRegister, retrying lock conflicts (client.rm.lock.retryInterval x retryTimes, or the
        enclosing block's override), unless the caller retries the whole statement itself (autocommit
        statements)."""
        policy = self.config.lock_retry.in_force() if retry else LockRetry(times=0)
        for attempt in policy.attempts():
            try:
                return self.tc.branch_register(xid, resource_id, lock_key, BranchType.AT, application_data)
            except LockConflictError as exc:
                fail_fast = exc.code is TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST
                if fail_fast or attempt.last:
                    raise LockConflictError(
                        f"global lock conflict on {lock_key} after {attempt.number + 1} attempt(s): "
                        f"{exc.tc_message}",
                        code=exc.code,
                        xid=xid,
                    ) from exc
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
                resource.delete_undo_logs(branches)
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
        return resource.rollback_branch(xid, branch_id)

    # -- undo log purge ------------------------------------------------------------------------------------

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        resource = self._resources.get(request.resource_id or "")
        if resource is None:
            return
        resource.purge_undo_logs(request.save_days)

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

"""Global and branch sessions and row locks, as the coordinator keeps them and the store persists them."""

from __future__ import annotations

from dataclasses import dataclass, field

from seata_py.protocol import BranchStatus, BranchType, GlobalStatus

# Phase 2 is under way (or must be resumed after a restart) in these states.
COMMIT_PHASE = frozenset(
    {GlobalStatus.COMMITTING, GlobalStatus.COMMIT_RETRYING, GlobalStatus.ASYNC_COMMITTING}
)
ROLLBACK_PHASE = frozenset(
    {
        GlobalStatus.ROLLBACKING,
        GlobalStatus.ROLLBACK_RETRYING,
        GlobalStatus.TIMEOUT_ROLLBACKING,
        GlobalStatus.TIMEOUT_ROLLBACK_RETRYING,
    }
)
TIMEOUT_ROLLBACK = frozenset(
    {
        GlobalStatus.TIMEOUT_ROLLBACKING,
        GlobalStatus.TIMEOUT_ROLLBACK_RETRYING,
        GlobalStatus.TIMEOUT_ROLLBACKED,
        GlobalStatus.TIMEOUT_ROLLBACK_FAILED,
    }
)
# Ended without success: kept (with their branches and locks) for an operator instead of being forgotten.
FAILED_END = frozenset(
    {GlobalStatus.COMMIT_FAILED, GlobalStatus.ROLLBACK_FAILED, GlobalStatus.TIMEOUT_ROLLBACK_FAILED}
)


@dataclass
class BranchSession:
    branch_id: int
    xid: str
    transaction_id: int
    resource_id: str
    branch_type: BranchType
    lock_key: str | None
    client_id: str
    application_data: str | None
    status: BranchStatus = BranchStatus.REGISTERED
    begin_time_ms: int = 0


@dataclass
class GlobalSession:
    xid: str
    transaction_id: int
    application_id: str | None
    tx_service_group: str | None
    name: str | None
    timeout_ms: int
    begin_time_ms: int  # wall clock: the deadline must survive a restart
    status: GlobalStatus = GlobalStatus.BEGIN
    # False once commit/rollback/timeout started: no more branches may join.
    active: bool = True
    branches: list[BranchSession] = field(default_factory=list)  # registration order

    @property
    def deadline_ms(self) -> int:
        return self.begin_time_ms + self.timeout_ms

    def branch(self, branch_id: int) -> BranchSession | None:
        return next((b for b in self.branches if b.branch_id == branch_id), None)

    def only_at_branches(self) -> bool:
        """AT branches are committed asynchronously: their data is already committed in phase 1."""
        return all(b.branch_type is BranchType.AT for b in self.branches)

    def has_at_branch(self) -> bool:
        return any(b.branch_type is BranchType.AT for b in self.branches)


@dataclass(frozen=True)
class RowLock:
    row_key: str  # resourceId^^^table^^^pk
    xid: str
    transaction_id: int
    branch_id: int
    resource_id: str
    table: str
    pk: str

"""Phase 2 of one branch as both ends see it: which request asks it, which response answers it, and the
branch statuses it ends in. The RM side (:mod:`seata_py.rpc.client`) answers these pushes; the embedded TC
(:mod:`seata_py.tc.decisions`) sends them."""

from __future__ import annotations

from dataclasses import dataclass

from seata_py.protocol import (
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRollbackRequest,
    BranchRollbackResponse,
    BranchStatus,
)


@dataclass(frozen=True)
class PhaseTwo:
    action: str
    request: type[BranchCommitRequest | BranchRollbackRequest]
    response: type[BranchCommitResponse | BranchRollbackResponse]
    done: BranchStatus
    retryable: BranchStatus
    unretryable: BranchStatus


COMMIT = PhaseTwo(
    "commit",
    BranchCommitRequest,
    BranchCommitResponse,
    BranchStatus.PHASE_TWO_COMMITTED,
    BranchStatus.PHASE_TWO_COMMIT_FAILED_RETRYABLE,
    BranchStatus.PHASE_TWO_COMMIT_FAILED_UNRETRYABLE,
)
ROLLBACK = PhaseTwo(
    "rollback",
    BranchRollbackRequest,
    BranchRollbackResponse,
    BranchStatus.PHASE_TWO_ROLLBACKED,
    BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE,
    BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE,
)


def phase_two(commit: bool) -> PhaseTwo:
    return COMMIT if commit else ROLLBACK

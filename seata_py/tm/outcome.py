"""What the TC's answer to a launcher's commit or rollback means for the code that ran the block.

An answer that is not the outcome the launcher asked for becomes an exception chained to the block's own
(``cause``), so the caller learns both what went wrong in the block and how the transaction ended.
"""

from __future__ import annotations

from seata_py.exceptions import TransactionError, TransactionTimeoutError
from seata_py.protocol import GlobalStatus as Status
from seata_py.tm.transaction import GlobalTransaction

# FINISHED means the TC no longer knows the XID (e.g. it was rolled back on timeout): not a commit.
COMMITTED = frozenset({Status.COMMITTED, Status.ASYNC_COMMITTING, Status.COMMITTING, Status.COMMIT_RETRYING})
# the TC rolled the transaction back on its own once the timeout passed (Java's TimeoutRollback* states)
TIMED_OUT = frozenset(status for status in Status if status.name.startswith("TIMEOUT_ROLLBACK"))
# a rollback the TC has done or is still driving; anything else after a rollback request is a failure
ROLLED_BACK = frozenset(
    {Status.ROLLBACKED, Status.ROLLBACKING, Status.ROLLBACK_RETRYING, Status.FINISHED}
) | (TIMED_OUT - {Status.TIMEOUT_ROLLBACK_FAILED})


def check_timeout_rollback(
    name: str, tx: GlobalTransaction, status: Status, cause: BaseException | None
) -> None:
    """Always raises: the block ran past its timeout, so it was rolled back instead of committed."""
    if status not in ROLLED_BACK:
        raise TransactionError(
            f"global transaction {name!r} ran past its timeout of {tx.timeout_ms} ms and its "
            f"rollback ended as {status.name}; data may need an operator",
            xid=tx.xid,
        ) from cause
    raise TransactionTimeoutError(
        f"global transaction {name!r} ran {tx.elapsed_ms():.0f} ms, past its timeout of "
        f"{tx.timeout_ms} ms; client detected the timeout before commit and rolled back ({status.name})",
        xid=tx.xid,
    ) from cause


def check_committed(name: str, tx: GlobalTransaction, status: Status, cause: BaseException | None) -> None:
    if status in COMMITTED:
        return
    if status in TIMED_OUT:
        error: TransactionError = TransactionTimeoutError(
            f"global transaction {name!r} was rolled back by the TC after its timeout "
            f"({status.name}) instead of committing",
            xid=tx.xid,
        )
    else:
        error = TransactionError(f"global commit of {name!r} ended as {status.name}", xid=tx.xid)
    raise error from cause


def check_rolled_back(name: str, tx: GlobalTransaction, status: Status, cause: BaseException) -> None:
    if status in ROLLED_BACK:
        return
    # e.g. RollbackFailed: some branch could not be compensated (dirty data); never hide it
    raise TransactionError(
        f"global rollback of {name!r} ended as {status.name}; data may need an operator", xid=tx.xid
    ) from cause

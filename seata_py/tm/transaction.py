"""Global transactions: begin, commit or roll back at the TC, with the XID bound for the code inside.

A minimal launcher/participant model (REQUIRED propagation): the outermost ``global_transaction`` begins
and ends the transaction; nested ones join it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from seata_py.exceptions import SeataError, TransactionError
from seata_py.protocol import GlobalStatus
from seata_py.tm.context import bind_xid, current_xid, reset_xid

log = logging.getLogger("seata_py.tm")

# FINISHED means the TC no longer knows the XID (e.g. it was rolled back on timeout): not a commit.
_COMMITTED = {
    GlobalStatus.COMMITTED,
    GlobalStatus.ASYNC_COMMITTING,
    GlobalStatus.COMMITTING,
    GlobalStatus.COMMIT_RETRYING,
}
_ROLLED_BACK = {
    GlobalStatus.ROLLBACKED,
    GlobalStatus.ROLLBACKING,
    GlobalStatus.ROLLBACK_RETRYING,
    GlobalStatus.TIMEOUT_ROLLBACKED,
    GlobalStatus.TIMEOUT_ROLLBACKING,
    GlobalStatus.FINISHED,
}


@dataclass
class GlobalTransaction:
    xid: str
    name: str
    launcher: bool  # False: this block joined a transaction begun further out
    status: GlobalStatus = GlobalStatus.BEGIN


def _retry(what: str, xid: str, attempts: int, call: object) -> GlobalStatus:
    last: Exception | None = None
    for attempt in range(max(attempts, 1)):
        try:
            return call()  # type: ignore[operator]
        except SeataError as exc:
            last = exc
            log.warning("global %s failed (attempt %d): %s xid=%s", what, attempt + 1, exc, xid)
    raise TransactionError(f"global {what} failed after {attempts} attempts: {last}", xid=xid) from last


@contextmanager
def global_transaction(name: str = "default", timeout_ms: int | None = None) -> Iterator[GlobalTransaction]:
    """Run the block in a global transaction; an exception rolls it back everywhere and is re-raised."""
    from seata_py.runtime import runtime

    existing = current_xid()
    if existing is not None:
        yield GlobalTransaction(existing, name, launcher=False)
        return
    rt = runtime()
    timeout = timeout_ms or rt.config.default_timeout_ms
    started = time.monotonic()
    xid = rt.tc.begin(name, timeout)
    tx = GlobalTransaction(xid, name, launcher=True)
    token = bind_xid(xid)
    log.info("begin global transaction %r xid=%s", name, xid)
    try:
        try:
            yield tx
        except BaseException:
            tx.status = _retry("rollback", xid, 5, lambda: rt.tc.rollback(xid))
            log.info("rolled back global transaction %r (%s) xid=%s", name, tx.status.name, xid)
            raise
        if time.monotonic() - started > timeout / 1000:
            # as Java's TM does: a transaction past its timeout is rolled back, never committed
            tx.status = _retry("rollback", xid, 5, lambda: rt.tc.rollback(xid))
            raise TransactionError(
                f"global transaction {name!r} exceeded its timeout of {timeout} ms; rolled back "
                f"({tx.status.name})",
                xid=xid,
            )
        tx.status = _retry("commit", xid, 5, lambda: rt.tc.commit(xid))
        if tx.status not in _COMMITTED:
            raise TransactionError(f"global commit ended as {tx.status.name}", xid=xid)
        log.info("committed global transaction %r (%s) xid=%s", name, tx.status.name, xid)
    finally:
        reset_xid(token)

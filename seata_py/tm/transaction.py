"""The explicit global transaction: begin, commit, roll back, ask its status, suspend and resume it.

A :class:`GlobalTransaction` is either the *launcher* (it began the transaction, so it ends it) or a
*participant* (it joined a transaction begun further up, maybe in another service, so commit and rollback are
no-ops and the launcher decides). Commit and rollback are retried on RPC failures, as Java's TM does
(``client.tm.commitRetryCount`` / ``rollbackRetryCount``), and always unbind the XID.
"""

from __future__ import annotations

import enum
import logging
import time
from contextvars import Token
from dataclasses import dataclass
from typing import Literal

from seata_py.exceptions import SeataError, TransactionError
from seata_py.protocol import GlobalStatus
from seata_py.tm.backend import TmBackend, TmSettings, process_defaults
from seata_py.tm.steps import Steps, TcRequest, arun, run
from seata_py.types.context import bind_xid, current_xid, reset_xid

log = logging.getLogger("seata_py.tm")


class Role(enum.Enum):
    LAUNCHER = "launcher"
    PARTICIPANT = "participant"
    NONE = "none"  # the block runs without a global transaction (NOT_SUPPORTED, SUPPORTS, NEVER...)


@dataclass(frozen=True)
class SuspendedTransaction:
    """What :meth:`GlobalTransaction.suspend` took off the context, for :meth:`GlobalTransaction.resume`."""

    xid: str


class GlobalTransaction:
    """One global transaction as this process sees it.

    ``GlobalTransaction()`` is a new launcher, not begun yet; ``GlobalTransaction.current()`` wraps the
    bound XID as a participant (or returns None). The TC connection defaults to the one ``seata_py.init()``
    made.
    """

    def __init__(
        self,
        *,
        xid: str | None = None,
        role: Role = Role.LAUNCHER,
        backend: TmBackend | None = None,
        settings: TmSettings | None = None,
    ) -> None:
        if backend is None and role is not Role.NONE:
            defaults = process_defaults()
            backend, settings = defaults.backend, settings or defaults.settings
        self._backend = backend
        self.settings = settings or TmSettings()
        self.xid = xid
        self.role = role
        self.name: str | None = None
        self.timeout_ms: int | None = None
        self.status = GlobalStatus.BEGIN if xid else GlobalStatus.UNKNOWN
        self._began_at: float | None = None
        self._token: Token[str | None] | None = None

    @classmethod
    def current(cls, *, backend: TmBackend | None = None) -> GlobalTransaction | None:
        xid = current_xid()
        return None if xid is None else cls(xid=xid, role=Role.PARTICIPANT, backend=backend)

    def __repr__(self) -> str:
        return f"GlobalTransaction(xid={self.xid!r}, role={self.role.value}, status={self.status.name})"

    @property
    def is_launcher(self) -> bool:
        return self.role is Role.LAUNCHER

    def elapsed_ms(self) -> float:
        return 0.0 if self._began_at is None else (time.monotonic() - self._began_at) * 1000

    def timed_out(self) -> bool:
        """True when a launcher ran past its timeout; Java's TM then rolls back instead of committing."""
        return (
            self.timeout_ms is not None and self._began_at is not None and self.elapsed_ms() > self.timeout_ms
        )

    # -- begin ----------------------------------------------------------------------------------------------

    def begin(self, timeout_ms: int | None = None, name: str = "default") -> str:
        return run(self.begin_steps(timeout_ms, name))

    async def abegin(self, timeout_ms: int | None = None, name: str = "default") -> str:
        return await arun(self.begin_steps(timeout_ms, name))

    def begin_steps(self, timeout_ms: int | None, name: str) -> Steps[str]:
        """What :meth:`begin` / :meth:`abegin` do, for a caller that runs it among its own steps."""
        if self.role is not Role.LAUNCHER:
            raise TransactionError(
                f"only a launcher begins a global transaction, this one is a {self.role.value}"
            )
        if self.xid is not None:
            raise TransactionError("this global transaction has already begun", xid=self.xid)
        bound = current_xid()
        if bound is not None:
            raise TransactionError(
                "a global transaction is already bound to this context; join it, or suspend it first "
                "(propagation REQUIRES_NEW)",
                xid=bound,
            )
        timeout = timeout_ms if timeout_ms and timeout_ms > 0 else self.settings.default_timeout_ms
        self.name, self.timeout_ms = name, timeout
        self._began_at = time.monotonic()
        xid: str = yield TcRequest(self._require_backend(), "begin", (name, timeout))
        self.xid = xid
        self.status = GlobalStatus.BEGIN
        self._token = bind_xid(xid)
        log.info("began global transaction %r (timeout %d ms) xid=%s", self.name, self.timeout_ms, xid)
        return xid

    # -- commit / rollback ----------------------------------------------------------------------------------

    def commit(self) -> GlobalStatus:
        """Launcher: ask the TC to commit (retried). Participant: nothing, the launcher decides."""
        return run(self.end_steps("commit"))

    async def acommit(self) -> GlobalStatus:
        return await arun(self.end_steps("commit"))

    def rollback(self) -> GlobalStatus:
        """Launcher: ask the TC to roll back every branch (retried). Participant: nothing."""
        return run(self.end_steps("rollback"))

    async def arollback(self) -> GlobalStatus:
        return await arun(self.end_steps("rollback"))

    def end_steps(self, operation: Literal["commit", "rollback"]) -> Steps[GlobalStatus]:
        """What :meth:`commit` / :meth:`rollback` (and their async twins) do, as steps."""
        if self.role is not Role.LAUNCHER:
            return self.status
        xid = self._require_xid()
        backend = self._require_backend()
        attempts = (
            self.settings.commit_retry_count if operation == "commit" else self.settings.rollback_retry_count
        )
        try:
            self.status = yield from _retried(TcRequest(backend, operation, (xid,)), xid, attempts)
        finally:
            self._unbind()
        log.info("global %s of %r answered %s xid=%s", operation, self.name, self.status.name, xid)
        return self.status

    # -- status / report ------------------------------------------------------------------------------------

    def get_status(self) -> GlobalStatus:
        """The status the TC has now (Finished once it forgot the transaction)."""
        return run(self._status_steps())

    async def aget_status(self) -> GlobalStatus:
        return await arun(self._status_steps())

    def _status_steps(self) -> Steps[GlobalStatus]:
        if self.xid is None:
            return GlobalStatus.UNKNOWN
        self.status = yield TcRequest(self._require_backend(), "status", (self.xid,))
        return self.status

    def report(self, status: GlobalStatus) -> GlobalStatus:
        """GlobalReport: tell the TC the outcome (Saga-style; AT transactions use commit/rollback)."""
        return run(self._report_steps(status))

    async def areport(self, status: GlobalStatus) -> GlobalStatus:
        return await arun(self._report_steps(status))

    def _report_steps(self, status: GlobalStatus) -> Steps[GlobalStatus]:
        self.status = yield TcRequest(self._require_backend(), "report", (self._require_xid(), status))
        return self.status

    # -- suspend / resume -----------------------------------------------------------------------------------

    @staticmethod
    def suspend() -> SuspendedTransaction | None:
        """Unbind the current XID (statements then run outside any global transaction) and return it."""
        xid = current_xid()
        if xid is None:
            return None
        bind_xid(None)
        log.debug("suspended xid=%s", xid)
        return SuspendedTransaction(xid)

    @staticmethod
    def resume(suspended: SuspendedTransaction | None) -> None:
        """Bind a suspended XID again."""
        if suspended is None:
            return
        bound = current_xid()
        if bound is not None and bound != suspended.xid:
            raise TransactionError(f"cannot resume xid={suspended.xid}: another one is bound", xid=bound)
        bind_xid(suspended.xid)
        log.debug("resumed xid=%s", suspended.xid)

    # -- helpers --------------------------------------------------------------------------------------------

    def _unbind(self) -> None:
        if self._token is not None:
            try:
                reset_xid(self._token)
            except ValueError:  # ended from another context than the one that began it
                if current_xid() == self.xid:
                    bind_xid(None)
            self._token = None
        elif current_xid() == self.xid:
            bind_xid(None)

    def _require_xid(self) -> str:
        if self.xid is None:
            raise TransactionError("the global transaction has not begun")
        return self.xid

    def _require_backend(self) -> TmBackend:
        if self._backend is None:
            raise TransactionError("this block runs without a global transaction")
        return self._backend


def _retried(request: TcRequest, xid: str, attempts: int) -> Steps[GlobalStatus]:
    """Java's TM retries a commit or rollback whose RPC failed; the XID stays bound meanwhile."""
    last: SeataError | None = None
    for attempt in range(max(attempts, 1)):
        try:
            status: GlobalStatus = yield request
            return status
        except SeataError as exc:
            last = exc
            log.warning(
                "global %s failed (attempt %d of %d): %s xid=%s",
                request.operation,
                attempt + 1,
                attempts,
                exc,
                xid,
            )
    raise TransactionError(
        f"global {request.operation} failed after {max(attempts, 1)} attempts: {last}", xid=xid
    ) from last

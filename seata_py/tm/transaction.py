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
from collections.abc import Awaitable, Callable
from contextvars import Token
from dataclasses import dataclass
from typing import Protocol, TypeVar

from seata_py.exceptions import SeataError, TransactionError
from seata_py.protocol import GlobalStatus
from seata_py.types.context import bind_xid, current_xid, reset_xid

log = logging.getLogger("seata_py.tm")

T = TypeVar("T")

# FINISHED means the TC no longer knows the XID (e.g. it was rolled back on timeout): not a commit.
COMMITTED = frozenset(
    {
        GlobalStatus.COMMITTED,
        GlobalStatus.ASYNC_COMMITTING,
        GlobalStatus.COMMITTING,
        GlobalStatus.COMMIT_RETRYING,
    }
)
TIMED_OUT = frozenset(
    {
        GlobalStatus.TIMEOUT_ROLLBACKING,
        GlobalStatus.TIMEOUT_ROLLBACKED,
        GlobalStatus.TIMEOUT_ROLLBACK_RETRYING,
        GlobalStatus.TIMEOUT_ROLLBACK_FAILED,
    }
)
# a rollback the TC has done or is still driving; anything else after a rollback request is a failure
ROLLED_BACK = frozenset(
    {
        GlobalStatus.ROLLBACKED,
        GlobalStatus.ROLLBACKING,
        GlobalStatus.ROLLBACK_RETRYING,
        GlobalStatus.TIMEOUT_ROLLBACKED,
        GlobalStatus.TIMEOUT_ROLLBACKING,
        GlobalStatus.TIMEOUT_ROLLBACK_RETRYING,
        GlobalStatus.FINISHED,
    }
)


class TmBackend(Protocol):
    """The TM side of the TC connection (``seata_py.rpc.coordinator.TransactionCoordinator``)."""

    def begin(self, name: str = ..., timeout_ms: int = ...) -> str: ...
    def commit(self, xid: str) -> GlobalStatus: ...
    def rollback(self, xid: str) -> GlobalStatus: ...
    def status(self, xid: str) -> GlobalStatus: ...
    def report(self, xid: str, status: GlobalStatus) -> GlobalStatus: ...
    async def abegin(self, name: str = ..., timeout_ms: int = ...) -> str: ...
    async def acommit(self, xid: str) -> GlobalStatus: ...
    async def arollback(self, xid: str) -> GlobalStatus: ...
    async def astatus(self, xid: str) -> GlobalStatus: ...
    async def areport(self, xid: str, status: GlobalStatus) -> GlobalStatus: ...


@dataclass(frozen=True)
class TmSettings:
    default_timeout_ms: int = 60000
    commit_retry_count: int = 5
    rollback_retry_count: int = 5


class Role(enum.Enum):
    LAUNCHER = "launcher"
    PARTICIPANT = "participant"
    NONE = "none"  # the block runs without a global transaction (NOT_SUPPORTED, SUPPORTS, NEVER...)


@dataclass(frozen=True)
class SuspendedTransaction:
    """What :meth:`GlobalTransaction.suspend` took off the context, for :meth:`GlobalTransaction.resume`."""

    xid: str


def _runtime_backend() -> tuple[TmBackend, TmSettings]:
    from seata_py.runtime import runtime  # resolved late: the TM layer does not depend on the runtime

    rt = runtime()
    config = rt.config
    return rt.tc, TmSettings(
        config.default_timeout_ms, config.commit_retry_count, config.rollback_retry_count
    )


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
            backend, default_settings = _runtime_backend()
            settings = settings or default_settings
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

    def _before_begin(self, timeout_ms: int | None, name: str) -> int:
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
        return timeout

    def _after_begin(self, xid: str) -> None:
        self.xid = xid
        self.status = GlobalStatus.BEGIN
        self._token = bind_xid(xid)
        log.info("began global transaction %r (timeout %d ms) xid=%s", self.name, self.timeout_ms, xid)

    def begin(self, timeout_ms: int | None = None, name: str = "default") -> str:
        timeout = self._before_begin(timeout_ms, name)
        self._after_begin(self._require_backend().begin(name, timeout))
        assert self.xid is not None
        return self.xid

    async def abegin(self, timeout_ms: int | None = None, name: str = "default") -> str:
        timeout = self._before_begin(timeout_ms, name)
        self._after_begin(await self._require_backend().abegin(name, timeout))
        assert self.xid is not None
        return self.xid

    # -- commit / rollback ----------------------------------------------------------------------------------

    def commit(self) -> GlobalStatus:
        """Launcher: ask the TC to commit (retried). Participant: nothing, the launcher decides."""
        if self.role is not Role.LAUNCHER:
            return self.status
        xid = self._require_xid()
        backend = self._require_backend()
        try:
            self.status = _retry("commit", xid, self.settings.commit_retry_count, lambda: backend.commit(xid))
        finally:
            self._unbind()
        log.info("global commit of %r answered %s xid=%s", self.name, self.status.name, xid)
        return self.status

    async def acommit(self) -> GlobalStatus:
        if self.role is not Role.LAUNCHER:
            return self.status
        xid = self._require_xid()
        backend = self._require_backend()
        try:
            self.status = await _aretry(
                "commit", xid, self.settings.commit_retry_count, lambda: backend.acommit(xid)
            )
        finally:
            self._unbind()
        log.info("global commit of %r answered %s xid=%s", self.name, self.status.name, xid)
        return self.status

    def rollback(self) -> GlobalStatus:
        """Launcher: ask the TC to roll back every branch (retried). Participant: nothing."""
        if self.role is not Role.LAUNCHER:
            return self.status
        xid = self._require_xid()
        backend = self._require_backend()
        try:
            self.status = _retry(
                "rollback", xid, self.settings.rollback_retry_count, lambda: backend.rollback(xid)
            )
        finally:
            self._unbind()
        log.info("global rollback of %r answered %s xid=%s", self.name, self.status.name, xid)
        return self.status

    async def arollback(self) -> GlobalStatus:
        if self.role is not Role.LAUNCHER:
            return self.status
        xid = self._require_xid()
        backend = self._require_backend()
        try:
            self.status = await _aretry(
                "rollback", xid, self.settings.rollback_retry_count, lambda: backend.arollback(xid)
            )
        finally:
            self._unbind()
        log.info("global rollback of %r answered %s xid=%s", self.name, self.status.name, xid)
        return self.status

    # -- status / report ------------------------------------------------------------------------------------

    def get_status(self) -> GlobalStatus:
        """The status the TC has now (Finished once it forgot the transaction)."""
        if self.xid is None:
            return GlobalStatus.UNKNOWN
        self.status = self._require_backend().status(self.xid)
        return self.status

    async def aget_status(self) -> GlobalStatus:
        if self.xid is None:
            return GlobalStatus.UNKNOWN
        self.status = await self._require_backend().astatus(self.xid)
        return self.status

    def report(self, status: GlobalStatus) -> GlobalStatus:
        """GlobalReport: tell the TC the outcome (Saga-style; AT transactions use commit/rollback)."""
        self.status = self._require_backend().report(self._require_xid(), status)
        return self.status

    async def areport(self, status: GlobalStatus) -> GlobalStatus:
        self.status = await self._require_backend().areport(self._require_xid(), status)
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


def _retry(what: str, xid: str, attempts: int, call: Callable[[], T]) -> T:
    last: SeataError | None = None
    for attempt in range(max(attempts, 1)):
        try:
            return call()
        except SeataError as exc:
            last = exc
            log.warning(
                "global %s failed (attempt %d of %d): %s xid=%s", what, attempt + 1, attempts, exc, xid
            )
    raise TransactionError(
        f"global {what} failed after {max(attempts, 1)} attempts: {last}", xid=xid
    ) from last


async def _aretry(what: str, xid: str, attempts: int, call: Callable[[], Awaitable[T]]) -> T:
    last: SeataError | None = None
    for attempt in range(max(attempts, 1)):
        try:
            return await call()
        except SeataError as exc:
            last = exc
            log.warning(
                "global %s failed (attempt %d of %d): %s xid=%s", what, attempt + 1, attempts, exc, xid
            )
    raise TransactionError(
        f"global {what} failed after {max(attempts, 1)} attempts: {last}", xid=xid
    ) from last

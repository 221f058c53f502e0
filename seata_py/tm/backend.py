"""What the TM talks to: the TM side of a TC connection, its retry settings, and the process default.

The TM layer does not reach up to the runtime for its TC connection: ``seata_py.init()`` installs the
process default here (:func:`install_defaults`) and ``seata_py.shutdown()`` takes it away again. A caller
may pass its own backend instead (tests, a second TC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from seata_py.exceptions import NotInitializedError
from seata_py.protocol import GlobalStatus


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


@dataclass(frozen=True)
class TmDefaults:
    """What ``seata_py.init()`` set up for the whole process."""

    backend: TmBackend
    settings: TmSettings
    disabled: bool = False  # service.disableGlobalTransaction: blocks run without a global transaction


_defaults: TmDefaults | None = None


def install_defaults(defaults: TmDefaults | None) -> None:
    global _defaults
    _defaults = defaults


def process_defaults() -> TmDefaults:
    if _defaults is None:
        raise NotInitializedError("call seata_py.init(...) first")
    return _defaults

"""The global transaction bound to the current thread or asyncio task (contextvars, never shared)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass

_XID: ContextVar[str | None] = ContextVar("seata_py_xid", default=None)
_GLOBAL_LOCK: ContextVar[bool] = ContextVar("seata_py_global_lock", default=False)
_LOCK_RETRY: ContextVar[LockRetryOverride | None] = ContextVar("seata_py_lock_retry", default=None)


@dataclass(frozen=True)
class LockRetryOverride:
    """Lock retry settings of one block; a None field keeps the configured value."""

    interval_ms: int | None = None
    times: int | None = None


def current_xid() -> str | None:
    return _XID.get()


def in_global_transaction() -> bool:
    return _XID.get() is not None


def bind_xid(xid: str | None) -> Token[str | None]:
    return _XID.set(xid or None)


def reset_xid(token: Token[str | None]) -> None:
    _XID.reset(token)


def global_lock_required() -> bool:
    return _GLOBAL_LOCK.get()


def bind_global_lock(required: bool) -> Token[bool]:
    return _GLOBAL_LOCK.set(required)


def reset_global_lock(token: Token[bool]) -> None:
    _GLOBAL_LOCK.reset(token)


def lock_retry_override() -> LockRetryOverride | None:
    return _LOCK_RETRY.get()


def bind_lock_retry(override: LockRetryOverride | None) -> Token[LockRetryOverride | None]:
    return _LOCK_RETRY.set(override)


def reset_lock_retry(token: Token[LockRetryOverride | None]) -> None:
    _LOCK_RETRY.reset(token)

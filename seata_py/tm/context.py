"""The global transaction bound to the current thread or asyncio task (contextvars, never shared)."""

from __future__ import annotations

from contextvars import ContextVar, Token

_XID: ContextVar[str | None] = ContextVar("seata_py_xid", default=None)
_GLOBAL_LOCK: ContextVar[bool] = ContextVar("seata_py_global_lock", default=False)


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

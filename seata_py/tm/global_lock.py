"""``global_lock``: local transactions that must not overwrite rows a global transaction holds.

Inside the block (or a call of a decorated function) a local commit that changed rows first asks the TC
whether another global transaction holds any of them (GlobalLockQuery), retrying per the lock retry
settings, and raises :class:`LockConflictError` (after rolling the local transaction back) when they stay
locked. ``SELECT ... FOR UPDATE`` waits the same way. No branch is registered, no undo row written, no lock
taken: it is the cheap way for plain local code to respect AT isolation. Nested blocks keep the outermost
settings.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar, overload

from seata_py.types.context import (
    LockRetryOverride,
    bind_global_lock,
    bind_lock_retry,
    global_lock_required,
    reset_global_lock,
    reset_lock_retry,
)

F = TypeVar("F", bound=Callable[..., Any])

_Tokens = tuple[Token[bool], Token[LockRetryOverride | None] | None]
# the tokens of the blocks open in this context, innermost last: one instance may be entered by many tasks
_OPEN: ContextVar[tuple[_Tokens, ...]] = ContextVar("seata_py_global_lock_blocks", default=())


class GlobalLockScope:
    """A ``with`` / ``async with`` block, also usable as a decorator (``@global_lock(...)``)."""

    def __init__(
        self, lock_retry_interval_ms: int | None = None, lock_retry_times: int | None = None
    ) -> None:
        self._interval = lock_retry_interval_ms
        self._times = lock_retry_times

    def __call__(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with self:
                    return await fn(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]

    def __enter__(self) -> None:
        outermost = not global_lock_required()
        override = (
            LockRetryOverride(self._interval, self._times)
            if outermost and (self._interval is not None or self._times is not None)
            else None
        )
        tokens = (bind_global_lock(True), bind_lock_retry(override) if override else None)
        _OPEN.set((*_OPEN.get(), tokens))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stack = _OPEN.get()
        if not stack:
            return
        (flag, retry), rest = stack[-1], stack[:-1]
        _OPEN.set(rest)
        if retry is not None:
            reset_lock_retry(retry)
        reset_global_lock(flag)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)


@overload
def global_lock(func: F, /) -> F: ...


@overload
def global_lock(
    func: None = None, /, *, lock_retry_interval_ms: int | None = None, lock_retry_times: int | None = None
) -> GlobalLockScope: ...


def global_lock(
    func: Callable[..., Any] | None = None,
    /,
    *,
    lock_retry_interval_ms: int | None = None,
    lock_retry_times: int | None = None,
) -> Any:
    """``with global_lock():`` / ``async with global_lock():`` / ``@global_lock`` / ``@global_lock(...)``."""
    scope = GlobalLockScope(lock_retry_interval_ms, lock_retry_times)
    return scope if func is None else scope(func)

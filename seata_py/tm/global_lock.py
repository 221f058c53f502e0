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
from contextvars import Token
from types import TracebackType
from typing import Any, TypeVar

from seata_py.tm.context import (
    LockRetryOverride,
    bind_global_lock,
    bind_lock_retry,
    global_lock_required,
    reset_global_lock,
    reset_lock_retry,
)

F = TypeVar("F", bound=Callable[..., Any])


class global_lock:
    """``with global_lock():`` / ``async with global_lock():`` / ``@global_lock`` / ``@global_lock(...)``."""

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        /,
        *,
        lock_retry_interval_ms: int | None = None,
        lock_retry_times: int | None = None,
    ) -> None:
        self._func = func
        self._interval = lock_retry_interval_ms
        self._times = lock_retry_times
        self._tokens: list[tuple[Token[bool], Token[LockRetryOverride | None] | None]] = []
        if func is not None:
            functools.update_wrapper(self, func)

    def _fresh(self) -> global_lock:
        return global_lock(lock_retry_interval_ms=self._interval, lock_retry_times=self._times)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._func is None:  # @global_lock(...) applied to a function
            (fn,) = args
            return self._decorate(fn)
        if inspect.iscoroutinefunction(self._func):
            return self._run_async(*args, **kwargs)
        with self._fresh():
            return self._func(*args, **kwargs)

    async def _run_async(self, *args: Any, **kwargs: Any) -> Any:
        assert self._func is not None
        async with self._fresh():
            return await self._func(*args, **kwargs)

    def _decorate(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with self._fresh():
                    return await fn(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]

    def __enter__(self) -> None:
        outermost = not global_lock_required()
        override = (
            LockRetryOverride(self._interval, self._times)
            if outermost and (self._interval is not None or self._times is not None)
            else None
        )
        self._tokens.append((bind_global_lock(True), bind_lock_retry(override) if override else None))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        flag, retry = self._tokens.pop()
        if retry is not None:
            reset_lock_retry(retry)
        reset_global_lock(flag)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

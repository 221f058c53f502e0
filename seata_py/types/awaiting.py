"""How the one AT implementation, written as plain calls, serves asyncio callers without blocking their loop.

The interception, images, branch registration and lock retries are written once, as ordinary functions that
call a driver and the TC. An async proxy runs such a function with :func:`run_bridged`, in a greenlet of
the caller's task. Wherever that code would wait (a driver call of an asyncio driver, a TC request, a
lock-retry pause) it calls :func:`wait` or :func:`pause`: inside a bridged greenlet these hand the awaitable
to the task's event loop and resume with its result, so the loop runs other tasks meanwhile; in a plain
thread they run the blocking form. SQLAlchemy's asyncio engines run their sync dialects in greenlets of
their own, and :func:`wait` serves those too.

The greenlet shares the task's context, so the XID (a context variable) is the caller's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")


class _Bridged(greenlet.greenlet):  # type: ignore[misc]
    """The greenlet an async proxy runs sync AT code in; its parent is the awaiting coroutine's."""

    def __init__(self, fn: Callable[..., Any], parent: greenlet.greenlet) -> None:
        super().__init__(fn, parent)
        self.gr_context = parent.gr_context  # the task's context variables (the XID) stay in force


async def run_bridged(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``fn(*args, **kwargs)``: each awaitable it passes to :func:`wait` is awaited here, on the
    running loop, and its result (or exception) is sent back into ``fn``."""
    child = _Bridged(fn, greenlet.getcurrent())
    handed = child.switch(*args, **kwargs)
    while not child.dead:
        try:
            value = await handed
        except BaseException as exc:  # cancellation too: fn sees it where it waited and can clean up
            handed = child.throw(exc)
        else:
            handed = child.switch(value)
    return handed  # type: ignore[no-any-return]


def bridged() -> bool:
    """True when the caller runs under :func:`run_bridged` (or in a SQLAlchemy asyncio greenlet)."""
    return isinstance(greenlet.getcurrent(), _Bridged) or _in_sqlalchemy_greenlet()


def wait(awaitable: Awaitable[T]) -> T:
    """The result of ``awaitable``, awaited by the event loop of the bridged caller."""
    current = greenlet.getcurrent()
    if isinstance(current, _Bridged):
        return current.parent.switch(awaitable)  # type: ignore[no-any-return]
    if _in_sqlalchemy_greenlet():
        import sqlalchemy.util

        # await_ since SQLAlchemy 2.1 (await_only is its deprecated name)
        await_ = getattr(sqlalchemy.util, "await_", None) or sqlalchemy.util.await_only
        return await_(awaitable)  # type: ignore[no-any-return]
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()  # a coroutine nobody will await
    raise RuntimeError("seata_py.types.awaiting.wait() outside a bridged call: use the async API")


def pause(seconds: float) -> None:
    """Sleep ``seconds``: on the caller's event loop when bridged, else in this thread."""
    if bridged():
        wait(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, CPU-bound work (parsing a statement seen for the first time): in a worker thread while
    a bridged caller's loop goes on, else right here."""
    if bridged():
        return wait(asyncio.to_thread(fn, *args))
    return fn(*args)


def _in_sqlalchemy_greenlet() -> bool:
    try:
        from sqlalchemy.util.concurrency import in_greenlet
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency, its asyncio part may move
        return False
    return bool(in_greenlet())

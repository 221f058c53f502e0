"""Running the async tests: each test body runs on an event loop in asyncio debug mode, and fails when
any callback or task step held the loop longer than 50 ms (asyncio logs those; nothing may block it).

The garbage collector is paused while a body runs (and runs before it): a full collection in a test process
that has run thousands of tests can take longer than that on its own, and it is the interpreter's pause,
not a call that blocks.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

SLOW_CALLBACK = 0.05


class _SlowCallbacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.slow: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing ") and " took " in message:
            self.slow.append(message)


class DebugLoop:
    """One event loop in debug mode for several test bodies (a module's, whose engine or pool lives on it):
    :meth:`run` fails on a callback slower than ``slow_limit`` seconds; :meth:`warm_up` does not watch (for
    one-time work of other libraries, such as SQLAlchemy's first connect and statement compilation)."""

    def __init__(self, slow_limit: float = SLOW_CALLBACK) -> None:
        self.slow_limit = slow_limit
        self.loop = asyncio.new_event_loop()
        self.loop.set_debug(True)
        self.loop.slow_callback_duration = slow_limit

    def warm_up(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        handler = _SlowCallbacks()
        logger = logging.getLogger("asyncio")
        logger.addHandler(handler)
        gc.collect()
        gc.disable()
        try:
            result = self.loop.run_until_complete(coro)
        finally:
            gc.enable()
            logger.removeHandler(handler)
        if handler.slow:
            limit = f"{self.slow_limit * 1000:.0f} ms"
            raise AssertionError(
                f"the event loop was blocked for more than {limit}:\n" + "\n".join(handler.slow)
            )
        return result

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


def run_async(coro: Coroutine[Any, Any, T], *, slow_limit: float = SLOW_CALLBACK) -> T:
    """``asyncio.run(coro, debug=True)``, failing on a callback slower than ``slow_limit`` seconds."""
    loop = DebugLoop(slow_limit)
    try:
        return loop.run(coro)
    finally:
        loop.close()

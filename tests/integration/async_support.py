"""Running the async tests: each test body runs on a fresh event loop in asyncio debug mode, and fails when
any callback or task step held the loop longer than 50 ms (asyncio logs those; nothing may block it)."""

from __future__ import annotations

import asyncio
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


def run_async(coro: Coroutine[Any, Any, T], *, slow_limit: float = SLOW_CALLBACK) -> T:
    """``asyncio.run(coro, debug=True)``, failing on a callback slower than ``slow_limit`` seconds."""
    handler = _SlowCallbacks()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = slow_limit
    try:
        result = loop.run_until_complete(coro)
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
        logger.removeHandler(handler)
    if handler.slow:
        raise AssertionError(
            f"the event loop was blocked for more than {slow_limit * 1000:.0f} ms:\n"
            + "\n".join(handler.slow)
        )
    return result

"""Read-idleness: a link nothing was read from for too long is dead, whichever end notices."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


def idle_tick(period: float) -> float:
    """How often to look: often enough to notice within half a period, at most once a second."""
    return min(1.0, period / 2)


async def until_read_idle(idle: float, last_read: Callable[[], float]) -> float:
    """Return once ``idle`` seconds passed since ``last_read()`` (a monotonic time): how long it was."""
    while True:
        await asyncio.sleep(idle_tick(idle))
        quiet = time.monotonic() - last_read()
        if quiet >= idle:
            return quiet

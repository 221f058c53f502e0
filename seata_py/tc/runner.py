"""``seata-py tc``: the TC in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal

from seata_py.exceptions import SeataError
from seata_py.tc.config import TCConfig
from seata_py.tc.server import TCServer

log = logging.getLogger("seata_py.tc")


def run_foreground(config: TCConfig) -> int:
    """Serve until asked to stop; 0 after a clean stop, 1 when the TC could not start."""
    return asyncio.run(_serve(config))


async def _serve(config: TCConfig) -> int:
    server = TCServer(config)
    try:
        await server.start()
    except (SeataError, OSError) as exc:
        log.error("the TC could not start: %s", exc)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        log.info("stopping the TC")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await server.close()
    log.info("TC stopped")
    return 0

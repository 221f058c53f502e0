"""A minimal HTTP/1.1 endpoint on the TC's loop: ``GET /status`` answers the status view as JSON.

Served from the loop that owns the TC state, so a snapshot is consistent without locks. One request per
connection; anything but GET /status and GET /health gets an error status.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("seata_py.tc.status")

_MAX_HEAD = 16 * 1024
_READ_TIMEOUT = 10.0
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Error"}


class StatusHttpServer:
    def __init__(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        self._snapshot = snapshot  # the status document, made afresh for every request
        self._server: asyncio.base_events.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, limit=_MAX_HEAD)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, content_type, body = await self._respond(reader)
            head = (
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("ascii") + body)
            await writer.drain()
        except (ConnectionError, OSError) as exc:
            log.debug("status request failed: %s", exc)
        finally:
            writer.close()

    async def _respond(self, reader: asyncio.StreamReader) -> tuple[int, str, bytes]:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            return 400, "text/plain", b"bad request\n"
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3:
            return 400, "text/plain", b"bad request\n"
        method, target = parts[0], parts[1].split("?", 1)[0]
        if target not in ("/status", "/health"):
            return 404, "text/plain", b"not found; try GET /status\n"
        if method != "GET":
            return 405, "text/plain", b"only GET\n"
        if target == "/health":
            return 200, "text/plain", b"ok\n"
        try:
            body = json.dumps(self._snapshot(), indent=2).encode("utf-8")
        except Exception:
            log.exception("building the status view failed")
            return 500, "text/plain", b"status view failed, see the TC log\n"
        return 200, "application/json", body

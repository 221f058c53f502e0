"""ASGI middleware: bind the caller's XID (header ``TX_XID``) while the application handles the request.

FastAPI / Starlette::

    from fastapi import FastAPI
    from seata_py.integrations.asgi import SeataASGIMiddleware

    app = FastAPI()
    app.add_middleware(SeataASGIMiddleware, trusted_networks=["10.0.0.0/8"])

Starlette runs the middleware added last outermost: add this one after middleware whose work (logging,
database sessions) should see the XID. The XID is bound in the task that runs the application; tasks it
starts and synchronous endpoints that FastAPI runs in its thread pool inherit it (both copy the context).
Only ``http`` scopes are handled; ``websocket`` and ``lifespan`` pass through untouched. See
:mod:`seata_py.integrations.xid` for the trust policy. The peer is ``scope["client"]``; uvicorn replaces
it with the ``X-Forwarded-For`` address when the connection comes from one of its
``--forwarded-allow-ips``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from seata_py.exceptions import InvalidXidError
from seata_py.integrations.servers import XidMiddleware
from seata_py.integrations.xid import XID_HEADER, propagated_xid, rejection_body, split_values

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER_NAME = XID_HEADER.lower().encode("latin-1")


class SeataASGIMiddleware(XidMiddleware[ASGIApp]):
    """Wrap an ASGI application; ``trusted_networks``/``trust``/``trust_all`` as in
    :class:`~seata_py.integrations.xid.XidTrust`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        values = split_values(
            value.decode("latin-1") for name, value in raw_headers if name.lower() == _HEADER_NAME
        )
        if not values:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = str(client[0]) if client else None
        inbound = self.inbound(values, peer, lambda: decode_headers(raw_headers))
        if inbound.rejection is not None:
            await _bad_request(send, inbound.rejection)
            return
        with propagated_xid(inbound.xid):
            await self.app(scope, receive, send)


def decode_headers(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lowercase header names; repeated headers joined with ``", "`` (what the ``trust`` callable gets)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _bad_request(send: Send, rejection: InvalidXidError) -> None:
    body = rejection_body(rejection)
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

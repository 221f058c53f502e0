"""Send the bound XID with every ``httpx`` request (header ``TX_XID``), sync and async.

::

    from seata_py.integrations.httpx import SeataAsyncClient, SeataClient

    async with SeataAsyncClient() as client:
        with seata_py.global_transaction(name="purchase"):
            await client.post("http://stock-svc/deduct", json={...})   # carries TX_XID

or ``install(existing_client)`` for an ``httpx.Client`` or ``httpx.AsyncClient``. A request event hook
reads the XID when the request is sent, in the calling thread or asyncio task, so one client shared by
concurrent tasks gives each request its own task's XID. A ``TX_XID`` header set explicitly is left alone.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from seata_py.integrations.xid import XID_HEADER, has_header
from seata_py.types.context import current_xid

AnyClient = TypeVar("AnyClient", httpx.Client, httpx.AsyncClient)

# Requests whose TX_XID came from us, so that sending the same Request object again (client.send) puts
# the XID of that moment on it instead of keeping a stale one as if the caller had set it.
_injected: weakref.WeakSet[httpx.Request] = weakref.WeakSet()
_injected_guard = threading.Lock()


def add_xid(request: httpx.Request) -> None:
    """The sync request hook."""
    xid = current_xid()
    with _injected_guard:
        ours = request in _injected
        if ours:
            _injected.discard(request)
    if ours:
        del request.headers[XID_HEADER]
    if xid is None or has_header(request.headers, XID_HEADER):
        return
    request.headers[XID_HEADER] = xid
    with _injected_guard:
        _injected.add(request)


async def add_xid_async(request: httpx.Request) -> None:
    """The async request hook (httpx awaits the hooks of an AsyncClient)."""
    add_xid(request)


def install(client: AnyClient) -> AnyClient:
    """Add the request hook to an existing client (idempotent); returns the client."""
    hook: Callable[[httpx.Request], Any] = add_xid_async if isinstance(client, httpx.AsyncClient) else add_xid
    hooks: dict[str, list[Callable[..., Any]]] = client.event_hooks
    if hook not in hooks["request"]:
        client.event_hooks = {**hooks, "request": [*hooks["request"], hook]}
    return client


class SeataClient(httpx.Client):
    """An ``httpx.Client`` that adds ``TX_XID`` while a global transaction is bound."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install(self)


class SeataAsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that adds the calling task's XID as ``TX_XID``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install(self)

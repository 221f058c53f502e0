"""Django middleware: bind the caller's XID (header ``TX_XID``) while the view handles the request.

``MIDDLEWARE = ["seata_py.integrations.django.SeataXidMiddleware", ...]``, early in the list. The trust
rules are :class:`~seata_py.integrations.xid.XidTrust`'s (loopback callers only unless ``SEATA`` says
otherwise: ``trusted_networks``, ``trust``, ``trust_all``); a malformed XID is answered with 400, an
untrusted caller's is ignored (logged). Works under WSGI and ASGI; a streaming response's body is produced
with the XID bound too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from seata_py.exceptions import InvalidXidError
from seata_py.integrations.django import middleware_kwargs
from seata_py.integrations.servers import XidServer
from seata_py.integrations.xid import (
    XID_HEADER,
    bound_iteration,
    propagated_xid,
    rejection_body,
    split_values,
)

GetResponse = Callable[[HttpRequest], Any]


class SeataXidMiddleware(XidServer):
    carrier = f"header {XID_HEADER}"
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(**middleware_kwargs(getattr(settings, "SEATA", {})))
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self._acall(request)
        xid, refusal = self._decide(request)
        if refusal is not None:
            return refusal
        if xid is None:
            return self.get_response(request)
        with propagated_xid(xid):
            response = self.get_response(request)
        return _bind_stream(response, xid)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        xid, refusal = self._decide(request)
        if refusal is not None:
            return refusal
        respond: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        if xid is None:
            return await respond(request)
        with propagated_xid(xid):
            response = await respond(request)
        return _bind_stream(response, xid)

    def _decide(self, request: HttpRequest) -> tuple[str | None, HttpResponse | None]:
        raw = request.META.get("HTTP_TX_XID")
        if raw is None:
            return None, None
        peer = request.META.get("REMOTE_ADDR") or None
        inbound = self.inbound(
            split_values([raw]), peer, lambda: {k.lower(): v for k, v in request.headers.items()}
        )
        if inbound.rejection is not None:
            return None, _bad_request(inbound.rejection)
        return inbound.xid, None


def _bad_request(rejection: InvalidXidError) -> HttpResponse:
    return HttpResponse(rejection_body(rejection), status=400, content_type="application/json; charset=utf-8")


def _bind_stream(response: HttpResponseBase, xid: str) -> HttpResponseBase:
    if isinstance(response, StreamingHttpResponse):
        content = response.streaming_content
        if isinstance(content, Iterator):
            response.streaming_content = bound_iteration(content, xid)
        else:
            response.streaming_content = _bound_async(content, xid)
    return response


async def _bound_async(content: AsyncIterator[bytes], xid: str) -> AsyncIterator[bytes]:
    while True:
        with propagated_xid(xid):
            try:
                chunk = await content.__anext__()
            except StopAsyncIteration:
                return
        yield chunk

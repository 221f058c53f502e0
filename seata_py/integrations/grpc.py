"""gRPC (grpcio) interceptors: send the bound XID as metadata ``tx_xid``, bind it on the server.

Client, sync and asyncio::

    import grpc
    from seata_py.integrations.grpc import SeataClientInterceptor, aio_client_interceptors

    channel = grpc.intercept_channel(grpc.insecure_channel(target), SeataClientInterceptor())
    aio_channel = grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors())

Server, sync and asyncio (``trusted_networks``/``trust``/``trust_all`` as in
:class:`~seata_py.integrations.xid.XidTrust`)::

    server = grpc.server(executor, interceptors=[SeataServerInterceptor(trusted_networks=["10.0.0.0/8"])])
    aio_server = grpc.aio.server(interceptors=[SeataAioServerInterceptor(trusted_networks=["10.0.0.0/8"])])

The client reads the XID when the call starts, in the calling thread or task. The server binds it inside
the handler's own execution: in the worker thread that runs a sync handler, in the task that runs an
async one, and around each step of a streamed response, so nothing stays bound in a pooled thread. The
trust policy judges the peer from ``context.peer()`` (``ipv4:10.0.0.7:5555``) and the invocation metadata;
an untrusted peer's XID is ignored with a WARNING, a malformed XID from a trusted peer ends the call with
``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import grpc
import grpc.aio

from seata_py.integrations.servers import XidServer
from seata_py.integrations.xid import (
    XID_METADATA_KEY,
    InboundXid,
    bound_iteration,
    grpc_peer_host,
    propagated_xid,
)
from seata_py.types.context import current_xid

_CARRIER = f"metadata {XID_METADATA_KEY}"

Metadata = Sequence[tuple[str, str | bytes]]


# -- client ----------------------------------------------------------------------------------------------


class _CallDetails(
    NamedTuple(
        "_CallDetails",
        [
            ("method", str),
            ("timeout", float | None),
            ("metadata", Metadata | None),
            ("credentials", grpc.CallCredentials | None),
            ("wait_for_ready", bool | None),
            ("compression", grpc.Compression | None),
        ],
    ),
    grpc.ClientCallDetails,
):
    pass


def _carries_xid(metadata: Iterable[tuple[str, Any]] | None) -> bool:
    return any(key.lower() == XID_METADATA_KEY for key, _ in metadata or ())


def _with_xid(details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
    xid = current_xid()
    if xid is None or _carries_xid(details.metadata):
        return details
    return _CallDetails(
        details.method,
        details.timeout,
        [*(details.metadata or ()), (XID_METADATA_KEY, xid)],
        details.credentials,
        getattr(details, "wait_for_ready", None),
        getattr(details, "compression", None),
    )


class SeataClientInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``tx_xid`` to every call of a sync channel while an XID is bound (explicit metadata wins)."""

    def _intercept(self, continuation: Any, details: Any, request_or_iterator: Any) -> Any:
        return continuation(_with_xid(details), request_or_iterator)

    intercept_unary_unary = intercept_unary_stream = _intercept
    intercept_stream_unary = intercept_stream_stream = _intercept


def _with_xid_aio(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    xid = current_xid()
    if xid is None or _carries_xid(details.metadata):
        return details
    metadata = grpc.aio.Metadata(*(details.metadata or ()), (XID_METADATA_KEY, xid))
    return details._replace(metadata=metadata)


async def _intercept_aio(self: Any, continuation: Any, details: Any, request_or_iterator: Any) -> Any:
    return await continuation(_with_xid_aio(details), request_or_iterator)


class SeataAioUnaryUnaryInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    intercept_unary_unary = _intercept_aio


class SeataAioUnaryStreamInterceptor(grpc.aio.UnaryStreamClientInterceptor):
    intercept_unary_stream = _intercept_aio


class SeataAioStreamUnaryInterceptor(grpc.aio.StreamUnaryClientInterceptor):
    intercept_stream_unary = _intercept_aio


class SeataAioStreamStreamInterceptor(grpc.aio.StreamStreamClientInterceptor):
    intercept_stream_stream = _intercept_aio


def aio_client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """One interceptor per call kind: a ``grpc.aio`` channel files each interceptor under one kind only."""
    return [
        SeataAioUnaryUnaryInterceptor(),
        SeataAioUnaryStreamInterceptor(),
        SeataAioStreamUnaryInterceptor(),
        SeataAioStreamStreamInterceptor(),
    ]


# -- server ----------------------------------------------------------------------------------------------


def _xid_values(metadata: Iterable[tuple[str, Any]] | None) -> list[str]:
    values = []
    for key, value in metadata or ():
        if key.lower() == XID_METADATA_KEY:  # tx_xid; TX_XID where a transport keeps the case
            text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
            if text.strip():
                values.append(text.strip())
    return values


Behavior = Callable[[Any, Any], Any]
Wrap = Callable[[Behavior, bool, list[str]], Behavior]


class _XidServerInterceptor(XidServer):
    """Both server interceptors: the XID is judged by the peer and metadata the call's context reports."""

    carrier = _CARRIER

    def _intercepted(
        self, handler: grpc.RpcMethodHandler | None, details: grpc.HandlerCallDetails, wrap: Wrap
    ) -> grpc.RpcMethodHandler | None:
        values = _xid_values(details.invocation_metadata)
        if handler is None or not values:
            return handler
        return _wrap_handler(handler, lambda behavior, streams: wrap(behavior, streams, values))

    def _decide(self, values: list[str], context: Any) -> InboundXid:
        def headers() -> dict[str, str]:
            pairs = context.invocation_metadata() or ()
            return {key.lower(): value for key, value in pairs if isinstance(value, str)}

        return self.inbound(values, grpc_peer_host(context.peer()), headers)

    def _wrap_sync(self, behavior: Behavior, streams_responses: bool, values: list[str]) -> Behavior:
        def decide(context: Any) -> str | None:
            inbound = self._decide(values, context)
            if inbound.rejection is not None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, _refusal(inbound))
            return inbound.xid

        if streams_responses:
            # A generator, so that deciding and aborting happen when the server first advances it, in the
            # thread that produces the responses: a grpc.aio server calls a sync streaming handler on its
            # event loop and only iterates it in the pool, and a blocking abort on the loop would deadlock.
            def stream_with_xid(request: Any, context: Any) -> Iterator[Any]:
                xid = decide(context)
                if xid is None:
                    yield from behavior(request, context)
                    return
                with propagated_xid(xid):
                    responses = iter(behavior(request, context))
                yield from bound_iteration(responses, xid)

            return stream_with_xid

        def call_with_xid(request: Any, context: Any) -> Any:
            with propagated_xid(decide(context)):
                return behavior(request, context)

        return call_with_xid

    def _wrap_async(self, behavior: Behavior, streams_responses: bool, values: list[str]) -> Behavior:
        """Keeps the kind of the handler (coroutine function or async generator function): grpc.aio decides
        by inspecting it how to run it."""

        async def decide(context: Any) -> str | None:
            inbound = self._decide(values, context)
            if inbound.rejection is not None:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _refusal(inbound))
            return inbound.xid

        if inspect.isasyncgenfunction(behavior):

            async def stream_with_xid(request: Any, context: Any) -> AsyncIterator[Any]:
                xid = await decide(context)
                responses = behavior(request, context).__aiter__()
                while True:
                    # bound for each step only, never across the yield
                    with propagated_xid(xid):
                        try:
                            response = await responses.__anext__()
                        except StopAsyncIteration:
                            return
                    yield response

            return stream_with_xid

        async def call_with_xid(request: Any, context: Any) -> Any:
            xid = await decide(context)
            with propagated_xid(xid):
                return await behavior(request, context)

        return call_with_xid


def _refusal(inbound: InboundXid) -> str:
    return f"invalid {_CARRIER}: {inbound.rejection}"


def _wrap_handler(
    handler: grpc.RpcMethodHandler, wrap: Callable[[Behavior, bool], Behavior]
) -> grpc.RpcMethodHandler:
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(wrap(handler.stream_stream, True), **codecs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(wrap(handler.stream_unary, False), **codecs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(wrap(handler.unary_stream, True), **codecs)
    return grpc.unary_unary_rpc_method_handler(wrap(handler.unary_unary, False), **codecs)


class SeataServerInterceptor(_XidServerInterceptor, grpc.ServerInterceptor):
    """For ``grpc.server(..., interceptors=[...])``: binds the caller's XID in the handler's thread."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        return self._intercepted(continuation(handler_call_details), handler_call_details, self._wrap_sync)


class SeataAioServerInterceptor(_XidServerInterceptor, grpc.aio.ServerInterceptor):
    """For ``grpc.aio.server(interceptors=[...])``: binds the caller's XID in the task (or, for sync
    handlers on an asyncio server, the pool thread) that runs the handler."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        return self._intercepted(handler, handler_call_details, self._wrap_either)

    def _wrap_either(self, behavior: Behavior, streams_responses: bool, values: list[str]) -> Behavior:
        if inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior):
            return self._wrap_async(behavior, streams_responses, values)
        return self._wrap_sync(behavior, streams_responses, values)

"""gRPC clients of the TC (Seata 2.3+ transport, seata-protocol.md §5) on the classic port.

The TC's listener hands every connection that opens with the HTTP/2 preface to :meth:`GrpcService.bridge`,
which carries its bytes to an internal ``grpc.aio`` server on a loopback port. That server runs on the TC's
own loop, so the coordinator stays single-threaded whatever wire a request came on.

* One ``sendRequest`` stream is one channel (:class:`GrpcStream`), registered as TM or RM like a classic
  connection. Its peer is the client's own ``ip:port`` on the TC port, not the bridge's loopback socket: the
  bridge remembers which loopback port carries which client, so clientIds, branch records and phase-2
  routing read exactly as they do for classic clients.
* Pushes (BranchCommit/BranchRollback/UndoLogDelete) go out on the stream the RM registered on; the answer
  comes back on it with the same id. Pings (envelope types 3/4) are answered with the same id.
* The response stream is never ended while the client keeps it open, so no trailers are sent to a live
  client, as the Seata server does. A stream ends when the client ends or half-closes it, or is dropped
  (ended with an error status) for a malformed envelope, a protocol violation or read-idleness; other
  streams, even on the same HTTP/2 connection, carry on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from grpc import aio

from seata_py.protocol import (
    Codec,
    Frame,
    MergeResultMessage,
    Message,
    ProtocolError,
    TransactionExceptionCode,
    TransactionResponse,
)
from seata_py.protocol.frame import MAX_FRAME_LEN
from seata_py.protocol.protobuf import SERVICE_NAME, decode_envelope, encode_envelope
from seata_py.protocol.protobuf.enum_maps import EXCEPTION_CODE
from seata_py.rpc.config import GRPC
from seata_py.rpc.exchange import pong
from seata_py.rpc.tcp_transport import READ_CHUNK
from seata_py.tc.endpoint import ClientEndpoint, EndpointHost

__all__ = ["GrpcService", "GrpcStream", "grpc_representable"]

log = logging.getLogger("seata_py.tc")

_METHOD = "sendRequest"
_LOOPBACK = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class _Drop:
    """Ends a stream with an error status (trailers): the client sees its stream fail and reconnects."""

    code: grpc.StatusCode
    reason: str


# What a stream's writer takes: an encoded envelope, the end of the stream (None), or a drop.
_Outgoing = bytes | _Drop | None


def grpc_representable(message: Message) -> Message:
    """``message`` with exception codes the protobuf enum lacks replaced, so the answer can be sent.

    The Java server fails to encode such answers and the client waits for its timeout; a client is better
    served by the nearest code that exists: LockKeyConflict for LockKeyConflictFailFast (the client then
    retries the lock instead of giving up at once), Unknown for the rest.
    """
    if isinstance(message, MergeResultMessage):
        return dataclasses.replace(message, msgs=tuple(grpc_representable(m) for m in message.msgs))
    if isinstance(message, TransactionResponse) and message.exception_code not in EXCEPTION_CODE.names:
        original = message.exception_code
        nearest = (
            TransactionExceptionCode.LOCK_KEY_CONFLICT
            if original is TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST
            else TransactionExceptionCode.UNKNOWN
        )
        note = f"[{original.name} has no protobuf form; sent as {nearest.name}]"
        return dataclasses.replace(
            message, exception_code=nearest, msg=f"{message.msg} {note}" if message.msg else note
        )
    return message


class GrpcStream(ClientEndpoint):
    """One ``sendRequest`` stream."""

    transport = GRPC
    codec = Codec.GRPC
    kind = "gRPC stream of"

    def __init__(self, host: EndpointHost, peer: tuple[str, int], tasks: set[asyncio.Task[None]]) -> None:
        super().__init__(host, peer, tasks)
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()

    # -- the stream, as the gRPC handler runs it ----------------------------------------------------------

    async def serve(
        self, requests: AsyncIterator[bytes], context: aio.ServicerContext
    ) -> AsyncIterator[bytes]:
        """The response messages of the stream, until it ends; reads ``requests`` alongside."""
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read(requests))
        idle = self._host.config.idle_timeout
        watchdog = loop.create_task(self._watch_idle(idle)) if idle > 0 else None
        try:
            while True:
                item = await self._outbox.get()
                if isinstance(item, bytes):
                    yield item
                elif item is None:
                    return  # the client half-closed and every answer is out: end with OK
                else:
                    await context.abort(item.code, item.reason)
        finally:
            reader.cancel()
            if watchdog is not None:
                watchdog.cancel()
            self.close()

    async def _read(self, requests: AsyncIterator[bytes]) -> None:
        try:
            async for data in requests:
                if self._closed:
                    return  # dropped: whatever the client still sends is not read
                self._last_read = time.monotonic()
                try:
                    frame = decode_envelope(data)
                except ProtocolError as exc:
                    log.warning("malformed envelope from %s, dropping its stream: %s", self.where, exc)
                    self.close(grpc.StatusCode.INVALID_ARGUMENT, f"malformed GrpcMessageProto: {exc}")
                    return
                self._on_frame(frame)
        except (grpc.RpcError, aio.AbortError, aio.UsageError):
            return  # the call ended under us: serve() sees it too
        except Exception:  # a bug here ends this stream, never the server
            log.exception("reading the gRPC stream of %s failed", self.where)
            self.close(grpc.StatusCode.INTERNAL, "the TC failed reading this stream")
            return
        # The client half-closed: answer what it asked, then end the stream without an error.
        await asyncio.gather(*self._requests, return_exceptions=True)
        if not self._closed:
            self._outbox.put_nowait(None)
            self.close()

    def _representable(self, message: Message) -> Message:
        return grpc_representable(message)

    def _answer_ping(self, ping: Frame) -> None:
        self._enqueue(pong(ping, self.codec))

    async def _send(self, frame: Frame) -> None:
        self._enqueue(frame)

    def _enqueue(self, frame: Frame) -> None:
        self._check_open()
        self._outbox.put_nowait(encode_envelope(frame))

    def _refuse(self, error: Exception) -> None:
        self.close(grpc.StatusCode.FAILED_PRECONDITION, str(error))

    def _crashed(self, reason: str) -> None:
        self.close(grpc.StatusCode.INTERNAL, reason)

    def _idle(self, quiet: float) -> None:
        self.close(grpc.StatusCode.UNAVAILABLE, f"nothing read for {quiet:.1f}s (no heartbeats)")

    def close(self, code: grpc.StatusCode | None = None, reason: str = "") -> None:
        """Stop serving the stream; with ``code``, end it with that error status (after what is queued)."""
        if self._mark_closed() and code is not None:
            self._outbox.put_nowait(_Drop(code, reason))


class GrpcService:
    """The internal gRPC server and the bridges that carry HTTP/2 connections from the TC port to it."""

    def __init__(self, host: EndpointHost) -> None:
        self._host = host
        self._server: aio.Server | None = None
        self.port = 0
        # loopback port of a bridge's connection to the internal server -> (the client's address, the bridge)
        self._bridged: dict[int, tuple[tuple[str, int], asyncio.StreamWriter]] = {}
        self._bridges: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        idle = self._host.config.idle_timeout
        options: list[tuple[str, Any]] = [
            ("grpc.so_reuseport", 0),  # a private port: no other process may share it
            ("grpc.max_receive_message_length", MAX_FRAME_LEN),  # the classic wire's limit
        ]
        if idle > 0:
            # An HTTP/2 connection left without streams is closed like a silent classic connection.
            options.append(("grpc.max_connection_idle_ms", int(idle * 1000)))
        server = aio.server(options=options)
        handler = grpc.stream_stream_rpc_method_handler(self._send_request)  # raw bytes both ways
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE_NAME, {_METHOD: handler}),)
        )
        self.port = server.add_insecure_port(f"{_LOOPBACK}:0")
        if not self.port:
            raise OSError("the TC's internal gRPC server could not bind a loopback port")
        await server.start()
        self._server = server
        log.debug("internal gRPC server on %s:%d", _LOOPBACK, self.port)

    async def close(self) -> None:
        for writer in list(self._bridges):
            writer.close()
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- streams -------------------------------------------------------------------------------------------

    async def _send_request(
        self, requests: AsyncIterator[bytes], context: aio.ServicerContext
    ) -> AsyncIterator[bytes]:
        # An async generator function: grpc.aio tells handler kinds apart by the function, not its result.
        stream = GrpcStream(self._host, self.client_address(context.peer()), self._tasks)
        log.debug("gRPC stream from %s:%d", *stream.peer)
        async for message in stream.serve(requests, context):
            yield message

    def client_address(self, grpc_peer: str) -> tuple[str, int]:
        """The client behind a stream, from the peer the internal server sees (``ipv4:127.0.0.1:<port>``)."""
        host, _, port = grpc_peer.rpartition(":")
        if port.isdigit() and int(port) in self._bridged:
            return self._bridged[int(port)][0]
        # Not through a bridge (someone dialled the loopback port directly): the peer as gRPC reports it.
        host = host.split(":", 1)[1] if ":" in host else host
        return host.strip("[]"), int(port) if port.isdigit() else 0

    # -- bridges -------------------------------------------------------------------------------------------

    async def bridge(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes, peer: tuple[str, int]
    ) -> None:
        """Carry one client's HTTP/2 connection (``first``: what was read of it already) to the internal
        server until either side closes it."""
        try:
            up_reader, up_writer = await asyncio.open_connection(_LOOPBACK, self.port)
        except OSError as exc:
            log.warning("cannot reach the internal gRPC server for %s:%d: %s", *peer, exc)
            writer.close()
            return
        local_port = int(up_writer.get_extra_info("sockname")[1])
        self._bridged[local_port] = (peer, up_writer)
        self._bridges.add(writer)
        log.debug("HTTP/2 connection from %s:%d bridged through loopback port %d", *peer, local_port)
        loop = asyncio.get_running_loop()
        pumps = {
            loop.create_task(_pump(reader, up_writer, first)),
            loop.create_task(_pump(up_reader, writer, b"")),
        }
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            writer.close()
            up_writer.close()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._bridges.discard(writer)
            # A later bridge may already own this port number again: remove only our own entry.
            if self._bridged.get(local_port, (None, None))[1] is up_writer:
                del self._bridged[local_port]


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes) -> None:
    try:
        if first:
            writer.write(first)
            await writer.drain()
        while data := await reader.read(READ_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass  # either side going away ends the bridge

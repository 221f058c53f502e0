"""The gRPC transport (Seata servers >= 2.3.0): one ``sendRequest`` bidirectional stream per connection.

Every frame travels as one ``GrpcMessageProto`` envelope (doc §5): codec 40 (an ``Any`` body), heartbeats as
envelope types 3/4 with an empty body, TC pushes and our answers to them on the same stream. What the
Seata server's gRPC side needs and this module does for it:

* One HTTP/2 connection per stream. The server binds registration and routing to the connection's
  ip:port, so the TM and RM streams must not share one: each link gets its own channel with a local
  subchannel pool (grpcio otherwise shares subchannels, hence TCP connections, between equal channels).
* No trailers. The server sends ``grpc-status`` in its initial headers and never ends the response stream,
  so a message counts as received when it is read; the call's status is only looked at when it ends.
* One message per DATA frame. The server parses each DATA frame on its own, so an envelope must fit in one
  frame: larger ones fail with :class:`~seata_py.rpc.errors.MessageTooLargeError` before anything is sent.
* No replays and no cancellation from callers: writes go through one writer task, so a caller that gives
  up (timeout, cancelled task) never cancels the stream everyone else shares.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc
from grpc import aio

from seata_py._version import __version__
from seata_py.exceptions import TCUnavailableError
from seata_py.protocol import Codec, Frame
from seata_py.protocol.protobuf import METHOD_PATH, decode_envelope, encode_envelope
from seata_py.rpc.config import GRPC, RpcConfig
from seata_py.rpc.errors import MessageTooLargeError
from seata_py.rpc.transport import ClientRole

__all__ = ["MAX_ENVELOPE_BYTES", "SERVER_MAX_DATA_FRAME", "GrpcLink", "GrpcTransport", "channel_options"]

log = logging.getLogger("seata_py.rpc")

# The Seata server's gRPC decoder (2.3.0+) parses each HTTP/2 DATA frame on its own and never reassembles a
# gRPC message split over several (doc §5.6.1). Its Netty HTTP/2 codec keeps the protocol's default
# SETTINGS_MAX_FRAME_SIZE of 16 KiB, so a client never sends a DATA frame larger than this.
SERVER_MAX_DATA_FRAME = 16 * 1024
# Every gRPC message on the wire is prefixed by a compressed flag byte and a 4-byte length.
_GRPC_MESSAGE_PREFIX = 5
#: The largest serialized GrpcMessageProto that still fits in one DATA frame the server can decode.
MAX_ENVELOPE_BYTES = SERVER_MAX_DATA_FRAME - _GRPC_MESSAGE_PREFIX


def channel_options(role: ClientRole) -> list[tuple[str, Any]]:
    """Options of a link's channel: its own HTTP/2 connection, no retries, a user agent naming the role."""
    return [
        # A private subchannel pool: two channels to one TC never share a connection (and a stream's
        # "channel" on the server), even though their other options are equal.
        ("grpc.use_local_subchannel_pool", 1),
        # A request must be written once, on the stream its connection registered, never replayed.
        ("grpc.enable_retries", 0),
        ("grpc.primary_user_agent", f"seata-py/{__version__} ({role.value})"),
    ]


class GrpcLink:
    """One channel and one ``sendRequest`` call; see the module docstring for the rules it keeps."""

    def __init__(self, address: str, channel: aio.Channel, call: aio.StreamStreamCall) -> None:
        self._address = address
        self._channel = channel
        self._call = call
        self._outbox: asyncio.Queue[tuple[bytes, asyncio.Future[None]]] = asyncio.Queue()
        self._failure: TCUnavailableError | None = None
        self._aborted = False
        self._closing: asyncio.Task[None] | None = None
        self._writer = asyncio.get_running_loop().create_task(
            self._write_loop(), name=f"seata-py gRPC writer {address}"
        )

    async def send(self, frame: Frame) -> None:
        data = encode_envelope(frame)
        if len(data) > MAX_ENVELOPE_BYTES:
            what = type(frame.message).__name__ if frame.message is not None else frame.frame_type.name
            raise MessageTooLargeError(what, len(data), MAX_ENVELOPE_BYTES, GRPC)
        if self._failure is not None:
            raise self._failure
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.put_nowait((data, written))
        await written

    async def _write_loop(self) -> None:
        written: asyncio.Future[None] | None = None
        try:
            while True:
                data, written = await self._outbox.get()
                if written.done():
                    continue  # its caller gave up before it was written: nobody waits for an answer
                await self._call.write(data)
                if not written.done():
                    written.set_result(None)
        except asyncio.CancelledError:
            self._fail(written, TCUnavailableError(f"gRPC stream to TC {self._address} closed"))
            raise
        except (grpc.RpcError, asyncio.InvalidStateError, aio.UsageError) as exc:
            self._fail(written, self._ended(exc))

    def _fail(self, current: asyncio.Future[None] | None, error: TCUnavailableError) -> None:
        if self._failure is None:
            self._failure = error
        waiting = [current] if current is not None else []
        while not self._outbox.empty():
            waiting.append(self._outbox.get_nowait()[1])
        for future in waiting:
            if not future.done():
                future.set_exception(self._failure)

    async def receive(self) -> Frame:
        try:
            data = await self._call.read()
        except asyncio.CancelledError:
            if self._aborted:  # our own abort cancelled the call: a closed link, not a cancelled caller
                raise TCUnavailableError(f"gRPC stream to TC {self._address} closed") from None
            raise
        except grpc.RpcError as exc:
            raise self._ended(exc) from exc
        if data is aio.EOF:
            raise TCUnavailableError(f"TC {self._address} ended the gRPC stream")
        return decode_envelope(data)

    def _ended(self, exc: BaseException) -> TCUnavailableError:
        if isinstance(exc, aio.AioRpcError):
            reason = f"{exc.code().name}: {exc.details()}"
        else:
            reason = str(exc) or type(exc).__name__
        return TCUnavailableError(f"gRPC stream to TC {self._address} ended ({reason})")

    def abort(self) -> None:
        if self._aborted:
            return
        self._aborted = True
        self._writer.cancel()
        self._call.cancel()
        self._fail(None, TCUnavailableError(f"gRPC stream to TC {self._address} closed"))
        self._closing = asyncio.get_running_loop().create_task(self._close_channel())

    async def _close_channel(self) -> None:
        await asyncio.gather(self._writer, return_exceptions=True)
        await self._channel.close(grace=None)

    async def wait_closed(self) -> None:
        if self._closing is not None:
            await asyncio.shield(self._closing)


class GrpcTransport:
    name = GRPC
    codec = Codec.GRPC

    async def open(self, host: str, port: int, role: ClientRole, config: RpcConfig) -> GrpcLink:
        target = f"{host}:{port}"
        channel = aio.insecure_channel(target, options=channel_options(role))
        try:
            # channel_ready() retries by itself until the deadline; then our supervisor's backoff takes over.
            await asyncio.wait_for(channel.channel_ready(), config.connect_timeout)
            # No (de)serializers: envelopes are encoded and size-checked here, and malformed ones become
            # ProtocolError here rather than an error inside grpcio.
            call = channel.stream_stream(METHOD_PATH)(wait_for_ready=False)
        except BaseException:
            await channel.close(grace=None)
            raise
        log.debug("gRPC stream %s opened to TC %s", role.value, target)
        return GrpcLink(target, channel, call)

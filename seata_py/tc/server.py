"""The TC's listening socket and its client connections, on one asyncio loop.

One port serves both wires, as Seata 2.3+ does: a connection opening with the HTTP/2 preface is a gRPC
client and goes to :mod:`seata_py.tc.grpc_streams`; anything else is read as classic frames here.

A classic connection reads frames and answers pings itself; every request runs in its own task, so a
GlobalRollback waiting for phase-2 answers never stops the same connection from reading them (seata-go sends
TM and RM traffic over one connection). Bytes that do not parse close that connection, never the server.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import TYPE_CHECKING, Any

from seata_py.protocol import (
    Frame,
    FrameDecoder,
    FrameType,
    Message,
    ProtocolError,
    encode_frame,
)
from seata_py.protocol.primitives import INT32_MAX
from seata_py.tc.channels import Channel, ChannelRegistry
from seata_py.tc.config import TCConfig
from seata_py.tc.coordinator import Coordinator
from seata_py.tc.dispatch import Dispatcher, NotRegisteredError, UnexpectedMessageError, expects_answer
from seata_py.tc.errors import ChannelClosedError
from seata_py.tc.preface import Wire, sniff
from seata_py.tc.status_view import build_status
from seata_py.tc.stores import Store, open_store

if TYPE_CHECKING:
    from seata_py.tc.grpc_streams import GrpcService

log = logging.getLogger("seata_py.tc")

_READ_CHUNK = 64 * 1024


class ServerConnection:
    """One classic client connection; also the :class:`~seata_py.tc.channels.Channel` phase 2 is sent over."""

    transport = "tcp"

    def __init__(
        self,
        server: TCServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: tuple[str, int],
        first: bytes = b"",
    ) -> None:
        self._server = server
        self._reader = reader
        self._writer = writer
        self._peer = peer
        self._first = first  # what the listener read to tell the wire apart
        self._pending: dict[int, asyncio.Future[Message]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._write_lock = asyncio.Lock()
        self._closed = False
        self._last_read = time.monotonic()

    def __repr__(self) -> str:
        return f"<ServerConnection {self._peer[0]}:{self._peer[1]}{' closed' if self._closed else ''}>"

    @property
    def peer(self) -> tuple[str, int]:
        return self._peer

    @property
    def closed(self) -> bool:
        return self._closed

    # -- reading -------------------------------------------------------------------------------------------

    async def serve(self) -> None:
        watchdog = (
            asyncio.get_running_loop().create_task(self._watch_idle())
            if self._server.config.idle_timeout > 0
            else None
        )
        decoder = FrameDecoder()
        try:
            while not self._closed:
                data, self._first = self._first or await self._reader.read(_READ_CHUNK), b""
                if not data:
                    break
                self._last_read = time.monotonic()
                try:
                    frames = decoder.feed(data)
                except ProtocolError as exc:
                    log.warning("malformed data from %s:%d, closing the connection: %s", *self._peer, exc)
                    break
                for frame in frames:
                    self._on_frame(frame)
        except (ConnectionError, OSError) as exc:
            log.debug("connection %s:%d failed: %s", *self._peer, exc)
        except Exception:  # a bug here ends this connection, never the server
            log.exception("connection %s:%d crashed", *self._peer)
        finally:
            if watchdog is not None:
                watchdog.cancel()
            self.close()

    def _on_frame(self, frame: Frame) -> None:
        kind = frame.frame_type
        if kind is FrameType.HEARTBEAT_REQUEST:
            self._start(self._write(Frame(FrameType.HEARTBEAT_RESPONSE, frame.request_id)))
        elif kind is FrameType.RESPONSE:
            future = self._pending.get(frame.request_id)
            if future is not None and not future.done() and frame.message is not None:
                future.set_result(frame.message)
            else:
                log.debug("%s:%d answered unknown or expired request %d", *self._peer, frame.request_id)
        elif kind in (FrameType.REQUEST_SYNC, FrameType.REQUEST_ONEWAY):
            self._start(self._serve_request(frame))
        # HEARTBEAT_RESPONSE: the TC never pings, nothing to match

    def _start(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_request(self, frame: Frame) -> None:
        try:
            await self._serve_request_or_close(frame)
        except Exception:  # a bug here ends this connection, never the server
            log.exception("serving a request of %s:%d failed; closing the connection", *self._peer)
            self.close()

    async def _serve_request_or_close(self, frame: Frame) -> None:
        message = frame.message
        assert message is not None  # only heartbeats have no body
        try:
            response = await self._server.dispatcher.answer(self, message)
        except (NotRegisteredError, UnexpectedMessageError) as exc:
            log.warning("closing the connection of %s:%d: %s", *self._peer, exc)
            self.close()
            return
        if expects_answer(frame.frame_type, message):
            reply = Frame(
                FrameType.RESPONSE, frame.request_id, response, codec=frame.codec, compressor=frame.compressor
            )
            try:
                await self._write(reply)
            except ChannelClosedError:
                log.info("%s:%d went away before its %s answer", *self._peer, type(message).__name__)

    async def _watch_idle(self) -> None:
        idle = self._server.config.idle_timeout
        while not self._closed:
            await asyncio.sleep(min(1.0, idle / 2))
            quiet = time.monotonic() - self._last_read
            if quiet >= idle:
                log.info("closing %s:%d: nothing read for %.1fs (no heartbeats)", *self._peer, quiet)
                self.close()

    # -- writing (the Channel side) ------------------------------------------------------------------------

    async def request(self, message: Message, timeout: float) -> Message:
        if self._closed:
            raise ChannelClosedError(f"connection {self._peer[0]}:{self._peer[1]} is closed")
        request_id = self._server.next_request_id()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._write(Frame(FrameType.REQUEST_SYNC, request_id, message))
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            self._pending.pop(request_id, None)

    async def send_oneway(self, message: Message) -> None:
        await self._write(Frame(FrameType.REQUEST_ONEWAY, self._server.next_request_id(), message))

    async def _write(self, frame: Frame) -> None:
        if self._closed:
            raise ChannelClosedError(f"connection {self._peer[0]}:{self._peer[1]} is closed")
        data = encode_frame(frame)
        try:
            async with self._write_lock:
                self._writer.write(data)
                await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            self.close()
            raise ChannelClosedError(f"connection {self._peer[0]}:{self._peer[1]} failed: {exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ChannelClosedError(f"connection {self._peer[0]}:{self._peer[1]} closed"))
        self._server.forget(self)

    async def wait_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class TCServer:
    """The TC on the running loop: ``await start()``, then ``await close()``."""

    def __init__(self, config: TCConfig, store: Store | None = None) -> None:
        self.config = config
        self._given_store = store
        self.store: Store | None = None
        self.channels = ChannelRegistry()
        self._connections: set[ServerConnection] = set()
        self._server: asyncio.base_events.Server | None = None
        self._grpc: GrpcService | None = None
        self._status: Any = None
        self._request_ids = itertools.count(1)
        self.port = config.port
        self.status_port: int | None = None
        self.started_at = 0.0
        self._coordinator: Coordinator | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def coordinator(self) -> Coordinator:
        if self._coordinator is None:
            raise RuntimeError("the TC is not started")
        return self._coordinator

    def status(self) -> dict[str, Any]:
        """What ``/status`` and ``seata-py tc status`` show."""
        return build_status(
            address=f"{self.config.host}:{self.port}",
            xid_prefix=self.address,
            store=self.store,
            started_at=self.started_at,
            channels=self.channels,
            coordinator=self.coordinator,
        )

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the TC is not started")
        return self._dispatcher

    @property
    def address(self) -> str:
        return f"{self.config.xid_host}:{self.port}"

    async def start(self) -> None:
        self.store = self._given_store or open_store(self.config.store)
        try:
            self._server = await asyncio.start_server(
                self._accept, self.config.host, self.config.port, start_serving=False
            )
            self.port = int(self._server.sockets[0].getsockname()[1])
            self._coordinator = Coordinator(self.config, self.store, self.channels, self.address)
            self._dispatcher = Dispatcher(self._coordinator, self.channels)
            # Imported here: grpcio is only loaded by a process that runs a TC.
            from seata_py.tc.grpc_streams import GrpcService

            self._grpc = GrpcService(self)
            await self._grpc.start()
            await self._coordinator.start()
            if self.config.status_port is not None:
                from seata_py.tc.status_http import StatusHttpServer

                self._status = StatusHttpServer(self.status)
                self.status_port = await self._status.start(self.config.host, self.config.status_port)
            await self._server.start_serving()
        except BaseException:
            await self.close()
            raise
        self.started_at = time.time()
        log.info(
            "TC ready on %s:%d (XIDs %s:<id>, store %s, status %s) for classic and gRPC clients",
            self.config.host,
            self.port,
            self.address,
            self.store.description,
            f"http://{self.config.host}:{self.status_port}/status" if self.status_port is not None else "off",
        )

    async def close(self) -> None:
        if self._status is not None:
            await self._status.close()
            self._status = None
        if self._server is not None:
            self._server.close()
            self._server = None
        connections = list(self._connections)
        for conn in connections:
            conn.close()
        for conn in connections:
            await conn.wait_tasks()
        if self._grpc is not None:
            await self._grpc.close()
            self._grpc = None
        if self._coordinator is not None:
            await self._coordinator.close()
        if self.store is not None and self._given_store is None:
            self.store.close()
        self.store = None

    def next_request_id(self) -> int:
        value = next(self._request_ids)
        if value > INT32_MAX:  # the frame field is an int32
            self._request_ids = itertools.count(2)
            value = 1
        return value

    def forget(self, channel: Channel) -> None:
        if isinstance(channel, ServerConnection):
            self._connections.discard(channel)
        client = self.channels.remove(channel)
        if client is not None:
            log.info("client %s disconnected (%s)", client.client_id, channel.transport)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername") or ("?", 0)
        peer = (str(address[0]), int(address[1]))
        idle = self.config.idle_timeout
        try:
            wire, first = await sniff(reader, idle if idle > 0 else None)
        except asyncio.TimeoutError:
            log.info("closing %s:%d: nothing readable within %.1fs", *peer, idle)
            writer.close()
            return
        except (ConnectionError, OSError) as exc:
            log.debug("connection %s:%d failed before its first frame: %s", *peer, exc)
            writer.close()
            return
        if wire is None:
            writer.close()
            return
        if wire is Wire.HTTP2 and self._grpc is not None:
            await self._grpc.bridge(reader, writer, first, peer)
            return
        conn = ServerConnection(self, reader, writer, peer, first)
        self._connections.add(conn)
        log.debug("connection from %s:%d", *conn.peer)
        await conn.serve()

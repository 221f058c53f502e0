"""The TC's listening socket and its client connections, on one asyncio loop.

One port serves both wires, as Seata 2.3+ does: a connection opening with the HTTP/2 preface is a gRPC
client and goes to :mod:`seata_py.tc.grpc_streams`; anything else is read as classic frames here, over the
client's own :class:`~seata_py.rpc.tcp_transport.TcpLink`. What a connection does with its frames is
:class:`~seata_py.tc.endpoint.ClientEndpoint`'s. Bytes that do not parse close that connection, never the
server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from seata_py.exceptions import TCUnavailableError
from seata_py.protocol import Codec, Frame, ProtocolError
from seata_py.rpc.config import TCP
from seata_py.rpc.exchange import pong
from seata_py.rpc.request_ids import RequestIds
from seata_py.rpc.tcp_transport import TcpLink
from seata_py.tc.channels import Channel, ChannelRegistry
from seata_py.tc.config import TCConfig
from seata_py.tc.decisions import Coordinator
from seata_py.tc.dispatch import Dispatcher
from seata_py.tc.endpoint import ClientEndpoint, EndpointHost
from seata_py.tc.errors import ChannelClosedError
from seata_py.tc.preface import Wire, sniff
from seata_py.tc.status_view import build_status
from seata_py.tc.stores import Store, open_store

if TYPE_CHECKING:
    from seata_py.tc.grpc_streams import GrpcService

log = logging.getLogger("seata_py.tc")


class ServerConnection(ClientEndpoint):
    """One classic client connection."""

    transport = TCP
    codec = Codec.SEATA
    kind = "connection"

    def __init__(
        self,
        server: EndpointHost,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: tuple[str, int],
        first: bytes = b"",
    ) -> None:
        super().__init__(server, peer)
        # ``first``: what the listener read to tell the wire apart
        self._link = TcpLink(self.where, reader, writer, first, peer=f"client {self.where}")

    async def serve(self) -> None:
        idle = self._host.config.idle_timeout
        watchdog = asyncio.get_running_loop().create_task(self._watch_idle(idle)) if idle > 0 else None
        try:
            while not self._closed:
                frame = await self._link.receive()
                self._last_read = time.monotonic()
                self._on_frame(frame)
        except ProtocolError as exc:
            log.warning("closing the connection of %s: %s", self.where, exc)
        except (TCUnavailableError, OSError) as exc:
            log.debug("connection %s ended: %s", self.where, exc)
        except Exception:  # a bug here ends this connection, never the server
            log.exception("connection %s crashed", self.where)
        finally:
            if watchdog is not None:
                watchdog.cancel()
            self.close()

    def _answer_ping(self, ping: Frame) -> None:
        self._start(self._pong(ping))

    async def _pong(self, ping: Frame) -> None:
        try:
            await self._send(pong(ping, self.codec))
        except ChannelClosedError as exc:
            log.debug("answering a ping from %s failed: %s", self.where, exc)

    async def _send(self, frame: Frame) -> None:
        self._check_open()
        try:
            await self._link.send(frame)
        except (TCUnavailableError, OSError) as exc:
            self.close()
            raise ChannelClosedError(f"connection {self.where} failed: {exc}") from exc

    def _refuse(self, error: Exception) -> None:
        self.close()

    def _crashed(self, reason: str) -> None:
        self.close()

    def _idle(self, quiet: float) -> None:
        self.close()

    def close(self) -> None:
        if self._mark_closed():
            self._link.close()


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
        self._request_ids = RequestIds()
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
            await conn.wait_requests()
        if self._grpc is not None:
            await self._grpc.close()
            self._grpc = None
        if self._coordinator is not None:
            await self._coordinator.close()
        if self.store is not None and self._given_store is None:
            self.store.close()
        self.store = None

    def next_request_id(self) -> int:
        return self._request_ids.next()

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

"""A scripted stand-in for a TC on loopback, for unit tests of the RPC client only."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from seata_py.protocol import (
    Frame,
    FrameDecoder,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalStatus,
    GlobalStatusRequest,
    GlobalStatusResponse,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    encode_frame,
)
from seata_py.rpc.loop import BackgroundLoop

Answer = Callable[[Message], Message | None]


@dataclass
class Peer:
    writer: asyncio.StreamWriter
    role: str | None = None
    frames: list[Frame] = field(default_factory=list)


class FakeTC:
    def __init__(self, *, answer_pings: bool = True, identify: bool = True) -> None:
        self.answer_pings = answer_pings
        self.identify = identify
        self.answers: dict[type[Message], Answer] = {}
        self.received: list[Frame] = []
        self.peers: list[Peer] = []
        self.garbage_after_register: bytes | None = None
        self._tx_ids = itertools.count(1)
        self._push_ids = itertools.count(1000)
        self._responses: dict[int, asyncio.Future[Frame]] = {}
        self._loop = BackgroundLoop("fake-tc")
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> FakeTC:
        self._loop.start()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run(serve())
        return self

    def stop(self) -> None:
        async def close() -> None:
            for peer in self.peers:
                peer.writer.transport.abort()
            if self._server is not None:
                self._server.close()

        self._loop.run(close())
        self._loop.stop()

    def messages(self, kind: type[Message]) -> list[Message]:
        return [f.message for f in self.received if isinstance(f.message, kind)]

    def push(
        self, message: Message, frame_type: FrameType = FrameType.REQUEST_SYNC, timeout: float = 5
    ) -> Frame | None:
        """Send a request to the registered RM peer; returns its response frame for sync requests."""

        async def send() -> Frame | None:
            peer = next(p for p in self.peers if p.role == "RM")
            request_id = next(self._push_ids)
            future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
            if frame_type is FrameType.REQUEST_SYNC:
                self._responses[request_id] = future
            peer.writer.write(encode_frame(Frame(frame_type, request_id, message)))
            await peer.writer.drain()
            if frame_type is not FrameType.REQUEST_SYNC:
                return None
            return await asyncio.wait_for(future, timeout)

        return self._loop.run(send())

    def drop_connections(self) -> None:
        async def drop() -> None:
            for peer in self.peers:
                peer.writer.transport.abort()

        self._loop.run(drop())

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = Peer(writer)
        self.peers.append(peer)
        decoder = FrameDecoder()
        try:
            while data := await reader.read(65536):
                for frame in decoder.feed(data):
                    peer.frames.append(frame)
                    self.received.append(frame)
                    await self._on_frame(peer, frame)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _on_frame(self, peer: Peer, frame: Frame) -> None:
        if frame.frame_type is FrameType.HEARTBEAT_REQUEST:
            if self.answer_pings:
                await self._send(peer, Frame(FrameType.HEARTBEAT_RESPONSE, frame.request_id))
            return
        if frame.frame_type is FrameType.RESPONSE:
            future = self._responses.pop(frame.request_id, None)
            if future is not None:
                future.set_result(frame)
            return
        message = frame.message
        assert message is not None
        reply = self._reply(peer, message)
        if reply is not None:
            await self._send(peer, Frame(FrameType.RESPONSE, frame.request_id, reply))
        if isinstance(message, (RegisterTMRequest, RegisterRMRequest)) and self.garbage_after_register:
            peer.writer.write(self.garbage_after_register)

    def _reply(self, peer: Peer, message: Message) -> Message | None:
        custom = self.answers.get(type(message))
        if custom is not None:
            return custom(message)
        if isinstance(message, RegisterTMRequest):
            peer.role = "TM"
            return RegisterTMResponse(identified=self.identify, version="2.0.0")
        if isinstance(message, RegisterRMRequest):
            peer.role = "RM"
            return RegisterRMResponse(identified=self.identify, version="2.0.0")
        if isinstance(message, GlobalBeginRequest):
            return GlobalBeginResponse(xid=f"127.0.0.1:{self.port}:{next(self._tx_ids)}")
        if isinstance(message, GlobalStatusRequest):
            return GlobalStatusResponse(global_status=GlobalStatus.BEGIN)
        return None

    async def _send(self, peer: Peer, frame: Frame) -> None:
        peer.writer.write(encode_frame(frame))
        await peer.writer.drain()

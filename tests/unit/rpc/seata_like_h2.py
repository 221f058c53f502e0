"""A raw HTTP/2 server that frames gRPC the way the Seata 2.3+ server does (doc §5.3, §5.6), for wire tests.

A grpc.aio server cannot misbehave like the Seata server, so this one is written on bare HTTP/2 frames:

* it answers a stream with ONE HEADERS frame (``:status 200``, ``content-type: application/grpc`` and
  ``grpc-status: 0`` already in it, without END_STREAM) before its first message, and never sends trailers;
* it sends every gRPC message in a DATA frame of its own;
* it reads every DATA frame on its own, as Seata's decoder does: a frame may hold several whole messages,
  but a message split over two frames is counted in :attr:`split_messages` (the real server cannot decode it);
* it keeps the default SETTINGS (16 KiB frames, 64 KiB windows) and gives the window back after every
  DATA frame.

Only what the tests need is implemented: no HPACK decoding (the client's request headers are skipped), no
priorities, no padding on what it sends.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from seata_py.protocol import (
    Codec,
    Frame,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalCommitRequest,
    GlobalCommitResponse,
    GlobalStatus,
    Message,
    ProtocolError,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
)
from seata_py.protocol.messages import BranchRegisterRequest, BranchRegisterResponse
from seata_py.protocol.protobuf import decode_envelope, encode_envelope
from seata_py.rpc.loop import BackgroundLoop

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x8
FLAG_ACK = FLAG_END_STREAM = 0x1
FLAG_END_HEADERS = 0x4
FLAG_PADDED = 0x8


def _frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream_id.to_bytes(4, "big") + payload


def _literal(name: str, value: str) -> bytes:
    """An HPACK literal header field without indexing, new name, no Huffman (RFC 7541 §6.2.2)."""
    raw_name, raw_value = name.encode(), value.encode()
    assert len(raw_name) < 127 and len(raw_value) < 127
    return b"\x00" + bytes([len(raw_name)]) + raw_name + bytes([len(raw_value)]) + raw_value


# :status 200 is entry 8 of the static table; Seata puts grpc-status into these initial headers.
RESPONSE_HEADERS = b"\x88" + _literal("content-type", "application/grpc") + _literal("grpc-status", "0")


@dataclass
class H2Stream:
    stream_id: int
    conn: H2Connection
    role: str | None = None
    headers_sent: bool = False
    frames: list[Frame] = field(default_factory=list)
    data_frame_sizes: list[int] = field(default_factory=list)


@dataclass
class H2Connection:
    writer: asyncio.StreamWriter
    streams: dict[int, H2Stream] = field(default_factory=dict)
    frame_kinds: list[int] = field(default_factory=list)


class SeataLikeH2Server:
    def __init__(self) -> None:
        self.connections: list[H2Connection] = []
        self.received: list[Frame] = []
        self.split_messages = 0
        self.answer_pings = True
        self._tx_ids = itertools.count(1)
        self._push_ids = itertools.count(5000)
        self._responses: dict[int, asyncio.Future[Frame]] = {}
        self._loop = BackgroundLoop("seata-like-h2")
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> SeataLikeH2Server:
        self._loop.start()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run(serve())
        return self

    def close(self) -> None:
        async def close() -> None:
            for conn in self.connections:
                conn.writer.transport.abort()
            if self._server is not None:
                self._server.close()

        self._loop.run(close())
        self._loop.stop()

    def streams(self) -> list[H2Stream]:
        return [s for c in self.connections for s in c.streams.values()]

    def push(self, message: Message, timeout: float = 5) -> Frame:
        """Send a sync request on the RM stream and return the client's answer."""

        async def send() -> Frame:
            stream = next(s for s in self.streams() if s.role == "RM")
            request_id = next(self._push_ids)
            future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
            self._responses[request_id] = future
            self._send(stream, Frame(FrameType.REQUEST_SYNC, request_id, message, codec=Codec.GRPC))
            return await asyncio.wait_for(future, timeout)

        return self._loop.run(send())

    def send_data(self, role: str, payload: bytes) -> None:
        """Write ``payload`` as one DATA frame on the newest stream of ``role``, whatever it holds."""

        async def send() -> None:
            stream = [s for s in self.streams() if s.role == role][-1]
            stream.conn.writer.write(_frame(DATA, 0, stream.stream_id, payload))

        self._loop.run(send())

    # -- HTTP/2 ---------------------------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = H2Connection(writer)
        self.connections.append(conn)
        try:
            if await reader.readexactly(len(PREFACE)) != PREFACE:
                return
            writer.write(_frame(SETTINGS, 0, 0))
            while True:
                head = await reader.readexactly(9)
                length = int.from_bytes(head[:3], "big")
                kind, flags = head[3], head[4]
                stream_id = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
                payload = await reader.readexactly(length)
                conn.frame_kinds.append(kind)
                self._on_frame(conn, kind, flags, stream_id, payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.transport.abort()

    def _on_frame(self, conn: H2Connection, kind: int, flags: int, stream_id: int, payload: bytes) -> None:
        if kind == SETTINGS and not flags & FLAG_ACK:
            conn.writer.write(_frame(SETTINGS, FLAG_ACK, 0))
        elif kind == PING and not flags & FLAG_ACK:
            conn.writer.write(_frame(PING, FLAG_ACK, 0, payload))
        elif kind == HEADERS:
            conn.streams.setdefault(stream_id, H2Stream(stream_id, conn))
        elif kind == DATA:
            if flags & FLAG_PADDED:
                payload = payload[1 : len(payload) - payload[0]]
            stream = conn.streams[stream_id]
            stream.data_frame_sizes.append(len(payload))
            if payload:
                increment = len(payload).to_bytes(4, "big")
                conn.writer.write(_frame(WINDOW_UPDATE, 0, 0, increment))
                conn.writer.write(_frame(WINDOW_UPDATE, 0, stream_id, increment))
            self._on_data(stream, payload)

    def _on_data(self, stream: H2Stream, payload: bytes) -> None:
        position = 0
        while position + 5 <= len(payload):  # Seata skips a frame of fewer than 5 bytes
            length = int.from_bytes(payload[position + 1 : position + 5], "big")
            if position + 5 + length > len(payload):
                self.split_messages += 1  # Seata's decoder would fail here: no reassembly across frames
                return
            frame = decode_envelope(payload[position + 5 : position + 5 + length])
            position += 5 + length
            stream.frames.append(frame)
            self.received.append(frame)
            self._on_message(stream, frame)

    def _send(self, stream: H2Stream, frame: Frame) -> None:
        writer = stream.conn.writer
        if not stream.headers_sent:
            stream.headers_sent = True
            writer.write(_frame(HEADERS, FLAG_END_HEADERS, stream.stream_id, RESPONSE_HEADERS))
        envelope = encode_envelope(frame)
        writer.write(_frame(DATA, 0, stream.stream_id, b"\x00" + len(envelope).to_bytes(4, "big") + envelope))

    # -- Seata ----------------------------------------------------------------------------------------------

    def _on_message(self, stream: H2Stream, frame: Frame) -> None:
        if frame.frame_type is FrameType.HEARTBEAT_REQUEST:
            if self.answer_pings:
                self._send(stream, Frame(FrameType.HEARTBEAT_RESPONSE, frame.request_id, codec=Codec.GRPC))
            return
        if frame.frame_type is FrameType.RESPONSE:
            future = self._responses.pop(frame.request_id, None)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        reply = self._reply(stream, frame.message)
        if reply is not None:
            self._send(stream, Frame(FrameType.RESPONSE, frame.request_id, reply, codec=Codec.GRPC))

    def _reply(self, stream: H2Stream, message: Message | None) -> Message | None:
        if isinstance(message, RegisterTMRequest):
            stream.role = "TM"
            return RegisterTMResponse(identified=True, version="2.3.0")
        if isinstance(message, RegisterRMRequest):
            stream.role = "RM"
            return RegisterRMResponse(identified=True, version="2.3.0")
        if isinstance(message, GlobalBeginRequest):
            return GlobalBeginResponse(xid=f"127.0.0.1:{self.port}:{next(self._tx_ids)}")
        if isinstance(message, GlobalCommitRequest):
            return GlobalCommitResponse(global_status=GlobalStatus.COMMITTED)
        if isinstance(message, BranchRegisterRequest):
            return BranchRegisterResponse(branch_id=next(self._tx_ids))
        raise ProtocolError(f"the Seata-like server has no answer for {type(message).__name__}")

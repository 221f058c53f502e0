"""The classic transport: Seata RPC v1 frames (magic 0xdada, SEATA codec) over one TCP connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from seata_py.exceptions import TCUnavailableError
from seata_py.protocol import Codec, Frame, FrameDecoder, ProtocolError, encode_frame
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.transport import Role

_READ_CHUNK = 64 * 1024


class TcpLink:
    def __init__(self, address: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._address = address
        self._reader = reader
        self._writer = writer
        self._decoder = FrameDecoder()
        self._decoded: deque[Frame] = deque()
        self._write_lock = asyncio.Lock()

    async def send(self, frame: Frame) -> None:
        data = encode_frame(frame)
        async with self._write_lock:
            if self._writer.is_closing():
                raise TCUnavailableError(f"connection to TC {self._address} is not open")
            self._writer.write(data)
            try:
                await self._writer.drain()
            except ConnectionError as exc:
                raise TCUnavailableError(f"writing to TC {self._address} failed: {exc}") from exc

    async def receive(self) -> Frame:
        while not self._decoded:
            try:
                data = await self._reader.read(_READ_CHUNK)
            except ConnectionError as exc:
                raise TCUnavailableError(f"reading from TC {self._address} failed: {exc}") from exc
            if not data:
                raise TCUnavailableError(f"TC {self._address} closed the connection")
            try:
                self._decoded.extend(self._decoder.feed(data))
            except ProtocolError as exc:
                # A byte stream we cannot parse cannot be resynchronised: the caller drops the link.
                raise ProtocolError(f"malformed data from TC {self._address}: {exc}") from exc
        return self._decoded.popleft()

    def abort(self) -> None:
        self._writer.transport.abort()

    async def wait_closed(self) -> None:
        # An aborted socket reports why it closed; it is closed all the same.
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


class TcpTransport:
    name = "tcp"
    codec = Codec.SEATA

    async def open(self, host: str, port: int, role: Role, config: RpcConfig) -> TcpLink:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), config.connect_timeout)
        return TcpLink(f"{host}:{port}", reader, writer)

"""The classic transport: Seata RPC v1 frames (magic 0xdada, SEATA codec) over one TCP connection.

:class:`TcpLink` moves frames over one socket whichever end opened it: the client's connection to a TC,
and the embedded TC's end of a classic client's connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from seata_py.exceptions import TCUnavailableError
from seata_py.protocol import Codec, Frame, FrameDecoder, ProtocolError, encode_frame
from seata_py.rpc.config import TCP, RpcConfig
from seata_py.rpc.transport import ClientRole

#: how much one socket read asks for
READ_CHUNK = 64 * 1024


class TcpLink:
    def __init__(
        self,
        address: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        first: bytes = b"",
        *,
        peer: str | None = None,
    ) -> None:
        """``first``: bytes already read from ``reader`` (a server reads some to tell the wire apart);
        ``peer``: how errors name the other end, by default the TC at ``address``."""
        self._peer = peer if peer is not None else f"TC {address}"
        self._reader = reader
        self._writer = writer
        self._first = first
        self._decoder = FrameDecoder()
        self._decoded: deque[Frame] = deque()
        self._write_lock = asyncio.Lock()

    async def send(self, frame: Frame) -> None:
        data = encode_frame(frame)
        async with self._write_lock:
            if self._writer.is_closing():
                raise TCUnavailableError(f"connection to {self._peer} is not open")
            self._writer.write(data)
            try:
                await self._writer.drain()
            except ConnectionError as exc:
                raise TCUnavailableError(f"writing to {self._peer} failed: {exc}") from exc

    async def receive(self) -> Frame:
        while not self._decoded:
            data, self._first = self._first or await self._read(), b""
            if not data:
                raise TCUnavailableError(f"{self._peer} closed the connection")
            try:
                self._decoded.extend(self._decoder.feed(data))
            except ProtocolError as exc:
                # A byte stream we cannot parse cannot be resynchronised: the caller drops the link.
                raise ProtocolError(f"malformed data from {self._peer}: {exc}") from exc
        return self._decoded.popleft()

    async def _read(self) -> bytes:
        try:
            return await self._reader.read(READ_CHUNK)
        except ConnectionError as exc:
            raise TCUnavailableError(f"reading from {self._peer} failed: {exc}") from exc

    def abort(self) -> None:
        self._writer.transport.abort()

    def close(self) -> None:
        """Close after what is written is flushed (``abort`` drops it at once)."""
        self._writer.close()

    async def wait_closed(self) -> None:
        # An aborted socket reports why it closed; it is closed all the same.
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


class TcpTransport:
    name = TCP
    codec = Codec.SEATA

    async def open(self, host: str, port: int, role: ClientRole, config: RpcConfig) -> TcpLink:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), config.connect_timeout)
        return TcpLink(f"{host}:{port}", reader, writer)

"""Which protocol a new connection speaks, told from its first bytes (as Seata 2.3+ does on its one port).

An HTTP/2 client (gRPC, prior knowledge h2c) opens with the 24-byte connection preface; a classic client's
first frame starts with the magic ``0xdada``. Anything that is not the preface is left to the classic frame
decoder, which rejects what it cannot read. Unlike the Java server, the preface may arrive over several reads.
"""

from __future__ import annotations

import asyncio
import enum
import time

from seata_py.rpc.config import GRPC, TCP
from seata_py.rpc.tcp_transport import READ_CHUNK

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class Wire(enum.Enum):
    CLASSIC = TCP
    HTTP2 = GRPC


def classify(data: bytes) -> Wire | None:
    """The wire ``data`` (the first bytes of a connection) belongs to; None while it cannot tell yet."""
    if data.startswith(HTTP2_PREFACE):
        return Wire.HTTP2
    if data and not HTTP2_PREFACE.startswith(data[: len(HTTP2_PREFACE)]):
        return Wire.CLASSIC
    return None


async def sniff(reader: asyncio.StreamReader, timeout: float | None) -> tuple[Wire | None, bytes]:
    """Read until the wire is known: ``(wire, bytes read so far)``, or ``(None, bytes)`` when the client
    closed first. Raises asyncio.TimeoutError when ``timeout`` seconds pass without enough bytes to decide."""
    deadline = None if timeout is None else time.monotonic() + timeout
    data = b""
    while True:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        chunk = await asyncio.wait_for(reader.read(READ_CHUNK), remaining)
        if not chunk:
            return None, data
        data += chunk
        wire = classify(data)
        if wire is not None:
            return wire, data

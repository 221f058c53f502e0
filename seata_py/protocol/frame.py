"""Classic Seata RPC v1 frames (doc §1.1): a 16-byte header, an optional head map, then the body.

Header layout (big-endian)::

    0  magic 0xDADA        2    7  head length int16   2    11 compressor byte     1
    2  version = 1         1    9  frame type byte     1    12 request id int32    4
    3  full length int32   4    10 codec byte          1

``request_id`` is a signed int32 on the wire. :func:`encode_frame` rejects ids outside that range
instead of wrapping them, because a wrapped id would come back different from the one the caller
is waiting for; callers keeping a counter must wrap it themselves (Java's counter wraps to negative).
"""

from __future__ import annotations

import struct
from types import MappingProxyType

from .enums import Codec, Compressor, FrameType
from .errors import ProtocolError
from .frame_fields import BodyCodec, Frame, body_to_message, check_outgoing, member
from .head_map import decode_head_map, encode_head_map
from .primitives import INT16_MAX
from .seata_codec import decode_message, encode_message

__all__ = [
    "HEADER_LEN",
    "MAGIC",
    "MAX_FRAME_LEN",
    "VERSION",
    "Frame",
    "FrameDecoder",
    "decode_frame",
    "encode_frame",
]

MAGIC = b"\xda\xda"
VERSION = 1
HEADER_LEN = 16
# Netty's LengthFieldBasedFrameDecoder limit on both Java sides; the TC drops larger frames.
MAX_FRAME_LEN = 8 * 1024 * 1024

_HEADER = struct.Struct(">2sBihBBBi")
_FULL_LENGTH = struct.Struct(">i")
_HEAD_LENGTH = struct.Struct(">h")
_BODIES = BodyCodec(
    codecs=frozenset({Codec.SEATA}),
    refusal="is not supported",
    encode=lambda message, codec: encode_message(message),
    decode=lambda body, codec: decode_message(body),
    unit="frame",
)


def encode_frame(frame: Frame) -> bytes:
    """Serialize ``frame``; raises ProtocolError for anything a peer would reject."""
    out = check_outgoing(_BODIES, frame)

    head = encode_head_map(frame.head_map)
    head_len = HEADER_LEN + len(head)
    if head_len > INT16_MAX:
        raise ProtocolError(f"head map of {len(head)} bytes does not fit the int16 head length")
    full_len = head_len + len(out.body)
    if full_len > MAX_FRAME_LEN:
        raise ProtocolError(f"frame of {full_len} bytes exceeds the {MAX_FRAME_LEN}-byte limit")
    header = _HEADER.pack(
        MAGIC, VERSION, full_len, head_len, out.frame_type, out.codec, out.compressor, out.request_id
    )
    return header + head + out.body


def _check_prefix(buf: bytes | bytearray, start: int, available: int) -> None:
    """Validate whatever header bytes have arrived, so garbage fails before a whole header is in."""
    for i in range(min(available, len(MAGIC))):
        if buf[start + i] != MAGIC[i]:
            raise ProtocolError(f"bad magic byte 0x{buf[start + i]:02x} at frame offset {i}")
    if available > 2 and buf[start + 2] != VERSION:
        raise ProtocolError(f"unsupported protocol version {buf[start + 2]}")
    if available >= 7:
        (full_len,) = _FULL_LENGTH.unpack_from(buf, start + 3)
        if full_len > MAX_FRAME_LEN:
            raise ProtocolError(f"frame length {full_len} exceeds the {MAX_FRAME_LEN}-byte limit")
        if full_len < HEADER_LEN:
            raise ProtocolError(f"frame length {full_len} is shorter than the header")
        if available >= 9:
            (head_len,) = _HEAD_LENGTH.unpack_from(buf, start + 7)
            if head_len < HEADER_LEN:
                raise ProtocolError(f"head length {head_len} is shorter than the fixed header")
            if full_len < head_len:
                raise ProtocolError(f"frame length {full_len} is shorter than head length {head_len}")


def _parse_frame(buf: bytes | bytearray, start: int) -> tuple[Frame, int] | None:
    """Parse the frame at ``start``: (frame, end offset), or None while it is still incomplete."""
    available = len(buf) - start
    _check_prefix(buf, start, available)
    if available < HEADER_LEN:
        return None
    _, _, full_len, head_len, raw_type, raw_codec, raw_compressor, raw_id = _HEADER.unpack_from(buf, start)
    frame_type = member(FrameType, raw_type, "frame type")
    codec = member(Codec, raw_codec, "codec")
    compressor = member(Compressor, raw_compressor, "compressor")
    if available < full_len:
        return None

    head_map = decode_head_map(bytes(buf[start + HEADER_LEN : start + head_len]))
    body = bytes(buf[start + head_len : start + full_len])
    message = body_to_message(_BODIES, frame_type, codec, compressor, body)
    frame = Frame(
        frame_type=frame_type,
        request_id=raw_id,
        message=message,
        codec=codec,
        compressor=compressor,
        head_map=MappingProxyType(head_map),
    )
    return frame, start + full_len


class FrameDecoder:
    """Turns a byte stream into frames, buffering partial input between calls.

    After it has raised, the stream position is unknown, so it stays failed: every later call
    raises again and the caller is expected to close the connection. Frames completed earlier in
    the failing call are dropped with it.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._failure: ProtocolError | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        if self._failure is not None:
            raise ProtocolError(f"decoder already failed: {self._failure}")
        self._buffer += data
        frames: list[Frame] = []
        offset = 0
        try:
            while (parsed := _parse_frame(self._buffer, offset)) is not None:
                frame, offset = parsed
                frames.append(frame)
        except ProtocolError as exc:
            self._failure = exc
            self._buffer = bytearray()
            raise
        # Compacting once per call rather than per frame keeps bursts of small frames linear.
        del self._buffer[:offset]
        return frames

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Parse exactly one whole frame; incomplete input or trailing bytes are errors."""
    buf = bytes(data)
    parsed = _parse_frame(buf, 0)
    if parsed is None:
        raise ProtocolError(f"incomplete frame ({len(buf)} bytes)")
    frame, end = parsed
    if end != len(buf):
        raise ProtocolError(f"{len(buf) - end} trailing byte(s) after the frame")
    return frame

"""The frame rules both transports share: classic v1 frames (:mod:`.frame`) and gRPC envelopes
(:mod:`.protobuf.envelope`) carry the same :class:`Frame`, defined here, so they check its fields alike.

Heartbeats (frame types 3 and 4) have no body; every other frame has one, in a codec the transport carries,
compressed by the frame's compressor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from .compression import compress, decompress
from .enums import Codec, Compressor, FrameType
from .errors import ProtocolError
from .messages import Message
from .primitives import INT32_MAX, INT32_MIN


def _empty_head_map() -> Mapping[str, str | None]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Frame:
    """One protocol frame. ``message`` is None exactly for heartbeat frames (types 3 and 4)."""

    frame_type: FrameType
    request_id: int
    message: Message | None = None
    codec: Codec = Codec.SEATA
    compressor: Compressor = Compressor.NONE
    head_map: Mapping[str, str | None] = field(default_factory=_empty_head_map)


__all__ = [
    "HEARTBEATS",
    "BodyCodec",
    "Frame",
    "Outgoing",
    "body_to_message",
    "check_outgoing",
    "member",
    "request_id",
]

HEARTBEATS = frozenset({FrameType.HEARTBEAT_REQUEST, FrameType.HEARTBEAT_RESPONSE})

_E = TypeVar("_E", FrameType, Codec, Compressor)


def member(enum_cls: type[_E], value: object, what: str) -> _E:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{what} must be a {enum_cls.__name__}, got {value!r}")
    try:
        return enum_cls(value)
    except ValueError:
        raise ProtocolError(f"unknown {what} {value}") from None


def request_id(value: object) -> int:
    # A wrapped id would come back different from the one the caller is waiting for, so none is wrapped.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"request id must be int, got {value!r}")
    if not INT32_MIN <= value <= INT32_MAX:
        raise ProtocolError(f"request id {value} is outside the int32 range")
    return value


@dataclass(frozen=True)
class BodyCodec:
    """What one transport does with bodies. ``unit`` names its frames in errors ("frame", "message")."""

    codecs: frozenset[Codec]
    refusal: str  # why any other codec is refused
    encode: Callable[[Message, Codec], bytes]
    decode: Callable[[bytes, Codec], Message]
    unit: str


class Outgoing(NamedTuple):
    """A frame's fields checked for sending, and its body ready for the wire."""

    frame_type: FrameType
    codec: Codec
    compressor: Compressor
    request_id: int
    body: bytes


def check_outgoing(bodies: BodyCodec, frame: Frame) -> Outgoing:
    frame_type = member(FrameType, frame.frame_type, "frame type")
    codec = member(Codec, frame.codec, "codec")
    compressor = member(Compressor, frame.compressor, "compressor")
    checked_id = request_id(frame.request_id)
    if frame_type in HEARTBEATS:
        if frame.message is not None:
            raise ProtocolError("heartbeat frames carry no message")
        return Outgoing(frame_type, codec, compressor, checked_id, b"")
    if frame.message is None:
        raise ProtocolError(f"{frame_type.name} frame needs a message")
    if codec not in bodies.codecs:
        raise ProtocolError(f"codec {codec.name} {bodies.refusal}")
    body = compress(compressor, bodies.encode(frame.message, codec))
    return Outgoing(frame_type, codec, compressor, checked_id, body)


def body_to_message(
    bodies: BodyCodec, frame_type: FrameType, codec: Codec, compressor: Compressor, body: bytes
) -> Message | None:
    if frame_type in HEARTBEATS:
        if body:
            raise ProtocolError(f"heartbeat {bodies.unit} with a {len(body)}-byte body")
        return None
    if not body:
        raise ProtocolError(f"{frame_type.name} {bodies.unit} without a body")
    if codec not in bodies.codecs:
        raise ProtocolError(f"codec {codec.name} {bodies.refusal}")
    return bodies.decode(decompress(compressor, body), codec)

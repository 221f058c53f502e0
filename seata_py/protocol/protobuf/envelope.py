"""The ``GrpcMessageProto`` envelope of Seata's gRPC transport (doc §5), mapped to and from :class:`Frame`.

A gRPC message plays the role of a classic v1 frame, so it is represented by the same :class:`Frame`:

=====================  ==========================================================================
GrpcMessageProto       Frame
=====================  ==========================================================================
id (1)                 ``request_id`` (int32; responses echo the request's id)
messageType (2)        ``frame_type``: the frame type byte 0-4, not a MessageType code
headMap["codec-type"]  ``codec``: decimal serializer id; missing or blank means GRPC (40), as on
                       servers >= 2.3.0. Bodies of codec 40 and 2 are supported.
headMap["compress-     ``compressor``: decimal compressor id; missing means NONE
type"]
other headMap entries  ``head_map`` (strings only: a proto map cannot hold null)
body (4)               ``message``, serialized by the codec and then compressed; empty exactly
                       for heartbeats (frame types 3 and 4)
=====================  ==========================================================================

Like Java's encoder, :func:`frame_to_envelope` always writes both ``codec-type`` and ``compress-type``.
Build frames for this transport with ``codec=Codec.GRPC``. The 5-byte gRPC length prefix and HTTP/2 are the
gRPC library's business, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from google.protobuf.message import DecodeError

from ..enums import Codec, Compressor, FrameType
from ..errors import ProtocolError
from ..frame import Frame
from ..frame_fields import BodyCodec, body_to_message, check_outgoing, member
from ..primitives import utf8_encode
from .generated.seata_grpc_pb2 import GrpcMessageProto
from .mapping import decode_body, encode_body

__all__ = [
    "BODY_CODECS",
    "CODEC_TYPE_KEY",
    "COMPRESS_TYPE_KEY",
    "METHOD_PATH",
    "SERVICE_NAME",
    "decode_envelope",
    "encode_envelope",
    "envelope_to_frame",
    "frame_to_envelope",
]

SERVICE_NAME = "org.apache.seata.protocol.protobuf.SeataService"
#: The HTTP/2 :path of the one bidirectional-streaming method.
METHOD_PATH = f"/{SERVICE_NAME}/sendRequest"

CODEC_TYPE_KEY = "codec-type"
COMPRESS_TYPE_KEY = "compress-type"
_RESERVED_KEYS = frozenset({CODEC_TYPE_KEY, COMPRESS_TYPE_KEY})

#: Codecs whose bodies this transport can carry. SEATA (1) is excluded: the server cannot load it over gRPC.
BODY_CODECS = frozenset({Codec.GRPC, Codec.PROTOBUF})

_BODIES = BodyCodec(BODY_CODECS, "cannot be used over gRPC", encode_body, decode_body, unit="message")
# What Java's Integer/Byte.parseXxx accept, without Python int()'s extras (spaces, "_", non-ASCII digits).
_DECIMAL = re.compile(r"[+-]?[0-9]+")

_E = TypeVar("_E", FrameType, Codec, Compressor)


def _head_entries(head_map: Mapping[str, str | None]) -> dict[str, str]:
    entries: dict[str, str] = {}
    for key, value in head_map.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ProtocolError(f"gRPC head map entries must be str -> str, got {key!r}: {value!r}")
        if key in _RESERVED_KEYS:
            raise ProtocolError(f"head map key {key!r} is set from the frame's codec/compressor")
        utf8_encode(key)
        utf8_encode(value)
        entries[key] = value
    return entries


def frame_to_envelope(frame: Frame) -> GrpcMessageProto:
    """Build the envelope for ``frame``; ProtocolError for anything the peer could not read."""
    out = check_outgoing(_BODIES, frame)
    head_map = _head_entries(frame.head_map)
    head_map[CODEC_TYPE_KEY] = str(int(out.codec))
    head_map[COMPRESS_TYPE_KEY] = str(int(out.compressor))
    return GrpcMessageProto(
        id=out.request_id, messageType=int(out.frame_type), headMap=head_map, body=out.body
    )


def encode_envelope(frame: Frame) -> bytes:
    """The serialized envelope: what goes into one gRPC message of the ``sendRequest`` stream."""
    return frame_to_envelope(frame).SerializeToString(deterministic=True)


def _header_member(enum_cls: type[_E], text: str, key: str) -> _E:
    if not _DECIMAL.fullmatch(text):
        raise ProtocolError(f"head map {key!r} is not a decimal number: {text!r}")
    return member(enum_cls, int(text), key)


def envelope_to_frame(envelope: GrpcMessageProto) -> Frame:
    """Turn a parsed envelope into a :class:`Frame`, decoding and decompressing the body."""
    frame_type = member(FrameType, envelope.messageType, "gRPC messageType")
    head_map = dict(envelope.headMap)
    codec_text = head_map.pop(CODEC_TYPE_KEY, "")
    codec = _header_member(Codec, codec_text, CODEC_TYPE_KEY) if codec_text.strip() else Codec.GRPC
    compress_text = head_map.pop(COMPRESS_TYPE_KEY, None)
    compressor = (
        Compressor.NONE
        if compress_text is None
        else _header_member(Compressor, compress_text, COMPRESS_TYPE_KEY)
    )
    message = body_to_message(_BODIES, frame_type, codec, compressor, envelope.body)
    return Frame(
        frame_type=frame_type,
        request_id=envelope.id,
        message=message,
        codec=codec,
        compressor=compressor,
        head_map=MappingProxyType(head_map),
    )


def decode_envelope(data: bytes | bytearray | memoryview) -> Frame:
    """Parse one serialized envelope; ProtocolError for anything malformed."""
    try:
        envelope = GrpcMessageProto.FromString(bytes(data))
    except DecodeError as exc:
        raise ProtocolError(f"malformed GrpcMessageProto: {exc}") from exc
    return envelope_to_frame(envelope)

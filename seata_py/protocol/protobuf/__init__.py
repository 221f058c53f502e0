"""Seata's protobuf messages and the gRPC envelope (doc §3 and §5), pure and I/O-free.

* :mod:`.mapping`: model message <-> protobuf message, and codec 40 (Any) / codec 2 bodies.
* :mod:`.table`: which protobuf message and field carries each model message and field (:mod:`.fields`
  is its vocabulary); :mod:`.mapping` walks it.
* :mod:`.envelope`: :class:`~seata_py.protocol.Frame` <-> ``GrpcMessageProto``, the gRPC service path.
* :mod:`.enum_maps`: the by-name enum tables (protobuf TransactionExceptionCode numbers differ from Java's).
* :mod:`.generated`: protoc output for ``proto/*.proto`` (``python scripts/gen_proto.py``).

Everything malformed or unrepresentable raises :class:`~seata_py.protocol.ProtocolError`.
"""

from __future__ import annotations

from .envelope import (
    BODY_CODECS,
    CODEC_TYPE_KEY,
    COMPRESS_TYPE_KEY,
    METHOD_PATH,
    SERVICE_NAME,
    decode_envelope,
    encode_envelope,
    envelope_to_frame,
    frame_to_envelope,
)
from .mapping import (
    PROTO_CLASSES,
    TYPE_URL_PREFIX,
    decode_body,
    encode_body,
    from_proto,
    pack_any,
    to_proto,
    unpack_any,
)

__all__ = [
    "BODY_CODECS",
    "CODEC_TYPE_KEY",
    "COMPRESS_TYPE_KEY",
    "METHOD_PATH",
    "PROTO_CLASSES",
    "SERVICE_NAME",
    "TYPE_URL_PREFIX",
    "decode_body",
    "decode_envelope",
    "encode_body",
    "encode_envelope",
    "envelope_to_frame",
    "frame_to_envelope",
    "from_proto",
    "pack_any",
    "to_proto",
    "unpack_any",
]

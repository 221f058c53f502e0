"""Pure mapping between the message model (:mod:`seata_py.protocol.messages`) and Seata's protobuf messages.

What goes where is the table of :mod:`.table`; this module walks it both ways. Conventions, matching the
Java server's convertors (doc §3):

* Strings: ``None`` is written as ``""`` (proto3 has no null) and ``""`` is read back as ``None``, the same
  convention as the SEATA codec.
* Every message carries its type code in the nested ``AbstractMessageProto.messageType``. Java fills it and
  never reads it, so it is written but not checked on reading; the Any type URL or the codec-2 name decides
  the message class.
* Response ``msg`` travels whatever the result code (unlike the SEATA codec, which drops it on success).
  Registration responses carry ``result_code``/``msg`` too; their ``extraData`` has no model field and is
  written empty and ignored.
* Values the proto schema cannot hold (enum members without a proto counterpart, a GlobalReportRequest
  without a status, integers out of range, wrong types) raise :class:`ProtocolError` on encoding, and so does
  anything malformed on decoding; no other exception escapes for bad input.

Bodies (doc §3.4): codec 40 (GRPC) is a serialized ``google.protobuf.Any`` whose type URL ends in the full
message name; codec 2 (PROTOBUF) is ``int32 BE len(name) + name + message bytes``. Both are supported both
ways. Heartbeats have no body (``HeartbeatMessageProto`` exists in the schema but is never sent).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage

from ..enums import Codec
from ..errors import ProtocolError
from ..messages import CONTAINER_TYPES, Message
from .fields import INT32, Batch, Part
from .table import TABLE

__all__ = [
    "PROTO_CLASSES",
    "TYPE_URL_PREFIX",
    "decode_body",
    "encode_body",
    "from_proto",
    "pack_any",
    "to_proto",
    "unpack_any",
]

# What Java's Any.pack writes; readers (Java's and ours) only look at the part after the last "/".
TYPE_URL_PREFIX = "type.googleapis.com/"

_NAME_LEN = struct.Struct(">i")

#: Model message class -> generated protobuf class, for every message with a protobuf counterpart.
PROTO_CLASSES: dict[type[Message], type[ProtoMessage]] = {model: part.proto for model, part in TABLE.items()}

_BY_PROTO_CLASS: dict[type[ProtoMessage], tuple[type[Message], Part]] = {
    part.proto: (model, part) for model, part in TABLE.items()
}
_BY_PROTO_NAME: dict[str, type[ProtoMessage]] = {
    proto.DESCRIPTOR.full_name: proto for proto in _BY_PROTO_CLASS
}


# --- walking the table ----------------------------------------------------------------------------


def _build(part: Part, msg: Message) -> ProtoMessage:
    # Every base is built, so every nested base is present on the wire even when all its fields are empty.
    values: dict[str, Any] = {}
    if part.base is not None:
        values[part.base_field] = _build(part.base, msg)
    if part.type_code is not None:
        values[part.type_code] = int(type(msg).TYPE_CODE)
    if part.batch is not None:
        values.update(_pack_batch(part.batch, msg))
    for field in part.own:
        values[field.proto] = field.kind.to_proto(getattr(msg, field.model), field.model)
    return part.proto(**values)


def _read(part: Part, proto: Any, into: dict[str, Any]) -> None:
    if part.base is not None:
        _read(part.base, getattr(proto, part.base_field), into)
    if part.batch is not None:
        into.update(_unpack_batch(part.batch, proto))
    for field in part.own:
        into[field.model] = field.kind.from_proto(getattr(proto, field.proto), field.proto)


# --- batching containers --------------------------------------------------------------------------


def _check_count(count: int, msg_ids: Sequence[int]) -> None:
    if len(msg_ids) != count:
        raise ProtocolError(f"{count} messages but {len(msg_ids)} message ids")


def _pack_batch(batch: Batch, msg: Message) -> dict[str, Any]:
    model, proto = batch.items
    msgs = getattr(msg, model)
    if not isinstance(msgs, (tuple, list)):
        raise ProtocolError(f"{model} must be a tuple of messages, got {type(msgs).__name__}")
    items = []
    for inner in msgs:
        if isinstance(inner, CONTAINER_TYPES):
            raise ProtocolError(f"{type(inner).__name__} cannot be nested inside another container")
        items.append(pack_any(inner))
    values: dict[str, Any] = {proto: items}
    if batch.ids is not None:
        ids_model, ids_proto = batch.ids
        msg_ids = getattr(msg, ids_model)
        if not isinstance(msg_ids, (tuple, list)):
            raise ProtocolError(f"{ids_model} must be a tuple of ints, got {type(msg_ids).__name__}")
        _check_count(len(items), msg_ids)
        values[ids_proto] = [INT32.to_proto(msg_id, "msg_id") for msg_id in msg_ids]
    return values


def _unpack_batch(batch: Batch, proto: Any) -> dict[str, Any]:
    model, proto_field = batch.items
    msgs = []
    for item in getattr(proto, proto_field):
        inner = unpack_any(item)
        # Rejecting nesting also bounds recursion depth for hostile input.
        if isinstance(inner, CONTAINER_TYPES):
            raise ProtocolError(f"{type(inner).__name__} cannot be nested inside another container")
        msgs.append(inner)
    values: dict[str, Any] = {model: tuple(msgs)}
    if batch.ids is not None:
        ids_model, ids_proto = batch.ids
        msg_ids = getattr(proto, ids_proto)
        _check_count(len(msgs), msg_ids)
        values[ids_model] = tuple(msg_ids)
    return values


# --- public API -----------------------------------------------------------------------------------


def to_proto(msg: Message) -> ProtoMessage:
    """The protobuf message for ``msg``; ProtocolError if it has no protobuf form."""
    part = TABLE.get(type(msg))
    if part is None:
        raise ProtocolError(f"{type(msg).__name__} has no protobuf counterpart")
    for field in part.walk():
        if field.required and getattr(msg, field.model) is None:
            raise ProtocolError(f"{type(msg).__name__} needs a {field.model} to be sent as protobuf")
    try:
        return _build(part, msg)
    except (TypeError, ValueError) as exc:
        # The kinds should catch every bad value first; this keeps the no-other-exception promise.
        raise ProtocolError(f"cannot encode {type(msg).__name__}: {exc}") from exc


def from_proto(proto: ProtoMessage) -> Message:
    """The model message for a generated protobuf message; ProtocolError for unknown types or values."""
    entry = _BY_PROTO_CLASS.get(type(proto))
    if entry is None:
        raise ProtocolError(f"{type(proto).__name__} is not a Seata message protobuf")
    model, part = entry
    values: dict[str, Any] = {}
    _read(part, proto, values)
    return model(**values)


def pack_any(msg: Message) -> any_pb2.Any:
    """``msg`` as the google.protobuf.Any a codec-40 body (or a container element) holds."""
    proto = to_proto(msg)
    return any_pb2.Any(
        type_url=TYPE_URL_PREFIX + proto.DESCRIPTOR.full_name,
        value=proto.SerializeToString(deterministic=True),
    )


def _parse(name: str, data: bytes) -> Message:
    proto_class = _BY_PROTO_NAME.get(name)
    if proto_class is None:
        raise ProtocolError(f"unknown or unsupported protobuf message {name!r}")
    try:
        proto = proto_class.FromString(data)
    except DecodeError as exc:
        raise ProtocolError(f"malformed {proto_class.DESCRIPTOR.name}: {exc}") from exc
    return from_proto(proto)


def unpack_any(item: any_pb2.Any) -> Message:
    """The model message inside an Any; only the type URL's part after the last "/" is looked at."""
    slash = item.type_url.rfind("/")
    if slash < 0:
        raise ProtocolError(f"type URL {item.type_url!r} has no '/'")
    return _parse(item.type_url[slash + 1 :], item.value)


def encode_body(msg: Message, codec: Codec = Codec.GRPC) -> bytes:
    """Serialize ``msg`` as an (uncompressed) body of codec 40 (Any) or codec 2 (name-prefixed)."""
    if codec == Codec.GRPC:
        return pack_any(msg).SerializeToString(deterministic=True)
    if codec == Codec.PROTOBUF:
        proto = to_proto(msg)
        name = proto.DESCRIPTOR.full_name.encode("utf-8")
        return _NAME_LEN.pack(len(name)) + name + proto.SerializeToString(deterministic=True)
    raise ProtocolError(f"codec {codec!r} is not a protobuf codec")


def decode_body(body: bytes, codec: Codec = Codec.GRPC) -> Message:
    """Parse an (already decompressed) body of codec 40 or codec 2; ProtocolError for anything malformed."""
    if codec == Codec.GRPC:
        try:
            item = any_pb2.Any.FromString(body)
        except DecodeError as exc:
            raise ProtocolError(f"malformed google.protobuf.Any body: {exc}") from exc
        return unpack_any(item)
    if codec == Codec.PROTOBUF:
        if len(body) < _NAME_LEN.size:
            raise ProtocolError(f"codec-2 body of {len(body)} bytes has no name length")
        (name_len,) = _NAME_LEN.unpack_from(body)
        if not 0 <= name_len <= len(body) - _NAME_LEN.size:
            raise ProtocolError(f"codec-2 name length {name_len} does not fit the {len(body)}-byte body")
        end = _NAME_LEN.size + name_len
        try:
            name = body[_NAME_LEN.size : end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"codec-2 message name is not UTF-8: {exc}") from exc
        return _parse(name, body[end:])
    raise ProtocolError(f"codec {codec!r} is not a protobuf codec")

"""The SEATA body codec (codec byte 1, doc §2): ``int16 typeCode`` followed by the message fields.

Most messages are a flat list of fields after an optional result prefix, so they are described by a
table (:data:`_LAYOUTS`) that drives one generic encoder and decoder. Only the registration
responses (two body versions) and the batching containers need their own functions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import messages as m
from .enums import BranchStatus, BranchType, GlobalStatus, ResultCode, TransactionExceptionCode
from .errors import ProtocolError
from .messages import Message, ResultMessage, TransactionResponse
from .primitives import INT16_MAX, ByteReader, ByteWriter

__all__ = ["FAILURE_MSG_MAX_BYTES", "decode_message", "encode_message"]

# Java cuts the failure message so its length fits the int16 prefix. Java counts chars; counting
# UTF-8 bytes is stricter and is what actually guarantees a valid prefix for non-ASCII text.
FAILURE_MSG_MAX_BYTES = INT16_MAX

_E = TypeVar("_E", bound=enum.IntEnum)

# The bool tells a decoder whether it sits inside a container (see _identify_response_decoder).
_Encoder = Callable[[ByteWriter, Message], None]
_Decoder = Callable[[ByteReader, bool], Message]


# --- field kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wire:
    """How one field kind is written and read."""

    write: Callable[[ByteWriter, Any], None]
    read: Callable[[ByteReader], Any]


def _to_member(enum_cls: type[_E], value: object) -> _E:
    # Plain ints are accepted when they name a member, so callers holding raw codes still work.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"expected {enum_cls.__name__}, got {value!r}")
    try:
        return enum_cls(value)
    except ValueError:
        raise ProtocolError(f"{value!r} is not a valid {enum_cls.__name__}") from None


def _u8_enum(enum_cls: type[enum.IntEnum]) -> _Wire:
    def write(w: ByteWriter, value: object) -> None:
        w.write_u8(int(_to_member(enum_cls, value)))

    def read(r: ByteReader) -> enum.IntEnum:
        return _to_member(enum_cls, r.read_u8())

    return _Wire(write, read)


def _write_optional_status(w: ByteWriter, value: object) -> None:
    w.write_i8(-1 if value is None else int(_to_member(GlobalStatus, value)))


def _read_optional_status(r: ByteReader) -> GlobalStatus | None:
    code = r.read_i8()
    return None if code == -1 else _to_member(GlobalStatus, code)


def _check_bool(value: object) -> int:
    if not isinstance(value, bool):
        raise ProtocolError(f"expected bool, got {value!r}")
    return int(value)


def _to_bool(raw: int) -> bool:
    # Java reads "== 1"; anything but 0/1 can only come from a corrupt or misparsed body.
    if raw not in (0, 1):
        raise ProtocolError(f"boolean field holds {raw}, expected 0 or 1")
    return raw == 1


_S2 = _Wire(ByteWriter.write_s2, ByteReader.read_s2)
_S4 = _Wire(ByteWriter.write_s4, ByteReader.read_s4)
_I16 = _Wire(ByteWriter.write_i16, ByteReader.read_i16)
_I32 = _Wire(ByteWriter.write_i32, ByteReader.read_i32)
_I64 = _Wire(ByteWriter.write_i64, ByteReader.read_i64)
_BOOL_U8 = _Wire(lambda w, v: w.write_u8(_check_bool(v)), lambda r: _to_bool(r.read_u8()))
_BOOL_I16 = _Wire(lambda w, v: w.write_i16(_check_bool(v)), lambda r: _to_bool(r.read_i16()))
_BRANCH_TYPE = _u8_enum(BranchType)
_BRANCH_STATUS = _u8_enum(BranchStatus)
_GLOBAL_STATUS = _u8_enum(GlobalStatus)
_OPTIONAL_GLOBAL_STATUS = _Wire(_write_optional_status, _read_optional_status)
_RESULT_CODE = _u8_enum(ResultCode)
_EXCEPTION_CODE = _u8_enum(TransactionExceptionCode)


# --- result prefixes (doc §2.2) -------------------------------------------------------------------


def _failure_msg_for_wire(text: object) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ProtocolError(f"msg expects str, got {type(text).__name__}")
    # A diagnostic text must not make a response unsendable: lone surrogates become "?" like Java's
    # String.getBytes does, and the cut drops a trailing partial character.
    data = text.encode("utf-8", "replace")
    if len(data) > FAILURE_MSG_MAX_BYTES:
        return data[:FAILURE_MSG_MAX_BYTES].decode("utf-8", "ignore")
    return data.decode("utf-8")


def _write_result_prefix(w: ByteWriter, msg: ResultMessage) -> None:
    code = _to_member(ResultCode, msg.result_code)
    w.write_u8(int(code))
    if code is ResultCode.FAILED:
        w.write_s2(_failure_msg_for_wire(msg.msg))


def _read_result_prefix(r: ByteReader, into: dict[str, Any]) -> None:
    code = _RESULT_CODE.read(r)
    into["result_code"] = code
    into["msg"] = r.read_s2() if code is ResultCode.FAILED else None


# --- table-driven messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    cls: type[Message]
    fields: tuple[tuple[str, _Wire], ...]


_XID_EXTRA = (("xid", _S2), ("extra_data", _S2))
_BRANCH_REGISTER = (
    ("xid", _S2),
    ("branch_type", _BRANCH_TYPE),
    ("resource_id", _S2),
    ("lock_key", _S4),
    ("application_data", _S4),
)
_BRANCH_END_REQUEST = (
    ("xid", _S2),
    ("branch_id", _I64),
    ("branch_type", _BRANCH_TYPE),
    ("resource_id", _S2),
    ("application_data", _S4),
)
_BRANCH_END_RESPONSE = (("xid", _S2), ("branch_id", _I64), ("branch_status", _BRANCH_STATUS))
_GLOBAL_END_RESPONSE = (("global_status", _GLOBAL_STATUS),)
_IDENTIFY_REQUEST = (
    ("version", _S2),
    ("application_id", _S2),
    ("transaction_service_group", _S2),
    ("extra_data", _S2),
)

_LAYOUTS: tuple[_Layout, ...] = (
    _Layout(m.RegisterTMRequest, _IDENTIFY_REQUEST),
    _Layout(m.RegisterRMRequest, (*_IDENTIFY_REQUEST, ("resource_ids", _S4))),
    _Layout(m.GlobalBeginRequest, (("timeout", _I32), ("transaction_name", _S2))),
    _Layout(m.GlobalBeginResponse, _XID_EXTRA),
    _Layout(m.GlobalCommitRequest, _XID_EXTRA),
    _Layout(m.GlobalRollbackRequest, _XID_EXTRA),
    _Layout(m.GlobalStatusRequest, _XID_EXTRA),
    _Layout(m.GlobalReportRequest, (*_XID_EXTRA, ("global_status", _OPTIONAL_GLOBAL_STATUS))),
    _Layout(m.GlobalCommitResponse, _GLOBAL_END_RESPONSE),
    _Layout(m.GlobalRollbackResponse, _GLOBAL_END_RESPONSE),
    _Layout(m.GlobalStatusResponse, _GLOBAL_END_RESPONSE),
    _Layout(m.GlobalReportResponse, _GLOBAL_END_RESPONSE),
    _Layout(m.BranchRegisterRequest, _BRANCH_REGISTER),
    _Layout(m.BranchRegisterResponse, (("branch_id", _I64),)),
    _Layout(
        m.BranchReportRequest,
        (
            ("xid", _S2),
            ("branch_id", _I64),
            ("status", _BRANCH_STATUS),
            ("resource_id", _S2),
            ("application_data", _S4),
            ("branch_type", _BRANCH_TYPE),
        ),
    ),
    _Layout(m.BranchReportResponse, ()),
    _Layout(m.GlobalLockQueryRequest, _BRANCH_REGISTER),
    _Layout(m.GlobalLockQueryResponse, (("lockable", _BOOL_I16),)),
    _Layout(m.BranchCommitRequest, _BRANCH_END_REQUEST),
    _Layout(m.BranchRollbackRequest, _BRANCH_END_REQUEST),
    _Layout(m.BranchCommitResponse, _BRANCH_END_RESPONSE),
    _Layout(m.BranchRollbackResponse, _BRANCH_END_RESPONSE),
    _Layout(
        m.UndoLogDeleteRequest,
        (("branch_type", _BRANCH_TYPE), ("resource_id", _S2), ("save_days", _I16)),
    ),
)


def _layout_encoder(layout: _Layout) -> _Encoder:
    def encode(w: ByteWriter, msg: Message) -> None:
        if isinstance(msg, ResultMessage):
            _write_result_prefix(w, msg)
        if isinstance(msg, TransactionResponse):
            _EXCEPTION_CODE.write(w, msg.exception_code)
        for name, wire in layout.fields:
            try:
                wire.write(w, getattr(msg, name))
            except ProtocolError as exc:
                raise ProtocolError(f"{layout.cls.__name__}.{name}: {exc}") from exc

    return encode


def _layout_decoder(layout: _Layout) -> _Decoder:
    def decode(r: ByteReader, nested: bool) -> Message:
        values: dict[str, Any] = {}
        if issubclass(layout.cls, ResultMessage):
            _read_result_prefix(r, values)
        if issubclass(layout.cls, TransactionResponse):
            values["exception_code"] = _EXCEPTION_CODE.read(r)
        for name, wire in layout.fields:
            try:
                values[name] = wire.read(r)
            except ProtocolError as exc:
                raise ProtocolError(f"{layout.cls.__name__}.{name}: {exc}") from exc
        return layout.cls(**values)

    return decode


# --- registration responses (doc §2.3, §1.7) ------------------------------------------------------


def _encode_identify_response(w: ByteWriter, msg: Message) -> None:
    # V1 body: a V1 frame (the only version this library sends) always gets V1 bodies back, and
    # result_code/msg have no place in it.
    assert isinstance(msg, m.IdentifyResponse)
    _BOOL_U8.write(w, msg.identified)
    w.write_s2(msg.version)


def _identify_response_decoder(cls: type[m.IdentifyResponse]) -> _Decoder:
    def decode(r: ByteReader, nested: bool) -> Message:
        # V1 is "u8 identified, S2 version"; V2 (2.7+ servers on v2 frames) prefixes the result.
        # The doc's rule tells them apart by length: V1 iff 3 + S2 length == body length. That is
        # ambiguous only for a V2 success with identified=1 and a 255- or 256-byte version, which
        # no server sends. Registration is never merged, so a nested one can only have been written
        # by this codec, in V1.
        head = r.peek(3)
        v1_length = None if head is None else 3 + int.from_bytes(head[1:3], "big", signed=True)
        is_v1 = nested or v1_length == r.remaining
        values: dict[str, Any] = {}
        if not is_v1:
            _read_result_prefix(r, values)
        values["identified"] = _BOOL_U8.read(r)
        values["version"] = r.read_s2()
        return cls(**values)

    return decode


# --- batching containers (doc §2.3: i32 len(rest), i16 n, n x message, [n x i32 msgId]) -----------


def _write_container(w: ByteWriter, msgs: Sequence[Message], msg_ids: Sequence[int] | None) -> None:
    if not isinstance(msgs, (tuple, list)) or not isinstance(msg_ids, (tuple, list, type(None))):
        raise ProtocolError("container messages and ids must be tuples")
    if msg_ids is not None and len(msg_ids) != len(msgs):
        raise ProtocolError(f"{len(msgs)} messages but {len(msg_ids)} message ids")
    if len(msgs) > INT16_MAX:
        raise ProtocolError(f"{len(msgs)} messages exceed the int16 count field")
    rest = ByteWriter()
    rest.write_i16(len(msgs))
    for inner in msgs:
        _encode_into(rest, inner, nested=True)
    for msg_id in msg_ids or ():
        rest.write_i32(msg_id)
    w.write_i32(len(rest))
    w.write_raw(rest.getvalue())


def _read_container(r: ByteReader, with_ids: bool) -> tuple[tuple[Message, ...], tuple[int, ...]]:
    length = r.read_i32()
    # Containers never nest, so "the rest" is the rest of the body.
    if length != r.remaining:
        raise ProtocolError(f"container length field {length} but {r.remaining} byte(s) follow")
    count = r.read_i16()
    if count < 0:
        raise ProtocolError(f"negative message count {count}")
    msgs = tuple(_decode_from(r, nested=True) for _ in range(count))
    msg_ids = tuple(r.read_i32() for _ in range(count)) if with_ids else ()
    return msgs, msg_ids


def _encode_merged(w: ByteWriter, msg: Message) -> None:
    assert isinstance(msg, m.MergedWarpMessage)
    _write_container(w, msg.msgs, msg.msg_ids)


def _encode_merge_result(w: ByteWriter, msg: Message) -> None:
    assert isinstance(msg, m.MergeResultMessage)
    _write_container(w, msg.msgs, None)


def _encode_batch_result(w: ByteWriter, msg: Message) -> None:
    assert isinstance(msg, m.BatchResultMessage)
    _write_container(w, msg.results, msg.msg_ids)


def _decode_merged(r: ByteReader, nested: bool) -> Message:
    msgs, msg_ids = _read_container(r, with_ids=True)
    return m.MergedWarpMessage(msgs=msgs, msg_ids=msg_ids)


def _decode_merge_result(r: ByteReader, nested: bool) -> Message:
    msgs, _ = _read_container(r, with_ids=False)
    return m.MergeResultMessage(msgs=msgs)


def _decode_batch_result(r: ByteReader, nested: bool) -> Message:
    msgs, msg_ids = _read_container(r, with_ids=True)
    return m.BatchResultMessage(results=msgs, msg_ids=msg_ids)


# --- dispatch -------------------------------------------------------------------------------------


_ENCODERS: dict[type[Message], _Encoder] = {
    m.RegisterTMResponse: _encode_identify_response,
    m.RegisterRMResponse: _encode_identify_response,
    m.MergedWarpMessage: _encode_merged,
    m.MergeResultMessage: _encode_merge_result,
    m.BatchResultMessage: _encode_batch_result,
}
_DECODERS: dict[int, tuple[type[Message], _Decoder]] = {
    m.RegisterTMResponse.TYPE_CODE: (m.RegisterTMResponse, _identify_response_decoder(m.RegisterTMResponse)),
    m.RegisterRMResponse.TYPE_CODE: (m.RegisterRMResponse, _identify_response_decoder(m.RegisterRMResponse)),
    m.MergedWarpMessage.TYPE_CODE: (m.MergedWarpMessage, _decode_merged),
    m.MergeResultMessage.TYPE_CODE: (m.MergeResultMessage, _decode_merge_result),
    m.BatchResultMessage.TYPE_CODE: (m.BatchResultMessage, _decode_batch_result),
}
for _layout in _LAYOUTS:
    _ENCODERS[_layout.cls] = _layout_encoder(_layout)
    _DECODERS[_layout.cls.TYPE_CODE] = (_layout.cls, _layout_decoder(_layout))
del _layout


def _encode_into(w: ByteWriter, msg: Message, nested: bool) -> None:
    encoder = _ENCODERS.get(type(msg))
    if encoder is None:
        raise ProtocolError(f"cannot encode {type(msg).__name__}: not a SEATA-codec message")
    if nested and isinstance(msg, m.CONTAINER_TYPES):
        raise ProtocolError(f"{type(msg).__name__} cannot be nested inside another container")
    w.write_i16(int(msg.TYPE_CODE))
    encoder(w, msg)


def _decode_from(r: ByteReader, nested: bool) -> Message:
    type_code = r.read_i16()
    entry = _DECODERS.get(type_code)
    if entry is None:
        raise ProtocolError(f"unknown or body-less message type code {type_code}")
    cls, decoder = entry
    # Rejecting nesting also bounds recursion depth for hostile input.
    if nested and issubclass(cls, m.CONTAINER_TYPES):
        raise ProtocolError(f"{cls.__name__} cannot be nested inside another container")
    return decoder(r, nested)


def encode_message(msg: Message) -> bytes:
    """Serialize ``msg`` as a SEATA-codec body, starting with its int16 type code."""
    w = ByteWriter()
    _encode_into(w, msg, nested=False)
    return w.getvalue()


def decode_message(body: bytes | bytearray | memoryview) -> Message:
    """Parse one whole SEATA-codec body; bytes left over after the message are an error."""
    r = ByteReader(body)
    msg = _decode_from(r, nested=False)
    r.expect_end(type(msg).__name__)
    return msg

"""Property tests of the protobuf mapping: every message survives model -> proto -> bytes -> proto -> model.

The message strategies are the SEATA-codec ones (protocol_strategies), adapted to what protobuf carries:
enum members without a protobuf form are swapped for ones that have one (their own test checks that they
are rejected), and response ``msg``/registration result fields, which protobuf carries but the SEATA codec
does not always, are drawn freely.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seata_py.protocol import (
    BranchStatus,
    BranchType,
    Codec,
    Compressor,
    Frame,
    FrameType,
    GlobalReportRequest,
    GlobalStatus,
    Message,
    ProtocolError,
    RegisterRMResponse,
    RegisterTMResponse,
    ResultCode,
    ResultMessage,
    TransactionExceptionCode,
)
from seata_py.protocol.protobuf import (
    CODEC_TYPE_KEY,
    COMPRESS_TYPE_KEY,
    PROTO_CLASSES,
    decode_body,
    decode_envelope,
    encode_body,
    encode_envelope,
    from_proto,
    to_proto,
)

from .protocol_strategies import ALL_MESSAGES, i32, opt_text

TEC = TransactionExceptionCode

# Doc §3.2: Java values with no counterpart in the proto enums. Keyed by (enum class, name) because
# IntEnum members of different enums with equal values compare (and hash) equal.
NO_PROTO_FORM: frozenset[tuple[type[enum.IntEnum], str]] = frozenset(
    (type(member), member.name)
    for member in (
        BranchType.XA,
        BranchType.SAGA_ANNOTATION,
        BranchStatus.PHASE_TWO_COMMIT_FAILED_XAER_NOTA_RETRYABLE,
        BranchStatus.PHASE_TWO_ROLLBACK_FAILED_XAER_NOTA_RETRYABLE,
        BranchStatus.STOP_RETRY,
        GlobalStatus.COMMIT_RETRY_TIMEOUT,
        GlobalStatus.ROLLBACK_RETRY_TIMEOUT,
        GlobalStatus.DELETING,
        GlobalStatus.STOP_COMMIT_OR_COMMIT_RETRY,
        GlobalStatus.STOP_ROLLBACK_OR_ROLLBACK_RETRY,
        TEC.BEGIN_FAILED,
        TEC.NOT_RAFT_LEADER,
        TEC.LOCK_KEY_CONFLICT_FAIL_FAST,
        TEC.TRANSACTION_TIMEOUT,
        TEC.COMMIT_HEURISTIC,
        TEC.BROKEN,
    )
)

_CONTAINER_FIELDS = ("msgs", "results")


def has_proto_form(member: enum.IntEnum) -> bool:
    return (type(member), member.name) not in NO_PROTO_FORM


def representable_members(enum_cls: type[enum.IntEnum]) -> list[enum.IntEnum]:
    return [member for member in enum_cls if has_proto_form(member)]


def lacks_proto_form(message: Message) -> bool:
    """True when some value of ``message`` (or of a contained message) cannot be written as protobuf."""
    if isinstance(message, GlobalReportRequest) and message.global_status is None:
        return True
    for field in dataclasses.fields(message):
        value = getattr(message, field.name)
        if field.name in _CONTAINER_FIELDS and any(lacks_proto_form(inner) for inner in value):
            return True
        if isinstance(value, enum.IntEnum) and not has_proto_form(value):
            return True
    return False


def _adapt(draw: st.DrawFn, message: Message) -> Message:
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(message):
        value = getattr(message, field.name)
        if field.name in _CONTAINER_FIELDS:
            changes[field.name] = tuple(_adapt(draw, inner) for inner in value)
        elif isinstance(value, enum.IntEnum) and not has_proto_form(value):
            changes[field.name] = draw(st.sampled_from(representable_members(type(value))))
    if isinstance(message, GlobalReportRequest) and message.global_status is None:
        changes["global_status"] = draw(st.sampled_from(representable_members(GlobalStatus)))
    if isinstance(message, ResultMessage):
        changes["msg"] = draw(opt_text)
        if isinstance(message, (RegisterTMResponse, RegisterRMResponse)):
            changes["result_code"] = draw(st.sampled_from(ResultCode))
    return dataclasses.replace(message, **changes)


@st.composite
def representable(draw: st.DrawFn, cls: type[Message]) -> Message:
    """Messages of ``cls`` that protobuf can carry, with every protobuf-carried field varied."""
    return _adapt(draw, draw(ALL_MESSAGES[cls]))


any_representable = st.one_of([representable(cls) for cls in ALL_MESSAGES])

# Keys and values of the extra head map entries; the two reserved keys come from the frame's fields.
_head_text = st.text(st.characters(codec="utf-8"), max_size=8)
grpc_head_map = st.dictionaries(
    _head_text.filter(lambda key: key not in (CODEC_TYPE_KEY, COMPRESS_TYPE_KEY)), _head_text, max_size=3
)


@st.composite
def grpc_frames(draw: st.DrawFn) -> Frame:
    frame_type = draw(st.sampled_from(FrameType))
    heartbeat = frame_type in (FrameType.HEARTBEAT_REQUEST, FrameType.HEARTBEAT_RESPONSE)
    return Frame(
        frame_type=frame_type,
        request_id=draw(i32),
        message=None if heartbeat else draw(any_representable),
        codec=draw(st.sampled_from([Codec.GRPC, Codec.PROTOBUF])),
        compressor=draw(st.sampled_from([Compressor.NONE, Compressor.GZIP])),
        head_map=draw(grpc_head_map),
    )


_PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_model_message_has_a_protobuf_counterpart() -> None:
    assert set(PROTO_CLASSES) == set(ALL_MESSAGES)


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda cls: cls.__name__)
@given(data=st.data())
@_PROPERTY
def test_model_proto_bytes_round_trip(cls: type[Message], data: st.DataObject) -> None:
    message = data.draw(representable(cls))
    proto = to_proto(message)
    assert type(proto) is PROTO_CLASSES[cls]
    wire = proto.SerializeToString()
    parsed = type(proto).FromString(wire)
    assert parsed == proto
    assert from_proto(parsed) == message


@pytest.mark.parametrize("codec", [Codec.GRPC, Codec.PROTOBUF], ids=lambda codec: codec.name)
@given(message=any_representable)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_body_round_trip(codec: Codec, message: Message) -> None:
    assert decode_body(encode_body(message, codec), codec) == message


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda cls: cls.__name__)
@given(data=st.data())
@_PROPERTY
def test_unrepresentable_values_are_rejected_not_mangled(cls: type[Message], data: st.DataObject) -> None:
    # The unadapted SEATA-codec strategies draw every Java enum member, with or without a protobuf form.
    message = data.draw(ALL_MESSAGES[cls])
    if lacks_proto_form(message):
        with pytest.raises(ProtocolError):
            to_proto(message)
    else:
        assert (
            from_proto(type(to_proto(message)).FromString(to_proto(message).SerializeToString())) == message
        )


@given(frame=grpc_frames())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_envelope_round_trip(frame: Frame) -> None:
    assert decode_envelope(encode_envelope(frame)) == frame

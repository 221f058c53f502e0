"""Edge cases of the protobuf mapping and the envelope builder that the property tests do not single out."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import any_pb2
from hypothesis import given, settings

from seata_py.protocol import (
    BranchRegisterRequest,
    BranchRegisterResponse,
    BranchType,
    Codec,
    Compressor,
    Frame,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalReportRequest,
    GlobalStatus,
    MergedWarpMessage,
    MergeResultMessage,
    Message,
    ProtocolError,
    RegisterTMResponse,
    ResultCode,
    UndoLogDeleteRequest,
)
from seata_py.protocol.protobuf import (
    PROTO_CLASSES,
    TYPE_URL_PREFIX,
    decode_body,
    encode_body,
    encode_envelope,
    from_proto,
    pack_any,
    to_proto,
    unpack_any,
)
from seata_py.protocol.protobuf.generated import seata_enums_pb2, seata_grpc_pb2
from seata_py.protocol.protobuf.generated import seata_messages_pb2 as pb

from .test_protobuf_roundtrip import any_representable

BEGIN = GlobalBeginRequest(timeout=1000, transaction_name="t")


def _abstract_message_type(proto: Any) -> int:
    """Follow field 1 down to the AbstractMessageProto every Seata message starts with."""
    while not isinstance(proto, pb.AbstractMessageProto):
        first = proto.DESCRIPTOR.fields_by_number[1]
        proto = getattr(proto, first.name)
    return proto.messageType


@given(message=any_representable)
@settings(max_examples=200, deadline=None)
def test_every_message_carries_its_type_code(message: Message) -> None:
    code = _abstract_message_type(to_proto(message))
    assert code == type(message).TYPE_CODE
    assert seata_enums_pb2.MessageTypeProto.Name(code)  # a value the Java enum knows


def test_the_nested_message_type_is_not_what_decides_the_class() -> None:
    proto = to_proto(BEGIN)
    proto.abstractTransactionRequest.abstractMessage.messageType = seata_enums_pb2.TYPE_GLOBAL_COMMIT
    assert from_proto(proto) == BEGIN


def test_success_responses_keep_their_msg_unlike_the_seata_codec() -> None:
    response = BranchRegisterResponse(branch_id=1, msg="info")
    assert response.result_code is ResultCode.SUCCESS
    assert decode_body(encode_body(response)) == response


def test_registration_responses_carry_result_fields() -> None:
    response = RegisterTMResponse(
        identified=False, version="2.4.0", result_code=ResultCode.FAILED, msg="denied"
    )
    assert decode_body(encode_body(response)) == response


def test_empty_strings_read_back_as_none() -> None:
    assert decode_body(encode_body(GlobalBeginResponse(xid="", extra_data=None))) == GlobalBeginResponse()


def test_a_global_report_needs_a_status() -> None:
    with pytest.raises(ProtocolError, match="global_status"):
        to_proto(GlobalReportRequest(xid="x", global_status=None))
    report = GlobalReportRequest(xid="x", global_status=GlobalStatus.UNKNOWN)
    assert decode_body(encode_body(report)) == report


def test_save_days_must_fit_the_models_int16() -> None:
    with pytest.raises(ProtocolError, match="save_days"):
        to_proto(UndoLogDeleteRequest(branch_type=BranchType.AT, resource_id="r", save_days=40000))
    proto = pb.UndoLogDeleteRequestProto(resourceId="r", saveDays=40000)
    with pytest.raises(ProtocolError, match="saveDays"):
        from_proto(proto)


@pytest.mark.parametrize(
    "message",
    [
        GlobalBeginRequest(timeout="60000"),  # type: ignore[arg-type]
        GlobalBeginRequest(timeout=True),
        GlobalBeginRequest(timeout=2**31),
        GlobalBeginRequest(timeout=1, transaction_name=b"t"),  # type: ignore[arg-type]
        GlobalBeginRequest(timeout=1, transaction_name="\ud800"),
        RegisterTMResponse(identified=1),  # type: ignore[arg-type]
        BranchRegisterResponse(branch_id=2**63),
        BranchRegisterRequest(xid="x", branch_type="AT", resource_id="r", lock_key="k"),  # type: ignore[arg-type]
        BranchRegisterResponse(branch_id=1, result_code=7),  # type: ignore[arg-type]
    ],
    ids=repr,
)
def test_bad_values_raise_protocol_error(message: Message) -> None:
    with pytest.raises(ProtocolError):
        encode_body(message)


def test_containers_cannot_nest_in_either_direction() -> None:
    inner = MergedWarpMessage(msgs=(BEGIN,), msg_ids=(1,))
    with pytest.raises(ProtocolError, match="nested"):
        to_proto(MergeResultMessage(msgs=(inner,)))
    nested = pb.MergedResultMessageProto(msgs=[pack_any(inner)])
    with pytest.raises(ProtocolError, match="nested"):
        from_proto(nested)


def test_message_ids_must_pair_with_messages_in_either_direction() -> None:
    with pytest.raises(ProtocolError, match="message ids"):
        to_proto(MergedWarpMessage(msgs=(BEGIN,), msg_ids=()))
    with pytest.raises(ProtocolError, match="message ids"):
        from_proto(pb.MergedWarpMessageProto(msgs=[pack_any(BEGIN)], msgIds=[1, 2]))


def test_only_the_last_type_url_segment_names_the_message() -> None:
    item = pack_any(BEGIN)
    assert item.type_url == TYPE_URL_PREFIX + "org.apache.seata.protocol.protobuf.GlobalBeginRequestProto"
    assert (
        unpack_any(any_pb2.Any(type_url="example.com/a/b/" + item.type_url.split("/")[-1], value=item.value))
        == BEGIN
    )


def test_messages_without_a_model_counterpart_are_rejected() -> None:
    heartbeat = pb.HeartbeatMessageProto(ping=True)
    with pytest.raises(ProtocolError):
        from_proto(heartbeat)
    with pytest.raises(ProtocolError, match="HeartbeatMessageProto"):
        unpack_any(any_pb2.Any(type_url=TYPE_URL_PREFIX + heartbeat.DESCRIPTOR.full_name))
    with pytest.raises(ProtocolError):
        from_proto(seata_grpc_pb2.GrpcMessageProto())
    with pytest.raises(ProtocolError, match="no protobuf counterpart"):
        to_proto(Message())


def test_unknown_codecs_are_rejected() -> None:
    with pytest.raises(ProtocolError):
        encode_body(BEGIN, Codec.SEATA)
    with pytest.raises(ProtocolError):
        decode_body(b"", Codec.HESSIAN)


def test_every_proto_class_is_distinct() -> None:
    assert len(set(PROTO_CLASSES.values())) == len(PROTO_CLASSES)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (Frame(frame_type=FrameType.REQUEST_SYNC, request_id=1, message=BEGIN), "SEATA"),
        (Frame(frame_type=FrameType.REQUEST_SYNC, request_id=1, codec=Codec.GRPC), "needs a message"),
        (
            Frame(frame_type=FrameType.HEARTBEAT_REQUEST, request_id=1, message=BEGIN, codec=Codec.GRPC),
            "no message",
        ),
        (
            Frame(frame_type=FrameType.REQUEST_SYNC, request_id=2**31, message=BEGIN, codec=Codec.GRPC),
            "int32",
        ),
        (Frame(frame_type=9, request_id=1, message=BEGIN, codec=Codec.GRPC), "frame type"),  # type: ignore[arg-type]
        (
            Frame(
                frame_type=FrameType.REQUEST_SYNC,
                request_id=1,
                message=BEGIN,
                codec=Codec.GRPC,
                head_map={"k": None},
            ),
            "str -> str",
        ),
        (
            Frame(
                frame_type=FrameType.REQUEST_SYNC,
                request_id=1,
                message=BEGIN,
                codec=Codec.GRPC,
                head_map={"codec-type": "2"},
            ),
            "codec-type",
        ),
        (
            Frame(
                frame_type=FrameType.REQUEST_SYNC,
                request_id=1,
                message=BEGIN,
                codec=Codec.GRPC,
                compressor=Compressor.LZ4,
            ),
            "not supported",
        ),
    ],
)
def test_frames_the_peer_could_not_read_are_rejected(frame: Frame, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        encode_envelope(frame)

"""Hand-derived protobuf bytes (doc §3.3, §3.4, §5.3), checked in both directions.

Every expected byte string below was written from the field numbers in proto/*.proto and the protobuf
encoding rules (tag = field_number << 3 | wire_type; wire type 0 varint, 2 length-delimited), one field at a
time; none is produced by the encoder under test. proto3 leaves fields holding their default (0, "", false)
out of the bytes, which is why e.g. resultCode Failed(0) never appears.
"""

from __future__ import annotations

import gzip

import pytest

from seata_py.protocol import (
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRollbackResponse,
    BranchStatus,
    BranchType,
    Codec,
    Compressor,
    Frame,
    FrameType,
    GlobalBeginRequest,
    Message,
    ProtocolError,
    ResultCode,
    TransactionExceptionCode,
)
from seata_py.protocol.protobuf import (
    METHOD_PATH,
    decode_body,
    decode_envelope,
    encode_body,
    encode_envelope,
)


def h(*fields: str) -> bytes:
    """Join hex fields; spaces inside a field are allowed for readability."""
    return bytes.fromhex(" ".join(fields))


PACKAGE = b"org.apache.seata.protocol.protobuf."  # 35 bytes
TYPE_URL_PREFIX = b"type.googleapis.com/"  # 20 bytes

# --- body 1: GlobalBeginRequest as a codec-40 body (Any) ----------------------------------------

GLOBAL_BEGIN = GlobalBeginRequest(timeout=60000, transaction_name="tx")
GLOBAL_BEGIN_PROTO = h(
    "0a 04",  # 1 abstractTransactionRequest, 4 bytes:
    "0a 02",  # . 1 abstractMessage, 2 bytes:
    "08 01",  # . . 1 messageType = TYPE_GLOBAL_BEGIN (1)
    "10 e0d403",  # 2 timeout = 60000 (varint: 0x60|0x80, 0x54|0x80, 0x03)
    "1a 02 7478",  # 3 transactionName = "tx"
)  # 14 bytes
GLOBAL_BEGIN_ANY = (
    h("0a 4e")  # Any.type_url (field 1), 78 bytes = 20 + 35 + 23
    + TYPE_URL_PREFIX
    + PACKAGE
    + b"GlobalBeginRequestProto"
    + h("12 0e")  # Any.value (field 2), 14 bytes
    + GLOBAL_BEGIN_PROTO
)

# --- body 2: a failed BranchRollbackResponse as a codec-2 body (name-prefixed) --------------------
# BranchRollbackFailed_Retriable is Java ordinal 4 but protobuf number 3: mapped by name.

FAILED_ROLLBACK = BranchRollbackResponse(
    xid="x:1",
    branch_id=300,
    branch_status=BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE,
    result_code=ResultCode.FAILED,
    msg="no",
    exception_code=TransactionExceptionCode.BRANCH_ROLLBACK_FAILED_RETRIABLE,
)
FAILED_ROLLBACK_PROTO = h(
    "0a 18",  # 1 abstractBranchEndResponse, 24 bytes:
    "0a 0c",  # . 1 abstractTransactionResponse, 12 bytes:
    "0a 08",  # . . 1 abstractResultMessage, 8 bytes:
    "0a 02 08 06",  # . . . 1 AbstractMessage{1 messageType = TYPE_BRANCH_ROLLBACK_RESULT (6)}
    "1a 02 6e6f",  # . . . 3 msg = "no" (2 resultCode = Failed(0) is the default: absent)
    "10 03",  # . . 2 transactionExceptionCode = BranchRollbackFailed_Retriable (3)
    "12 03 783a31",  # . 2 xid = "x:1"
    "18 ac02",  # . 3 branchId = 300 (varint: 0x2c|0x80, 0x02)
    "20 09",  # . 4 branchStatus = PhaseTwo_RollbackFailed_Retryable (9)
)  # 26 bytes
FAILED_ROLLBACK_CODEC2 = (
    h("0000003e")  # int32 BE name length 62 = 35 + 27
    + PACKAGE
    + b"BranchRollbackResponseProto"
    + FAILED_ROLLBACK_PROTO
)

# --- envelope: an RM answering the TC's BranchCommit push on the gRPC stream (doc §5.3) -----------

COMMIT_DONE = BranchCommitResponse(xid="x:1", branch_id=300, branch_status=BranchStatus.PHASE_TWO_COMMITTED)
COMMIT_DONE_PROTO = h(
    "0a 14",  # 1 abstractBranchEndResponse, 20 bytes:
    "0a 08",  # . 1 abstractTransactionResponse, 8 bytes:
    "0a 06",  # . . 1 abstractResultMessage, 6 bytes:
    "0a 02 08 04",  # . . . 1 AbstractMessage{1 messageType = TYPE_BRANCH_COMMIT_RESULT (4)}
    "10 01",  # . . . 2 resultCode = Success (1); msg "" absent; exception code Unknown(0) absent
    "12 03 783a31",  # . 2 xid = "x:1"
    "18 ac02",  # . 3 branchId = 300
    "20 05",  # . 4 branchStatus = PhaseTwo_Committed (5)
)  # 22 bytes
COMMIT_DONE_ANY = (
    h("0a 50")  # type_url, 80 bytes = 20 + 35 + 25
    + TYPE_URL_PREFIX
    + PACKAGE
    + b"BranchCommitResponseProto"
    + h("12 16")  # value, 22 bytes
    + COMMIT_DONE_PROTO
)  # 106 bytes
COMMIT_DONE_FRAME = Frame(frame_type=FrameType.RESPONSE, request_id=5, message=COMMIT_DONE, codec=Codec.GRPC)
COMMIT_DONE_ENVELOPE = (
    h(
        "08 05",  # 1 id = 5
        "10 01",  # 2 messageType = 1 (RESPONSE frame type)
        "1a 10",  # 3 headMap entry, 16 bytes:
        "0a 0a",  # . key, 10 bytes
    )
    + b"codec-type"
    + h("12 02")  # . value, 2 bytes
    + b"40"
    + h(
        "1a 12",  # 3 headMap entry, 18 bytes:
        "0a 0d",  # . key, 13 bytes
    )
    + b"compress-type"
    + h("12 01")  # . value, 1 byte
    + b"0"
    + h("22 6a")  # 4 body, 106 bytes
    + COMMIT_DONE_ANY
)


@pytest.mark.parametrize(
    ("message", "codec", "wire"),
    [
        pytest.param(GLOBAL_BEGIN, Codec.GRPC, GLOBAL_BEGIN_ANY, id="GlobalBeginRequest-codec40"),
        pytest.param(
            FAILED_ROLLBACK, Codec.PROTOBUF, FAILED_ROLLBACK_CODEC2, id="BranchRollbackResponse-codec2"
        ),
        pytest.param(COMMIT_DONE, Codec.GRPC, COMMIT_DONE_ANY, id="BranchCommitResponse-codec40"),
    ],
)
def test_golden_bodies(message: Message, codec: Codec, wire: bytes) -> None:
    assert encode_body(message, codec) == wire
    assert decode_body(wire, codec) == message


def test_golden_envelope_both_directions() -> None:
    assert encode_envelope(COMMIT_DONE_FRAME) == COMMIT_DONE_ENVELOPE
    assert decode_envelope(COMMIT_DONE_ENVELOPE) == COMMIT_DONE_FRAME


def test_a_tc_push_as_the_server_writes_it() -> None:
    # Entries in Java's HashMap order (compress-type first) and the body before the head map: protobuf
    # readers accept fields in any order, so this must decode like the canonical form.
    push = BranchCommitRequest(xid="x:1", branch_id=300, branch_type=BranchType.AT, resource_id="r")
    push_proto = h(
        "0a 11",  # 1 abstractBranchEndRequest, 17 bytes:
        "0a 04 0a 02 08 03",  # . 1 abstractTransactionRequest{abstractMessage{messageType = 3}}
        "12 03 783a31",  # . 2 xid = "x:1"
        "18 ac02",  # . 3 branchId = 300 (4 branchType AT(0) absent)
        "2a 01 72",  # . 5 resourceId = "r"
    )  # 19 bytes
    any_body = h("0a 4f") + TYPE_URL_PREFIX + PACKAGE + b"BranchCommitRequestProto" + h("12 13") + push_proto
    envelope = (
        h("08 f9 ffffffffffffffff 01")  # 1 id = -7: a negative int32 is a 10-byte varint of its int64 form
        + h("22", f"{len(any_body):02x}")  # 4 body (2 messageType 0 = REQUEST_SYNC absent)
        + any_body
        + h("1a 12 0a 0d")
        + b"compress-type"
        + h("12 01")
        + b"0"
        + h("1a 10 0a 0a")
        + b"codec-type"
        + h("12 02")
        + b"40"
    )
    assert decode_envelope(envelope) == Frame(
        frame_type=FrameType.REQUEST_SYNC, request_id=-7, message=push, codec=Codec.GRPC
    )


def test_heartbeats_have_no_body() -> None:
    ping = Frame(frame_type=FrameType.HEARTBEAT_REQUEST, request_id=9, codec=Codec.GRPC)
    wire = (
        h("08 09", "10 03", "1a 10 0a 0a")  # id 9, messageType 3 (ping), headMap entry
        + b"codec-type"
        + h("12 02")
        + b"40"
        + h("1a 12 0a 0d")
        + b"compress-type"
        + h("12 01")
        + b"0"
    )  # no field 4
    assert encode_envelope(ping) == wire
    assert decode_envelope(wire) == ping
    # The server's pong as seen on the wire may carry no head map at all: codec defaults to GRPC.
    assert decode_envelope(h("08 09 10 04")) == Frame(
        frame_type=FrameType.HEARTBEAT_RESPONSE, request_id=9, codec=Codec.GRPC
    )


def test_blank_codec_type_means_grpc_and_other_entries_are_kept() -> None:
    wire = (
        h("10 01", "1a 0e 0a 0a")
        + b"codec-type"
        + h("12 00")  # blank value
        + h("1a 06 0a 01")
        + b"k"
        + h("12 01")
        + b"v"
        + h("22", f"{len(COMMIT_DONE_ANY):02x}")
        + COMMIT_DONE_ANY
    )
    frame = decode_envelope(wire)
    assert frame.codec is Codec.GRPC
    assert frame.compressor is Compressor.NONE
    assert dict(frame.head_map) == {"k": "v"}
    assert frame.message == COMMIT_DONE


def test_gzip_bodies_are_decompressed() -> None:
    body = gzip.compress(COMMIT_DONE_ANY, mtime=0)
    wire = (
        h("10 01", "1a 12 0a 0d")
        + b"compress-type"
        + h("12 01")
        + b"1"  # GZIP
        + h("22", f"{len(body):02x}")
        + body
    )
    frame = decode_envelope(wire)
    assert frame.compressor is Compressor.GZIP
    assert frame.message == COMMIT_DONE


def test_the_service_path() -> None:
    assert METHOD_PATH == "/org.apache.seata.protocol.protobuf.SeataService/sendRequest"


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(h("10 00"), id="request-without-body"),
        pytest.param(h("10 03 22 01 00"), id="heartbeat-with-body"),
        pytest.param(h("10 05"), id="unknown-frame-type"),
        pytest.param(h("10 ffffffff ffffffff ff01"), id="negative-frame-type"),
        pytest.param(h("10 00 22 02 0a 00"), id="type-url-without-slash"),
        pytest.param(h("10 00 22 05 0a 03 612f62"), id="unknown-message-name"),
        pytest.param(
            h("10 00 1a 0f 0a 0a") + b"codec-type" + h("12 01") + b"1" + h("22 01 00"), id="seata-codec"
        ),
        pytest.param(
            h("10 00 1a 10 0a 0a") + b"codec-type" + h("12 02") + b"x1" + h("22 01 00"), id="codec-not-int"
        ),
        pytest.param(
            h("10 00 1a 10 0a 0a") + b"codec-type" + h("12 02") + b"99" + h("22 01 00"), id="codec-unknown"
        ),
        pytest.param(
            h("10 00 1a 12 0a 0d") + b"compress-type" + h("12 01") + b"3" + h("22 01 00"),
            id="unsupported-compressor",
        ),
        pytest.param(h("0a"), id="truncated-tag"),
        pytest.param(h("22 05 00"), id="truncated-body"),
        pytest.param(h("1a 04 0a 02 c3 28"), id="head-map-key-not-utf8"),
        pytest.param(h("10 00 22 03 12 01 ff"), id="any-without-type-url"),
    ],
)
def test_malformed_envelopes_raise_protocol_error(wire: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_envelope(wire)


def test_malformed_message_inside_a_valid_any_raises_protocol_error() -> None:
    # value = a lone tag of field 2 (timeout) with its varint missing
    any_body = h("0a 4e") + TYPE_URL_PREFIX + PACKAGE + b"GlobalBeginRequestProto" + h("12 01 10")
    with pytest.raises(ProtocolError, match="GlobalBeginRequestProto"):
        decode_body(any_body, Codec.GRPC)
    with pytest.raises(ProtocolError, match="name length 255"):
        decode_body(h("000000ff") + b"short", Codec.PROTOBUF)

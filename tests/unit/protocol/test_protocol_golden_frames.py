"""Hand-derived v1 frames (doc §1.1) and the frame-level error cases."""

from __future__ import annotations

import gzip
import struct

import pytest

from seata_py.protocol import (
    MAX_FRAME_LEN,
    BranchRegisterRequest,
    BranchReportResponse,
    BranchType,
    Codec,
    Compressor,
    Frame,
    FrameDecoder,
    FrameType,
    GlobalBeginRequest,
    GlobalCommitRequest,
    ProtocolError,
    decode_frame,
    encode_frame,
)


def h(*fields: str) -> bytes:
    return bytes.fromhex(" ".join(fields))


GLOBAL_BEGIN_BODY = h(
    "0001",  # typeCode 1
    "0000ea60",  # timeout 60000
    "0005 6f72646572",  # transactionName "order"
)  # 13 bytes

REQUEST_WITH_HEAD_MAP = (
    Frame(
        frame_type=FrameType.REQUEST_SYNC,
        request_id=1,
        message=GlobalBeginRequest(timeout=60000, transaction_name="order"),
        head_map={"k": "v", "n": None},
    ),
    h(
        "dada",  # magic
        "01",  # version 1
        "00000028",  # full length 40 = 16 + 11 + 13
        "001b",  # head length 27 = 16 + 11
        "00",  # frame type REQUEST_SYNC
        "01",  # codec SEATA
        "00",  # compressor NONE
        "00000001",  # request id 1
        "0001 6b",  # head map key "k"
        "0001 76",  # value "v"
        "0001 6e",  # key "n"
        "ffff",  # value null (-1)
        GLOBAL_BEGIN_BODY.hex(),  # body
    ),
)

HEARTBEAT_REQUEST = (
    Frame(frame_type=FrameType.HEARTBEAT_REQUEST, request_id=-2),
    h(
        "dada",  # magic
        "01",  # version
        "00000010",  # full length 16: header only
        "0010",  # head length 16
        "03",  # HEARTBEAT_REQUEST
        "01",  # codec SEATA
        "00",  # compressor NONE
        "fffffffe",  # request id -2 (signed int32)
    ),
)

HEARTBEAT_RESPONSE = (
    Frame(frame_type=FrameType.HEARTBEAT_RESPONSE, request_id=7),
    h("dada 01 00000010 0010", "04", "01 00", "00000007"),  # PONG echoing id 7
)

RESPONSE_FRAME = (
    Frame(frame_type=FrameType.RESPONSE, request_id=2**31 - 1, message=BranchReportResponse()),
    h(
        "dada 01",  # magic, version
        "00000014",  # full length 20 = 16 + 4
        "0010",  # head length 16 (no head map)
        "01",  # RESPONSE
        "01 00",  # SEATA, NONE
        "7fffffff",  # request id int32 max
        "000e 01 00",  # BranchReportResponse: Success, Unknown
    ),
)

ONEWAY_FRAME = (
    Frame(
        frame_type=FrameType.REQUEST_ONEWAY,
        request_id=0,
        message=GlobalCommitRequest(xid="x"),
        head_map={"": ""},
    ),
    h(
        "dada 01",  # magic, version
        "0000001b",  # full length 27 = 16 + 4 + 7
        "0014",  # head length 20 = 16 + 4
        "02",  # REQUEST_ONEWAY
        "01 00",  # SEATA, NONE
        "00000000",  # request id 0
        "0000 0000",  # head map: empty key, empty value (length 0, not null)
        "0007 0001 78 0000",  # GlobalCommitRequest xid "x"
    ),
)

GOLDEN_FRAMES = {
    "request_with_head_map": REQUEST_WITH_HEAD_MAP,
    "heartbeat_request": HEARTBEAT_REQUEST,
    "heartbeat_response": HEARTBEAT_RESPONSE,
    "response": RESPONSE_FRAME,
    "oneway_with_empty_head_map_strings": ONEWAY_FRAME,
}


@pytest.mark.parametrize(("frame", "wire"), GOLDEN_FRAMES.values(), ids=GOLDEN_FRAMES.keys())
def test_encode_frame_golden(frame: Frame, wire: bytes) -> None:
    assert encode_frame(frame).hex() == wire.hex()


@pytest.mark.parametrize(("frame", "wire"), GOLDEN_FRAMES.values(), ids=GOLDEN_FRAMES.keys())
def test_decode_frame_golden(frame: Frame, wire: bytes) -> None:
    decoded = decode_frame(wire)
    assert decoded == frame
    assert dict(decoded.head_map) == dict(frame.head_map)


@pytest.mark.parametrize(("frame", "wire"), GOLDEN_FRAMES.values(), ids=GOLDEN_FRAMES.keys())
def test_frame_decoder_byte_by_byte(frame: Frame, wire: bytes) -> None:
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for i in range(len(wire)):
        frames += decoder.feed(wire[i : i + 1])
    assert frames == [frame]
    assert decoder.buffered == 0


def test_frame_decoder_several_frames_in_one_feed() -> None:
    stream = b"".join(wire for _, wire in GOLDEN_FRAMES.values())
    decoder = FrameDecoder()
    half = decoder.feed(stream[:50])
    rest = decoder.feed(stream[50:])
    assert half + rest == [frame for frame, _ in GOLDEN_FRAMES.values()]


def test_gzip_frame_decodes_a_body_compressed_by_the_standard_library() -> None:
    compressed = gzip.compress(GLOBAL_BEGIN_BODY)
    wire = (
        h("dada 01")
        + struct.pack(">i", 16 + len(compressed))  # full length
        + h("0010", "00", "01", "01", "00000009")  # head length, REQUEST_SYNC, SEATA, GZIP, id 9
        + compressed
    )
    frame = decode_frame(wire)
    assert frame.compressor is Compressor.GZIP
    assert frame.message == GlobalBeginRequest(timeout=60000, transaction_name="order")


def test_gzip_frame_round_trip() -> None:
    frame = Frame(
        frame_type=FrameType.REQUEST_SYNC,
        request_id=9,
        message=GlobalBeginRequest(timeout=60000, transaction_name="order"),
        compressor=Compressor.GZIP,
    )
    wire = encode_frame(frame)
    assert wire[11] == 1  # compressor byte GZIP
    assert gzip.decompress(wire[16:]) == GLOBAL_BEGIN_BODY
    assert decode_frame(wire) == frame


def test_concatenated_gzip_members_are_accepted() -> None:
    compressed = gzip.compress(GLOBAL_BEGIN_BODY[:5]) + gzip.compress(GLOBAL_BEGIN_BODY[5:])
    wire = h("dada 01") + struct.pack(">i", 16 + len(compressed)) + h("0010 00 01 01 00000009") + compressed
    assert decode_frame(wire).message == GlobalBeginRequest(timeout=60000, transaction_name="order")


def test_gzip_bomb_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    import seata_py.protocol.compression as compression

    monkeypatch.setattr(compression, "MAX_DECOMPRESSED_LEN", 1000)
    compressed = gzip.compress(b"\x00\x07" + b"\x00" * 2000)
    wire = h("dada 01") + struct.pack(">i", 16 + len(compressed)) + h("0010 00 01 01 00000009") + compressed
    with pytest.raises(ProtocolError, match="expands"):
        decode_frame(wire)


# --- malformed frames -----------------------------------------------------------------------------

GOOD_BODY = "000e 01 00"

MALFORMED_FRAMES = {
    "bad_first_magic_byte": h("ffda"),
    "bad_second_magic_byte": h("da 00"),
    "http_request": b"GET / HTTP/1.1\r\n",
    "version_0": h("dada 00"),
    "version_2": h("dada 02"),
    "full_length_below_header": h("dada 01 0000000f"),
    "full_length_negative": h("dada 01 ffffffff"),
    "full_length_above_8_mib": h("dada 01") + struct.pack(">i", MAX_FRAME_LEN + 1),
    "head_length_below_16": h("dada 01 00000014 000f"),
    "head_length_negative": h("dada 01 00000014 ffff"),
    "full_length_below_head_length": h("dada 01 00000014 0015"),
    "unknown_frame_type": h("dada 01 00000014 0010 05 01 00 00000001", GOOD_BODY),
    "unknown_codec": h("dada 01 00000014 0010 01 08 00 00000001", GOOD_BODY),
    "unsupported_codec_protobuf": h("dada 01 00000014 0010 01 02 00 00000001", GOOD_BODY),
    "unknown_compressor": h("dada 01 00000014 0010 01 01 08 00000001", GOOD_BODY),
    "unsupported_compressor_lz4": h("dada 01 00000014 0010 01 01 05 00000001", GOOD_BODY),
    "gzip_garbage": h("dada 01 00000014 0010 01 01 01 00000001", GOOD_BODY),
    "gzip_truncated": h("dada 01")
    + struct.pack(">i", 26)
    + h("0010 01 01 01 00000001")
    + gzip.compress(h(GOOD_BODY))[:10],
    "heartbeat_with_body": h("dada 01 00000014 0010 03 01 00 00000001", GOOD_BODY),
    "request_without_body": h("dada 01 00000010 0010 00 01 00 00000001"),
    "head_map_truncated_length": h("dada 01 00000011 0011 04 01 00 00000001 00"),
    "head_map_truncated_string": h("dada 01 00000013 0013 04 01 00 00000001 0005 61"),
    "head_map_missing_value": h("dada 01 00000013 0013 04 01 00 00000001 0001 61"),
    "head_map_null_key": h("dada 01 00000014 0014 04 01 00 00000001 ffff ffff"),
    "head_map_length_minus_2": h("dada 01 00000014 0014 04 01 00 00000001 0000 fffe"),
    "head_map_invalid_utf8": h("dada 01 00000015 0015 04 01 00 00000001 0001 ff 0000"),
    "head_map_duplicate_key": h("dada 01 00000018 0018 04 01 00 00000001 0000 0000 0000 0000"),
    "body_trailing_byte": h("dada 01 00000015 0010 01 01 00 00000001", GOOD_BODY, "00"),
    "body_invalid_utf8": h("dada 01 00000017 0010 00 01 00 00000001 0007 0001 ff 0000"),
}


@pytest.mark.parametrize("wire", MALFORMED_FRAMES.values(), ids=MALFORMED_FRAMES.keys())
def test_malformed_frames_raise_from_decoder(wire: bytes) -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder().feed(wire)


@pytest.mark.parametrize("wire", MALFORMED_FRAMES.values(), ids=MALFORMED_FRAMES.keys())
def test_malformed_frames_raise_from_decoder_fed_bytewise(wire: bytes) -> None:
    decoder = FrameDecoder()
    with pytest.raises(ProtocolError):
        for i in range(len(wire)):
            decoder.feed(wire[i : i + 1])


def test_bad_header_fails_before_the_frame_is_complete() -> None:
    # An oversized length must be rejected at once, not after buffering 8 MiB.
    with pytest.raises(ProtocolError):
        FrameDecoder().feed(h("dada 01 7fffffff"))


def test_decoder_stays_failed() -> None:
    decoder = FrameDecoder()
    with pytest.raises(ProtocolError):
        decoder.feed(h("0000"))
    with pytest.raises(ProtocolError):
        decoder.feed(RESPONSE_FRAME[1])


def test_incomplete_frame_is_buffered_not_rejected() -> None:
    decoder = FrameDecoder()
    wire = RESPONSE_FRAME[1]
    assert decoder.feed(wire[:-1]) == []
    assert decoder.buffered == len(wire) - 1
    assert decoder.feed(wire[-1:]) == [RESPONSE_FRAME[0]]


def test_frame_at_the_size_limit_is_accepted_and_one_byte_more_is_not() -> None:
    # Frame = 16 header + body; BranchRegisterRequest body = 2 typeCode + 2 xid + 1 branchType
    # + 2 resourceId + 4 + len(lockKey) + 4 applicationData.
    lock_key_len = MAX_FRAME_LEN - 16 - 15
    frame = Frame(
        FrameType.REQUEST_SYNC, 1, BranchRegisterRequest(None, BranchType.AT, None, "k" * lock_key_len)
    )
    wire = encode_frame(frame)
    assert len(wire) == MAX_FRAME_LEN
    assert decode_frame(wire) == frame
    too_big = Frame(
        FrameType.REQUEST_SYNC, 1, BranchRegisterRequest(None, BranchType.AT, None, "k" * (lock_key_len + 1))
    )
    with pytest.raises(ProtocolError):
        encode_frame(too_big)


def test_decode_frame_rejects_incomplete_and_trailing_input() -> None:
    wire = RESPONSE_FRAME[1]
    with pytest.raises(ProtocolError):
        decode_frame(wire[:-1])
    with pytest.raises(ProtocolError):
        decode_frame(wire[:10])
    with pytest.raises(ProtocolError):
        decode_frame(wire + h("da"))


@pytest.mark.parametrize(
    "frame",
    [
        Frame(FrameType.REQUEST_SYNC, 2**31, GlobalCommitRequest("x")),
        Frame(FrameType.REQUEST_SYNC, -(2**31) - 1, GlobalCommitRequest("x")),
        Frame(FrameType.REQUEST_SYNC, 1),
        Frame(FrameType.HEARTBEAT_REQUEST, 1, GlobalCommitRequest("x")),
        Frame(FrameType.REQUEST_SYNC, 1, GlobalCommitRequest("x"), codec=Codec.PROTOBUF),
        Frame(FrameType.REQUEST_SYNC, 1, GlobalCommitRequest("x"), compressor=Compressor.LZ4),
        Frame(5, 1, GlobalCommitRequest("x")),  # type: ignore[arg-type]
        Frame(FrameType.REQUEST_SYNC, 1, GlobalCommitRequest("x"), head_map={"k": "v" * 32768}),
        Frame(FrameType.REQUEST_SYNC, 1, GlobalCommitRequest("x"), head_map={None: "v"}),  # type: ignore[dict-item]
        Frame(
            FrameType.REQUEST_SYNC,
            1,
            GlobalCommitRequest("x"),
            head_map={f"k{i}": "v" * 100 for i in range(400)},
        ),
    ],
)
def test_unencodable_frames_raise_protocol_error(frame: Frame) -> None:
    with pytest.raises(ProtocolError):
        encode_frame(frame)


def test_int32_request_id_extremes_round_trip() -> None:
    for request_id in (-(2**31), 2**31 - 1):
        frame = Frame(FrameType.HEARTBEAT_REQUEST, request_id)
        assert decode_frame(encode_frame(frame)).request_id == request_id


def test_heartbeat_may_use_any_known_codec_and_compressor() -> None:
    frame = Frame(FrameType.HEARTBEAT_RESPONSE, 3, codec=Codec.KRYO, compressor=Compressor.ZSTD)
    assert decode_frame(encode_frame(frame)) == frame

"""Fuzzing of the gRPC envelope and body parsers: any input decodes or raises ProtocolError, nothing else.

Whatever does decode must re-encode and decode to the same frame, which catches parsers that accept
values the encoder cannot represent.
"""

from __future__ import annotations

from google.protobuf import any_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seata_py.protocol import Codec, ProtocolError
from seata_py.protocol.protobuf import (
    CODEC_TYPE_KEY,
    COMPRESS_TYPE_KEY,
    PROTO_CLASSES,
    TYPE_URL_PREFIX,
    decode_body,
    decode_envelope,
    encode_body,
    encode_envelope,
)
from seata_py.protocol.protobuf.generated.seata_grpc_pb2 import GrpcMessageProto

from .test_protobuf_roundtrip import any_representable, grpc_frames

_FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_envelope(wire: bytes) -> None:
    try:
        frame = decode_envelope(wire)
    except ProtocolError:
        return
    # Outside the try: a ProtocolError while re-encoding a decoded frame is a bug, not bad input.
    assert decode_envelope(encode_envelope(frame)) == frame


def _decode_body(body: bytes, codec: Codec) -> None:
    try:
        message = decode_body(body, codec)
    except ProtocolError:
        return
    assert decode_body(encode_body(message, codec), codec) == message


@st.composite
def _mutated(draw: st.DrawFn, original: bytes) -> bytes:
    wire = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "varint"]))
        if kind == "truncate":
            del wire[draw(st.integers(0, len(wire))) :]
            continue
        if kind == "insert":
            at = draw(st.integers(0, len(wire)))
            wire[at:at] = draw(st.binary(min_size=1, max_size=8))
            continue
        if not wire:
            continue
        at = draw(st.integers(0, len(wire) - 1))
        if kind == "flip":
            wire[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            wire[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del wire[at : at + draw(st.integers(1, 8))]
        else:
            # Small values hit lengths, tags and enum numbers; long continuation runs hit varint limits.
            wire[at : at + 1] = draw(st.sampled_from([b"\x00", b"\x01", b"\x7f", b"\x80" * 11, b"\xff" * 10]))
    return bytes(wire)


_names = st.sampled_from(sorted(proto.DESCRIPTOR.full_name for proto in PROTO_CLASSES.values()))
_type_urls = st.one_of(
    _names.map(lambda name: TYPE_URL_PREFIX + name),
    _names.map(lambda name: "x/y/" + name),
    _names,  # no "/" at all
    st.text(max_size=20),
    st.just(TYPE_URL_PREFIX + "org.apache.seata.protocol.protobuf.HeartbeatMessageProto"),
    st.just(TYPE_URL_PREFIX + "org.apache.seata.protocol.protobuf.GrpcMessageProto"),
)
_any_bodies = st.builds(
    lambda url, value: any_pb2.Any(type_url=url, value=value).SerializeToString(),
    _type_urls,
    st.binary(max_size=40),
)
_header_values = st.sampled_from(
    ["", " ", "0", "1", "2", "40", "+40", "040", "-0", " 40", "4_0", "x", "99", "-1"]
)


@st.composite
def _plausible_envelopes(draw: st.DrawFn) -> bytes:
    head_map = draw(
        st.dictionaries(st.sampled_from([CODEC_TYPE_KEY, COMPRESS_TYPE_KEY, "k"]), _header_values)
    )
    body = draw(
        st.one_of(
            st.binary(max_size=60),
            _any_bodies,
            any_representable.map(encode_body),
            any_representable.map(encode_body).flatmap(_mutated),
        )
    )
    envelope = GrpcMessageProto(
        id=draw(st.integers(-(2**31), 2**31 - 1)),
        messageType=draw(st.integers(-3, 8)),
        headMap=head_map,
        body=body,
    )
    return envelope.SerializeToString()


@given(wire=st.binary(max_size=200))
@settings(max_examples=1000, deadline=None)
def test_random_bytes_into_the_envelope_parser(wire: bytes) -> None:
    _decode_envelope(wire)


@given(wire=_plausible_envelopes())
@_FUZZ
def test_plausible_envelopes_with_odd_headers_and_bodies(wire: bytes) -> None:
    _decode_envelope(wire)


@given(wire=grpc_frames().map(encode_envelope).flatmap(_mutated))
@_FUZZ
def test_mutated_valid_envelopes(wire: bytes) -> None:
    _decode_envelope(wire)


@given(body=st.one_of(st.binary(max_size=120), _any_bodies))
@settings(max_examples=1000, deadline=None)
def test_random_codec40_bodies(body: bytes) -> None:
    _decode_body(body, Codec.GRPC)


@given(body=any_representable.map(encode_body).flatmap(_mutated))
@_FUZZ
def test_mutated_codec40_bodies(body: bytes) -> None:
    _decode_body(body, Codec.GRPC)


@given(body=any_representable.map(lambda message: encode_body(message, Codec.PROTOBUF)).flatmap(_mutated))
@_FUZZ
def test_mutated_codec2_bodies(body: bytes) -> None:
    _decode_body(body, Codec.PROTOBUF)

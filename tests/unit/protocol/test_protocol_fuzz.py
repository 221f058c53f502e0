"""Fuzzing: arbitrary or corrupted input must either decode or raise ProtocolError, nothing else.

Whatever does decode must also be re-encodable and stable, which catches decoders that accept
values the encoder cannot represent.
"""

from __future__ import annotations

import itertools
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seata_py.protocol import (
    MAGIC,
    Frame,
    FrameDecoder,
    Message,
    ProtocolError,
    RegisterRMResponse,
    RegisterTMResponse,
    decode_frame,
    decode_message,
    encode_frame,
    encode_message,
)

from .protocol_strategies import any_message, frames

_FUZZ = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_message_stable(message: Message) -> None:
    again = decode_message(encode_message(message))
    # A V2 registration response is re-encoded as V1, which cannot carry its result fields.
    if not isinstance(message, (RegisterTMResponse, RegisterRMResponse)):
        assert again == message


def _assert_frame_stable(frame: Frame) -> None:
    again = decode_frame(encode_frame(frame))
    if not isinstance(frame.message, (RegisterTMResponse, RegisterRMResponse)):
        assert again == frame


def _feed_all(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    try:
        for chunk in chunks:
            decoded += decoder.feed(chunk)
    except ProtocolError:
        pass
    # Outside the try: a ProtocolError while re-encoding a decoded frame is a bug, not bad input.
    for frame in decoded:
        _assert_frame_stable(frame)


def _decode_body(body: bytes) -> None:
    try:
        message = decode_message(body)
    except ProtocolError:
        return
    _assert_message_stable(message)


@st.composite
def _mutated(draw: st.DrawFn, original: bytes) -> bytes:
    wire = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["flip", "set", "truncate", "insert", "delete", "int16", "int32", "frame_len", "head_len"]
            )
        )
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
        elif kind == "int16":
            # Small values hit string lengths and counts in interesting ways.
            value = draw(st.integers(-2, 40) | st.integers(-(2**15), 2**15 - 1))
            wire[at : at + 2] = struct.pack(">h", value)
        elif kind == "int32":
            value = draw(st.integers(-2, 40) | st.integers(-(2**31), 2**31 - 1))
            wire[at : at + 4] = struct.pack(">i", value)
        elif kind == "frame_len" and len(wire) >= 7:
            value = draw(st.integers(len(wire) - 8, len(wire) + 8) | st.integers(-(2**31), 2**31 - 1))
            wire[3:7] = struct.pack(">i", value)
        elif kind == "head_len" and len(wire) >= 9:
            value = draw(st.integers(0, 40) | st.integers(-(2**15), 2**15 - 1))
            wire[7:9] = struct.pack(">h", value)
    return bytes(wire)


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted(cut % (len(data) + 1) for cut in cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(data=st.binary(max_size=200))
@settings(max_examples=500, deadline=None)
def test_random_bytes_into_frame_decoder(data: bytes) -> None:
    _feed_all([data])


@given(rest=st.binary(max_size=200))
@settings(max_examples=500, deadline=None)
def test_random_bytes_after_a_valid_magic_and_version(rest: bytes) -> None:
    _feed_all([MAGIC + b"\x01" + rest])


@given(
    header=st.tuples(
        st.integers(0, 64), st.integers(0, 40), st.integers(0, 5), st.integers(0, 60), st.integers(0, 8)
    ),
    rest=st.binary(max_size=64),
)
@settings(max_examples=500, deadline=None)
def test_plausible_headers_with_random_payload(header: tuple[int, int, int, int, int], rest: bytes) -> None:
    full_extra, head_extra, frame_type, codec, compressor = header
    wire = (
        MAGIC
        + b"\x01"
        + struct.pack(">ihBBBi", 16 + full_extra, 16 + head_extra, frame_type, codec, compressor, 1)
        + rest
    )
    _feed_all([wire])


@given(
    stream=st.lists(frames(), min_size=1, max_size=3).map(lambda fs: b"".join(map(encode_frame, fs))),
    data=st.data(),
)
@_FUZZ
def test_mutated_frame_streams(stream: bytes, data: st.DataObject) -> None:
    wire = data.draw(_mutated(stream))
    _feed_all([wire])
    _feed_all(_chunked(wire, data.draw(st.lists(st.integers(0, 2**16), max_size=6))))
    try:
        frame = decode_frame(wire)
    except ProtocolError:
        return
    _assert_frame_stable(frame)


@given(body=st.binary(max_size=200))
@settings(max_examples=500, deadline=None)
def test_random_bytes_into_decode_message(body: bytes) -> None:
    _decode_body(body)


@given(type_code=st.integers(0, 130), rest=st.binary(max_size=80))
@settings(max_examples=1000, deadline=None)
def test_random_fields_after_a_plausible_type_code(type_code: int, rest: bytes) -> None:
    _decode_body(struct.pack(">h", type_code) + rest)


@given(body=any_message.map(encode_message), data=st.data())
@_FUZZ
def test_mutated_message_bodies(body: bytes, data: st.DataObject) -> None:
    _decode_body(data.draw(_mutated(body)))

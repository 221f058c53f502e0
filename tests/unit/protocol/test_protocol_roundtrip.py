"""Property tests: every valid message and frame survives encode -> decode unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seata_py.protocol import (
    Frame,
    FrameDecoder,
    Message,
    decode_frame,
    decode_message,
    encode_frame,
    encode_message,
)

from .protocol_strategies import ALL_MESSAGES, frames


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda cls: cls.__name__)
@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_message_round_trip(cls: type[Message], data: st.DataObject) -> None:
    message = data.draw(ALL_MESSAGES[cls])
    wire = encode_message(message)
    assert int.from_bytes(wire[:2], "big") == cls.TYPE_CODE
    assert decode_message(wire) == message


@given(frame=frames())
@settings(max_examples=300, deadline=None)
def test_frame_round_trip(frame: Frame) -> None:
    wire = encode_frame(frame)
    assert int.from_bytes(wire[3:7], "big") == len(wire)
    assert decode_frame(wire) == frame


@given(frame_list=st.lists(frames(), min_size=1, max_size=5), data=st.data())
@settings(max_examples=200, deadline=None)
def test_frame_decoder_is_independent_of_chunking(frame_list: list[Frame], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(frame) for frame in frame_list)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    start = 0
    for end in [*cuts, len(stream)]:
        decoded += decoder.feed(stream[start:end])
        start = end
    assert decoded == frame_list
    assert decoder.buffered == 0

"""The embedded TC on the wire, with raw sockets: heartbeats, merged requests, and bad input."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator

import pytest

from seata_py.protocol import (
    Codec,
    Frame,
    FrameDecoder,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalStatus,
    MergedWarpMessage,
    MergeResultMessage,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    encode_frame,
)
from seata_py.tc import EmbeddedTC
from tests.unit.tc.conftest import Client


class Raw:
    """A hand-driven client connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.decoder = FrameDecoder()
        self.frames: list[Frame] = []

    def send(self, frame: Frame) -> None:
        self.sock.sendall(encode_frame(frame))

    def request(self, message: Message, request_id: int = 1, oneway: bool = False) -> Message:
        kind = FrameType.REQUEST_ONEWAY if oneway else FrameType.REQUEST_SYNC
        self.send(Frame(kind, request_id, message))
        frame = self.next_frame()
        assert frame.frame_type is FrameType.RESPONSE and frame.request_id == request_id
        assert frame.message is not None
        return frame.message

    def next_frame(self) -> Frame:
        while not self.frames:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the TC")
            self.frames.extend(self.decoder.feed(data))
        return self.frames.pop(0)

    def closed_by_peer(self) -> bool:
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    def register_tm(self) -> None:
        answer = self.request(
            RegisterTMRequest(version="2.0.0", application_id="raw", transaction_service_group="g")
        )
        assert isinstance(answer, RegisterTMResponse) and answer.identified


@pytest.fixture
def raw(tc: EmbeddedTC) -> Iterator[Callable[[], Raw]]:
    opened: list[Raw] = []

    def make() -> Raw:
        conn = Raw(tc.address)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.sock.close()


def test_heartbeat_ping_gets_a_pong_with_the_same_id(raw: Callable[[], Raw]) -> None:
    conn = raw()
    conn.send(Frame(FrameType.HEARTBEAT_REQUEST, 77))
    pong = conn.next_frame()
    assert (pong.frame_type, pong.request_id, pong.message) == (FrameType.HEARTBEAT_RESPONSE, 77, None)


def test_registration_sent_oneway_is_still_answered(raw: Callable[[], Raw]) -> None:
    conn = raw()
    answer = conn.request(
        RegisterRMRequest(
            version="1.5.2", application_id="go", transaction_service_group="g", resource_ids="r1,r2"
        ),
        request_id=9,
        oneway=True,
    )
    assert isinstance(answer, RegisterRMResponse) and answer.identified


def test_merged_requests_get_one_merge_result_in_order(raw: Callable[[], Raw]) -> None:
    conn = raw()
    conn.register_tm()
    merged = MergedWarpMessage(
        msgs=(GlobalBeginRequest(timeout=60000, transaction_name="m1"), GlobalBeginRequest(60000, "m2")),
        msg_ids=(11, 12),
    )
    answer = conn.request(merged, request_id=10)
    assert isinstance(answer, MergeResultMessage) and len(answer.msgs) == 2
    xids = [m.xid or "" for m in answer.msgs if isinstance(m, GlobalBeginResponse)]
    assert len(xids) == 2 and xids[0] != xids[1]
    assert int(xids[0].rsplit(":", 1)[1]) < int(xids[1].rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # not the Seata magic
        b"\xda\xda\x01" + struct.pack(">i", 1 << 30) + b"\x00" * 9,  # frame length over the limit
        b"\xda\xda\x01\x00\x00\x00\x14\x00\x10\x00\x01\x00\x00\x00\x00\x01\x00\x63\x00\x00",  # type code 99
    ],
    ids=["http", "oversized", "unknown-message"],
)
def test_malformed_input_closes_that_connection_only(
    tc: EmbeddedTC, raw: Callable[[], Raw], connect: Callable[..., Client], garbage: bytes
) -> None:
    healthy = connect()
    bad = raw()
    bad.register_tm()
    bad.sock.sendall(garbage)
    assert bad.closed_by_peer()
    xid = healthy.tc.begin("still-serving", 60000)
    assert healthy.tc.status(xid) is GlobalStatus.BEGIN
    again = raw()
    again.register_tm()  # and new connections are accepted


def test_unsupported_codec_closes_the_connection(raw: Callable[[], Raw]) -> None:
    conn = raw()
    conn.register_tm()
    header = encode_frame(Frame(FrameType.REQUEST_SYNC, 3, GlobalBeginRequest(1000, "x")))
    patched = header[:10] + bytes([Codec.PROTOBUF]) + header[11:]
    conn.sock.sendall(patched)
    assert conn.closed_by_peer()


def test_transaction_request_before_registration_closes_the_connection(raw: Callable[[], Raw]) -> None:
    conn = raw()
    conn.send(Frame(FrameType.REQUEST_SYNC, 1, GlobalBeginRequest(60000, "unregistered")))
    assert conn.closed_by_peer()


def test_a_request_the_tc_does_not_serve_closes_the_connection(raw: Callable[[], Raw]) -> None:
    conn = raw()
    conn.register_tm()
    conn.send(Frame(FrameType.REQUEST_SYNC, 2, RegisterTMResponse(identified=True, version="x")))
    assert conn.closed_by_peer()


def test_silent_connections_are_closed_after_the_idle_timeout() -> None:
    with EmbeddedTC(idle_timeout=0.3) as tc:
        quiet = Raw(tc.address)
        quiet.register_tm()
        assert quiet.closed_by_peer()
        quiet.sock.close()
        pinging = Raw(tc.address)
        pinging.register_tm()
        pinging.sock.settimeout(0.1)
        for i in range(8):  # 0.8 s of pings every 0.1 s keep it open
            pinging.send(Frame(FrameType.HEARTBEAT_REQUEST, 100 + i))
            assert pinging.next_frame().frame_type is FrameType.HEARTBEAT_RESPONSE
            assert not pinging.closed_by_peer()
        pinging.sock.close()

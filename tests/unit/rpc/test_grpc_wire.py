"""The gRPC transport against a server that frames HTTP/2 like the Seata 2.3+ server, not like grpcio.

What an in-process grpc.aio server cannot show: that grpcio accepts ``grpc-status`` in the initial headers of
a response stream that never ends, and that what the client writes arrives one whole message per DATA frame.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from seata_py.protocol import (
    BranchCommitRequest,
    BranchCommitResponse,
    BranchStatus,
    BranchType,
    Codec,
    Frame,
    FrameType,
    GlobalStatus,
)
from seata_py.protocol.messages import BranchRegisterRequest
from seata_py.protocol.protobuf import encode_envelope
from seata_py.rpc.client import RpcClient
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.coordinator import TransactionCoordinator
from seata_py.rpc.grpc_transport import MAX_ENVELOPE_BYTES, SERVER_MAX_DATA_FRAME
from tests.unit.rpc.seata_like_h2 import GOAWAY, HEADERS, RST_STREAM, SeataLikeH2Server

RESOURCE = "jdbc:mysql://127.0.0.1:3306/orders"


class CommitAll:
    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        return BranchStatus.PHASE_TWO_COMMITTED

    def branch_rollback(self, request: object) -> BranchStatus:
        return BranchStatus.PHASE_TWO_ROLLBACKED

    def undo_log_delete(self, request: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[SeataLikeH2Server]:
    tc = SeataLikeH2Server().start()
    yield tc
    tc.close()


@pytest.fixture
def client(server: SeataLikeH2Server) -> Iterator[RpcClient]:
    config = RpcConfig(
        application_id="wire",
        grouplists={"default": [server.address]},
        transport="grpc",
        heartbeat_interval=0.2,
        read_idle_timeout=3.0,
    )
    rpc = RpcClient(config)
    rpc.set_branch_handler(BranchType.AT, CommitAll())
    rpc.register_resource(RESOURCE)
    rpc.start()
    yield rpc
    rpc.close()


def _lock_key_filling(xid: str, request_id: int, size: int) -> str:
    """A lock key that makes the BranchRegister envelope exactly ``size`` bytes."""
    for n in range(size - 400, size):
        lock_key = "t:" + "1" * n
        message = BranchRegisterRequest(
            xid=xid, branch_type=BranchType.AT, resource_id=RESOURCE, lock_key=lock_key
        )
        frame = Frame(FrameType.REQUEST_SYNC, request_id, message, codec=Codec.GRPC)
        if len(encode_envelope(frame)) == size:
            return lock_key
    raise AssertionError(f"no lock key gives a {size}-byte envelope")


def test_a_stream_without_trailers_carries_requests_responses_pushes_and_heartbeats(
    server: SeataLikeH2Server, client: RpcClient
) -> None:
    assert client.wait_ready(5), "grpcio took grpc-status in the initial headers and no trailers"
    tc = TransactionCoordinator(client)
    xid = tc.begin("wire", 1000)
    assert tc.branch_register(xid, RESOURCE, "t:1") > 0
    assert tc.commit(xid) is GlobalStatus.COMMITTED

    answer = server.push(
        BranchCommitRequest(xid=xid, branch_id=9, branch_type=BranchType.AT, resource_id=RESOURCE)
    )
    assert answer.frame_type is FrameType.RESPONSE and answer.request_id >= 5000
    assert isinstance(answer.message, BranchCommitResponse)
    assert answer.message.branch_status is BranchStatus.PHASE_TWO_COMMITTED

    time.sleep(0.8)
    assert any(f.frame_type is FrameType.HEARTBEAT_REQUEST for f in server.received)
    assert [c.connects for c in client.connections()] == [1, 1], "answers kept the streams alive"

    assert len(server.connections) == 2, "TM and RM each on an HTTP/2 connection of their own"
    assert sorted(s.role or "" for s in server.streams()) == ["RM", "TM"]
    for conn in server.connections:
        assert len(conn.streams) == 1
        assert HEADERS in conn.frame_kinds
        assert RST_STREAM not in conn.frame_kinds and GOAWAY not in conn.frame_kinds
    assert server.split_messages == 0


def test_the_largest_allowed_message_reaches_the_server_in_one_data_frame(
    server: SeataLikeH2Server, client: RpcClient
) -> None:
    assert client.wait_ready(5)
    tc = TransactionCoordinator(client)
    xid = tc.begin("big", 1000)
    # Request ids stay below 128 here, one varint byte like 100.
    assert tc.branch_register(xid, RESOURCE, _lock_key_filling(xid, 100, MAX_ENVELOPE_BYTES)) > 0
    rm = next(s for s in server.streams() if s.role == "RM")
    assert max(rm.data_frame_sizes) == SERVER_MAX_DATA_FRAME, (
        "the message filled a frame of the server's size"
    )
    assert server.split_messages == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"\x00\x00\x00\x00\x07" + b"\xff" * 7, id="gRPC message that is no protobuf"),
        pytest.param(b"\x00\x00\x00\x00\x02\x08", id="gRPC length prefix past the frame"),
        pytest.param(b"\x07\x00\x00\x00\x00", id="unknown gRPC compressed flag"),
    ],
)
def test_undecodable_bytes_drop_the_stream_and_the_client_comes_back(
    server: SeataLikeH2Server, client: RpcClient, payload: bytes
) -> None:
    assert client.wait_ready(5)
    tm = next(c for c in client.connections() if c.role.value == "TM")
    server.send_data("TM", payload)
    deadline = time.monotonic() + 10
    while tm.connects < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tm.connects >= 2, "the stream was dropped and registered again"
    assert client.wait_ready(5)
    assert TransactionCoordinator(client).begin("after garbage", 1000)

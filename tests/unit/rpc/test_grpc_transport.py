"""The gRPC transport against a scripted grpc.aio TC: the same contract as the classic connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest

from seata_py.exceptions import RpcTimeoutError, TCUnavailableError
from seata_py.protocol import (
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRollbackRequest,
    BranchRollbackResponse,
    BranchStatus,
    BranchType,
    Codec,
    Frame,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalCommitRequest,
    GlobalRollbackRequest,
    GlobalStatus,
    GlobalStatusRequest,
    ProtocolError,
    RegisterRMRequest,
    RegisterTMRequest,
    ResultCode,
    UndoLogDeleteRequest,
)
from seata_py.protocol.messages import BranchRegisterRequest
from seata_py.protocol.protobuf import encode_envelope, frame_to_envelope
from seata_py.protocol.protobuf.generated.seata_grpc_pb2 import GrpcMessageProto
from seata_py.rpc.client import RpcClient
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.connection import ClientRole
from seata_py.rpc.coordinator import TransactionCoordinator
from seata_py.rpc.errors import MessageTooLargeError
from seata_py.rpc.grpc_transport import MAX_ENVELOPE_BYTES, GrpcTransport, channel_options
from seata_py.rpc.tcp_transport import TcpTransport
from tests.unit.rpc.fake_grpc_tc import FakeGrpcTC

RESOURCE = "jdbc:mysql://127.0.0.1:3306/orders"


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def fake_tc() -> Iterator[FakeGrpcTC]:
    tc = FakeGrpcTC().start()
    yield tc
    tc.close()


def client_for(tc: FakeGrpcTC, **overrides: object) -> RpcClient:
    config = RpcConfig(
        application_id="unit",
        grouplists={"default": [tc.address]},
        transport="grpc",
        reconnect_min_backoff=0.05,
        reconnect_max_backoff=0.2,
        connect_timeout=1.0,
        **overrides,
    )  # type: ignore[arg-type]
    client = RpcClient(config)
    client.start()
    return client


# -- selection ---------------------------------------------------------------------------------------------


def test_the_config_selects_the_transport() -> None:
    assert RpcConfig(application_id="a").transport == "tcp"
    assert isinstance(RpcClient(RpcConfig(application_id="a")).transport, TcpTransport)
    assert isinstance(RpcClient(RpcConfig(application_id="a", transport="grpc")).transport, GrpcTransport)
    with pytest.raises(ValueError, match="unknown RPC transport 'http'"):
        RpcConfig(application_id="a", transport="http")


def test_each_role_gets_a_channel_of_its_own() -> None:
    for role in ClientRole:
        assert ("grpc.use_local_subchannel_pool", 1) in channel_options(role)
    assert channel_options(ClientRole.TM) != channel_options(ClientRole.RM)


# -- registration and requests ------------------------------------------------------------------------------


def test_tm_and_rm_register_first_each_on_its_own_connection_and_stream(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    client.register_resource(RESOURCE)
    try:
        assert client.wait_ready(5)
        client.register_resource("jdbc:mysql://127.0.0.1:3306/stock")
        assert len(fake_tc.streams) == 2
        tm, rm = fake_tc.streams_of("TM"), fake_tc.streams_of("RM")
        assert len(tm) == 1 and len(rm) == 1
        # The server keys its channels by client ip:port: the roles must not share an HTTP/2 connection.
        assert tm[0].peer != rm[0].peer
        assert isinstance(tm[0].frames[0].message, RegisterTMRequest)
        assert isinstance(rm[0].frames[0].message, RegisterRMRequest)
        for stream in fake_tc.streams:
            first = stream.frames[0]
            assert first.frame_type is FrameType.REQUEST_SYNC and first.codec is Codec.GRPC
            assert first.message.version and first.message.application_id == "unit"
        registered = ",".join(m.resource_ids or "" for m in fake_tc.messages(RegisterRMRequest))
        assert RESOURCE in registered and "jdbc:mysql://127.0.0.1:3306/stock" in registered
        assert all(isinstance(f.message, RegisterRMRequest) for f in rm[0].frames)
    finally:
        client.close()


def test_refused_registration_never_makes_the_connection_ready() -> None:
    tc = FakeGrpcTC(identify=False).start()
    client = client_for(tc, connect_wait=0.3)
    try:
        assert not client.wait_ready(0.5)
        with pytest.raises(TCUnavailableError):
            TransactionCoordinator(client).begin("x", 1000)
    finally:
        client.close()
        tc.close()


def test_tm_and_rm_calls_through_the_coordinator(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    tc = TransactionCoordinator(client)
    try:
        xid = tc.begin("order", 30000)
        assert xid.startswith(fake_tc.address)
        branch_id = tc.branch_register(xid, RESOURCE, "orders:1,2;stock:7")
        assert branch_id >= 100
        assert tc.status(xid) is GlobalStatus.BEGIN
        assert tc.commit(xid) is GlobalStatus.COMMITTED
        assert tc.rollback(tc.begin("other", 1000)) is GlobalStatus.ROLLBACKED

        tm, rm = fake_tc.streams_of("TM")[0], fake_tc.streams_of("RM")[0]
        tm_kinds = [type(f.message) for f in tm.frames]
        assert tm_kinds.count(GlobalBeginRequest) == 2
        assert GlobalCommitRequest in tm_kinds and GlobalRollbackRequest in tm_kinds
        assert GlobalStatusRequest in tm_kinds
        (register,) = [f.message for f in rm.frames if isinstance(f.message, BranchRegisterRequest)]
        assert (register.xid, register.resource_id, register.lock_key) == (
            xid,
            RESOURCE,
            "orders:1,2;stock:7",
        )
        ids = [f.request_id for f in fake_tc.received if f.frame_type is FrameType.REQUEST_SYNC]
        assert len(set(ids)) == len(ids), "request ids are unique across both streams"
    finally:
        client.close()


def test_sync_and_async_callers(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    tc = TransactionCoordinator(client)
    try:

        async def run() -> list[str]:
            return list(await asyncio.gather(*(tc.abegin(f"a{i}", 1000) for i in range(20))))

        xids = asyncio.run(run())
        assert len(set(xids)) == 20
        assert tc.begin("sync", 1000) not in xids
        assert asyncio.run(tc.abranch_register(xids[0], RESOURCE, "t:1")) >= 100
    finally:
        client.close()


def test_a_caller_giving_up_leaves_the_stream_to_the_others(fake_tc: FakeGrpcTC) -> None:
    fake_tc.answers[GlobalBeginRequest] = lambda m: None
    client = client_for(fake_tc, tm_request_timeout=0.3)
    tc = TransactionCoordinator(client)
    try:
        with pytest.raises(RpcTimeoutError, match="GlobalBeginRequest"):
            tc.begin("unanswered", 1000)

        async def cancelled_midway() -> None:
            task = asyncio.ensure_future(tc.abegin("cancelled", 1000))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancelled_midway())
        del fake_tc.answers[GlobalBeginRequest]
        assert tc.begin("after", 1000)
        assert [c.connects for c in client.connections()] == [1, 1]
        assert len(fake_tc.streams) == 2
    finally:
        client.close()


# -- server pushes -----------------------------------------------------------------------------------------


class Handler:
    def __init__(self) -> None:
        self.deleted: list[UndoLogDeleteRequest] = []

    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        return BranchStatus.PHASE_TWO_COMMITTED

    async def branch_rollback(self, request: BranchRollbackRequest) -> BranchStatus:
        return BranchStatus.PHASE_TWO_ROLLBACKED

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        self.deleted.append(request)


def test_pushes_are_answered_on_the_same_stream_with_the_same_id(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    handler = Handler()
    client.set_branch_handler(BranchType.AT, handler)
    client.register_resource(RESOURCE)
    try:
        assert client.wait_ready(5)
        rm = fake_tc.streams_of("RM")[0]
        commit = fake_tc.push(
            BranchCommitRequest(xid="x:1:2", branch_id=77, branch_type=BranchType.AT, resource_id=RESOURCE)
        )
        assert commit is not None and commit.frame_type is FrameType.RESPONSE
        assert commit.request_id >= 1000 and commit.codec is Codec.GRPC
        assert commit in rm.frames, "the answer came back on the RM stream the push went out on"
        assert isinstance(commit.message, BranchCommitResponse)
        assert (commit.message.xid, commit.message.branch_id) == ("x:1:2", 77)
        assert commit.message.branch_status is BranchStatus.PHASE_TWO_COMMITTED
        assert commit.message.result_code is ResultCode.SUCCESS

        rollback = fake_tc.push(
            BranchRollbackRequest(xid="x:1:3", branch_id=78, branch_type=BranchType.AT, resource_id=RESOURCE)
        )
        assert rollback is not None and isinstance(rollback.message, BranchRollbackResponse)
        assert rollback.request_id == commit.request_id + 1
        assert rollback.message.branch_status is BranchStatus.PHASE_TWO_ROLLBACKED

        fake_tc.push(
            UndoLogDeleteRequest(branch_type=BranchType.AT, resource_id=RESOURCE, save_days=7),
            frame_type=FrameType.REQUEST_ONEWAY,
        )
        assert wait_until(lambda: len(handler.deleted) == 1)
        assert handler.deleted[0].save_days == 7
    finally:
        client.close()


# -- heartbeats --------------------------------------------------------------------------------------------


def test_pings_on_write_idle_and_answered_pings_keep_the_streams(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc, heartbeat_interval=0.1, read_idle_timeout=0.5)
    try:
        assert client.wait_ready(5)
        time.sleep(1.5)
        pings = [f for f in fake_tc.received if f.frame_type is FrameType.HEARTBEAT_REQUEST]
        assert {s.role for s in fake_tc.streams if any(f in pings for f in s.frames)} == {"TM", "RM"}
        assert all(p.message is None for p in pings)
        assert [c.connects for c in client.connections()] == [1, 1]
        assert len(fake_tc.streams) == 2
    finally:
        client.close()


def test_a_ping_from_the_tc_is_answered_with_the_same_id(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    try:
        assert client.wait_ready(5)
        fake_tc.send_raw("TM", frame_to_envelope(Frame(FrameType.HEARTBEAT_REQUEST, 4242, codec=Codec.GRPC)))
        tm = fake_tc.streams_of("TM")[0]
        assert wait_until(
            lambda: any(
                f.frame_type is FrameType.HEARTBEAT_RESPONSE and f.request_id == 4242 for f in tm.frames
            )
        )
    finally:
        client.close()


def test_a_tc_that_stops_answering_is_dropped_and_reconnected() -> None:
    quiet = FakeGrpcTC(answer_pings=False).start()
    client = client_for(quiet, heartbeat_interval=0.2, read_idle_timeout=0.8)
    try:
        assert client.wait_ready(5)
        tm = client.connections(ClientRole.TM)[0]
        assert wait_until(lambda: tm.connects >= 2, timeout=5), "a silent TC must be dropped and reconnected"
        assert len(quiet.streams_of("TM")) >= 2
    finally:
        client.close()
        quiet.close()


# -- limits ------------------------------------------------------------------------------------------------


def _register_envelope_size(xid: str, lock_key: str, request_id: int) -> int:
    message = BranchRegisterRequest(
        xid=xid, branch_type=BranchType.AT, resource_id=RESOURCE, lock_key=lock_key
    )
    return len(encode_envelope(Frame(FrameType.REQUEST_SYNC, request_id, message, codec=Codec.GRPC)))


def test_oversize_messages_fail_before_sending_and_the_stream_stays(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc)
    tc = TransactionCoordinator(client)
    try:
        xid = tc.begin("big", 1000)
        # The largest lock key that still fits, found by measuring (ids stay below 128: a one-byte varint).
        fits = next(
            n
            for n in range(16000, 16400)
            if _register_envelope_size(xid, "t:" + "1" * n, 100) == MAX_ENVELOPE_BYTES
        )
        assert tc.branch_register(xid, RESOURCE, "t:" + "1" * fits) >= 100
        with pytest.raises(MessageTooLargeError) as err:
            tc.branch_register(xid, RESOURCE, "t:" + "1" * (fits + 1))
        assert err.value.size == MAX_ENVELOPE_BYTES + 1 and err.value.limit == MAX_ENVELOPE_BYTES
        assert "BranchRegisterRequest" in str(err.value) and "tcp" in str(err.value)
        lock_keys = [len(m.lock_key or "") for m in fake_tc.messages(BranchRegisterRequest)]
        assert lock_keys == [fits + 2], "only the message that fits reached the TC"

        async def too_big_async() -> None:
            await tc.abranch_register(xid, RESOURCE, "t:" + "9" * 20000)

        with pytest.raises(MessageTooLargeError):
            asyncio.run(too_big_async())
        assert tc.commit(xid) is GlobalStatus.COMMITTED
        assert [c.connects for c in client.connections()] == [1, 1]
    finally:
        client.close()


# -- the TC going away and misbehaving ---------------------------------------------------------------------


def test_reconnects_and_registers_again_after_the_tc_restarts(fake_tc: FakeGrpcTC) -> None:
    client = client_for(fake_tc, connect_wait=0.3)
    client.register_resource(RESOURCE)
    tc = TransactionCoordinator(client)
    try:
        assert tc.begin("before", 1000)
        fake_tc.stop()
        assert wait_until(lambda: not any(c.ready for c in client.connections()))
        with pytest.raises(TCUnavailableError):
            tc.begin("while down", 1000)
        fake_tc.restart()
        assert client.wait_ready(10)
        assert all(c.connects == 2 for c in client.connections())
        assert {s.role for s in fake_tc.streams} == {"TM", "RM"}
        rm = fake_tc.streams_of("RM")[0]
        assert RESOURCE in (rm.frames[0].message.resource_ids or ""), "resources are registered again"
        assert tc.begin("after", 1000)
    finally:
        client.close()


def _malformed_envelopes() -> dict[str, GrpcMessageProto]:
    good = frame_to_envelope(
        Frame(FrameType.RESPONSE, 1, GlobalBeginResponse(xid="1.2.3.4:8091:1"), codec=Codec.GRPC)
    )
    unknown_type = GrpcMessageProto()
    unknown_type.CopyFrom(good)
    unknown_type.messageType = 9
    garbage_body = GrpcMessageProto()
    garbage_body.CopyFrom(good)
    garbage_body.body = b"\xff\xfe\x00garbage"
    seata_codec = GrpcMessageProto()
    seata_codec.CopyFrom(good)
    seata_codec.headMap["codec-type"] = "1"
    ping_with_body = GrpcMessageProto(id=5, messageType=3, body=b"\x01")
    return {
        "unknown message type": unknown_type,
        "body that is no Any": garbage_body,
        "SEATA codec": seata_codec,
        "heartbeat with a body": ping_with_body,
    }


@pytest.mark.parametrize("kind", sorted(_malformed_envelopes()))
def test_a_malformed_envelope_drops_the_stream_and_the_client_reconnects(
    fake_tc: FakeGrpcTC, kind: str
) -> None:
    fake_tc.after_register = _malformed_envelopes()[kind]
    client = client_for(fake_tc)
    try:
        tm = client.connections(ClientRole.TM)[0]
        assert wait_until(lambda: tm.connects >= 2), "the client must reconnect after a malformed envelope"
        assert len(fake_tc.streams_of("TM")) >= 2, "each reconnect opens a new stream"
        fake_tc.after_register = None
        assert wait_until(lambda: client.wait_ready(1)), "and it keeps working once the TC behaves"
        assert TransactionCoordinator(client).begin("after-garbage", 1000)
    finally:
        client.close()


def test_a_request_in_flight_fails_at_once_when_its_stream_breaks(fake_tc: FakeGrpcTC) -> None:
    fake_tc.answers[GlobalBeginRequest] = lambda m: None
    client = client_for(fake_tc, tm_request_timeout=20)
    tc = TransactionCoordinator(client)
    try:
        assert client.wait_ready(5)

        async def begin_then_break() -> None:
            task = asyncio.ensure_future(tc.abegin("in flight", 1000))
            assert await asyncio.to_thread(wait_until, lambda: bool(fake_tc.messages(GlobalBeginRequest)))
            await asyncio.to_thread(fake_tc.send_raw, "TM", GrpcMessageProto(id=1, messageType=77))
            started = time.monotonic()
            with pytest.raises(TCUnavailableError, match="lost: unknown gRPC messageType 77") as err:
                await task
            assert time.monotonic() - started < 5, "not at the 20 s request timeout"
            assert isinstance(err.value.__cause__, ProtocolError)

        asyncio.run(begin_then_break())
    finally:
        client.close()

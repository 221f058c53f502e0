"""gRPC clients of the embedded TC: the same port as classic clients, the clients' own addresses, mixed
transports in one transaction, and the stream rules (pings, pushes, no trailers, dropped streams)."""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from seata_py.exceptions import LockConflictError
from seata_py.protocol import (
    BranchRegisterResponse,
    BranchType,
    Codec,
    Frame,
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
    ResultCode,
    TransactionExceptionCode,
)
from seata_py.protocol.protobuf import METHOD_PATH, decode_envelope, encode_envelope
from seata_py.rpc.client import RpcClient, xid_address
from seata_py.rpc.config import RpcConfig
from seata_py.tc import EmbeddedTC
from seata_py.tc.grpc_streams import grpc_representable
from seata_py.tc.preface import HTTP2_PREFACE, Wire, classify, sniff
from tests.unit.tc.conftest import RESOURCE, Client, ScriptedRM, eventually

OTHER_RESOURCE = "jdbc:mysql://127.0.0.1:3306/tc_unit_other"


@pytest.fixture
def transport() -> str:
    """Clients of this module use gRPC unless a test asks for classic ones (no per-transport runs here)."""
    return "grpc"


class RawStream:
    """One hand-driven ``sendRequest`` stream (grpcio's sync stack), read on a thread of its own."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._out: queue.Queue[bytes | None] = queue.Queue()
        self._in: queue.Queue[Frame | grpc.RpcError | None] = queue.Queue()
        self.call = channel.stream_stream(METHOD_PATH)(iter(self._out.get, None))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for data in self.call:
                self._in.put(decode_envelope(data))
        except grpc.RpcError as exc:
            self._in.put(exc)
            return
        self._in.put(None)  # ended with OK

    def send(self, frame: Frame) -> None:
        self._out.put(encode_envelope(frame))

    def send_raw(self, data: bytes) -> None:
        self._out.put(data)

    def done_writing(self) -> None:
        self._out.put(None)

    def next_frame(self, timeout: float = 5.0) -> Frame:
        item = self._in.get(timeout=timeout)
        assert isinstance(item, Frame), f"expected a frame, the stream ended: {item!r}"
        return item

    def request(self, message: Message, request_id: int) -> Message:
        self.send(Frame(FrameType.REQUEST_SYNC, request_id, message, codec=Codec.GRPC))
        frame = self.next_frame()
        assert frame.frame_type is FrameType.RESPONSE and frame.request_id == request_id
        assert frame.message is not None
        return frame.message

    def register_tm(self, request_id: int = 1) -> None:
        answer = self.request(
            RegisterTMRequest(version="2.3.0", application_id="raw-grpc", transaction_service_group="g"),
            request_id,
        )
        assert isinstance(answer, RegisterTMResponse) and answer.identified

    def end_code(self, timeout: float = 5.0) -> grpc.StatusCode | None:
        """How the stream ended (None for OK without error); frames still queued before it are skipped."""
        while True:
            item = self._in.get(timeout=timeout)
            if item is None:
                return None
            if isinstance(item, grpc.RpcError):
                code: grpc.StatusCode = item.code()
                return code

    def still_open(self, wait: float) -> bool:
        try:
            item = self._in.get(timeout=wait)
        except queue.Empty:
            return True
        self._in.put(item)
        return False


@pytest.fixture
def grpc_channel(tc: EmbeddedTC) -> Iterator[Callable[[], grpc.Channel]]:
    opened: list[grpc.Channel] = []

    def make() -> grpc.Channel:
        channel = grpc.insecure_channel(tc.address, options=[("grpc.use_local_subchannel_pool", 1)])
        opened.append(channel)
        return channel

    yield make
    for channel in opened:
        channel.close()


def client_ports_towards(port: int) -> set[int]:
    """Local ports of the established TCP connections to ``port`` seen in this network namespace (Linux
    /proc; grpcio dials from dual-stack sockets, so its connections are listed with the IPv6 ones)."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not all(table.exists() for table in tables):
        pytest.skip("needs /proc/net/tcp and /proc/net/tcp6 to see the clients' own socket addresses")
    ports = set()
    for table in tables:
        for line in table.read_text().splitlines()[1:]:
            local, remote, state = line.split()[1:4]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:  # 01 = ESTABLISHED
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


# -- the wire is told apart by its first bytes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        (b"", None),
        (b"\xda\xda\x01", Wire.CLASSIC),
        (b"P", None),
        (HTTP2_PREFACE[:23], None),
        (HTTP2_PREFACE, Wire.HTTP2),
        (HTTP2_PREFACE + b"\x00\x00\x00\x04", Wire.HTTP2),
        (
            b"PRI * HTTP/1.1",
            Wire.CLASSIC,
        ),  # starts like the preface, then is not: the classic decoder rejects it
        (b"GET / HTTP/1.1\r\n", Wire.CLASSIC),
    ],
)
def test_classify_first_bytes(data: bytes, wire: Wire | None) -> None:
    assert classify(data) is wire


def test_sniff_waits_for_a_preface_split_over_reads() -> None:
    async def scenario() -> tuple[Wire | None, bytes]:
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        for i, byte in enumerate(HTTP2_PREFACE):
            loop.call_later(0.001 * i, reader.feed_data, bytes([byte]))
        # nothing follows the preface: a sniffer that waited for more bytes would time out here
        return await sniff(reader, timeout=5)

    wire, data = asyncio.run(scenario())
    assert wire is Wire.HTTP2 and data == HTTP2_PREFACE


def test_sniff_reports_a_client_that_closed_before_deciding() -> None:
    async def scenario() -> tuple[Wire | None, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(b"PRI *")
        reader.feed_eof()
        return await sniff(reader, timeout=5)

    assert asyncio.run(scenario()) == (None, b"PRI *")


def test_sniff_times_out_on_a_silent_client() -> None:
    async def scenario() -> None:
        await sniff(asyncio.StreamReader(), timeout=0.05)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(scenario())


# -- the RPC client over gRPC ----------------------------------------------------------------------------


def test_grpc_client_runs_transactions_on_the_classic_port(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    client = connect(transport="grpc")
    assert client.rpc.config.grouplists["default"] == [tc.address]
    xid = client.tc.begin("grpc-commit", 60000)
    assert xid_address(xid) == tc.address  # the XID routes back to the one port both wires share
    assert client.tc.status(xid) is GlobalStatus.BEGIN
    branch = client.tc.branch_register(xid, RESOURCE, "t_grpc:1")
    assert client.tc.commit(xid) is GlobalStatus.COMMITTED
    assert eventually(lambda: client.tc.status(xid) is GlobalStatus.FINISHED)
    assert client.rm.committed(xid) == [branch]
    doomed = client.tc.begin("grpc-rollback", 60000)
    first = client.tc.branch_register(doomed, RESOURCE, "t_grpc:2")
    second = client.tc.branch_register(doomed, RESOURCE, "t_grpc:3")
    assert client.tc.rollback(doomed) is GlobalStatus.ROLLBACKED
    assert client.rm.rolled_back(doomed) == [second, first]
    channels = tc.status()["channels"]
    assert {c["transport"] for c in channels} == {"grpc"}
    assert sorted(role for c in channels for role in c["roles"]) == ["RM", "TM"]


def test_tc_sees_each_grpc_client_at_its_own_address(tc: EmbeddedTC, connect: Callable[..., Client]) -> None:
    first, second = connect("peer-a", transport="grpc"), connect("peer-b", transport="grpc")
    channels = tc.status()["channels"]
    assert len(channels) == 4  # a TM and an RM stream per client, each on its own connection
    seen = {int(c["client_id"].rsplit(":", 1)[1]) for c in channels}
    # The ports the clients' sockets have towards the TC port, not the bridge's loopback sockets.
    assert seen == client_ports_towards(tc.port)
    assert all(c["client_id"].split(":")[1] == "127.0.0.1" for c in channels)
    xid = first.tc.begin("recorded", 60000)
    branch = second.tc.branch_register(xid, RESOURCE, "t_peer:1")
    (session,) = [s for s in tc.status()["global_transactions"] if s["xid"] == xid]
    (rm,) = [c for c in channels if c["application_id"] == "peer-b" and c["roles"] == ["RM"]]
    assert [(b["branch_id"], b["client_id"]) for b in session["branches"]] == [(branch, rm["client_id"])]


def test_classic_and_grpc_clients_share_one_global_transaction(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    classic = connect("mixed-classic", resources=(RESOURCE,), transport="tcp")
    over_grpc = connect("mixed-grpc", resources=(OTHER_RESOURCE,), transport="grpc")
    xid = classic.tc.begin("mixed", 60000)
    grpc_branch = over_grpc.tc.branch_register(xid, OTHER_RESOURCE, "t_mixed:1")
    classic_branch = classic.tc.branch_register(xid, RESOURCE, "t_mixed:2")
    with pytest.raises(LockConflictError):  # row locks do not depend on the wire either
        other = over_grpc.tc.begin("other", 60000)
        over_grpc.tc.branch_register(other, RESOURCE, "t_mixed:2")
    assert over_grpc.tc.status(xid) is GlobalStatus.BEGIN
    assert over_grpc.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert classic.rm.rolled_back(xid) == [classic_branch]
    assert over_grpc.rm.rolled_back(xid) == [grpc_branch]
    transports = {c["application_id"]: c["transport"] for c in tc.status()["channels"]}
    assert transports == {"mixed-classic": "tcp", "mixed-grpc": "grpc"}


def test_phase_two_moves_from_a_grpc_rm_to_a_classic_survivor(connect: Callable[..., Client]) -> None:
    owner = connect("shop", transport="grpc")
    survivor = connect("shop", transport="tcp")
    xid = owner.tc.begin("survivor", 60000)
    branch = owner.tc.branch_register(xid, RESOURCE, "t_survivor:1")
    owner.close()
    assert survivor.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert survivor.rm.rolled_back(xid) == [branch]


def test_undo_log_delete_reaches_a_grpc_rm() -> None:
    with EmbeddedTC(undo_log_delete_delay=0.1, undo_log_delete_period=0.2, undo_log_save_days=5) as tc:
        rpc = RpcClient(
            RpcConfig(application_id="purge", grouplists={"default": [tc.address]}, transport="grpc")
        )
        rm = ScriptedRM()
        rpc.set_branch_handler(BranchType.AT, rm)
        rpc.start()
        try:
            assert rpc.wait_ready(10)
            rpc.register_resource(RESOURCE)
            assert rm.wait_for(lambda: len(rm.undo_deletes) >= 2)
            assert {(r.resource_id, r.save_days) for r in rm.undo_deletes} == {(RESOURCE, 5)}
        finally:
            rpc.close()


# -- the stream rules, with a hand-driven stream --------------------------------------------------------


def test_pings_are_answered_on_the_stream_with_the_same_id(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    stream.send(Frame(FrameType.HEARTBEAT_REQUEST, 77, codec=Codec.GRPC))
    pong = stream.next_frame()
    assert (pong.frame_type, pong.request_id, pong.message) == (FrameType.HEARTBEAT_RESPONSE, 77, None)


def test_registration_sent_oneway_is_answered(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    register = RegisterRMRequest(version="1.5.2", application_id="go", transaction_service_group="g")
    stream.send(Frame(FrameType.REQUEST_ONEWAY, 9, register, codec=Codec.GRPC))
    answer = stream.next_frame()
    assert answer.request_id == 9 and isinstance(answer.message, RegisterRMResponse)
    assert answer.message.identified


def test_answers_echo_the_codec_of_the_request(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    register = RegisterTMRequest(version="2.3.0", application_id="pb", transaction_service_group="g")
    stream.send(Frame(FrameType.REQUEST_SYNC, 4, register, codec=Codec.PROTOBUF))
    answer = stream.next_frame()
    assert answer.codec is Codec.PROTOBUF and isinstance(answer.message, RegisterTMResponse)


def test_merged_requests_get_one_merge_result_in_order(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    stream.register_tm()
    merged = MergedWarpMessage(
        msgs=(GlobalBeginRequest(timeout=60000, transaction_name="m1"), GlobalBeginRequest(60000, "m2")),
        msg_ids=(11, 12),
    )
    answer = stream.request(merged, request_id=10)
    assert isinstance(answer, MergeResultMessage)
    xids = [m.xid or "" for m in answer.msgs if isinstance(m, GlobalBeginResponse)]
    assert len(xids) == 2 and int(xids[0].rsplit(":", 1)[1]) < int(xids[1].rsplit(":", 1)[1])


def test_malformed_envelope_drops_that_stream_only(
    grpc_channel: Callable[[], grpc.Channel], connect: Callable[..., Client]
) -> None:
    healthy = connect(transport="grpc")
    shared = grpc_channel()
    bad, neighbour = RawStream(shared), RawStream(shared)  # two streams on one HTTP/2 connection
    bad.register_tm()
    neighbour.register_tm(request_id=2)
    bad.send_raw(b"\xff\xff\xff not a GrpcMessageProto")
    assert bad.end_code() is grpc.StatusCode.INVALID_ARGUMENT
    neighbour.send(Frame(FrameType.HEARTBEAT_REQUEST, 5, codec=Codec.GRPC))
    assert neighbour.next_frame().request_id == 5
    xid = healthy.tc.begin("still-serving", 60000)
    assert healthy.tc.status(xid) is GlobalStatus.BEGIN


def test_request_before_registration_drops_the_stream(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    stream.send(Frame(FrameType.REQUEST_SYNC, 1, GlobalBeginRequest(60000, "unregistered"), codec=Codec.GRPC))
    assert stream.end_code() is grpc.StatusCode.FAILED_PRECONDITION
    again = RawStream(grpc_channel())
    again.register_tm()  # new streams are served


def test_live_streams_are_never_ended_and_silent_ones_are_dropped(
    grpc_channel: Callable[[], grpc.Channel],
) -> None:
    with EmbeddedTC(idle_timeout=0.4) as tc:
        channel = grpc.insecure_channel(tc.address, options=[("grpc.use_local_subchannel_pool", 1)])
        try:
            pinging, quiet = RawStream(channel), RawStream(channel)
            pinging.register_tm()
            quiet.register_tm(request_id=2)
            for i in range(10):  # 1 s of pings, well past the idle timeout
                pinging.send(Frame(FrameType.HEARTBEAT_REQUEST, 100 + i, codec=Codec.GRPC))
                assert pinging.next_frame().frame_type is FrameType.HEARTBEAT_RESPONSE
                assert pinging.still_open(0.1)
            assert not pinging.call.done()  # no status, no trailers while the client is alive
            assert quiet.end_code() is grpc.StatusCode.UNAVAILABLE
            assert eventually(lambda: len(tc.status()["channels"]) == 1)
        finally:
            channel.close()


def test_half_closed_stream_gets_its_answers_then_ends_ok(grpc_channel: Callable[[], grpc.Channel]) -> None:
    stream = RawStream(grpc_channel())
    stream.register_tm()
    stream.send(Frame(FrameType.REQUEST_SYNC, 2, GlobalBeginRequest(60000, "last"), codec=Codec.GRPC))
    stream.done_writing()
    answer = stream.next_frame()
    assert answer.request_id == 2 and isinstance(answer.message, GlobalBeginResponse)
    assert stream.end_code() is None


def test_closing_the_client_forgets_its_channels(tc: EmbeddedTC, connect: Callable[..., Client]) -> None:
    client = connect(transport="grpc")
    assert len(tc.status()["channels"]) == 2
    client.close()
    assert eventually(lambda: tc.status()["channels"] == [])


def test_garbage_after_the_http2_preface_closes_that_connection_only(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    healthy = connect(transport="grpc")
    host, _, port = tc.address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5) as probe:
        probe.sendall(HTTP2_PREFACE + b"\x00\x00\x00\x07garbage-that-is-not-http2")
        probe.settimeout(5)
        while probe.recv(65536):  # the internal server answers GOAWAY and closes; the bridge follows
            pass
    assert healthy.tc.status(healthy.tc.begin("after-probe", 60000)) is GlobalStatus.BEGIN


# -- answers the protobuf enums cannot carry --------------------------------------------------------------


def test_unrepresentable_exception_codes_become_the_nearest_code() -> None:
    fail_fast = BranchRegisterResponse(
        branch_id=0,
        result_code=ResultCode.FAILED,
        exception_code=TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST,
        msg="conflict",
    )
    merged = grpc_representable(MergeResultMessage(msgs=(fail_fast,)))
    assert isinstance(merged, MergeResultMessage)
    (converted,) = merged.msgs
    assert isinstance(converted, BranchRegisterResponse)
    assert converted.exception_code is TransactionExceptionCode.LOCK_KEY_CONFLICT
    assert converted.msg is not None and converted.msg.startswith("conflict [LOCK_KEY_CONFLICT_FAIL_FAST")
    broken = BranchRegisterResponse(branch_id=0, exception_code=TransactionExceptionCode.BROKEN)
    assert grpc_representable(broken).exception_code is TransactionExceptionCode.UNKNOWN  # type: ignore[attr-defined]
    fine = BranchRegisterResponse(branch_id=3)
    assert grpc_representable(fine) is fine

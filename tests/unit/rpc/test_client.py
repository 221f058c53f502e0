"""RPC client behaviour against scripted fake TCs: routing, failures, heartbeats, pushes."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator

import pytest

from seata_py.exceptions import (
    GlobalTransactionNotExistError,
    LockConflictError,
    RpcTimeoutError,
    TCUnavailableError,
    TransactionError,
)
from seata_py.protocol import (
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRollbackRequest,
    BranchRollbackResponse,
    BranchStatus,
    BranchType,
    Frame,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalStatus,
    GlobalStatusRequest,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    ResultCode,
    TransactionExceptionCode,
    UndoLogDeleteRequest,
)
from seata_py.protocol.messages import BranchRegisterRequest, BranchRegisterResponse
from seata_py.rpc.client import RpcClient, xid_address
from seata_py.rpc.config import RpcConfig, parse_grouplist
from seata_py.rpc.connection import ClientRole, Push
from seata_py.rpc.coordinator import TransactionCoordinator
from tests.unit.rpc.fake_tc import FakeTC


def wait_until(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def fake_tc() -> Iterator[FakeTC]:
    tc = FakeTC().start()
    yield tc
    tc.stop()


def client_for(*tcs: FakeTC, **overrides: object) -> RpcClient:
    config = RpcConfig(
        application_id="unit",
        grouplists={"default": [t.address for t in tcs]},
        reconnect_min_backoff=0.05,
        reconnect_max_backoff=0.2,
        **overrides,
    )  # type: ignore[arg-type]
    client = RpcClient(config)
    client.start()
    return client


def test_registers_tm_and_rm_with_resources_before_anything_else(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    client.register_resource("jdbc:mysql://h:3306/a")  # before ready: carried by the registration or added
    try:
        assert client.wait_ready(5)
        client.register_resource("jdbc:mysql://h:3306/b")
        for peer in fake_tc.peers:
            first = peer.frames[0].message
            assert type(first).__name__ in ("RegisterTMRequest", "RegisterRMRequest")
            assert first.version and first.application_id == "unit"
        registered = ",".join(m.resource_ids or "" for m in fake_tc.messages(RegisterRMRequest))
        assert "jdbc:mysql://h:3306/a" in registered and "jdbc:mysql://h:3306/b" in registered
    finally:
        client.close()


def test_resource_ids_cannot_contain_the_tc_separator(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    try:
        with pytest.raises(ValueError, match="','"):
            client.register_resource("jdbc:mysql://a:1,b:2/db")
    finally:
        client.close()


def test_requests_for_an_xid_go_to_the_tc_that_issued_it() -> None:
    a, b = FakeTC().start(), FakeTC().start()
    client = client_for(a, b)
    try:
        assert client.wait_ready(5)
        tc = TransactionCoordinator(client)
        xids = [tc.begin("rr", 1000) for _ in range(6)]
        assert {xid_address(x) for x in xids} == {a.address, b.address}, "begins are spread over both TCs"
        owned_by_b = next(x for x in xids if xid_address(x) == b.address)
        before_a = len(a.messages(GlobalStatusRequest))
        for _ in range(4):
            assert tc.status(owned_by_b) is GlobalStatus.BEGIN
        assert len(b.messages(GlobalStatusRequest)) == 4
        assert len(a.messages(GlobalStatusRequest)) == before_a
        # an XID from a TC we do not know takes the normal choice
        tc.status("10.9.9.9:8091:42")
        assert len(a.messages(GlobalStatusRequest)) + len(b.messages(GlobalStatusRequest)) == 5
    finally:
        client.close()
        a.stop()
        b.stop()


def test_failed_answers_become_typed_errors(fake_tc: FakeTC) -> None:
    def conflict(message: object) -> BranchRegisterResponse:
        return BranchRegisterResponse(
            branch_id=0,
            result_code=ResultCode.FAILED,
            msg="held by 1.2.3.4:8091:9",
            exception_code=TransactionExceptionCode.LOCK_KEY_CONFLICT,
        )

    fake_tc.answers[BranchRegisterRequest] = conflict
    fake_tc.answers[GlobalBeginRequest] = lambda m: GlobalBeginResponse(
        result_code=ResultCode.FAILED,
        msg="nope",
        exception_code=TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_EXIST,
    )
    client = client_for(fake_tc)
    try:
        tc = TransactionCoordinator(client)
        with pytest.raises(LockConflictError) as err:
            tc.branch_register("127.0.0.1:1:1", "r", "t:1")
        assert err.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT
        assert "held by 1.2.3.4:8091:9" in str(err.value) and "127.0.0.1:1:1" in str(err.value)
        with pytest.raises(GlobalTransactionNotExistError):
            tc.begin("x", 1000)
        fake_tc.answers[GlobalBeginRequest] = lambda m: GlobalBeginResponse(xid=None)
        with pytest.raises(TransactionError, match="no XID"):
            tc.begin("x", 1000)
    finally:
        client.close()


def test_unanswered_request_times_out(fake_tc: FakeTC) -> None:
    fake_tc.answers[GlobalBeginRequest] = lambda m: None
    client = client_for(fake_tc, tm_request_timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(RpcTimeoutError, match="GlobalBeginRequest"):
            TransactionCoordinator(client).begin("slow", 1000)
        assert time.monotonic() - started < 3
    finally:
        client.close()


def test_no_tc_listening_raises_tc_unavailable() -> None:
    tc = FakeTC().start()
    address = tc.address
    tc.stop()
    client = RpcClient(RpcConfig(application_id="unit", grouplists={"default": [address]}, connect_wait=0.3))
    client.start()
    try:
        with pytest.raises(TCUnavailableError, match="no TC reachable"):
            TransactionCoordinator(client).begin("x", 1000)
    finally:
        client.close()


def test_refused_registration_never_makes_the_connection_ready() -> None:
    tc = FakeTC(identify=False).start()
    client = client_for(tc, connect_wait=0.3)
    try:
        assert not client.wait_ready(0.5)
        with pytest.raises(TCUnavailableError):
            TransactionCoordinator(client).begin("x", 1000)
    finally:
        client.close()
        tc.stop()


def test_malformed_frame_closes_the_connection_and_the_client_reconnects(fake_tc: FakeTC) -> None:
    fake_tc.garbage_after_register = b"\xca\xfe" + b"\x00" * 20
    client = client_for(fake_tc)
    try:
        # counted at the TC: the registration answer and the garbage can arrive in one read, and then the
        # client drops the connection before it counts the registration as done
        assert wait_until(lambda: sum(p.role == "TM" for p in list(fake_tc.peers)) >= 2), (
            "the client must reconnect after a malformed frame"
        )
        fake_tc.garbage_after_register = None
        assert client.wait_ready(5)
        tc = TransactionCoordinator(client)

        def begins() -> bool:
            # garbage already on its way when it was switched off may drop the connection once more
            try:
                return bool(tc.begin("after-garbage", 1000))
            except (TCUnavailableError, RpcTimeoutError):
                return False

        assert wait_until(begins, timeout=10), "the client must recover once the TC sends valid frames"
    finally:
        client.close()


def test_pings_when_write_idle_and_drops_when_read_idle() -> None:
    quiet = FakeTC(answer_pings=False).start()
    client = client_for(quiet, heartbeat_interval=0.2, read_idle_timeout=0.8)
    try:
        assert client.wait_ready(5)
        assert wait_until(lambda: any(f.frame_type is FrameType.HEARTBEAT_REQUEST for f in quiet.received))
        tm = client.connections(ClientRole.TM)[0]
        assert wait_until(lambda: tm.connects >= 2, timeout=5), "a silent TC must be dropped and reconnected"
    finally:
        client.close()
        quiet.stop()


def test_answered_pings_keep_the_connection(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc, heartbeat_interval=0.1, read_idle_timeout=0.5)
    try:
        assert client.wait_ready(5)
        time.sleep(1.5)
        assert [c.connects for c in client.connections()] == [1, 1]
    finally:
        client.close()


class Handler:
    def __init__(self) -> None:
        self.deleted: list[UndoLogDeleteRequest] = []

    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        return BranchStatus.PHASE_TWO_COMMITTED

    def branch_rollback(self, request: BranchRollbackRequest) -> BranchStatus:
        raise RuntimeError("database is down")

    async def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        self.deleted.append(request)


def test_pushes_reach_the_handler_and_answers_echo_the_request_id(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    handler = Handler()
    client.set_branch_handler(BranchType.AT, handler)
    try:
        assert client.wait_ready(5)
        commit = fake_tc.push(
            BranchCommitRequest(xid="x:1:2", branch_id=77, branch_type=BranchType.AT, resource_id="r")
        )
        assert commit is not None and commit.frame_type is FrameType.RESPONSE
        assert isinstance(commit.message, BranchCommitResponse)
        assert commit.request_id >= 1000
        assert (commit.message.branch_id, commit.message.xid) == (77, "x:1:2")
        assert commit.message.branch_status is BranchStatus.PHASE_TWO_COMMITTED

        rollback = fake_tc.push(
            BranchRollbackRequest(xid="x:1:2", branch_id=78, branch_type=BranchType.AT, resource_id="r")
        )
        assert rollback is not None and isinstance(rollback.message, BranchRollbackResponse)
        assert rollback.message.branch_status is BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
        assert rollback.message.result_code is ResultCode.FAILED
        assert "database is down" in (rollback.message.msg or "")

        fake_tc.push(
            UndoLogDeleteRequest(branch_type=BranchType.AT, resource_id="r", save_days=7),
            frame_type=FrameType.REQUEST_ONEWAY,
        )
        assert wait_until(lambda: len(handler.deleted) == 1)
        assert handler.deleted[0].save_days == 7
    finally:
        client.close()


class _ClosedConnection:
    """A push's connection that closed while its phase 2 ran (the process shutting down, a dropped link)."""

    address = "127.0.0.1:8091"

    def __init__(self) -> None:
        self.answers: list[object] = []

    async def respond(self, request: Frame, response: object) -> None:
        self.answers.append(response)
        raise TCUnavailableError(f"connection to TC {self.address} is not open")


def test_an_answer_the_closed_connection_cannot_carry_is_logged_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = RpcClient(RpcConfig(application_id="unit", grouplists={"default": ["127.0.0.1:1"]}))
    client.set_branch_handler(BranchType.AT, Handler())
    connection = _ClosedConnection()
    request = BranchCommitRequest(xid="x:1:2", branch_id=77, branch_type=BranchType.AT, resource_id="r")
    push = Push(connection, Frame(FrameType.REQUEST_SYNC, 5, request))  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="seata_py"):
        asyncio.run(client._handle_push(push))
    assert len(connection.answers) == 1  # the branch's phase 2 ran; only its answer was lost
    assert [r.levelno for r in caplog.records] == [logging.INFO], caplog.text
    assert "branch 77 (xid=x:1:2) done" in caplog.text and "send it again" in caplog.text


def test_push_without_handler_is_answered_retryable(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    try:
        assert client.wait_ready(5)
        answer = fake_tc.push(
            BranchRollbackRequest(xid="x:1:2", branch_id=5, branch_type=BranchType.TCC, resource_id="r")
        )
        assert answer is not None
        assert answer.message.branch_status is BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
    finally:
        client.close()


def test_async_and_sync_callers(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    tc = TransactionCoordinator(client)
    try:

        async def run() -> list[str]:
            return list(await asyncio.gather(*(tc.abegin(f"a{i}", 1000) for i in range(20))))

        xids = asyncio.run(run())
        assert len(set(xids)) == 20
        assert tc.begin("sync", 1000) not in xids
    finally:
        client.close()


def test_blocking_call_from_the_io_thread_is_refused(fake_tc: FakeTC) -> None:
    client = client_for(fake_tc)
    try:

        async def inside() -> None:
            client.call(ClientRole.TM, GlobalStatusRequest(xid="a:1:1"))

        with pytest.raises(RuntimeError, match="deadlock"):
            client._loop.run(inside())
    finally:
        client.close()


@pytest.mark.parametrize(
    ("xid", "expected"),
    [
        ("10.0.0.5:8091:2612345678901234567", "10.0.0.5:8091"),
        ("nonsense", None),
        ("a:b", None),
        (None, None),
        ("host:8091:notanumber", None),
    ],
)
def test_xid_address(xid: str | None, expected: str | None) -> None:
    assert xid_address(xid) == expected


def test_grouplist_resolution() -> None:
    assert parse_grouplist(" 10.0.0.1:8091, 10.0.0.2:8092;h:1 ") == ["10.0.0.1:8091", "10.0.0.2:8092", "h:1"]
    config = RpcConfig(
        application_id="a",
        tx_service_group="my_group",
        vgroup_mapping={"my_group": "east"},
        grouplists={"east": ["e1:8091"], "default": ["d:8091"]},
    )
    assert config.addresses() == ["e1:8091"]
    with pytest.raises(ValueError, match="no grouplist for cluster 'west'"):
        RpcConfig(application_id="a", vgroup_mapping={"default_tx_group": "west"}).addresses()
    with pytest.raises(ValueError, match="host:port"):
        parse_grouplist("nohost")


def test_a_resource_registered_while_the_rm_registration_is_on_its_way_reaches_the_tc(
    fake_tc: FakeTC,
) -> None:
    on_its_way, release = threading.Event(), threading.Event()

    def slow_registration(message: Message) -> Message:
        if not on_its_way.is_set():
            on_its_way.set()
            release.wait(5)  # holds the fake TC's answer while the client registers another resource
        return RegisterRMResponse(identified=True, version="2.0.0")

    fake_tc.answers[RegisterRMRequest] = slow_registration
    client = client_for(fake_tc)
    try:
        assert on_its_way.wait(5)
        client.register_resource("jdbc:mysql://h:3306/late")  # the RM connection is not ready yet
        release.set()
        assert client.wait_ready(5)
        registered = ",".join(m.resource_ids or "" for m in fake_tc.messages(RegisterRMRequest))
        assert "jdbc:mysql://h:3306/late" in registered
    finally:
        release.set()
        client.close()

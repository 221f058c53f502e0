from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from seata_py.protocol import BranchCommitRequest, BranchRollbackRequest, BranchStatus, BranchType
from seata_py.protocol.messages import UndoLogDeleteRequest
from seata_py.rpc.client import RpcClient
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.coordinator import TransactionCoordinator
from tests.infra.embedded_tc import EmbeddedTCServer
from tests.infra.seata_server import SeataServer

pytestmark = pytest.mark.integration

# The session fixture ``seata_tc`` is one of these (tests/conftest.py runs every test against each TC kind);
# ``.transport`` is the client transport ("tcp" or "grpc") the tests use with it.
TCUnderTest = SeataServer | EmbeddedTCServer


@dataclass
class RecordingHandler:
    """Phase-2 handler that records every push and answers what the test scripts."""

    rollback_answers: list[BranchStatus] = field(default_factory=list)
    commits: list[BranchCommitRequest] = field(default_factory=list)
    rollbacks: list[BranchRollbackRequest] = field(default_factory=list)
    undo_deletes: list[UndoLogDeleteRequest] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        with self.changed:
            self.commits.append(request)
            self.changed.notify_all()
        return BranchStatus.PHASE_TWO_COMMITTED

    def branch_rollback(self, request: BranchRollbackRequest) -> BranchStatus:
        with self.changed:
            self.rollbacks.append(request)
            self.changed.notify_all()
            if self.rollback_answers:
                return self.rollback_answers.pop(0)
        return BranchStatus.PHASE_TWO_ROLLBACKED

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        with self.changed:
            self.undo_deletes.append(request)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@dataclass
class TcSession:
    client: RpcClient
    tc: TransactionCoordinator
    handler: RecordingHandler
    resource_id: str


def make_client(server: TCUnderTest, application_id: str, **overrides: object) -> RpcClient:
    """A started, registered client of ``server`` over the transport the tests use with it."""
    overrides.setdefault("transport", server.transport)
    config = RpcConfig(application_id=application_id, grouplists={"default": [server.address]}, **overrides)  # type: ignore[arg-type]
    client = RpcClient(config)
    client.start()
    assert client.wait_ready(30), f"client did not register with {server.origin}\n{server.log_tail()}"
    return client


@pytest.fixture
def tc_session(seata_tc: TCUnderTest) -> Iterator[TcSession]:
    client = make_client(seata_tc, f"it-{uuid.uuid4().hex[:8]}")
    handler = RecordingHandler()
    client.set_branch_handler(BranchType.AT, handler)
    resource_id = f"jdbc:mysql://127.0.0.1:3306/it_{uuid.uuid4().hex[:10]}"
    client.register_resource(resource_id)
    try:
        yield TcSession(client, TransactionCoordinator(client), handler, resource_id)
    finally:
        client.close()


def eventually(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

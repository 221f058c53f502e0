"""The in-process embedded TC driven by seata-py's own RPC client, with an RM whose answers a test scripts.

``connect`` makes clients of the transport the test runs with (``transport``: classic "tcp" or "grpc");
``connect(transport=...)`` picks one explicitly.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from seata_py.protocol import (
    BranchCommitRequest,
    BranchRollbackRequest,
    BranchStatus,
    BranchType,
    UndoLogDeleteRequest,
)
from seata_py.rpc.client import RpcClient
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.coordinator import TransactionCoordinator
from seata_py.tc import EmbeddedTC, TCProcess

RESOURCE = "jdbc:mysql://127.0.0.1:3306/tc_unit"
_apps = itertools.count(1)


@dataclass
class ScriptedRM:
    """Phase-2 handler: records every push; answers from per-branch scripts, else success."""

    commit_answers: dict[int, list[BranchStatus]] = field(default_factory=dict)
    rollback_answers: dict[int, list[BranchStatus]] = field(default_factory=dict)
    commits: list[BranchCommitRequest] = field(default_factory=list)
    rollbacks: list[BranchRollbackRequest] = field(default_factory=list)
    undo_deletes: list[UndoLogDeleteRequest] = field(default_factory=list)
    # While cleared, phase-2 handlers wait (to observe the TC in the middle of phase 2).
    gate: threading.Event = field(default_factory=threading.Event)
    slow_first: float = 0.0  # the first push sleeps this long (to outlast the TC's rpc timeout)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.gate.set()

    def branch_commit(self, request: BranchCommitRequest) -> BranchStatus:
        return self._answer(request, self.commits, self.commit_answers, BranchStatus.PHASE_TWO_COMMITTED)

    def branch_rollback(self, request: BranchRollbackRequest) -> BranchStatus:
        return self._answer(request, self.rollbacks, self.rollback_answers, BranchStatus.PHASE_TWO_ROLLBACKED)

    def _answer(
        self,
        request: BranchCommitRequest | BranchRollbackRequest,
        seen: list,  # type: ignore[type-arg]
        scripts: dict[int, list[BranchStatus]],
        success: BranchStatus,
    ) -> BranchStatus:
        with self.changed:
            seen.append(request)
            first = len(self.commits) + len(self.rollbacks) == 1
            self.changed.notify_all()
        self.gate.wait(30)
        if first and self.slow_first:
            time.sleep(self.slow_first)
        script = scripts.get(request.branch_id)
        return script.pop(0) if script else success

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> None:
        with self.changed:
            self.undo_deletes.append(request)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def rolled_back(self, xid: str) -> list[int]:
        return [r.branch_id for r in self.rollbacks if r.xid == xid]

    def committed(self, xid: str) -> list[int]:
        return [c.branch_id for c in self.commits if c.xid == xid]


@dataclass
class Client:
    rpc: RpcClient
    tc: TransactionCoordinator
    rm: ScriptedRM
    application_id: str

    def close(self) -> None:
        self.rpc.close()


FAST: dict[str, Any] = {"retry_period": 0.1, "timeout_check_period": 0.05, "rpc_timeout": 2.0}


@pytest.fixture
def tc() -> Iterator[EmbeddedTC]:
    with EmbeddedTC(status_port=0, **FAST) as server:
        yield server


# Every test that connects clients runs once per client transport: the coordinator must not care.
@pytest.fixture(params=["tcp", "grpc"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(tc: EmbeddedTC, transport: str) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def make(
        application_id: str | None = None,
        resources: tuple[str, ...] = (RESOURCE,),
        server: EmbeddedTC | TCProcess | None = None,
        **rpc: object,
    ) -> Client:
        app = application_id or f"unit-app-{next(_apps)}"
        target = server or tc
        rpc.setdefault("transport", transport)
        config = RpcConfig(application_id=app, grouplists={"default": [target.address]}, **rpc)  # type: ignore[arg-type]
        client = RpcClient(config)
        client.start()
        assert client.wait_ready(10), "client did not register with the embedded TC"
        rm = ScriptedRM()
        client.set_branch_handler(BranchType.AT, rm)
        client.set_branch_handler(BranchType.TCC, rm)
        for resource in resources:
            client.register_resource(resource)
        made = Client(client, TransactionCoordinator(client), rm, app)
        clients.append(made)
        return made

    yield make
    for client in clients:
        client.close()


def eventually(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

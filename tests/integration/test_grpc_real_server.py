"""The gRPC transport against the real Apache Seata server, which serves gRPC from 2.3 on.

Optional: Maven Central has no 2.3 server distribution, so this needs a Docker engine to run the pinned
``apache/seata-server`` image through testcontainers, and is skipped (saying so) without one. The classic
transport is covered against the real 2.0.0 server by the rest of the suite.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from seata_py.protocol import BranchType, GlobalStatus
from seata_py.rpc.client import RpcClient
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.coordinator import TransactionCoordinator
from tests.infra.common import docker_available
from tests.infra.seata_server import CONTAINER_IMAGE, SeataServer, _container
from tests.integration.conftest import RecordingHandler

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seata_23() -> Iterator[SeataServer]:
    if not docker_available():
        pytest.skip(
            f"optional: needs a Docker engine to run {CONTAINER_IMAGE} (gRPC needs Seata >= 2.3, which Maven "
            "Central does not publish as a runnable server); the embedded TC covers gRPC in CI"
        )
    server = _container()
    yield server
    server.stop()


def test_grpc_transport_begin_register_commit_and_rollback(seata_23: SeataServer) -> None:
    config = RpcConfig(
        application_id=f"grpc-{uuid.uuid4().hex[:8]}",
        grouplists={"default": [seata_23.address]},
        transport="grpc",
    )
    client = RpcClient(config)
    handler = RecordingHandler()
    client.set_branch_handler(BranchType.AT, handler)
    resource_id = f"jdbc:mysql://127.0.0.1:3306/grpc_{uuid.uuid4().hex[:8]}"
    client.start()
    try:
        assert client.wait_ready(60), f"no gRPC registration with {seata_23.origin}"
        client.register_resource(resource_id)
        tc = TransactionCoordinator(client)

        xid = tc.begin("grpc-commit", 60000)
        assert tc.branch_register(xid, resource_id, "t_order:1") > 0
        assert tc.commit(xid) is GlobalStatus.COMMITTED

        xid = tc.begin("grpc-rollback", 60000)
        branch_id = tc.branch_register(xid, resource_id, "t_order:2")
        assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
        assert handler.wait_for(lambda: any(r.branch_id == branch_id for r in handler.rollbacks), 30)
    finally:
        client.close()

"""Connection lifetime against the real Seata server: idle heartbeats, and surviving a TC crash."""

from __future__ import annotations

import time

import pytest

from seata_py.protocol import BranchType, GlobalStatus
from seata_py.rpc.coordinator import TransactionCoordinator
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import RecordingHandler, eventually, make_client

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_idle_client_stays_connected_for_30_seconds(seata_tc: SeataServer) -> None:
    # the server drops a classic channel after 15 s without reading; only our pings keep it open
    client = make_client(seata_tc, "it-idle")
    try:
        client.register_resource("jdbc:mysql://127.0.0.1:3306/it_idle")
        time.sleep(31)
        conns = client.connections()
        assert all(c.ready for c in conns), conns
        assert [c.connects for c in conns] == [1, 1], "a connection was dropped and re-established while idle"
        tc = TransactionCoordinator(client)
        assert tc.rollback(tc.begin("it-after-idle", 60000)) is GlobalStatus.ROLLBACKED
    finally:
        client.close()


def test_client_reconnects_and_reregisters_after_tc_restart(seata_tc: SeataServer) -> None:
    if not seata_tc.restartable:
        pytest.skip(f"the TC ({seata_tc.origin}) is not a process this suite started, so it cannot be killed")
    client = make_client(seata_tc, "it-restart")
    handler = RecordingHandler()
    client.set_branch_handler(BranchType.AT, handler)
    resource = "jdbc:mysql://127.0.0.1:3306/it_restart"
    try:
        client.register_resource(resource)
        tc = TransactionCoordinator(client)
        tc.rollback(tc.begin("it-before-restart", 60000))

        seata_tc.kill()
        assert eventually(lambda: not any(c.ready for c in client.connections()), timeout=20)
        seata_tc.start_again()
        assert client.wait_ready(60), f"client did not re-register\n{seata_tc.log_tail()}"
        assert all(c.connects >= 2 for c in client.connections())

        xid = tc.begin("it-after-restart", 60000)
        assert tc.status(xid) is GlobalStatus.BEGIN
        branch_id = tc.branch_register(xid, resource, "t_restart:1")
        # the TC routes phase 2 by resource id: it reaches us only if the RM re-registered the resource
        assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
        assert [r.branch_id for r in handler.rollbacks] == [branch_id]
    finally:
        client.close()

"""The client transport of each ``seata_tc`` parameter reaches every client the tests make: RpcConfig built
by the tests, ``seata_py.init`` (through ``SEATA_TRANSPORT_TYPE``), and subprocesses they start."""

from __future__ import annotations

import subprocess
import sys

import pytest

import seata_py
from seata_py.runtime import runtime
from seata_py.tc.status_view import fetch_status
from tests.integration.conftest import TCUnderTest, make_client

pytestmark = pytest.mark.integration


def assert_tc_sees(server: TCUnderTest, application_id: str) -> None:
    """The embedded TC lists the application's TM and RM channels with the transport under test (the real
    server has no status view to ask)."""
    url = getattr(server, "status_url", None)
    if url is None:
        return
    seen = [c["transport"] for c in fetch_status(url)["channels"] if c["application_id"] == application_id]
    assert seen == [server.transport] * 2


def test_rpc_clients_built_by_the_tests_use_the_transport_under_test(seata_tc: TCUnderTest) -> None:
    client = make_client(seata_tc, "it-matrix-rpc")
    try:
        assert {c.transport.name for c in client.connections()} == {seata_tc.transport}
        assert_tc_sees(seata_tc, "it-matrix-rpc")
    finally:
        client.close()


def test_seata_py_init_uses_the_transport_under_test(seata_tc: TCUnderTest) -> None:
    seata_py.init(application_id="it-matrix-init", grouplist=seata_tc.address, time_zone="UTC")
    try:
        assert {c.transport.name for c in runtime().client.connections()} == {seata_tc.transport}
        assert_tc_sees(seata_tc, "it-matrix-init")
    finally:
        seata_py.shutdown()


def test_services_started_by_the_tests_inherit_the_transport(seata_tc: TCUnderTest) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ.get('SEATA_TRANSPORT_TYPE'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert shown == seata_tc.transport

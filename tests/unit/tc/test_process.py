"""``seata-py tc`` as a child process: spawn, SIGKILL, start again on the same port and store, SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from seata_py.exceptions import ConfigError
from seata_py.protocol import GlobalStatus
from seata_py.tc import TCStartError, spawn
from tests.unit.tc.conftest import RESOURCE, Client, eventually


def test_spawned_tc_survives_sigkill_with_its_sqlite_store(
    tmp_path: Path, connect: Callable[..., Client]
) -> None:
    proc = spawn(store=tmp_path / "tc.db", status_port=0, log_path=tmp_path / "tc.log", retry_period=0.2)
    try:
        assert proc.running and proc.port > 0 and proc.status_url is not None
        port, status_port = proc.port, proc.status_port
        client = connect("spawned", server=proc)
        xid = client.tc.begin("across-a-crash", 60000)
        branch = client.tc.branch_register(xid, RESOURCE, "t:1")

        proc.kill()
        assert not proc.running
        assert eventually(lambda: not any(c.ready for c in client.rpc.connections()))
        proc.start_again()
        assert (proc.port, proc.status_port) == (port, status_port)
        assert client.rpc.wait_ready(20), proc.log_tail()

        assert client.tc.status(xid) is GlobalStatus.BEGIN
        with urllib.request.urlopen(proc.status_url, timeout=5) as response:
            shown = json.loads(response.read())
        assert [s["xid"] for s in shown["global_transactions"]] == [xid]
        assert client.tc.rollback(xid) is GlobalStatus.ROLLBACKED
        assert client.rm.rolled_back(xid) == [branch]
        assert "TC ready" in proc.log_tail()
    finally:
        proc.stop()
    assert not proc.running
    assert "TC stopped" in proc.log_tail(), "SIGTERM should stop the TC cleanly"


def test_spawn_checks_settings_before_starting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown TC setting"):
        spawn(store=tmp_path / "x.db", retry_perod=1)
    with pytest.raises(ConfigError, match="must be positive"):
        spawn(store=tmp_path / "x.db", rpc_timeout=0)


def test_spawn_reports_a_tc_that_cannot_start(tmp_path: Path) -> None:
    first = spawn(store=tmp_path / "shared.db", log_path=tmp_path / "first.log")
    try:
        with pytest.raises(TCStartError, match="another TC process"):
            spawn(store=tmp_path / "shared.db", log_path=tmp_path / "second.log")
    finally:
        first.stop()


def test_tc_command_rejects_bad_settings() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "seata_py.cli",
            "tc",
            "--port",
            "0",
            "--store",
            ":memory:",
            "--retry-period",
            "-1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "retry_period must be positive" in proc.stderr


def test_tc_help_says_both_transports_share_the_port(capsys: pytest.CaptureFixture[str]) -> None:
    from seata_py.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["tc", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "One port serves both client transports" in shown
    assert "SEATA_TRANSPORT_TYPE=grpc" in shown
    assert "port for classic and gRPC clients alike" in shown

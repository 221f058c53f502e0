"""A TC started again on its store resumes where it stopped; the status endpoint and `tc status`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from seata_py.cli import main
from seata_py.protocol import BranchStatus, GlobalStatus
from seata_py.tc import EmbeddedTC
from seata_py.tc.store import MemoryStore
from tests.unit.tc.conftest import FAST, RESOURCE, Client, eventually


@pytest.mark.parametrize("kind", ["sqlite", "memory-object"])
def test_restarted_tc_resumes_sessions_locks_statuses_and_ids(
    tmp_path: Path, connect: Callable[..., Client], kind: str
) -> None:
    store = str(tmp_path / "tc.db") if kind == "sqlite" else MemoryStore()
    first_run = EmbeddedTC(store=store, **FAST).start()
    client = connect("restart-app", server=first_run)
    tc, rm = client.tc, client.rm
    open_xid = tc.begin("left-open", 60000)
    open_branch = tc.branch_register(open_xid, RESOURCE, "t:1,2")
    stuck_xid = tc.begin("stuck-rollback", 60000)
    stuck_branch = tc.branch_register(stuck_xid, RESOURCE, "t:3")
    rm.rollback_answers[stuck_branch] = [BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE] * 10_000
    assert tc.rollback(stuck_xid) is GlobalStatus.ROLLBACK_RETRYING
    failed_xid = tc.begin("failed", 60000)
    failed_branch = tc.branch_register(failed_xid, RESOURCE, "t:4")
    rm.rollback_answers[failed_branch] = [BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE]
    assert tc.rollback(failed_xid) is GlobalStatus.ROLLBACK_FAILED
    last_id = int(failed_xid.rsplit(":", 1)[1])
    first_run.stop()

    rm.rollback_answers[stuck_branch] = []  # the RM can roll it back now
    second_run = EmbeddedTC(port=first_run.port, store=store, **FAST).start()
    try:
        assert client.rpc.wait_ready(20), "the client did not come back to the restarted TC"
        assert tc.status(open_xid) is GlobalStatus.BEGIN
        assert tc.status(failed_xid) is GlobalStatus.ROLLBACK_FAILED
        probe = tc.begin("probe", 60000)
        assert int(probe.rsplit(":", 1)[1]) > last_id
        for pk, free in ((1, False), (2, False), (4, False), (5, True)):
            assert tc.lock_query(probe, RESOURCE, f"t:{pk}") is free, pk
        assert eventually(lambda: tc.status(stuck_xid) is GlobalStatus.FINISHED)  # resumed by the retry loop
        assert tc.rollback(open_xid) is GlobalStatus.ROLLBACKED
        assert rm.rolled_back(open_xid) == [open_branch]
        assert tc.lock_query(probe, RESOURCE, "t:1") is True
    finally:
        client.close()
        second_run.stop()


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_status_endpoint_lists_transactions_branches_locks_and_clients(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    client = connect("status-app")
    xid = client.tc.begin("shown", 60000)
    branch = client.tc.branch_register(xid, RESOURCE, "t_order:7;t_stock:A")
    assert tc.status_url is not None
    code, body = _get(tc.status_url)
    assert code == 200
    data = json.loads(body)
    assert data["server"]["xid_prefix"] == tc.address
    (session,) = [s for s in data["global_transactions"] if s["xid"] == xid]
    assert session["status"] == "BEGIN" and session["name"] == "shown"
    assert session["application_id"] == "status-app" and session["timeout_ms"] == 60000
    assert session["branches"][0]["branch_id"] == branch
    assert session["branches"][0]["lock_key"] == "t_order:7;t_stock:A"
    assert sorted((lock["table"], lock["pk"]) for lock in data["locks"] if lock["xid"] == xid) == [
        ("t_order", "7"),
        ("t_stock", "A"),
    ]
    assert any(
        c["application_id"] == "status-app" and RESOURCE in c["resource_ids"] for c in data["channels"]
    )
    base = tc.status_url.rsplit("/", 1)[0]
    assert _get(base + "/health") == (200, b"ok\n")
    assert _get(base + "/nope")[0] == 404
    assert _get(tc.status_url, method="POST")[0] == 405


def test_tc_status_command_prints_the_view(
    tc: EmbeddedTC, connect: Callable[..., Client], capsys: pytest.CaptureFixture[str]
) -> None:
    client = connect("cli-app")
    xid = client.tc.begin("cli-shown", 60000)
    client.tc.branch_register(xid, RESOURCE, "t:9")
    assert tc.status_url is not None
    assert main(["tc", "status", "--url", tc.status_url.removesuffix("/status")]) == 0
    out = capsys.readouterr().out
    assert xid in out and "BEGIN" in out and "t:9" in out and "cli-app" in out
    assert main(["tc", "status", "--url", tc.status_url, "--json"]) == 0
    assert xid in {s["xid"] for s in json.loads(capsys.readouterr().out)["global_transactions"]}


def test_tc_status_command_reports_an_unreachable_tc(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.infra.common import free_port

    assert main(["tc", "status", "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "cannot read the TC status" in capsys.readouterr().err

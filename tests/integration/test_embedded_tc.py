"""Acceptance of the embedded TC: a ``seata-py tc`` subprocess (SQLite store), real MariaDB, the AT API.

The TC here is this module's own (short retry and timeout periods, killed and started again by the tests),
not the session-wide ``seata_tc``; every test runs with classic clients and again with gRPC clients.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import seata_py
from seata_py.protocol import BranchRollbackRequest, BranchStatus, GlobalStatus
from seata_py.runtime import runtime
from seata_py.tc.status_view import fetch_status
from seata_py.types.context import bind_xid, reset_xid
from tests.conftest import WORKDIR
from tests.infra import embedded_tc
from tests.infra.embedded_tc import EmbeddedTCServer
from tests.infra.mariadb import MySQLServer
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

APP = "it-embedded-tc"


class Boom(Exception):
    pass


@pytest.fixture(scope="module", params=["tcp", "grpc"])
def env(mysql_server: MySQLServer, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    transport = str(request.param)
    db = mysql_server.create_database("it_embedded_tc")
    admin = pymysql.connect(**mysql_server.connect_kwargs(db))
    create_schema(admin)
    tc = embedded_tc.provide(WORKDIR, transport=transport, retry_period=0.2, timeout_check_period=0.2)
    seata_py.init(application_id=APP, grouplist=tc.address, time_zone="UTC", transport=transport)
    try:
        yield {"server": mysql_server, "db": db, "admin": admin, "tc": tc}
    finally:
        seata_py.shutdown()
        tc.stop()
        admin.close()


@pytest.fixture(autouse=True)
def fresh(env: dict[str, Any]) -> None:
    reseed(env["admin"])


def connect(env: dict[str, Any]) -> Any:
    return seata_py.connect(**env["server"].connect_kwargs(env["db"]))


def points_of(admin: Any, account_id: int) -> int:
    return {row[0]: row[3] for row in snapshot(admin)["t_account"]}[account_id]


def restart_later(tc: EmbeddedTCServer, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, tc.start_again)
    timer.start()
    return timer


def test_rollback_completes_after_the_tc_was_killed_between_phase_one_and_two(env: dict[str, Any]) -> None:
    admin, tc = env["admin"], env["tc"]
    before = snapshot(admin)
    conn = connect(env)
    restart: threading.Timer | None = None
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="tc-crash", timeout_ms=60000) as tx:
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET balance = balance - 10 WHERE id = 1")
            cur.execute("UPDATE t_stock SET count = count - 1 WHERE sku = 'A'")
            conn.commit()  # phase 1: branch registered, undo row and business rows committed
            assert undo_rows(admin) == 1 and snapshot(admin) != before
            tc.kill()
            restart = restart_later(tc, 1.0)
            raise Boom  # the rollback waits for the TC to come back
    finally:
        conn.close()
        if restart is not None:
            restart.join()
    assert tx.status in (GlobalStatus.ROLLBACKED, GlobalStatus.ROLLBACKING, GlobalStatus.ROLLBACK_RETRYING)
    assert eventually(lambda: snapshot(admin) == before, timeout=20), tc.log_tail()
    assert undo_rows(admin) == 0
    xid = tx.xid
    assert xid
    assert eventually(lambda: runtime().tc.status(xid) is GlobalStatus.FINISHED, timeout=10)


def test_rollback_resumes_after_the_tc_was_killed_during_phase_two(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, tc = env["admin"], env["tc"]
    before = snapshot(admin)
    rm = runtime().rm
    real_rollback = rm.branch_rollback
    pushes: list[int] = []
    restart: list[threading.Timer] = []

    def crash_on_first_push(request: BranchRollbackRequest) -> BranchStatus:
        pushes.append(request.branch_id)
        if len(pushes) == 1:  # the TC dies before it hears back; the data is still changed
            tc.kill()
            restart.append(restart_later(tc, 1.0))
            return BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
        return real_rollback(request)

    monkeypatch.setattr(rm, "branch_rollback", crash_on_first_push)
    conn = connect(env)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="tc-crash-phase-two") as tx:
            conn.cursor().execute("UPDATE t_account SET points = 50 WHERE id = 3")
            conn.commit()
            raise Boom
    finally:
        conn.close()
        for timer in restart:
            timer.join()
    assert restart, "phase 2 never reached this RM"
    # the restarted TC found the transaction rolling back in its store and pushed the rollback again
    assert eventually(lambda: snapshot(admin) == before, timeout=20), tc.log_tail()
    assert len(pushes) >= 2 and len(set(pushes)) == 1
    assert undo_rows(admin) == 0
    xid = tx.xid
    assert xid
    assert eventually(lambda: runtime().tc.status(xid) is GlobalStatus.FINISHED, timeout=10)


def test_transaction_left_open_past_its_timeout_is_rolled_back_and_unlocked(env: dict[str, Any]) -> None:
    admin, tc = env["admin"], env["tc"]
    before = snapshot(admin)
    rt = runtime()
    conn = connect(env)
    try:
        xid = rt.tc.begin("abandoned", 1500)  # a TM that never ends its transaction
        token = bind_xid(xid)
        try:
            conn.cursor().execute("UPDATE t_account SET points = 77 WHERE id = 2")
            conn.commit()
        finally:
            reset_xid(token)
        assert points_of(admin, 2) == 77
        assert rt.tc.lock_query(None, conn.resource_id, "t_account:2") is False

        assert eventually(lambda: rt.tc.status(xid) is GlobalStatus.FINISHED, timeout=20), tc.log_tail()
        assert snapshot(admin) == before and undo_rows(admin) == 0
        assert rt.tc.lock_query(None, conn.resource_id, "t_account:2") is True
        assert "timed out" in tc.log_tail(200)

        with seata_py.global_transaction(name="takes-the-rows"):  # the rows can be locked again
            conn.cursor().execute("UPDATE t_account SET points = 5 WHERE id = 2")
            conn.commit()
    finally:
        conn.close()
    assert points_of(admin, 2) == 5
    assert tc.status_url is not None
    assert eventually(lambda: fetch_status(tc.status_url)["locks"] == [], timeout=10)


PHASE_ONE_THEN_EXIT = textwrap.dedent(
    """
    import os, sys, seata_py
    from seata_py.runtime import runtime
    from seata_py.types.context import bind_xid
    app, tc_address, host, port, user, password, db = sys.argv[1:8]
    seata_py.init(application_id=app, grouplist=tc_address, time_zone="UTC")
    xid = runtime().tc.begin("registered-elsewhere", 60000)
    bind_xid(xid)
    conn = seata_py.connect(host=host, port=int(port), user=user, password=password, database=db)
    conn.cursor().execute("UPDATE t_stock SET count = count + 1000 WHERE sku = 'C'")
    conn.commit()
    print(xid, flush=True)
    os._exit(0)  # gone before phase 2, without a goodbye
    """
)


@pytest.mark.parametrize("end", ["rollback", "commit"])
@pytest.mark.parametrize("child_app", [APP, "it-embedded-other-app"], ids=["same-app", "other-app"])
def test_phase_two_reaches_the_surviving_rm_of_the_same_resource(
    env: dict[str, Any], child_app: str, end: str
) -> None:
    admin, tc = env["admin"], env["tc"]
    server: MySQLServer = env["server"]
    before = snapshot(admin)
    connect(env).close()  # this process registers the same resource
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            PHASE_ONE_THEN_EXIT,
            child_app,
            tc.address,
            server.host,
            str(server.port),
            server.user,
            server.password,
            env["db"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SEATA_TRANSPORT_TYPE": tc.transport},  # the child's seata_py.init reads it
    )
    assert child.returncode == 0, child.stderr
    xid = child.stdout.strip().splitlines()[-1]
    changed = snapshot(admin)
    assert changed != before and undo_rows(admin) == 1
    tc_client = runtime().tc
    if end == "rollback":
        assert tc_client.rollback(xid) in (GlobalStatus.ROLLBACKED, GlobalStatus.ROLLBACK_RETRYING)
        assert eventually(lambda: snapshot(admin) == before, timeout=20), tc.log_tail()
    else:
        assert tc_client.commit(xid) is GlobalStatus.COMMITTED
        assert eventually(lambda: undo_rows(admin) == 0, timeout=20), tc.log_tail()
        assert snapshot(admin) == changed
    assert undo_rows(admin) == 0
    assert eventually(lambda: tc_client.status(xid) is GlobalStatus.FINISHED, timeout=10)
    log = tc.log_tail(400)
    registered = re.search(rf"registered: AT .* client (\S+) xid={re.escape(xid)}", log)
    answered = re.search(rf"answered PHASE_TWO_\w+ by (\S+) xid={re.escape(xid)}", log)
    assert registered and answered, log
    assert registered.group(1).startswith(f"{child_app}:")
    # this process's RM answered phase 2 for a branch the (dead) child registered
    assert answered.group(1).startswith(f"{APP}:") and answered.group(1) != registered.group(1)

"""One global transaction across two processes over HTTP, against real MariaDB and the real Seata server.

Service A is this process: it begins the transaction, writes to its database and calls service B. B is a
subprocess (Flask on werkzeug, or FastAPI on uvicorn; ``services/xid_service.py``) that joined the same TC
and writes to its own database inside the XID it received as ``TX_XID``.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest
import requests

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.integrations import httpx as seata_httpx
from seata_py.integrations import requests as seata_requests
from seata_py.integrations.xid import ENV_TRUSTED_NETWORKS
from tests.infra.mariadb import MySQLServer
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SERVICE = Path(__file__).resolve().parent / "services" / "xid_service.py"
DB_A, DB_B = "it_xid_a", "it_xid_b"
SEED = [("A", 10), ("B", 20)]
TABLES = {
    "t_stock": "CREATE TABLE t_stock (sku VARCHAR(32) NOT NULL PRIMARY KEY, count INT NOT NULL)",
    "t_log": """CREATE TABLE t_log (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(32) NOT NULL,
        note VARCHAR(100) NOT NULL)""",
}


class Boom(Exception):
    pass


# -- service B -------------------------------------------------------------------------------------------


@dataclass
class ServiceB:
    framework: str
    process: subprocess.Popen[str]
    url: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_service(framework: str, tc: SeataServer, db: dict[str, Any], workdir: Path) -> ServiceB:
    stderr_path = workdir / f"service-b-{framework}.log"
    env = {k: v for k, v in os.environ.items() if k != ENV_TRUSTED_NETWORKS}  # B uses the default policy
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(SERVICE), framework, tc.address, json.dumps(db)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    service = ServiceB(framework, process, "", stderr_path)
    try:
        port = _read_ready_port(process, timeout=60)
        service.url = f"http://127.0.0.1:{port}"
        _wait_healthy(service, timeout=30)
    except BaseException:
        service.stop()
        raise
    return service


def _read_ready_port(process: subprocess.Popen[str], timeout: float) -> int:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0].startswith("READY "):
        raise RuntimeError(f"service B did not report READY within {timeout}s (exit code {process.poll()})")
    return int(lines[0].split()[1])


def _wait_healthy(service: ServiceB, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"service B exited with {service.process.returncode}")
        try:
            if requests.get(f"{service.url}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"service B at {service.url} not healthy within {timeout}s")


# -- fixtures --------------------------------------------------------------------------------------------


@dataclass
class Env:
    server: MySQLServer
    admin_a: pymysql.connections.Connection
    admin_b: pymysql.connections.Connection
    conn_a: Any
    services: dict[str, ServiceB]


@pytest.fixture(scope="module")
def env(
    mysql_server: MySQLServer, seata_tc: SeataServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Env]:
    admins = {}
    for name in (DB_A, DB_B):
        mysql_server.create_database(name)
        admins[name] = pymysql.connect(**mysql_server.connect_kwargs(name), autocommit=True)
        with admins[name].cursor() as cur:
            cur.execute(undo_log_ddl("mysql"))
            for table, ddl in TABLES.items():
                cur.execute(f"DROP TABLE IF EXISTS `{table}`")
                cur.execute(ddl)
    workdir = tmp_path_factory.mktemp("xid-services")
    services: dict[str, ServiceB] = {}
    seata_py.init(application_id="it-xid-a", grouplist=seata_tc.address, time_zone="UTC")
    conn_a = None
    try:
        conn_a = seata_py.connect(**mysql_server.connect_kwargs(DB_A))
        for framework in ("flask", "fastapi"):
            services[framework] = start_service(
                framework, seata_tc, mysql_server.connect_kwargs(DB_B), workdir
            )
        yield Env(mysql_server, admins[DB_A], admins[DB_B], conn_a, services)
    finally:
        for service in services.values():
            service.stop()
        if conn_a is not None:
            conn_a.close()
        seata_py.shutdown()
        for admin in admins.values():
            admin.close()


@pytest.fixture(autouse=True)
def fresh(env: Env) -> Iterator[None]:
    for admin in (env.admin_a, env.admin_b):
        with admin.cursor() as cur:
            for table in TABLES:
                cur.execute(f"TRUNCATE TABLE `{table}`")
            cur.execute("TRUNCATE TABLE undo_log")
            cur.executemany("INSERT INTO t_stock (sku, count) VALUES (%s, %s)", SEED)
    marks = {framework: len(service.stderr()) for framework, service in env.services.items()}
    yield
    # pytest shows captured output only for failing tests: B's log of this test then appears with it
    for framework, service in env.services.items():
        sys.stderr.write(f"\n--- service B ({framework}) stderr during this test ---\n")
        sys.stderr.write(service.stderr()[marks[framework] :])


def state(admin: pymysql.connections.Connection) -> dict[str, list[tuple[Any, ...]]]:
    with admin.cursor() as cur:
        cur.execute("SELECT sku, count FROM t_stock ORDER BY sku")
        stock = list(cur.fetchall())
        cur.execute("SELECT sku, note FROM t_log ORDER BY id")
        log = list(cur.fetchall())
    return {"t_stock": stock, "t_log": log}


def undo_rows(admin: pymysql.connections.Connection) -> int:
    with admin.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM undo_log")
        return int(cur.fetchone()[0])


SEEDED = {"t_stock": [("A", 10), ("B", 20)], "t_log": []}


def write_a(env: Env, sku: str, delta: int) -> None:
    with env.conn_a.cursor() as cur:
        cur.execute("UPDATE t_stock SET count = count + %s WHERE sku = %s", (delta, sku))
        cur.execute("INSERT INTO t_log (sku, note) VALUES (%s, %s)", (sku, "order by A"))
    env.conn_a.commit()


def b_order(note: str) -> dict[str, Any]:
    return {"sku": "B", "delta": -3, "note": note}


A_DONE = {"t_stock": [("A", 9), ("B", 20)], "t_log": [("A", "order by A")]}


def b_done(note: str) -> dict[str, list[tuple[Any, ...]]]:
    return {"t_stock": [("A", 10), ("B", 17)], "t_log": [("B", note)]}


def wait_clean(env: Env) -> None:
    assert eventually(lambda: undo_rows(env.admin_a) == 0 and undo_rows(env.admin_b) == 0, timeout=20), (
        f"undo rows left: A={undo_rows(env.admin_a)} B={undo_rows(env.admin_b)}"
    )


# -- Flask B, requests client ----------------------------------------------------------------------------


def test_flask_failure_after_the_call_rolls_back_both_databases(env: Env) -> None:
    session = seata_requests.SeataSession()
    b = env.services["flask"]
    with pytest.raises(Boom), seata_py.global_transaction(name="xid-flask-rollback", timeout_ms=60000) as tx:
        write_a(env, "A", -1)
        answer = session.post(f"{b.url}/trusted/write", json=b_order("flask rollback"), timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"xid": tx.xid, "updated": 1}
        # phase one committed both locally; only the TC can undo them now
        assert state(env.admin_a) == A_DONE
        assert state(env.admin_b) == b_done("flask rollback")
        raise Boom
    assert eventually(lambda: state(env.admin_a) == SEEDED and state(env.admin_b) == SEEDED, timeout=20)
    wait_clean(env)
    assert f"[xid={tx.xid}] xid_service: writing sku=B delta=-3" in b.stderr()


def test_flask_success_commits_both_databases(env: Env) -> None:
    session = requests.Session()
    seata_requests.install(session)
    b = env.services["flask"]
    with seata_py.global_transaction(name="xid-flask-commit", timeout_ms=60000) as tx:
        write_a(env, "A", -1)
        answer = session.post(f"{b.url}/trusted/write", json=b_order("flask commit"), timeout=30)
        assert answer.json() == {"xid": tx.xid, "updated": 1}
    assert state(env.admin_a) == A_DONE
    assert state(env.admin_b) == b_done("flask commit")
    wait_clean(env)
    assert state(env.admin_b) == b_done("flask commit")


# -- FastAPI B, httpx.AsyncClient from asyncio -----------------------------------------------------------


async def _async_action(env: Env, note: str, fail: bool) -> str:
    b = env.services["fastapi"]
    async with seata_httpx.SeataAsyncClient(base_url=b.url, timeout=30) as client:
        with seata_py.global_transaction(name=f"xid-fastapi-{note}", timeout_ms=60000) as tx:
            write_a(env, "A", -1)
            outside = contextvars.Context().run(asyncio.ensure_future, client.get("/trusted/xid"))
            answer = await client.post("/trusted/write", json=b_order(note))
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"xid": tx.xid, "updated": 1}
            # a task started without the transaction's context sends no XID, even on the same client
            assert (await outside).json() == {"xid": None}
            if fail:
                raise Boom
        assert tx.xid is not None
        return tx.xid


def test_fastapi_async_failure_rolls_back_both_databases(env: Env) -> None:
    with pytest.raises(Boom):
        asyncio.run(_async_action(env, "fastapi rollback", fail=True))
    assert eventually(lambda: state(env.admin_a) == SEEDED and state(env.admin_b) == SEEDED, timeout=20)
    wait_clean(env)


def test_fastapi_async_success_commits_both_databases(env: Env) -> None:
    xid = asyncio.run(_async_action(env, "fastapi commit", fail=False))
    assert state(env.admin_a) == A_DONE
    assert state(env.admin_b) == b_done("fastapi commit")
    wait_clean(env)
    assert f"[xid={xid}] xid_service: writing sku=B delta=-3" in env.services["fastapi"].stderr()


# -- trust and validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_untrusted_callers_xid_is_not_bound_and_bs_write_commits_on_its_own(env: Env, framework: str) -> None:
    b = env.services[framework]
    note = f"{framework} untrusted"
    with (
        seata_httpx.SeataClient(base_url=b.url, timeout=30) as client,
        pytest.raises(Boom),
        seata_py.global_transaction(name="xid-untrusted", timeout_ms=60000),
    ):
        write_a(env, "A", -1)
        answer = client.post("/untrusted/write", json=b_order(note))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"xid": None, "updated": 1}
        raise Boom
    assert eventually(lambda: state(env.admin_a) == SEEDED, timeout=20)
    wait_clean(env)
    assert state(env.admin_b) == b_done(note)  # not part of the rolled-back transaction
    log = b.stderr()
    assert "ignoring header TX_XID" in log and "from untrusted peer 127.0.0.1" in log
    if framework == "flask":
        assert "outside the trusted networks (10.255.0.0/16)" in log
    else:
        assert "the trust callable refused it" in log and "trust callable asked about peer 127.0.0.1" in log


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_malformed_xid_gets_400_and_b_writes_nothing(env: Env, framework: str) -> None:
    b = env.services[framework]
    answer = requests.post(
        f"{b.url}/trusted/write",
        json=b_order("malformed"),
        headers={"TX_XID": "10.0.0.5:8091:x1"},
        timeout=30,
    )
    assert answer.status_code == 400
    document = answer.json()
    assert document["error"] == "invalid_xid" and document["header"] == "TX_XID"
    assert document["reason"] == "transaction id 'x1' is not a non-negative decimal integer"
    assert state(env.admin_b) == SEEDED
    assert "refusing request from 127.0.0.1: malformed header TX_XID" in b.stderr()

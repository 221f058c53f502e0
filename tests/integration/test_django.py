"""The Django integration against the real Seata server, MariaDB and PostgreSQL: the example order service's
own tests (examples/django_order/orders/tests.py), run by Django's test runner in a process of their own
(Django's settings are process-wide), on the servers this suite started, once per backend."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.mariadb import MySQLServer
from tests.infra.postgres import PostgresServer
from tests.integration.mysqlclient_support import MySQLdb

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_order"
assert MySQLdb  # the backend is Django's mysqlclient one


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_the_order_service_passes_its_django_tests(
    backend: str, request: pytest.FixtureRequest, real_seata_server: Any
) -> None:
    if backend == "mysql":
        mysql_server: MySQLServer = request.getfixturevalue("mysql_server")
        mysql_server.admin_execute("DROP DATABASE IF EXISTS `test_django_orders`")
        order_db = f"{mysql_server.url}/django_orders"
    else:
        postgres_server: PostgresServer = request.getfixturevalue("postgres_server")
        postgres_server.admin_execute('DROP DATABASE IF EXISTS "test_django_orders"')
        order_db = f"{postgres_server.url}/django_orders"
    env = {
        **os.environ,
        "ORDER_DB": order_db,
        "SEATA_GROUPLIST": real_seata_server.address,
        "ACCOUNT_URL": "",
        "PYTHONPATH": os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "test", "orders", "--noinput", "-v", "2"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    ran = re.search(r"Ran (\d+) tests?", output)
    assert ran and int(ran.group(1)) >= 10, output[-3000:]
    assert re.search(r"^OK$", output, re.MULTILINE), output[-3000:]


def test_the_served_order_service_joins_a_callers_global_transaction(
    mysql_server: MySQLServer, real_seata_server: Any
) -> None:
    """serve.py, as the demo would run it in place of its order service: a caller in another process begins
    the global transaction, the order service's write is its branch, the caller's rollback undoes it."""
    import pymysql
    import requests

    import seata_py
    from tests.infra.common import free_port, wait_for_port

    database = mysql_server.create_database("django_served_orders")
    port = free_port()
    service = subprocess.Popen(
        [
            sys.executable,
            "serve.py",
            "--port",
            str(port),
            "--db",
            f"{mysql_server.url}/{database}",
            "--tc",
            real_seata_server.address,
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    admin = pymysql.connect(**mysql_server.connect_kwargs(database), autocommit=True)

    def order_rows() -> list[tuple[Any, ...]]:
        with admin.cursor() as cur:
            cur.execute("SELECT user_id, sku, count, amount_cents FROM orders ORDER BY user_id")
            return list(cur.fetchall())

    class Boom(Exception):
        pass

    seata_py.init(application_id="it-django-caller", grouplist=real_seata_server.address)
    try:
        assert wait_for_port("127.0.0.1", port, 60, alive=lambda: service.poll() is None), service.stdout
        url = f"http://127.0.0.1:{port}/create"
        with pytest.raises(Boom), seata_py.global_transaction(name="django-caller") as tx:
            answer = requests.post(
                url, json={"user_id": "u1", "sku": "B", "count": 2}, headers={"TX_XID": tx.xid}
            )
            assert answer.status_code == 200, answer.text
            assert order_rows() == [("u1", "B", 2, 2500)]
            raise Boom
        assert order_rows() == []
        answer = requests.post(url, json={"user_id": "u2", "sku": "A", "count": 1}, timeout=30)
        assert answer.status_code == 200 and order_rows() == [("u2", "A", 1, 300)]
    finally:
        seata_py.shutdown()
        admin.close()
        service.terminate()
        service.wait(10)

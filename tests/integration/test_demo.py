"""``seata-py demo``: the showcase must run from a clone and leave exactly the expected data behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pymysql
import pytest

from tests.infra.common import in_ci
from tests.infra.mariadb import MySQLServer
from tests.infra.postgres import PostgresServer
from tests.infra.seata_server import SeataServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# alice buys 2 apples at 3.00; bob's banana and alice's crashed banana leave no trace
EXPECTED = {
    "stock": [("A", "apple", 8), ("B", "banana", 5)],
    "orders": [("alice", "A", 2, 600)],
    "balances": [("alice", 9400), ("bob", 500)],
}
QUERIES = {
    "stock": "SELECT sku, name, count FROM stock ORDER BY sku",
    "orders": "SELECT user_id, sku, count, amount_cents FROM orders",
    "balances": "SELECT user_id, balance_cents FROM account ORDER BY user_id",
}
DB_OF = {"stock": "stock", "orders": "order", "balances": "account"}


def run_demo(*options: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "seata_py.cli", "demo", *options],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, f"demo failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def assert_output(out: str) -> None:
    assert out.count("check: stock, orders and balances equal their values before: OK") == 2, out
    assert "undo_log@stock" in out and "undo_log@order" in out and "undo_log@account" in out, out
    assert "FAILED" not in out, out


def assert_sqlite_data(workdir: Path) -> None:
    for what, query in QUERIES.items():
        with sqlite3.connect(workdir / f"{DB_OF[what]}.db") as conn:
            rows = [tuple(r) for r in conn.execute(query)]
            undo = conn.execute("SELECT COUNT(*) FROM undo_log").fetchone()[0]
        assert rows == EXPECTED[what], what
        assert undo == 0


def assert_mysql_data(mysql_server: MySQLServer) -> None:
    for what, query in QUERIES.items():
        conn = pymysql.connect(**mysql_server.connect_kwargs(f"seata_demo_{DB_OF[what]}"))
        try:
            with conn.cursor() as cur:
                cur.execute(query)
                rows = [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()
        assert rows == EXPECTED[what], what


def test_demo_on_embedded_defaults(tmp_path: Path) -> None:
    result = run_demo("--workdir", str(tmp_path))
    assert_output(result.stdout)
    assert_sqlite_data(tmp_path)


def test_demo_on_seata_server_and_mysql(mysql_server: MySQLServer, seata_tc: SeataServer) -> None:
    kw = mysql_server.connect_kwargs("mysql")
    url = f"mysql://{kw['user']}:{kw.get('password', '')}@{kw['host']}:{kw['port']}/"
    result = run_demo("--tc", seata_tc.address, "--mysql", url)
    assert_output(result.stdout)
    assert_mysql_data(mysql_server)


def test_demo_with_the_django_order_service(
    mysql_server: MySQLServer, real_seata_server: SeataServer
) -> None:
    try:
        import MySQLdb  # noqa: F401  (the Django order service's driver)
    except ImportError:
        if in_ci():
            raise
        pytest.skip("mysqlclient is not installed; `bash scripts/test.sh` builds it")
    kw = mysql_server.connect_kwargs("mysql")
    url = f"mysql://{kw['user']}:{kw.get('password', '')}@{kw['host']}:{kw['port']}/"
    result = run_demo("--tc", real_seata_server.address, "--mysql", url, "--django-order")
    assert "the order service on Django" in result.stdout
    assert_output(result.stdout)
    assert_mysql_data(mysql_server)


def test_demo_on_seata_tc_and_postgres(postgres_server: PostgresServer, seata_tc: SeataServer) -> None:
    result = run_demo("--tc", seata_tc.address, "--postgres", postgres_server.url + "/")
    assert_output(result.stdout)
    for what, query in QUERIES.items():
        with psycopg.connect(**postgres_server.connect_kwargs(f"seata_demo_{DB_OF[what]}")) as conn:
            rows = [tuple(r) for r in conn.execute(query).fetchall()]
            undo = conn.execute("SELECT count(*) FROM undo_log").fetchone()
        assert rows == EXPECTED[what], what
        assert undo == (0,)


def test_async_demo_on_embedded_defaults(tmp_path: Path) -> None:
    """``seata-py demo --async``: the same three purchases through FastAPI services on asyncio."""
    result = run_demo("--async", "--workdir", str(tmp_path))
    assert_output(result.stdout)
    assert "FastAPI services on asyncio" in result.stdout
    assert_sqlite_data(tmp_path)


def test_async_demo_on_the_real_seata_server_and_mysql(
    mysql_server: MySQLServer, real_seata_server: SeataServer
) -> None:
    kw = mysql_server.connect_kwargs("mysql")
    url = f"mysql://{kw['user']}:{kw.get('password', '')}@{kw['host']}:{kw['port']}/"
    result = run_demo("--async", "--tc", real_seata_server.address, "--mysql", url)
    assert_output(result.stdout)
    assert_mysql_data(mysql_server)


def test_async_demo_on_the_real_seata_server_and_postgres(
    postgres_server: PostgresServer, real_seata_server: SeataServer
) -> None:
    result = run_demo("--async", "--tc", real_seata_server.address, "--postgres", postgres_server.url + "/")
    assert_output(result.stdout)
    for what, query in QUERIES.items():
        with psycopg.connect(**postgres_server.connect_kwargs(f"seata_demo_{DB_OF[what]}")) as conn:
            rows = [tuple(r) for r in conn.execute(query).fetchall()]
        assert rows == EXPECTED[what], what

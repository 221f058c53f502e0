"""Run the order/stock demo end to end and show what AT mode does to the data.

    python examples/order_stock/demo.py                      # embedded TC + SQLite, nothing to install
    python examples/order_stock/demo.py --tc 127.0.0.1:8091  # a real Seata server
    python examples/order_stock/demo.py --mysql mysql://root:pw@127.0.0.1:3306/  # MySQL databases
    python examples/order_stock/demo.py --postgres postgresql://postgres:pw@127.0.0.1:5432/  # PostgreSQL
    python examples/order_stock/demo.py --async              # the services as FastAPI apps on asyncio

(``seata-py demo`` runs this file.) Three purchases: one that succeeds, one that fails on insufficient
balance after stock was deducted and the order written, one where the order service crashes after stock was
deducted. After each, the stock, orders and balances are printed; the run fails (exit code 1) if a failed
purchase left any trace.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shop import Database, ServiceError, call

HERE = Path(__file__).resolve().parent
SERVICES = ("stock", "account", "order", "business")
DJANGO_ORDER = "../django_order/serve.py"  # the same order service as a Django project (mysqlclient)
DATA_SERVICES = ("stock", "order", "account")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    def __init__(self, name: str, argv: list[str], log_path: Path, script: str = "services.py") -> None:
        self.name, self.argv, self.log_path, self.script = name, argv, log_path, script
        self.port = int(argv[argv.index("--port") + 1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / self.script), self.name, *self.argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=HERE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} service exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} service did not listen within 30 s:\n{self.log_tail()}")

    def wait_exit(self, timeout: float = 10) -> int | None:
        assert self.process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.process.wait(timeout)
        return None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def coordinator(address: str | None, workdir: Path) -> Iterator[str]:
    if address:
        yield address
        return
    from seata_py.tc import EmbeddedTC

    with EmbeddedTC(host="127.0.0.1", port=0, store=str(workdir / "tc.sqlite")) as tc:
        yield tc.address


def databases(mysql: str | None, workdir: Path, postgres: str | None = None) -> dict[str, Database]:
    if mysql:
        base = mysql.rstrip("/")
        dbs = {name: Database(f"{base}/seata_demo_{name}") for name in DATA_SERVICES}
        _create_mysql_databases(dbs)
        return dbs
    if postgres:
        server = Database(postgres)
        if server.kind != "postgresql":
            raise SystemExit(f"--postgres wants postgresql://user:password@host:port/, got {postgres!r}")
        dbs = {name: server.with_database(f"seata_demo_{name}") for name in DATA_SERVICES}
        _create_postgres_databases(server, dbs)
        return dbs
    return {name: Database(f"sqlite:///{workdir / f'{name}.db'}") for name in DATA_SERVICES}


def _create_mysql_databases(dbs: dict[str, Database]) -> None:
    import pymysql

    for db in dbs.values():
        kwargs = db.mysql_kwargs()
        name = kwargs.pop("database")
        conn = pymysql.connect(**kwargs)
        try:
            conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{name}`")
        finally:
            conn.close()


def _create_postgres_databases(server: Database, dbs: dict[str, Database]) -> None:
    """CREATE DATABASE for those missing. It cannot run in a transaction, nor say IF NOT EXISTS, and needs a
    database to connect to: the one in the --postgres URL, else ``postgres`` (every cluster has it)."""
    import psycopg

    admin = server if server.name else server.with_database("postgres")
    with psycopg.connect(admin.url, autocommit=True) as conn:
        for db in dbs.values():
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db.name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{db.name}"')


def state(dbs: dict[str, Database]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "stock": dbs["stock"].rows("SELECT sku, name, count FROM stock ORDER BY sku"),
        "orders": dbs["order"].rows(
            "SELECT order_no, user_id, sku, count, amount_cents FROM orders ORDER BY order_no"
        ),
        "balances": dbs["account"].rows("SELECT user_id, balance_cents FROM account ORDER BY user_id"),
    }


def undo_rows(dbs: dict[str, Database]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: db.rows(
            "SELECT branch_id, xid, log_status, LENGTH(rollback_info) FROM undo_log ORDER BY branch_id"
        )
        for name, db in dbs.items()
    }


def money(cents: int) -> str:
    return f"{int(cents) / 100:.2f}"


def _stock(row: tuple[Any, ...] | None) -> str:
    return f"{row[0]} ({row[1]}): {row[2]}" if row else "-"


def _orders(rows: list[tuple[Any, ...]]) -> str:
    latest = ", ".join(f"{r[1]} {r[3]}x{r[2]}" for r in rows[-2:])
    return f"{len(rows)} order(s)" + (f": {latest}" if rows else "")


def print_state(
    title: str, before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> None:
    print(f"\n  {title}")
    print(f"  {'':<10}{'before':<34}{'after':<34}")
    stock_rows = max(len(before["stock"]), len(after["stock"]))
    for i in range(stock_rows):
        b = before["stock"][i] if i < len(before["stock"]) else None
        a = after["stock"][i] if i < len(after["stock"]) else None
        print(f"  {'stock' if i == 0 else '':<10}{_stock(b):<34}{_stock(a):<34}")
    print(f"  {'orders':<10}{_orders(before['orders']):<34}{_orders(after['orders']):<34}")
    for i, (b, a) in enumerate(zip(before["balances"], after["balances"], strict=False)):
        left, right = f"{b[0]} {money(b[1])}", f"{a[0]} {money(a[1])}"
        print(f"  {'balance' if i == 0 else '':<10}{left:<34}{right:<34}")


class Demo:
    def __init__(
        self,
        tc: str,
        dbs: dict[str, Database],
        workdir: Path,
        asyncio: bool = False,
        django_order: bool = False,
    ) -> None:
        self.tc, self.dbs, self.workdir, self.asyncio = tc, dbs, workdir, asyncio
        self.django_order = django_order
        script = "async_services.py" if asyncio else "services.py"
        ports = {name: free_port() for name in SERVICES}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        common = ["--tc", tc]
        self.services = {
            "stock": Service(
                "stock",
                ["--port", str(ports["stock"]), "--db", dbs["stock"].url, *common],
                workdir / "stock.log",
                script,
            ),
            "account": Service(
                "account",
                ["--port", str(ports["account"]), "--db", dbs["account"].url, *common],
                workdir / "account.log",
                script,
            ),
            "order": Service(
                "order",
                [
                    "--port",
                    str(ports["order"]),
                    "--db",
                    dbs["order"].url,
                    "--account",
                    urls["account"],
                    *common,
                ],
                workdir / "order.log",
                DJANGO_ORDER if django_order else script,
            ),
            "business": Service(
                "business",
                [
                    "--port",
                    str(ports["business"]),
                    "--stock",
                    urls["stock"],
                    "--order",
                    urls["order"],
                    *common,
                ],
                workdir / "business.log",
                script,
            ),
        }
        self.failures: list[str] = []

    def start(self) -> None:
        for name in DATA_SERVICES:
            self.dbs[name].create(name)
        for service in self.services.values():
            service.start()

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    def purchase(self, **payload: Any) -> dict[str, Any] | ServiceError:
        try:
            return call(f"{self.services['business'].url}/purchase", payload, timeout=60)
        except ServiceError as exc:
            return exc

    def settled(self, timeout: float = 20.0) -> bool:
        """Phase 2 runs after the answer: wait until no undo row is left anywhere."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(undo_rows(self.dbs).values()):
                return True
            time.sleep(0.1)
        return False

    def check(self, what: str, ok: bool) -> None:
        print(f"  check: {what}: {'OK' if ok else 'FAILED'}")
        if not ok:
            self.failures.append(what)

    def run(self) -> int:
        urls = ", ".join(db.url for db in self.dbs.values())
        flavour = "FastAPI services on asyncio" if self.asyncio else "WSGI services"
        if self.django_order:
            flavour += ", the order service on Django"
        print(f"seata-py order/stock demo ({flavour}): TC {self.tc}, databases {urls}")

        print("\n1. alice buys 2 apples (succeeds). In flight, each service's undo_log holds its branch:")
        before = state(self.dbs)
        hold = self.workdir / "hold"
        hold.write_text("")
        result: dict[str, Any] = {}
        thread = threading.Thread(
            target=lambda: result.update(
                r=self.purchase(user_id="alice", sku="A", count=2, hold_file=str(hold))
            )
        )
        thread.start()
        reached = Path(str(hold) + ".reached")
        deadline = time.monotonic() + 30
        while not reached.exists() and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)
        in_flight = undo_rows(self.dbs)
        for name, rows in in_flight.items():
            for branch_id, xid, status, size in rows:
                print(
                    f"     undo_log@{name:<8} branch {branch_id}  xid {xid}  "
                    f"log_status {status}  rollback_info {size} bytes"
                )
        hold.unlink()
        thread.join(60)
        outcome = result.get("r")
        print(f"   -> {outcome if not isinstance(outcome, ServiceError) else 'error: ' + str(outcome)}")
        self.check("every service wrote an undo row in flight", all(in_flight[n] for n in DATA_SERVICES))
        self.check("purchase committed", isinstance(outcome, dict) and "order_no" in outcome)
        self.check("undo rows removed after commit", self.settled())
        after = state(self.dbs)
        print_state("after the successful purchase", before, after)
        self.check(
            "stock, order and balance changed",
            after != before and len(after["orders"]) == len(before["orders"]) + 1,
        )

        print("\n2. bob buys 1 banana but cannot pay (refused after stock and order were written):")
        before = state(self.dbs)
        outcome = self.purchase(user_id="bob", sku="B", count=1)
        print(f"   -> {'error: ' + str(outcome) if isinstance(outcome, ServiceError) else outcome}")
        self.check("purchase refused", isinstance(outcome, ServiceError) and outcome.status == 409)
        self.check("compensation finished", self.settled())
        after = state(self.dbs)
        print_state("after the failed purchase: everything compensated", before, after)
        self.check("stock, orders and balances equal their values before", after == before)

        print("\n3. alice buys 1 banana and the order service crashes after the stock was deducted:")
        before = state(self.dbs)
        outcome = self.purchase(user_id="alice", sku="B", count=1, crash_order=True)
        print(f"   -> {'error: ' + str(outcome) if isinstance(outcome, ServiceError) else outcome}")
        self.check("purchase failed", isinstance(outcome, ServiceError))
        self.check("order service process died", self.services["order"].wait_exit() is not None)
        self.services["order"].start()
        self.check("compensation finished", self.settled())
        after = state(self.dbs)
        print_state("after the crash: stock restored", before, after)
        self.check("stock, orders and balances equal their values before", after == before)

        if self.failures:
            print(f"\nFAILED: {len(self.failures)} check(s): {'; '.join(self.failures)}")
            for service in self.services.values():
                print(f"\n--- {service.name} log ---\n{service.log_tail()}")
            return 1
        print("\nAll checks passed: the purchase committed everywhere, the failed ones left no trace.")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tc", help="address of a running Seata server (default: an embedded TC)")
    backends = parser.add_mutually_exclusive_group()
    backends.add_argument("--mysql", help="mysql://user:password@host:port/ (default: SQLite files)")
    backends.add_argument("--postgres", help="postgresql://user:password@host:port/ (default: SQLite files)")
    parser.add_argument("--workdir", help="keep databases and logs here (default: a temporary directory)")
    parser.add_argument(
        "--async",
        dest="use_asyncio",
        action="store_true",
        help="run the services as FastAPI apps on asyncio (seata_py.aio connections, httpx)",
    )
    parser.add_argument(
        "--django-order",
        action="store_true",
        help="the order service is examples/django_order (Django, mysqlclient); needs --mysql",
    )
    args = parser.parse_args(argv)
    if args.django_order and not args.mysql:
        parser.error("--django-order needs --mysql (its database backend is Django's MySQL one)")
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="seata-py-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        with coordinator(args.tc, workdir) as tc:
            demo = Demo(
                tc,
                databases(args.mysql, workdir, args.postgres),
                workdir,
                args.use_asyncio,
                args.django_order,
            )
            try:
                demo.start()
                return demo.run()
            finally:
                demo.stop()
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

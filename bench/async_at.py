"""asyncio: an aiomysql single-row UPDATE as a plain transaction vs. the same as an AT branch, and the
throughput of N concurrent global transactions on one event loop (N = 1, 16, 64), against real MariaDB and
the real Seata server (started like the test suite starts them, or SEATA_PY_TEST_MYSQL / SEATA_PY_TEST_TC).

Latency: both variants interleaved on one loop, p50/p99 per transaction and the AT/plain ratio. Throughput:
N tasks, each with its own connection, each running global transactions that update its own row, for a fixed
number of transactions in all; global transactions per second, beside plain transactions per second with the
same N. Not a test: nothing here asserts a speed.

    python bench/async_at.py --transactions 300
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiomysql
import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seata_py
import seata_py.aio
from tests.infra import mariadb, seata_server
from tests.integration.at_schema import create_schema, reseed

SQL = "UPDATE t_account SET balance = balance + %s WHERE id = %s"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def plain_tx(conn: Any, row: int) -> None:
    async with conn.cursor() as cur:
        await cur.execute(SQL, (1, row))
    await conn.commit()


async def at_tx(conn: Any, row: int) -> None:
    async with seata_py.aio.global_transaction(name="bench-async"):
        async with conn.cursor() as cur:
            await cur.execute(SQL, (1, row))
        await conn.commit()


async def latency(plain: Any, at: Any, transactions: int, warmup: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"plain": [], "at": []}
    for i in range(warmup + transactions):
        for name, run, conn in (("plain", plain_tx, plain), ("at", at_tx, at)):
            started = time.perf_counter()
            await run(conn, 1)
            if i >= warmup:
                samples[name].append((time.perf_counter() - started) * 1000)
    return samples


async def throughput(conns: list[Any], run: Callable[[Any, int], Awaitable[None]], total: int) -> float:
    per_task = max(total // len(conns), 1)

    async def worker(conn: Any, row: int) -> None:
        for _ in range(per_task):
            await run(conn, row)

    started = time.perf_counter()
    await asyncio.gather(*(worker(conn, 100 + i) for i, conn in enumerate(conns)))
    return per_task * len(conns) / (time.perf_counter() - started)


async def bench(kwargs: dict[str, Any], transactions: int, warmup: int, concurrency: list[int]) -> None:
    plain = await aiomysql.connect(**kwargs)
    at = await seata_py.aio.connect_mysql(**kwargs)
    samples = await latency(plain, at, transactions, warmup)
    plain.close()
    await at.ensure_closed()
    print(f"single-row UPDATE, aiomysql, {transactions} transactions each (after {warmup} warm-up)")
    print(f"{'variant':<10}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in samples.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"{name:<10}{p50:>10.3f}{p99:>10.3f}{statistics.mean(values):>10.3f}")
    ratio50 = percentile(samples["at"], 0.5) / percentile(samples["plain"], 0.5)
    ratio99 = percentile(samples["at"], 0.99) / percentile(samples["plain"], 0.99)
    print(f"AT/plain: p50 {ratio50:.2f}x, p99 {ratio99:.2f}x\n")

    print(f"throughput on one event loop: {transactions} transactions in all, N tasks, one row each")
    print(f"{'N':>4}{'plain tx/s':>14}{'AT tx/s':>12}{'AT/plain':>10}")
    for n in concurrency:
        plains = [await aiomysql.connect(**kwargs) for _ in range(n)]
        ats = [await seata_py.aio.connect_mysql(**kwargs) for _ in range(n)]
        plain_rate = await throughput(plains, plain_tx, transactions)
        at_rate = await throughput(ats, at_tx, transactions)
        print(f"{n:>4}{plain_rate:>14.1f}{at_rate:>12.1f}{at_rate / plain_rate:>10.3f}")
        for conn in plains:
            conn.close()
        for conn in ats:
            await conn.ensure_closed()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=300, help="per variant and N (default 300)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--concurrency", default="1,16,64", help="comma list of N (default 1,16,64)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-"))
    db_server = mariadb.provide(workdir)
    tc = seata_server.provide(workdir)
    try:
        db = db_server.create_database("bench_async")
        admin = pymysql.connect(**db_server.connect_kwargs(db), autocommit=True)
        create_schema(admin)
        reseed(admin)
        with admin.cursor() as cur:  # one row per concurrent task, so tasks never wait for each other's locks
            for i in range(100, 100 + 64):
                cur.execute("INSERT INTO t_account (id, user_id, balance) VALUES (%s, %s, 0)", (i, f"b{i}"))
        admin.close()
        seata_py.init(application_id="bench-async", grouplist=tc.address)
        kwargs = db_server.connect_kwargs(db)
        kwargs["db"] = kwargs.pop("database")
        asyncio.run(
            bench(kwargs, args.transactions, args.warmup, [int(n) for n in args.concurrency.split(",")])
        )
        print(f"\nTC: {tc.origin}; database: {db_server.origin}")
    finally:
        seata_py.shutdown()
        tc.stop()
        db_server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Single-row UPDATE transaction on PostgreSQL: plain psycopg vs. the same transaction as an AT branch.

Brings up (or finds, via SEATA_PY_TEST_POSTGRES / SEATA_PY_TEST_TC) a real PostgreSQL and a real Seata server
the way the test suite does. The plain variant is a psycopg transaction of one UPDATE and a COMMIT; the AT
variant is the same UPDATE through ``seata_py.connect_postgresql`` inside ``seata_py.global_transaction``
(branch registration, before/after images, undo_log row, branch commit, global commit). The two alternate in
one process, on different rows of the same table, and the script prints p50/p99 latency per transaction and
the AT/plain ratio. Not a test: nothing here asserts a speed.

    python bench/postgres_update.py --transactions 300
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seata_py
from tests.infra import postgres, seata_server
from tests.integration.postgres_schema import create_schema, reseed

UPDATE = "UPDATE t_account SET balance = balance + %s WHERE id = %s"


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of ``samples`` (0 <= q <= 1)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(variants: dict[str, Callable[[], None]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each variant, one call of each per round, so drift hits all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    return timings


def report(timings: dict[str, list[float]], title: str) -> None:
    print(title)
    print(f"{'variant':<8} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9}")
    for name, samples in timings.items():
        print(
            f"{name:<8} {percentile(samples, 0.5) * 1000:9.3f} {percentile(samples, 0.99) * 1000:9.3f} "
            f"{statistics.fmean(samples) * 1000:9.3f}"
        )
    plain, at = timings["plain"], timings["at"]
    ratios = [percentile(at, q) / percentile(plain, q) for q in (0.5, 0.99)]
    means = statistics.fmean(at) / statistics.fmean(plain)
    print(f"{'AT/plain':<8} {ratios[0]:8.2f}x {ratios[1]:8.2f}x {means:8.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=300, help="per variant (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed rounds first (default 30)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-pg-"))
    db_server = postgres.provide(workdir)
    try:
        tc = seata_server.provide(workdir)
    except BaseException:
        db_server.stop()
        raise
    try:
        db = db_server.create_database("bench_pg_at")
        create_schema(db_server, db)
        reseed(db_server, db)  # t_account rows 1, 2, 3
        seata_py.init(application_id="bench-pg", grouplist=tc.address)
        plain = psycopg.connect(**db_server.connect_kwargs(db))
        at = seata_py.connect_postgresql(**db_server.connect_kwargs(db))
        try:

            def plain_tx() -> None:
                plain.cursor().execute(UPDATE, (1, 1))
                plain.commit()

            def at_tx() -> None:
                with seata_py.global_transaction(name="bench-pg"):
                    at.cursor().execute(UPDATE, (1, 2))
                    at.commit()

            variants = {"plain": plain_tx, "at": at_tx}
            measure(variants, args.warmup)
            timings = measure(variants, args.transactions)
        finally:
            plain.close()
            at.close()
            seata_py.shutdown()
        server_version = _server_version(db_server, db)
    finally:
        tc.stop()
        db_server.stop()

    report(
        timings,
        f"single-row UPDATE transaction, {args.transactions} per variant "
        f"({db_server.origin}, {server_version}; {tc.origin})",
    )
    return 0


def _server_version(server: postgres.PostgresServer, database: str) -> str:
    with psycopg.connect(**server.connect_kwargs(database)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


if __name__ == "__main__":
    raise SystemExit(main())

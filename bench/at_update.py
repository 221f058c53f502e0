"""Single-row UPDATE transaction: plain pymysql vs. the same transaction as an AT branch.

Starts (or finds, via SEATA_PY_TEST_MYSQL / SEATA_PY_TEST_TC) a real MariaDB and a real Seata server the way
the test suite does, runs both variants interleaved in the same process, and prints p50/p99 latency per
transaction and the AT/plain ratios. Not a test: nothing here asserts a speed.

    python bench/at_update.py --transactions 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seata_py
from tests.infra import mariadb, seata_server
from tests.integration.at_schema import create_schema, reseed


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=500, help="per variant (default 500)")
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-"))
    db_server = mariadb.provide(workdir)
    tc = seata_server.provide(workdir)
    try:
        db = db_server.create_database("bench_at")
        admin = pymysql.connect(**db_server.connect_kwargs(db))
        create_schema(admin)
        reseed(admin)
        admin.close()
        seata_py.init(application_id="bench", grouplist=tc.address)
        plain = pymysql.connect(**db_server.connect_kwargs(db))
        at = seata_py.connect(**db_server.connect_kwargs(db))
        sql = "UPDATE t_account SET balance = balance + %s WHERE id = %s"

        def plain_tx() -> None:
            plain.cursor().execute(sql, (1, 1))
            plain.commit()

        def at_tx() -> None:
            with seata_py.global_transaction(name="bench"):
                at.cursor().execute(sql, (1, 2))
                at.commit()

        for _ in range(args.warmup):
            plain_tx()
            at_tx()
        timings: dict[str, list[float]] = {"plain": [], "at": []}
        for _ in range(args.transactions):  # interleaved, so drift hits both variants alike
            for name, fn in (("plain", plain_tx), ("at", at_tx)):
                start = time.perf_counter()
                fn()
                timings[name].append(time.perf_counter() - start)
        plain.close()
        at.close()
        seata_py.shutdown()
    finally:
        tc.stop()
        db_server.stop()

    print(f"single-row UPDATE transaction, {args.transactions} per variant ({db_server.origin}; {tc.origin})")
    print(f"{'variant':<8} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9}")
    for name, samples in timings.items():
        print(
            f"{name:<8} {percentile(samples, 0.5) * 1000:9.3f} {percentile(samples, 0.99) * 1000:9.3f} "
            f"{statistics.fmean(samples) * 1000:9.3f}"
        )
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        ratio = percentile(timings["at"], q) / percentile(timings["plain"], q)
        print(f"ratio AT/plain {label}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A single-row SQLite UPDATE: plain sqlite3 vs. an AT branch over the classic and the gRPC transport.

Everything runs in this process against the embedded TC (no servers to install): one plain transaction, then
the same transaction in a global transaction over each transport, interleaved, and prints p50/p99 latency per
transaction with each AT variant's ratio to plain. Not a test: nothing here asserts a speed.

    python bench/sqlite_transports.py --transactions 300
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.tc import EmbeddedTC


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def prepare(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(undo_log_ddl("sqlite"))
    conn.execute("CREATE TABLE stock (sku TEXT PRIMARY KEY, count INTEGER NOT NULL)")
    conn.execute("INSERT INTO stock VALUES ('A', 1000000)")
    conn.commit()
    conn.close()


def one_update(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE stock SET count = count - 1 WHERE sku = ?", ("A",))
    conn.commit()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=300, help="per variant (default 300)")
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {"plain": [], "AT tcp": [], "AT grpc": []}
    with tempfile.TemporaryDirectory() as tmp, EmbeddedTC(port=0, store=":memory:") as tc:
        db = Path(tmp) / "bench.db"
        prepare(db)
        plain = sqlite3.connect(db)
        # one runtime per transport, used in turn: seata_py.init() is process-wide
        for transport in ("tcp", "grpc"):
            seata_py.init(application_id=f"bench-{transport}", grouplist=tc.address, transport=transport)
            conn = seata_py.connect_sqlite(str(db))
            for _ in range(args.warmup):
                with seata_py.global_transaction("warmup"):
                    one_update(conn)
            for _ in range(args.transactions):
                t0 = time.perf_counter()
                one_update(plain)
                samples["plain"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                with seata_py.global_transaction("bench"):
                    one_update(conn)
                samples[f"AT {transport}"].append(time.perf_counter() - t0)
            conn.close()
            seata_py.shutdown()
        plain.close()
    base50, base99 = percentile(samples["plain"], 0.5), percentile(samples["plain"], 0.99)
    print(f"{'variant':<10}{'p50 ms':>10}{'p99 ms':>10}{'p50 ratio':>12}{'p99 ratio':>12}")
    for name, values in samples.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"{name:<10}{p50 * 1000:>10.3f}{p99 * 1000:>10.3f}{p50 / base50:>11.1f}x{p99 / base99:>11.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""seata-py's memory: resident set size a client adds, and whether it grows over many global transactions.

Measured in one fresh process (the servers run in their own): RSS with a plain pymysql connection open,
then after ``import seata_py``, ``seata_py.init()`` and one AT connection, then every ``--every`` global
transactions (one single-row UPDATE branch each) up to ``--transactions``, with the undo rows still pending
deletion counted at each step. Not a test: nothing here asserts a size.

    python bench/memory.py --transactions 10000
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def measured(url_db: str, grouplist: str, transactions: int, every: int) -> None:
    """The measured process: nothing of seata-py imported before the baseline."""
    import json

    import pymysql

    kwargs = json.loads(url_db)
    plain = pymysql.connect(**kwargs)
    plain.cursor().execute("SELECT 1")
    gc.collect()
    baseline = rss_mb()
    import seata_py

    seata_py.init(application_id="bench-memory", grouplist=grouplist)
    conn = seata_py.connect(**kwargs)
    gc.collect()
    ready = rss_mb()
    print(f"| baseline: pymysql connection | {baseline:.1f} | | |")
    print(f"| + seata_py.init() + one AT connection | {ready:.1f} | {ready - baseline:+.1f} | |")
    for done in range(1, transactions + 1):
        with seata_py.global_transaction(name="memory"):
            conn.cursor().execute("UPDATE t_bench SET v = v + 1 WHERE id = %s", (1,))
            conn.commit()
        if done % every == 0:
            gc.collect()
            with plain.cursor() as cur:
                plain.commit()  # a fresh snapshot: phase 2 deletes undo rows on other connections
                cur.execute("SELECT COUNT(*) FROM undo_log")
                (pending,) = cur.fetchone()
            now = rss_mb()
            print(f"| after {done} global transactions | {now:.1f} | {now - baseline:+.1f} | {pending} |")
    seata_py.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measured(args.child[0], args.child[1], args.transactions, args.every)
        return 0

    import json

    import pymysql

    sys.path.insert(0, str(ROOT))
    from seata_py.databases import undo_log_ddl
    from tests.infra import mariadb, seata_server

    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-"))
    db_server = mariadb.provide(workdir)
    tc = seata_server.provide(workdir)
    try:
        db = db_server.create_database("bench_memory")
        admin = pymysql.connect(**db_server.connect_kwargs(db), autocommit=True)
        with admin.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS t_bench")
            cur.execute("CREATE TABLE t_bench (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB")
            cur.execute("INSERT INTO t_bench VALUES (1, 0)")
            cur.execute("DROP TABLE IF EXISTS undo_log")
            cur.execute(undo_log_ddl("mysql"))
        admin.close()
        print(f"RSS of one client process ({db_server.origin}; {tc.origin})\n")
        print("| point | RSS MB | over baseline MB | undo rows pending |")
        print("|---|---|---|---|")
        sys.stdout.flush()
        child = [
            sys.executable,
            __file__,
            "--transactions",
            str(args.transactions),
            "--every",
            str(args.every),
            "--child",
            json.dumps(db_server.connect_kwargs(db)),
            tc.address,
        ]
        return subprocess.run(child, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    finally:
        tc.stop()
        db_server.stop()


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput of global transactions with two AT branches, seata-py beside the real Java client, one run.

Each worker runs global transactions of ``UPDATE t_bench SET v = v + 1 WHERE id = ?`` in two MariaDB
databases (one branch each) on a row of its own, for ``--seconds`` after ``--warmup`` seconds, with
connections of its own. Workers: seata-py threads in one process, seata-py processes (one client each), and
threads of one JVM running the Java client of the cross-language suite (Seata 2.0.0, Connector/J). All run
against the same real TC and MariaDB, one configuration after the other, so the two cores are never shared
between two clients' measurements. Also prints process CPU per transaction for each client, and the TC's and
MariaDB's CPU over each measurement, which is where the shared machine's time goes. Not a test.

    python bench/throughput_vs_java.py --workers 1 4 16 --seconds 15
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vs_java import BenchJavaAgent, percentile

import seata_py
from seata_py.databases import undo_log_ddl
from tests.infra import java_client, mariadb, seata_server

SQL = "UPDATE t_bench SET v = v + 1 WHERE id = %s"
FIRST_ROW = {"java": 1000, "threads": 2000, "processes": 3000}
MAX_WORKERS = 64


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pid_listening_on(port: int) -> int | None:
    """The process listening on a local TCP port (the TC, MariaDB), found through /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{parts[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


def worker_loop(
    connect_kwargs: list[dict[str, Any]], row: int, opens: float, closes: float
) -> tuple[list[float], int]:
    conns = [seata_py.connect(**kwargs) for kwargs in connect_kwargs]
    durations: list[float] = []
    failures = 0
    try:
        while (now := time.monotonic()) < closes:
            try:
                with seata_py.global_transaction(name="throughput"):
                    for conn in conns:
                        conn.cursor().execute(SQL, (row,))
                        conn.commit()
            except Exception:
                failures += 1
                continue
            end = time.monotonic()
            if now >= opens and end <= closes:
                durations.append(end - now)
    finally:
        for conn in conns:
            conn.close()
    return durations, failures


def python_threads(
    n: int, connect_kwargs: list[dict[str, Any]], warmup: float, seconds: float
) -> tuple[list[float], int, float]:
    results: list[tuple[list[float], int]] = []
    start = time.monotonic() + 1.0  # time for every thread to connect
    opens, closes = start + warmup, start + warmup + seconds
    cpu_at: list[float] = []

    def run(i: int) -> None:
        results.append(worker_loop(connect_kwargs, FIRST_ROW["threads"] + i, opens, closes))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, opens - time.monotonic()))
    cpu_at.append(time.process_time())
    time.sleep(max(0.0, closes - time.monotonic()))
    cpu_at.append(time.process_time())
    for t in threads:
        t.join()
    durations = [d for r in results for d in r[0]]
    return durations, sum(r[1] for r in results), cpu_at[1] - cpu_at[0]


def _process_main(
    grouplist: str, connect_kwargs: list[dict[str, Any]], row: int, opens: float, closes: float, out: Any
) -> None:
    seata_py.init(application_id=f"bench-proc-{row}", grouplist=grouplist)
    try:
        durations, failures = worker_loop(connect_kwargs, row, opens, closes)
        out.put((durations, failures, time.process_time()))
    finally:
        seata_py.shutdown()


def python_processes(
    n: int, grouplist: str, connect_kwargs: list[dict[str, Any]], warmup: float, seconds: float
) -> tuple[list[float], int, float]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start = time.monotonic() + 4.0 + 0.2 * n  # spawn, import, init and connect before the window opens
    opens, closes = start + warmup, start + warmup + seconds
    procs = [
        ctx.Process(
            target=_process_main,
            args=(grouplist, connect_kwargs, FIRST_ROW["processes"] + i, opens, closes, out),
        )
        for i in range(n)
    ]
    for p in procs:
        p.start()
    time.sleep(max(0.0, opens - time.monotonic()))
    cpu_open = sum(cpu_seconds(p.pid) for p in procs if p.pid is not None)
    time.sleep(max(0.0, closes - time.monotonic()))
    cpu_close = sum(cpu_seconds(p.pid) for p in procs if p.pid is not None)
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    durations = [d for r in results for d in r[0]]
    return durations, sum(r[1] for r in results), cpu_close - cpu_open


def java_threads(
    agent: java_client.JavaAgent, n: int, warmup: float, seconds: float
) -> tuple[list[float], int, float]:
    assert agent.proc is not None
    pid = agent.proc.pid
    result: dict[str, Any] = {}

    def run() -> None:
        result.update(
            agent.request(
                "throughput",
                timeout=warmup + seconds + 120,
                ds=["a", "b"],
                sql=SQL.replace("%s", "?"),
                threads=n,
                first_row=FIRST_ROW["java"],
                warmup=warmup,
                seconds=seconds,
            )
        )

    caller = threading.Thread(target=run)
    caller.start()
    # the JVM opens its window once its threads are connected; sample its CPU over about the same span
    time.sleep(0.5 + warmup)
    cpu_open = cpu_seconds(pid)
    time.sleep(seconds)
    cpu_close = cpu_seconds(pid)
    caller.join()
    return [m / 1e6 for m in result["micros"]], int(result["failures"]), cpu_close - cpu_open


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--clients", nargs="+", default=["java", "processes", "threads"])
    args = parser.parse_args()
    assert max(args.workers) <= MAX_WORKERS

    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-"))
    db_server = mariadb.provide(workdir)
    tc = seata_server.provide(workdir)
    agent: java_client.JavaAgent | None = None
    table: list[tuple[str, int, float, float, float, int, float, float, float]] = []
    try:
        names = [db_server.create_database(f"bench_tp_{x}") for x in ("a", "b")]
        rows = ", ".join(f"({first + i}, 0)" for first in FIRST_ROW.values() for i in range(MAX_WORKERS))
        for name in names:
            admin = pymysql.connect(**db_server.connect_kwargs(name), autocommit=True)
            with admin.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS t_bench")
                cur.execute("CREATE TABLE t_bench (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB")
                cur.execute(f"INSERT INTO t_bench VALUES {rows}")
                cur.execute("DROP TABLE IF EXISTS undo_log")
                cur.execute(undo_log_ddl("mysql"))
            admin.close()
        connect_kwargs = [db_server.connect_kwargs(name) for name in names]
        if "java" in args.clients:
            agent = BenchJavaAgent(java_client.LINES["2.0"], tc.address, workdir, application="bench-java")
            agent.start()
            for ds, name in zip(("a", "b"), names, strict=True):
                url = f"jdbc:mysql://{db_server.host}:{db_server.port}/{name}"
                agent.datasource(ds, url, db_server.user, db_server.password)
        if "threads" in args.clients:
            seata_py.init(application_id="bench-threads", grouplist=tc.address)
        tc_pid = pid_listening_on(int(tc.address.rsplit(":", 1)[1]))
        db_pid = pid_listening_on(db_server.port)
        for n in args.workers:
            for client in args.clients:
                tc_cpu = cpu_seconds(tc_pid) if tc_pid else float("nan")
                db_cpu = cpu_seconds(db_pid) if db_pid else float("nan")
                if client == "java":
                    assert agent is not None
                    durations, failures, cpu = java_threads(agent, n, args.warmup, args.seconds)
                elif client == "threads":
                    durations, failures, cpu = python_threads(n, connect_kwargs, args.warmup, args.seconds)
                else:
                    durations, failures, cpu = python_processes(
                        n, tc.address, connect_kwargs, args.warmup, args.seconds
                    )
                # the TC's and MariaDB's CPU over the whole configuration (warm-up included), per second
                span = args.warmup + args.seconds
                tc_cpu = (cpu_seconds(tc_pid) - tc_cpu) / span if tc_pid else float("nan")
                db_cpu = (cpu_seconds(db_pid) - db_cpu) / span if db_pid else float("nan")
                count = len(durations)
                rate = count / args.seconds
                table.append(
                    (
                        client,
                        n,
                        rate,
                        percentile(durations, 0.5) * 1000 if durations else float("nan"),
                        percentile(durations, 0.99) * 1000 if durations else float("nan"),
                        failures,
                        cpu / count * 1000 if count else float("nan"),
                        tc_cpu / rate * 1000 if rate else float("nan"),
                        db_cpu / rate * 1000 if rate else float("nan"),
                    )
                )
                print(f"{client} x{n}: {rate:.1f} tx/s", file=sys.stderr)
        if "threads" in args.clients:
            seata_py.shutdown()
    finally:
        if agent is not None:
            agent.stop()
        tc.stop()
        db_server.stop()

    print(
        f"\nglobal transactions of two AT branches (two MariaDB databases), {args.seconds:.0f} s after "
        f"{args.warmup:.0f} s warm-up per configuration ({db_server.origin}; {tc.origin})\n"
    )
    label = {"java": "Java 2.0.0 threads", "threads": "seata-py threads", "processes": "seata-py processes"}
    print(
        "| client | workers | tx/s | p50 ms | p99 ms | failed | client CPU ms/tx | TC CPU ms/tx"
        " | MariaDB CPU ms/tx |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for client, n, rate, p50, p99, failures, cpu, tc_cpu, db_cpu in table:
        print(
            f"| {label[client]} | {n} | {rate:.1f} | {p50:.2f} | {p99:.2f} | {failures} | {cpu:.2f} | "
            f"{tc_cpu:.2f} | {db_cpu:.2f} |"
        )
    by = {(c, n): rate for c, n, rate, *_ in table}
    for n in args.workers:
        java = by.get(("java", n))
        if not java:
            continue
        for client in ("threads", "processes"):
            if (client, n) in by:
                print(f"{label[client]} / Java at {n}: {by[(client, n)] / java:.2f}x (target at 16: >= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

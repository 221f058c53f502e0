"""One AT branch on MySQL/MariaDB, seata-py beside the real Java client, in one run on one TC and database.

Starts (or finds, via SEATA_PY_TEST_MYSQL / SEATA_PY_TEST_TC) MariaDB and the real Seata server the way the
test suite does, and the Java client of the cross-language suite (tests/interop/java, Seata 2.0.0 over
Connector/J; built once and cached). Each client runs three variants of
``UPDATE t SET v = v + 1 WHERE id = ?`` + commit on a row of its own:

    plain   the driver's own transaction (pymysql; Connector/J on the physical connection)
    branch  the same transaction as one AT branch, inside a global transaction begun for the block
    global  begin + the branch + global commit

in interleaved blocks (the order rotates every round, so drift on the shared machine hits all alike), after
warm-up rounds that let the JVM compile its hot path. The Java client times its transactions itself, so
the pipe to it is not counted. A second, instrumented pass over seata-py's branch and global variants splits
their time: database round trips, TC round trips, and what is left (Python work), with the count of each
round trip. Not a test: nothing here asserts a speed.

    python bench/vs_java.py --rounds 10 --block 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.rpc.client import RpcClient
from tests.infra import java_client, mariadb, seata_server

SQL = "UPDATE t_bench SET v = v + 1 WHERE id = %s"
JAVA_SQL = SQL.replace("%s", "?")
ROWS = {"py": 1, "java": 2}
VARIANTS = ("plain", "branch", "global")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class BenchJavaAgent(java_client.JavaAgent):
    """The suite's Java agent with the JVM's full JIT (the suite's agent starts fast on C1 only)."""

    def command(self) -> tuple[list[str], dict[str, str] | None]:
        argv, env = super().command()
        return [a for a in argv if a != "-XX:TieredStopAtLevel=1"], env


class PythonClient:
    def __init__(self, connect_kwargs: dict[str, Any]) -> None:
        self.plain = pymysql.connect(**connect_kwargs)
        self.at = seata_py.connect(**connect_kwargs)
        self.row = ROWS["py"]

    def block(self, variant: str, count: int) -> list[float]:
        out: list[float] = []
        clock = time.perf_counter
        if variant == "plain":
            for _ in range(count):
                start = clock()
                self.plain.cursor().execute(SQL, (self.row,))
                self.plain.commit()
                out.append(clock() - start)
        elif variant == "branch":
            with seata_py.global_transaction(name="bench-block"):
                for _ in range(count):
                    start = clock()
                    self.at.cursor().execute(SQL, (self.row,))
                    self.at.commit()
                    out.append(clock() - start)
        else:
            for _ in range(count):
                start = clock()
                with seata_py.global_transaction(name="bench"):
                    self.at.cursor().execute(SQL, (self.row,))
                    self.at.commit()
                out.append(clock() - start)
        return out

    def close(self) -> None:
        self.plain.close()
        self.at.close()


class JavaClient:
    def __init__(self, agent: java_client.JavaAgent) -> None:
        self.agent = agent

    def block(self, variant: str, count: int) -> list[float]:
        answer = self.agent.request(
            "bench", timeout=600, ds="bench", mode=variant, sql=JAVA_SQL, params=[ROWS["java"]], count=count
        )
        return [n / 1e9 for n in answer["nanos"]]


class Breakdown:
    """Wall time of each database and TC round trip made by seata-py, while installed."""

    def __init__(self) -> None:
        self.db = Counter[str]()
        self.db_time = 0.0
        self.tc = Counter[str]()
        self.tc_time: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self) -> Iterator[Breakdown]:
        conn_cls = pymysql.connections.Connection
        saved: list[tuple[type, str, Any]] = []

        def timed_db(name: str) -> None:
            original = getattr(conn_cls, name)

            def wrapper(conn: Any, *args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(conn, *args, **kwargs)
                finally:
                    self.db_time += time.perf_counter() - start
                    label = name if name != "query" else str(args[0]).split(None, 1)[0].upper()
                    self.db[label] += 1

            saved.append((conn_cls, name, original))
            setattr(conn_cls, name, wrapper)

        for name in ("query", "commit", "rollback", "begin", "ping", "autocommit"):
            timed_db(name)
        original_call = RpcClient.call

        def call(client: Any, role: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original_call(client, role, message, *args, **kwargs)
            finally:
                label = type(message).__name__.removesuffix("Request")
                self.tc_time[label] += time.perf_counter() - start
                self.tc[label] += 1

        saved.append((RpcClient, "call", original_call))
        RpcClient.call = call  # type: ignore[method-assign]
        try:
            yield self
        finally:
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)


def measure_breakdown(client: PythonClient, variant: str, count: int) -> dict[str, Any]:
    breakdown = Breakdown()
    with breakdown.installed():
        cpu, wall = time.process_time(), time.perf_counter()
        samples = client.block(variant, count)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    tc_time = sum(breakdown.tc_time.values())
    return {
        "wall": sum(samples) / count,
        "db": breakdown.db_time / count,
        "tc": tc_time / count,
        "cpu": cpu / count,
        "db_counts": {k: v / count for k, v in breakdown.db.items()},
        "tc_counts": {k: v / count for k, v in breakdown.tc.items()},
        "tc_each": {k: breakdown.tc_time[k] / breakdown.tc[k] for k in breakdown.tc},
        "db_trips": sum(breakdown.db.values()) / count,
        "tc_trips": sum(breakdown.tc.values()) / count,
    }


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="seata-py-bench-"))
    db_server = mariadb.provide(workdir)
    tc = seata_server.provide(workdir)
    agent: java_client.JavaAgent | None = None
    try:
        db = db_server.create_database("bench_vs_java")
        admin = pymysql.connect(**db_server.connect_kwargs(db), autocommit=True)
        with admin.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS t_bench")
            cur.execute("CREATE TABLE t_bench (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB")
            cur.execute("INSERT INTO t_bench VALUES (1, 0), (2, 0)")
            cur.execute("DROP TABLE IF EXISTS undo_log")
            cur.execute(undo_log_ddl("mysql"))
        admin.close()

        line = java_client.LINES["2.0"]
        agent = BenchJavaAgent(line, tc.address, workdir, application="bench-java")
        agent.start()
        jdbc_url = f"jdbc:mysql://{db_server.host}:{db_server.port}/{db}"
        agent.datasource("bench", jdbc_url, db_server.user, db_server.password)
        seata_py.init(application_id="bench-py", grouplist=tc.address)
        clients: dict[str, Any] = {
            "py": PythonClient(db_server.connect_kwargs(db)),
            "java": JavaClient(agent),
        }
        cells = [(who, variant) for who in clients for variant in VARIANTS]
        print(f"warm-up: {args.warmup_rounds} rounds of {args.block}", file=sys.stderr)
        for _ in range(args.warmup_rounds):
            for who, variant in cells:
                clients[who].block(variant, args.block)
        timings: dict[tuple[str, str], list[float]] = {cell: [] for cell in cells}
        for round_no in range(args.rounds):
            shift = round_no % len(cells)
            for who, variant in cells[shift:] + cells[:shift]:
                timings[(who, variant)] += clients[who].block(variant, args.block)
            print(f"round {round_no + 1}/{args.rounds}", file=sys.stderr)
        parts = {v: measure_breakdown(clients["py"], v, args.block * 2) for v in ("branch", "global")}
        clients["py"].close()
        seata_py.shutdown()
    finally:
        if agent is not None:
            agent.stop()
        tc.stop()
        db_server.stop()

    report(args, timings, parts, db_server.origin, tc.origin, line.version)
    return 0


def report(
    args: argparse.Namespace,
    timings: dict[tuple[str, str], list[float]],
    parts: dict[str, dict[str, Any]],
    db_origin: str,
    tc_origin: str,
    java_version: str,
) -> None:
    ms: Callable[[float], str] = lambda s: f"{s * 1000:.3f}"  # noqa: E731
    p50 = {cell: percentile(s, 0.5) for cell, s in timings.items()}
    p99 = {cell: percentile(s, 0.99) for cell, s in timings.items()}
    print(
        f"\nsingle-row UPDATE + commit, {args.rounds} rounds x {args.block} per cell, interleaved "
        f"({db_origin}; {tc_origin}; Java client {java_version})\n"
    )
    print("| client | variant | p50 ms | p99 ms | mean ms | p50 / plain |")
    print("|---|---|---|---|---|---|")
    for (who, variant), samples in timings.items():
        print(
            f"| {'seata-py' if who == 'py' else 'Java'} | {variant} | {ms(p50[(who, variant)])} | "
            f"{ms(p99[(who, variant)])} | {ms(statistics.fmean(samples))} | "
            f"{p50[(who, variant)] / p50[(who, 'plain')]:.2f}x |"
        )
    print("\n| ratio | p50 | p99 | target (issue 17) |")
    print("|---|---|---|---|")
    rows = [
        ("seata-py branch / seata-py plain", ("py", "branch"), ("py", "plain"), 2.5),
        ("seata-py branch / Java branch", ("py", "branch"), ("java", "branch"), 0.5),
        ("seata-py global / Java global", ("py", "global"), ("java", "global"), 0.6),
        ("Java branch / Java plain", ("java", "branch"), ("java", "plain"), None),
    ]
    for label, num, den, target in rows:
        ratio50, ratio99 = p50[num] / p50[den], p99[num] / p99[den]
        verdict = "" if target is None else f"<= {target}x: {'met' if ratio50 <= target else 'missed'}"
        print(f"| {label} | {ratio50:.2f}x | {ratio99:.2f}x | {verdict} |")
    print(
        f"\nseata-py, where the time goes (instrumented pass of {args.block * 2} per variant; the wrappers"
        " add a little to every round trip):\n"
    )
    print(
        "| variant | wall ms | DB round trips | DB wait ms | TC round trips | TC wait ms | rest (Python) ms "
        "| process CPU ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for variant, part in parts.items():
        rest = part["wall"] - part["db"] - part["tc"]
        print(
            f"| {variant} | {ms(part['wall'])} | {part['db_trips']:.2f} | {ms(part['db'])} | "
            f"{part['tc_trips']:.2f} | {ms(part['tc'])} | {ms(rest)} | {ms(part['cpu'])} |"
        )
    for variant, part in parts.items():
        db = ", ".join(f"{k} {v:.2f}" for k, v in sorted(part["db_counts"].items()))
        tc = ", ".join(
            f"{k} {part['tc_counts'][k]:.2f} x {ms(part['tc_each'][k])} ms" for k in sorted(part["tc_counts"])
        )
        print(f"\n{variant}: DB per transaction: {db}\n{variant}: TC per transaction: {tc}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--block", type=int, default=100, help="transactions per cell and round (default 100)"
    )
    parser.add_argument("--warmup-rounds", type=int, default=3)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())

"""The AT corpus on SQLite files against the real Seata server (no MariaDB involved).

The cases of ``test_at_corpus`` that SQLite has, in SQLite's syntax, plus what only SQLite has (numbered and
named placeholders, ON CONFLICT DO UPDATE/NOTHING, RETURNING, storage classes that differ from the declared
type). Every case runs twice: in a global transaction that rolls back (every table must equal its snapshot,
storage classes included, and undo_log must be empty), and in one that commits (the tables must equal a twin
database where the same statements ran without seata-py, and undo_log must be empty within 5 s).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import seata_py
from seata_py.databases.sqlite.library import has_update_delete_limit
from seata_py.databases.sqlite.pysqlite import SQLiteATConnection
from seata_py.databases.sqlite.pysqlite import connect as connect_sqlite
from seata_py.runtime import runtime
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import eventually
from tests.integration.sqlite_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.test_at_corpus import Case, Step, case

pytestmark = pytest.mark.integration

TYPES_ROW = (
    5,
    3.25,
    "naïve 漢字 🚀",
    bytes(range(256)),
    b"\xde\xad",
    "-0.0001",
    1,
    "2023-06-15",
    1686830400,
    "v",
)
TYPES_COLUMNS = "c_int, c_real, c_text, c_blob, c_any, c_dec, c_bool, c_date, c_ts, c_varchar"
TYPES_MARKS = ", ".join(["?"] * len(TYPES_ROW))

LIMIT_CASES = [
    case(
        "update-order-limit",
        Step("UPDATE t_order SET note = ? ORDER BY order_id DESC, item_id DESC LIMIT 2", ("late",)),
    ),
    case(
        "update-limit-param",
        Step("UPDATE t_order SET qty = 0 WHERE qty > ? ORDER BY order_id LIMIT ?", (0, 1)),
    ),
    case("delete-order-limit", "DELETE FROM t_order ORDER BY order_id, item_id LIMIT 2"),
]

CASES: list[Case] = [
    # -- INSERT ---------------------------------------------------------------------------------------------
    case(
        "insert-composite-pk",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price, note) VALUES (?, ?, ?, ?, ?, ?)",
            (5, 1, "Z", 1, "1.00", None),
        ),
    ),
    case(
        "insert-multi-row-composite",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) "
            "VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)",
            (6, 1, "A", 1, "2.00", 6, 2, "B", 3, "4.00"),
        ),
    ),
    case("insert-rowid-key", Step("INSERT INTO t_account (user_id, balance) VALUES (?, ?)", ("u9", "9.90"))),
    case(
        "insert-rowid-key-multi-row",  # generated keys read back with RETURNING
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (?, ?), (?, ?), (?, ?)",
            ("n1", "1", "n2", "2", "n3", "3"),
        ),
    ),
    case(
        "insert-explicit-null-rowid-key",
        "INSERT INTO t_account (id, user_id, balance) VALUES (NULL, 'u10', 1)",
    ),
    case("insert-literals", "INSERT INTO t_stock (sku, name, count) VALUES ('E', 'elder', 3)"),
    case("insert-no-column-list", Step("INSERT INTO t_stock VALUES (?, ?, ?)", ("F", "fig", 4))),
    case(
        "insert-named-params",
        Step("INSERT INTO t_account (user_id, balance) VALUES (:u, :b)", {"u": "named", "b": "7.00"}),
    ),
    case(
        "insert-numbered-params",
        Step("INSERT INTO t_stock (sku, name, count) VALUES (?2, ?1, ?3)", ("grape", "G", 8)),
    ),
    case(
        "insert-every-type", Step(f"INSERT INTO t_types ({TYPES_COLUMNS}) VALUES ({TYPES_MARKS})", TYPES_ROW)
    ),
    case("insert-all-nulls", "INSERT INTO t_types (c_int) VALUES (NULL)"),
    case(
        "insert-executemany",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (?, ?, ?, ?, ?)",
            [(8, i, f"S{i}", i, "1.00") for i in range(1, 6)],
            many=True,
        ),
    ),
    case(
        "insert-executemany-rowid-key",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (?, ?)",
            [("m1", "1"), ("m2", "2"), ("m3", "3")],
            many=True,
        ),
    ),
    case(
        "insert-quoted-identifiers",
        Step('INSERT INTO "t_stock" ("sku", [name], `count`) VALUES (?, ?, ?)', ("H", "honeydew", 1)),
    ),
    case(
        "insert-autocommit",
        Step("INSERT INTO t_stock (sku, name, count) VALUES (?, ?, ?)", ("I", "ice", 2)),
        autocommit=True,
    ),
    case(
        "insert-autocommit-multi-row-rowid-key",
        Step("INSERT INTO t_account (user_id, balance) VALUES (?, ?), (?, ?)", ("a1", "1", "a2", "2")),
        autocommit=True,
    ),
    case(
        "insert-returning",
        Step("INSERT INTO t_account (user_id, balance) VALUES (?, ?) RETURNING id", ("r1", "1")),
    ),
    # -- UPDATE ---------------------------------------------------------------------------------------------
    case(
        "update-by-unique",
        Step("UPDATE t_account SET balance = balance - ? WHERE user_id = ?", ("10.25", "u2")),
    ),
    case(
        "update-alias", Step("UPDATE t_account AS a SET balance = a.balance + 1 WHERE a.id IN (?, ?)", (1, 3))
    ),
    case("update-composite-pk", Step("UPDATE t_order SET qty = qty + 1 WHERE order_id = ?", (1,))),
    case("update-all-rows", "UPDATE t_stock SET count = count + 1"),
    case("update-to-null", "UPDATE t_order SET note = NULL WHERE order_id = 1"),
    case(
        "update-null-to-value", "UPDATE t_types SET c_int = 7, c_varchar = 'x', c_blob = x'00' WHERE id = 3"
    ),
    case(
        "update-every-type",
        Step(
            "UPDATE t_types SET "
            + ", ".join(f"{c} = ?" for c in TYPES_COLUMNS.split(", "))
            + " WHERE id = ?",
            (*TYPES_ROW, 1),
        ),
    ),
    case(
        "update-storage-classes",  # the same columns given values of other storage classes
        "UPDATE t_types SET c_int = 'not a number', c_real = 5, c_text = 5, c_any = x'01', c_dec = 'n/a', "
        "c_bool = 2.5 WHERE id IN (2, 4)",
    ),
    case("update-matches-nothing", "UPDATE t_stock SET count = 0 WHERE sku = 'nope'", changes=False),
    case("update-like-param", Step("UPDATE t_stock SET count = count + 2 WHERE name LIKE ?", ("b%",))),
    case("update-like-literal-no-args", "UPDATE t_stock SET count = 5 WHERE name LIKE 'c%'"),
    case("update-percent-literal", Step("UPDATE t_stock SET name = name || '%' WHERE sku = ?", ("A",))),
    case(
        "update-exists-subquery",
        "UPDATE t_stock SET count = count - 1 "
        "WHERE EXISTS (SELECT 1 FROM t_order o WHERE o.sku = t_stock.sku)",
    ),
    case(
        "update-blob",
        Step("UPDATE t_types SET c_blob = ?, c_any = ? WHERE id = 2", (b"\x00\xff\x00", b"\x01")),
    ),
    case("update-decimal-scale", Step("UPDATE t_account SET balance = ? WHERE id = 1", ("100.10",))),
    case(
        "update-named-params",
        Step("UPDATE t_account SET points = :p WHERE id = :id OR id = :id + 1", {"p": 9, "id": 1}),
    ),
    case("update-or-ignore", "UPDATE OR IGNORE t_stock SET name = 'apple' WHERE sku = 'B'", changes=False),
    case(
        "update-returning",
        Step("UPDATE t_stock SET count = count * 2 WHERE sku <> ? RETURNING sku, count", ("C",)),
    ),
    case(
        "update-autocommit",
        Step("UPDATE t_account SET points = points + 5 WHERE id = ?", (2,)),
        autocommit=True,
    ),
    case(
        "update-executemany",
        Step("UPDATE t_account SET points = points + ? WHERE id = ?", [(1, 1), (2, 2), (3, 3)], many=True),
    ),
    case(
        "update-executemany-autocommit",
        Step("UPDATE t_account SET points = points + ? WHERE id = ?", [(1, 1), (2, 2)], many=True),
        autocommit=True,
    ),
    # -- DELETE ---------------------------------------------------------------------------------------------
    case("delete-composite-pk", Step("DELETE FROM t_order WHERE order_id = ? AND item_id = ?", (1, 2))),
    case("delete-all-rows", "DELETE FROM t_stock"),
    case("delete-every-type", "DELETE FROM t_types WHERE id IN (1, 4)"),
    case("delete-nulls-row", "DELETE FROM t_types WHERE id = 3"),
    case("delete-in-list", Step("DELETE FROM t_account WHERE id IN (?, ?)", (1, 2))),
    case("delete-executemany", Step("DELETE FROM t_order WHERE order_id = ?", [(1,), (3,)], many=True)),
    case("delete-autocommit", Step("DELETE FROM t_account WHERE user_id = ?", ("u3",)), autocommit=True),
    case("delete-returning", Step("DELETE FROM t_order WHERE order_id = ? RETURNING *", (1,))),
    # -- upserts --------------------------------------------------------------------------------------------
    case(
        "upsert-existing",
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = count + excluded.count",
    ),
    case(
        "upsert-new",
        "INSERT INTO t_stock (sku, name, count) VALUES ('J', 'jack', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = 1",
    ),
    case(
        "upsert-mixed-rows",
        Step(
            "INSERT INTO t_stock (sku, name, count) VALUES (?, ?, ?), (?, ?, ?) "
            "ON CONFLICT (sku) DO UPDATE SET count = excluded.count",
            ("B", "banana", 7, "K", "kiwi", 9),
        ),
    ),
    case(
        "upsert-composite-pk",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (order_id, item_id) DO UPDATE SET qty = qty + excluded.qty",
            (1, 1, "A", 3, "10.00"),
        ),
    ),
    case(
        "upsert-by-unique-key-rowid-pk",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET balance = balance + excluded.balance",
            ("u1", "5.00"),
        ),
    ),
    case(
        "upsert-unique-key-new-row",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET balance = excluded.balance",
            ("u77", "1.00"),
        ),
    ),
    case(
        "upsert-do-update-where-false",
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = 0 WHERE excluded.count > 100",
        changes=False,
    ),
    case(
        "upsert-do-nothing",
        Step(
            "INSERT INTO t_stock (sku, name, count) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT DO NOTHING",
            ("A", "apricot", 1, "L", "lime", 2),
        ),
    ),
    case(
        "insert-or-ignore",
        Step(
            "INSERT OR IGNORE INTO t_stock (sku, name, count) VALUES (?, ?, ?), (?, ?, ?)",
            ("M", "apple", 1, "N", "nut", 2),
        ),
    ),
    # -- several statements ---------------------------------------------------------------------------------
    case(
        "same-row-three-times",
        Step("UPDATE t_account SET balance = balance - 10 WHERE id = 1"),
        Step("UPDATE t_account SET balance = balance - 20 WHERE id = 1"),
        Step("DELETE FROM t_account WHERE id = 1"),
    ),
    case(
        "insert-update-delete-same-row",
        Step("INSERT INTO t_stock (sku, name, count) VALUES ('L', 'lime', 1)"),
        Step("UPDATE t_stock SET count = 2 WHERE sku = 'L'"),
        Step("DELETE FROM t_stock WHERE sku = 'L'"),
        changes=False,
    ),
    case(
        "two-autocommit-statements",
        Step("UPDATE t_account SET points = 1 WHERE id = 1"),
        Step("UPDATE t_stock SET count = 1 WHERE sku = 'A'"),
        autocommit=True,
    ),
    case(
        "mixed-tables-one-branch",
        Step("UPDATE t_stock SET count = count - 2 WHERE sku = ?", ("A",)),
        Step("INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (9, 1, 'A', 2, '10.00')"),
        Step("UPDATE t_account SET balance = balance - 20 WHERE user_id = ?", ("u2",)),
    ),
    case(
        "savepoint-rolled-back-part",
        Step("UPDATE t_account SET points = 1 WHERE id = 1"),
        Step("SAVEPOINT sp1"),
        Step("DELETE FROM t_stock WHERE sku = 'A'"),
        Step("ROLLBACK TO SAVEPOINT sp1"),
        Step("RELEASE sp1"),
    ),
    case(
        "plain-statements-between",
        Step("SELECT count(*) FROM t_stock"),
        Step("UPDATE t_stock SET count = 3 WHERE sku = 'C'"),
        Step("PRAGMA user_version"),
    ),
    *(LIMIT_CASES if has_update_delete_limit() else []),
]


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, seata_tc: SeataServer) -> Iterator[dict[str, Path]]:
    directory = tmp_path_factory.mktemp("sqlite-corpus")
    paths = {"at": directory / "at.db", "plain": directory / "plain.db"}
    for path in paths.values():
        create_schema(path)
    seata_py.init(application_id="it-sqlite-corpus", grouplist=seata_tc.address)
    try:
        yield paths
    finally:
        seata_py.shutdown()


def at_connection(path: Path, autocommit: bool) -> SQLiteATConnection:
    rt = runtime()
    if autocommit:
        return connect_sqlite(path, rm=rt.rm, isolation_level=None, timeout=10)
    return connect_sqlite(path, rm=rt.rm, timeout=10)


def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = conn.cursor()
    for step in steps:
        args = () if step.args is None else step.args
        if step.many:
            cur.executemany(step.sql, args)
        else:
            cur.execute(step.sql, args)
        cur.fetchall()


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(files: dict[str, Path], c: Case) -> None:
    reseed(files["at"])
    before = snapshot(files["at"])
    conn = at_connection(files["at"], c.autocommit)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name=f"sqlite-corpus-{c.id}") as tx:
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
            during = snapshot(files["at"])
            if c.changes:
                assert during != before, "the case changed nothing: it cannot show a rollback"
                assert undo_rows(files["at"]) >= 1
            assert tx.xid
            raise Boom
    finally:
        conn.close()
    assert snapshot(files["at"]) == before
    assert undo_rows(files["at"]) == 0


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(files: dict[str, Path], c: Case) -> None:
    reseed(files["at"])
    reseed(files["plain"])
    plain = sqlite3.connect(files["plain"], isolation_level=None if c.autocommit else "", timeout=10)
    try:
        run_steps(plain, c.steps)
        plain.commit()
    finally:
        plain.close()
    conn = at_connection(files["at"], c.autocommit)
    try:
        with seata_py.global_transaction(name=f"sqlite-corpus-{c.id}"):
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
    finally:
        conn.close()
    assert snapshot(files["at"]) == snapshot(files["plain"])
    assert eventually(lambda: undo_rows(files["at"]) == 0, timeout=5), "undo_log not cleaned within 5 s"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)

"""The AT corpus on PostgreSQL (psycopg 3) against every TC kind.

The cases of ``test_at_corpus`` that PostgreSQL has, in its syntax, plus what it alone has: RETURNING with
serial, identity and uuid keys, ON CONFLICT DO UPDATE/NOTHING, DEFAULT VALUES, a second schema, a quoted
mixed-case table, a generated column, and a row of every type. Every case runs twice: in a global
transaction that rolls back (every table must equal its snapshot in PostgreSQL's own text form, type by type,
and undo_log must be empty), and in one that commits (the tables must equal a twin database where the same
statements ran without seata-py, and undo_log must be empty within 5 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import seata_py
from tests.infra.postgres import PostgresServer
from tests.integration.conftest import eventually
from tests.integration.postgres_schema import TYPES_COLUMNS, create_schema, reseed, snapshot, undo_rows
from tests.integration.test_at_corpus import Case, Step, case

pytestmark = pytest.mark.integration

TYPES_ROW = (
    7,
    -7,
    9223372036854775807,
    "-0.000000000000001",
    "3.14159265358979323846264338327950288419716939937510",
    0.1,
    1e-300,
    False,
    "naïve 漢字 🚀\n\t",
    "v",
    "abcde",
    bytes(range(256)),
    "1583-01-01",
    "23:59:59.999999",
    "00:00:01-11:30",
    "2038-01-19 03:14:08",
    "1900-01-01 00:00:00.001",
    "2024-03-31 02:30:00+01",
    "-178000000 years",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    '{"deep": {"x": [null, true, 1e10]}}',
    '{"deep": {"x": [null, true, 1e10]}}',
    "[0:1]={5,6}",
    '{{"a"},{"b"}}',
    "ok",
)
TYPES_MARKS = ", ".join(["%s"] * len(TYPES_ROW))

CASES: list[Case] = [
    # -- INSERT ---------------------------------------------------------------------------------------------
    case(
        "insert-composite-pk",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price, note) VALUES (%s, %s, %s, %s, %s, %s)",
            (5, 1, "Z", 1, "1.00", None),
        ),
    ),
    case(
        "insert-multi-row-composite",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) "
            "VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)",
            (6, 1, "A", 1, "2.00", 6, 2, "B", 3, "4.00"),
        ),
    ),
    case("insert-serial-key", Step("INSERT INTO t_account (user_id, balance) VALUES (%s, %s)", ("u9", 9.9))),
    case(
        "insert-serial-key-multi-row",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s), (%s, %s), (%s, %s)",
            ("n1", 1, "n2", 2, "n3", 3),
        ),
    ),
    case(
        "insert-default-keyword-key",
        "INSERT INTO t_account (id, user_id, balance) VALUES (DEFAULT, 'd1', 1), (DEFAULT, 'd2', 2)",
    ),
    case("insert-identity-always", "INSERT INTO t_ident (label) VALUES ('three'), ('four')"),
    case("insert-uuid-default-key", Step("INSERT INTO t_token (owner) VALUES (%s)", ("u5",))),
    case("insert-literals", "INSERT INTO t_stock (sku, name, count) VALUES ('E', 'elder', 3)"),
    case("insert-no-column-list", Step("INSERT INTO t_stock VALUES (%s, %s, %s)", ("F", "fig", 4))),
    case(
        "insert-named-params",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%(u)s, %(b)s)", {"u": "named", "b": "7.00"}),
    ),
    case(
        "insert-every-type",
        Step(f"INSERT INTO t_types (id, {TYPES_COLUMNS}) VALUES (%s, {TYPES_MARKS})", (10, *TYPES_ROW)),
    ),
    case("insert-all-nulls", "INSERT INTO t_types (id) VALUES (11)"),
    case(
        "insert-executemany",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (%s, %s, %s, %s, %s)",
            [(8, i, f"S{i}", i, "1.00") for i in range(1, 6)],
            many=True,
        ),
    ),
    case(
        "insert-executemany-serial-key",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s)",
            [("m1", "1"), ("m2", "2"), ("m3", "3")],
            many=True,
        ),
    ),
    case(
        "insert-quoted-identifiers",
        Step('INSERT INTO "t_stock" ("sku", "name", count) VALUES (%s, %s, %s)', ("H", "honeydew", 1)),
    ),
    case(
        "insert-autocommit",
        Step("INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s)", ("I", "ice", 2)),
        autocommit=True,
    ),
    case(
        "insert-autocommit-multi-row-serial-key",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%s, %s), (%s, %s)", ("a1", "1", "a2", "2")),
        autocommit=True,
    ),
    case(
        "insert-returning-key",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%s, %s) RETURNING id, user_id", ("r1", "1")),
    ),
    case(
        "insert-returning-star-multi-row",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%s, 1), (%s, 2) RETURNING *", ("r2", "r3")),
    ),
    case(
        "insert-explicit-key-returning-other",
        Step("INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, 1) RETURNING name", ("R", "radish")),
    ),
    case(
        "insert-cast-params",  # how SQLAlchemy's psycopg dialect renders an ORM insert
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES "
            "(%(o)s::INTEGER, %(i)s::INTEGER, %(s)s::VARCHAR, %(q)s::INTEGER, %(p)s::NUMERIC(10, 2))",
            {"o": 7, "i": 1, "s": "Q", "q": 1, "p": "3.00"},
        ),
    ),
    case("insert-schema-qualified", "INSERT INTO inventory.t_item (id, qty) VALUES (3, 30)"),
    case("insert-mixed-case-table", 'INSERT INTO "MixedCase" ("Id", "Val") VALUES (3, \'three\')'),
    # -- UPDATE ---------------------------------------------------------------------------------------------
    case(
        "update-by-unique",
        Step("UPDATE t_account SET balance = balance - %s WHERE user_id = %s", ("10.25", "u2")),
    ),
    case(
        "update-alias",
        Step("UPDATE t_account AS a SET balance = a.balance + 1 WHERE a.id IN (%s, %s)", (1, 3)),
    ),
    case("update-composite-pk", Step("UPDATE t_order SET qty = qty + 1 WHERE order_id = %s", (1,))),
    case("update-all-rows", "UPDATE t_stock SET count = count + 1"),
    case("update-to-null", "UPDATE t_order SET note = NULL WHERE order_id = 1"),
    case(
        "update-null-to-value",
        "UPDATE t_types SET c_int = 7, c_varchar = 'x', c_bytea = '\\x00', c_interval = '1 day' WHERE id = 3",
    ),
    case(
        "update-every-type",
        Step(
            "UPDATE t_types SET "
            + ", ".join(f"{c} = %s" for c in TYPES_COLUMNS.split(", "))
            + " WHERE id IN (%s, %s)",
            (*TYPES_ROW, 1, 2),
        ),
    ),
    case(
        "update-every-type-to-null",
        "UPDATE t_types SET " + ", ".join(f"{c} = NULL" for c in TYPES_COLUMNS.split(", ")) + " WHERE id = 1",
    ),
    case("update-matches-nothing", "UPDATE t_stock SET count = 0 WHERE sku = 'nope'", changes=False),
    case("update-like-param", Step("UPDATE t_stock SET count = count + 2 WHERE name LIKE %s", ("b%",))),
    case("update-like-literal-no-args", "UPDATE t_stock SET count = 5 WHERE name LIKE 'c%'"),
    case("update-percent-literal", Step("UPDATE t_stock SET name = name || '%%' WHERE sku = %s", ("A",))),
    case(
        "update-exists-subquery",
        "UPDATE t_stock SET count = count - 1 "
        "WHERE EXISTS (SELECT 1 FROM t_order o WHERE o.sku = t_stock.sku)",
    ),
    case("update-decimal-scale", Step("UPDATE t_account SET balance = %s WHERE id = 1", ("100.10",))),
    case(
        "update-named-params",
        Step("UPDATE t_account SET points = %(p)s WHERE id = %(id)s OR id = %(id)s + 1", {"p": 9, "id": 1}),
    ),
    case(
        "update-returning",
        Step("UPDATE t_stock SET count = count * 2 WHERE sku <> %s RETURNING sku, count", ("C",)),
    ),
    case(
        "update-autocommit",
        Step("UPDATE t_account SET points = points + 5 WHERE id = %s", (2,)),
        autocommit=True,
    ),
    case(
        "update-executemany",
        Step("UPDATE t_account SET points = points + %s WHERE id = %s", [(1, 1), (2, 2), (3, 3)], many=True),
    ),
    case("update-schema-qualified", "UPDATE inventory.t_item SET qty = qty - 1 WHERE id = 2"),
    case("update-mixed-case-table", 'UPDATE "MixedCase" SET "Val" = upper("Val")'),
    case("update-unquoted-upper-case", "UPDATE T_STOCK SET COUNT = 1 WHERE SKU = 'B'"),
    case("update-generated-column-source", "UPDATE t_ident SET label = 'longer label' WHERE id = 1"),
    case("update-jsonb-operator", "UPDATE t_types SET c_jsonb = c_jsonb || '{\"n\": 1}' WHERE id = 1"),
    case(
        "update-cast-placeholder", Step("UPDATE t_types SET c_jsonb = %s::jsonb WHERE id = 2", ('{"k": 2}',))
    ),
    case("update-dollar-quoted", "UPDATE t_stock SET name = $$it's; here$$ WHERE sku = 'C'"),
    case("update-escape-string", "UPDATE t_stock SET name = E'tab\\there' WHERE sku = 'C'"),
    # -- DELETE ---------------------------------------------------------------------------------------------
    case("delete-composite-pk", Step("DELETE FROM t_order WHERE order_id = %s AND item_id = %s", (1, 2))),
    case("delete-all-rows", "DELETE FROM t_stock"),
    case("delete-every-type", "DELETE FROM t_types WHERE id IN (1, 2)"),
    case("delete-nulls-row", "DELETE FROM t_types WHERE id = 3"),
    case("delete-in-list", Step("DELETE FROM t_account WHERE id IN (%s, %s)", (1, 2))),
    case("delete-executemany", Step("DELETE FROM t_order WHERE order_id = %s", [(1,), (3,)], many=True)),
    case("delete-autocommit", Step("DELETE FROM t_account WHERE user_id = %s", ("u3",)), autocommit=True),
    case("delete-returning", Step("DELETE FROM t_order WHERE order_id = %s RETURNING *", (1,))),
    case("delete-identity-always-row", "DELETE FROM t_ident WHERE id = 2"),
    case("delete-uuid-key", "DELETE FROM t_token"),
    case("delete-mixed-case-table", 'DELETE FROM "MixedCase" WHERE "Id" = 2'),
    case("delete-schema-qualified", "DELETE FROM inventory.t_item"),
    # -- upserts --------------------------------------------------------------------------------------------
    case(
        "upsert-existing",
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = t_stock.count + excluded.count",
    ),
    case(
        "upsert-new",
        "INSERT INTO t_stock (sku, name, count) VALUES ('J', 'jack', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = 1",
    ),
    case(
        "upsert-mixed-rows",
        Step(
            "INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s), (%s, %s, %s) "
            "ON CONFLICT (sku) DO UPDATE SET count = EXCLUDED.count",
            ("B", "banana", 7, "K", "kiwi", 9),
        ),
    ),
    case(
        "upsert-composite-pk",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (order_id, item_id) DO UPDATE SET qty = t_order.qty + excluded.qty",
            (1, 1, "A", 3, "10.00"),
        ),
    ),
    case(
        "upsert-by-unique-key-serial-pk",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s) "
            "ON CONFLICT (user_id) DO UPDATE SET balance = t_account.balance + excluded.balance",
            ("u1", "5.00"),
        ),
    ),
    case(
        "upsert-unique-key-new-row",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s) "
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
            "INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s), (%s, %s, %s) ON CONFLICT DO NOTHING",
            ("A", "apricot", 1, "L", "lime", 2),
        ),
    ),
    case(
        "upsert-alias",
        "INSERT INTO t_stock AS s (sku, name, count) VALUES ('A', 'apple', 1) "
        "ON CONFLICT (sku) DO UPDATE SET count = s.count + 100",
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
        Step("UPDATE t_stock SET count = count - 2 WHERE sku = %s", ("A",)),
        Step("INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (9, 1, 'A', 2, 10.00)"),
        Step("UPDATE t_account SET balance = balance - 20 WHERE user_id = %s", ("u2",)),
    ),
    case(
        "two-updates-one-string",
        "UPDATE t_stock SET count = 1 WHERE sku = 'A'; UPDATE t_stock SET count = 2 WHERE sku = 'B'",
    ),
    case(
        "savepoint-rolled-back-part",
        Step("UPDATE t_account SET points = 11 WHERE id = 1"),
        Step("SAVEPOINT sp1"),
        Step("DELETE FROM t_stock WHERE sku = 'A'"),
        Step("ROLLBACK TO SAVEPOINT sp1"),
        Step("RELEASE SAVEPOINT sp1"),
    ),
    case(
        "plain-statements-between",
        Step("SELECT count(*) FROM t_stock"),
        Step("UPDATE t_stock SET count = 3 WHERE sku = 'C'"),
        Step("SHOW search_path"),
    ),
]


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def databases(postgres_server: PostgresServer, seata_tc: Any) -> Iterator[dict[str, str]]:
    names = {"at": postgres_server.create_database("it_pg_corpus"), "plain": "it_pg_plain"}
    postgres_server.create_database(names["plain"])
    for name in names.values():
        create_schema(postgres_server, name)
    seata_py.init(application_id="it-pg-corpus", grouplist=seata_tc.address)
    try:
        yield names
    finally:
        seata_py.shutdown()


def at_connection(server: PostgresServer, database: str, autocommit: bool) -> Any:
    return seata_py.connect_postgresql(**server.connect_kwargs(database), autocommit=autocommit)


def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = conn.cursor()
    for step in steps:
        if step.many:
            cur.executemany(step.sql, step.args)
        else:
            cur.execute(step.sql, step.args)
            if cur.description is not None:
                cur.fetchall()


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(
    postgres_server: PostgresServer, databases: dict[str, str], c: Case
) -> None:
    db = databases["at"]
    reseed(postgres_server, db)
    before = snapshot(postgres_server, db)
    conn = at_connection(postgres_server, db, c.autocommit)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name=f"pg-corpus-{c.id}") as tx:
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
            if c.changes:
                assert snapshot(postgres_server, db) != before, (
                    "the case changed nothing: it shows no rollback"
                )
                assert undo_rows(postgres_server, db) >= 1
            assert tx.xid
            raise Boom
    finally:
        conn.close()
    assert snapshot(postgres_server, db) == before
    assert undo_rows(postgres_server, db) == 0


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(
    postgres_server: PostgresServer, databases: dict[str, str], c: Case
) -> None:
    at_db, plain_db = databases["at"], databases["plain"]
    reseed(postgres_server, at_db)
    reseed(postgres_server, plain_db)
    plain = psycopg.connect(**postgres_server.connect_kwargs(plain_db), autocommit=c.autocommit)
    try:
        run_steps(plain, c.steps)
        plain.commit()
    finally:
        plain.close()
    conn = at_connection(postgres_server, at_db, c.autocommit)
    try:
        with seata_py.global_transaction(name=f"pg-corpus-{c.id}"):
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
    finally:
        conn.close()
    at, plain_rows = snapshot(postgres_server, at_db), snapshot(postgres_server, plain_db)
    if any("gen_random_uuid" in s.sql or "t_token (owner)" in s.sql for s in c.steps):
        at.pop("t_token"), plain_rows.pop("t_token")  # fresh uuids differ between the twins
    assert at == plain_rows
    assert eventually(lambda: undo_rows(postgres_server, at_db) == 0, timeout=5), (
        "undo_log not cleaned in 5 s"
    )


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)

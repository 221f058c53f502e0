"""The AT corpus against real MariaDB and the real Seata server.

Every case runs twice: in a global transaction that rolls back (the tables must equal their snapshot exactly
afterwards), and in one that commits (the tables must equal a twin database where the same statements ran
without seata-py, and undo_log must be empty within 5 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pymysql
import pytest

import seata_py
from tests.infra.mariadb import MySQLServer
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Step:
    sql: str
    args: Any = None
    many: bool = False


@dataclass(frozen=True)
class Case:
    id: str
    steps: tuple[Step, ...]
    autocommit: bool = False
    changes: bool = True  # False for statements that legitimately change nothing
    kinds: tuple[str, ...] = field(default=())


def case(id: str, *steps: Step | str, autocommit: bool = False, changes: bool = True) -> Case:
    return Case(id, tuple(s if isinstance(s, Step) else Step(s) for s in steps), autocommit, changes)


TYPES_ROW = (
    0,
    -1,
    7,
    3000000000,
    9007199254740993,
    18446744073709551614,
    "-0.0001",
    3.25,
    1e-7,
    b"\x7f",
    "chr",
    "naïve 漢字 🚀",
    "t" * 300,
    bytes(range(256)),
    b"\xde\xad",
    "2023-06-15",
    "23:59:58",
    "2023-06-15 12:00:00.000001",
    "2023-06-15 12:00:00.999000",
    2155,
    "c",
    "y",
    '{"a": {"b": null}}',
)
TYPES_COLUMNS = (
    "c_bool, c_tiny, c_int, c_uint, c_big, c_ubig, c_dec, c_float, c_double, c_bit, c_char, c_varchar, "
    "c_text, "
    "c_blob, c_varbin, c_date, c_time, c_dt, c_ts, c_year, c_enum, c_set, c_json"
)
TYPES_MARKS = ", ".join(["%s"] * len(TYPES_ROW))

CASES = [
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
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES "
            "(%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)",
            (6, 1, "A", 1, "2.00", 6, 2, "B", 3, "4.00"),
        ),
    ),
    case(
        "insert-auto-increment",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%s, %s)", ("u9", "9.90")),
    ),
    case(
        "insert-auto-increment-multi",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s), (%s, %s), (%s, %s)",
            ("n1", "1", "n2", "2", "n3", "3"),
        ),
    ),
    case(
        "insert-explicit-null-auto-pk", "INSERT INTO t_account (id, user_id, balance) VALUES (NULL, 'u10', 1)"
    ),
    case("insert-literals", "INSERT INTO t_stock (sku, name, count) VALUES ('E', 'elder', 3)"),
    case("insert-no-column-list", Step("INSERT INTO t_stock VALUES (%s, %s, %s)", ("F", "fig", 4))),
    case(
        "insert-set-form", Step("INSERT INTO t_stock SET sku = %s, name = %s, count = %s", ("G", "grape", 8))
    ),
    case(
        "insert-named-params",
        Step("INSERT INTO t_account (user_id, balance) VALUES (%(u)s, %(b)s)", {"u": "named", "b": "7.00"}),
    ),
    case(
        "insert-every-type", Step(f"INSERT INTO t_types ({TYPES_COLUMNS}) VALUES ({TYPES_MARKS})", TYPES_ROW)
    ),
    case("insert-all-nulls", "INSERT INTO t_types (c_int) VALUES (NULL)"),
    case(
        "insert-executemany",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (%s, %s, %s, %s, %s)",
            [(8, i, f"S{i}", i, "1.00") for i in range(1, 6)],
            many=True,
        ),
    ),
    case(
        "insert-executemany-auto-pk",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s)",
            [("m1", "1"), ("m2", "2"), ("m3", "3")],
            many=True,
        ),
    ),
    case(
        "insert-backticks",
        Step("INSERT INTO `t_stock` (`sku`, `name`, `count`) VALUES (%s, %s, %s)", ("H", "honeydew", 1)),
    ),
    case(
        "insert-autocommit",
        Step("INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s)", ("I", "ice", 2)),
        autocommit=True,
    ),
    # -- UPDATE ---------------------------------------------------------------------------------------------
    case(
        "update-by-unique",
        Step("UPDATE t_account SET balance = balance - %s WHERE user_id = %s", ("10.25", "u2")),
    ),
    case(
        "update-alias",
        Step("UPDATE t_account a SET a.balance = a.balance + 1 WHERE a.id IN (%s, %s)", (1, 3)),
    ),
    case("update-composite-pk", Step("UPDATE t_order SET qty = qty + 1 WHERE order_id = %s", (1,))),
    case(
        "update-order-limit",
        Step("UPDATE t_order SET note = %s ORDER BY order_id DESC, item_id DESC LIMIT 2", ("late",)),
    ),
    case(
        "update-limit-param",
        Step("UPDATE t_order SET qty = 0 WHERE qty > %s ORDER BY order_id LIMIT %s", (0, 1)),
    ),
    case("update-all-rows", "UPDATE t_stock SET count = count + 1"),
    case("update-to-null", "UPDATE t_order SET note = NULL WHERE order_id = 1"),
    case(
        "update-null-to-value", "UPDATE t_types SET c_int = 7, c_varchar = 'x', c_json = '[1]' WHERE id = 3"
    ),
    case(
        "update-every-type",
        Step(
            "UPDATE t_types SET "
            + ", ".join(f"{c} = %s" for c in TYPES_COLUMNS.split(", "))
            + " WHERE id = %s",
            (*TYPES_ROW, 1),
        ),
    ),
    case("update-matches-nothing", "UPDATE t_stock SET count = 0 WHERE sku = 'nope'", changes=False),
    case("update-on-update-column", "UPDATE t_types SET c_int = c_int + 1 WHERE id = 1"),
    case("update-like-param", Step("UPDATE t_stock SET count = count + 2 WHERE name LIKE %s", ("b%",))),
    case("update-like-literal-no-args", "UPDATE t_stock SET count = 5 WHERE name LIKE 'c%'"),
    case(
        "update-percent-literal-with-args",
        Step("UPDATE t_stock SET name = CONCAT(name, '%%') WHERE sku = %s", ("A",)),
    ),
    case(
        "update-exists-subquery",
        "UPDATE t_stock SET count = count - 1 WHERE EXISTS "
        "(SELECT 1 FROM t_order o WHERE o.sku = t_stock.sku)",
    ),
    case(
        "update-binary-json-bit",
        Step(
            "UPDATE t_types SET c_blob = %s, c_bit = %s, c_json = %s WHERE id = 2",
            (b"\x00\xff\x00", b"\x01", '{"z": 1}'),
        ),
    ),
    case("update-decimal-scale", Step("UPDATE t_account SET balance = %s WHERE id = 1", ("100.10",))),
    case(
        "update-temporal",
        Step(
            "UPDATE t_types SET c_date = %s, c_time = %s, c_dt = %s, c_ts = %s, c_year = %s WHERE id = 1",
            ("2030-01-01", "12:34:56", "2030-01-01 00:00:00.5", "2030-01-01 00:00:01", 2030),
        ),
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
    # -- DELETE ---------------------------------------------------------------------------------------------
    case("delete-composite-pk", Step("DELETE FROM t_order WHERE order_id = %s AND item_id = %s", (1, 2))),
    case("delete-order-limit", "DELETE FROM t_order ORDER BY order_id, item_id LIMIT 2"),
    case("delete-all-rows", "DELETE FROM t_stock"),
    case("delete-every-type", "DELETE FROM t_types WHERE id = 1"),
    case("delete-nulls-row", "DELETE FROM t_types WHERE id = 3"),
    case("delete-in-list", Step("DELETE FROM t_account WHERE id IN (%s, %s)", (1, 2))),
    case("delete-executemany", Step("DELETE FROM t_order WHERE order_id = %s", [(1,), (3,)], many=True)),
    case("delete-autocommit", Step("DELETE FROM t_account WHERE user_id = %s", ("u3",)), autocommit=True),
    # -- SELECT … FOR UPDATE -------------------------------------------------------------------------------
    case("select-for-update", Step("SELECT * FROM t_account WHERE id = %s FOR UPDATE", (1,)), changes=False),
    case(
        "select-for-update-then-update",
        Step("SELECT balance FROM t_account WHERE id = %s FOR UPDATE", (2,)),
        Step("UPDATE t_account SET balance = balance - 1 WHERE id = %s", (2,)),
    ),
    # -- INSERT … ON DUPLICATE KEY UPDATE ------------------------------------------------------------------
    case(
        "upsert-existing",
        "INSERT INTO t_stock (sku, name, count) VALUES ('A', 'apple', 1) "
        "ON DUPLICATE KEY UPDATE count = count + VALUES(count)",
    ),
    case(
        "upsert-new",
        "INSERT INTO t_stock (sku, name, count) VALUES ('J', 'jack', 1) "
        "ON DUPLICATE KEY UPDATE count = count + 1",
    ),
    case(
        "upsert-mixed-rows",
        Step(
            "INSERT INTO t_stock (sku, name, count) VALUES (%s, %s, %s), (%s, %s, %s) "
            "ON DUPLICATE KEY UPDATE count = VALUES(count)",
            ("B", "banana", 7, "K", "kiwi", 9),
        ),
    ),
    case(
        "upsert-composite-pk",
        Step(
            "INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES "
            "(%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE qty = qty + VALUES(qty)",
            (1, 1, "A", 3, "10.00"),
        ),
    ),
    case(
        "upsert-by-unique-key-auto-pk",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s) "
            "ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance)",
            ("u1", "5.00"),
        ),
    ),
    case(
        "upsert-unique-key-new-row",
        Step(
            "INSERT INTO t_account (user_id, balance) VALUES (%s, %s) "
            "ON DUPLICATE KEY UPDATE balance = VALUES(balance)",
            ("u77", "1.00"),
        ),
    ),
    # -- UPDATE … JOIN -------------------------------------------------------------------------------------
    case(
        "update-join",
        Step(
            "UPDATE t_stock s JOIN t_order o ON o.sku = s.sku SET s.count = s.count - o.qty "
            "WHERE o.order_id = %s",
            (1,),
        ),
    ),
    case(
        "update-join-two-tables",
        "UPDATE t_stock s JOIN t_order o ON o.sku = s.sku "
        "SET s.count = s.count - 1, o.note = 'joined' WHERE o.order_id = 2",
    ),
    # -- several statements ---------------------------------------------------------------------------------
    case(
        "multi-update-string",
        Step(
            "UPDATE t_account SET points = points + 1 WHERE id = %s; "
            "UPDATE t_account SET points = points + 2 WHERE id = %s",
            (1, 2),
        ),
    ),
    case(
        "multi-delete-string",
        "DELETE FROM t_order WHERE order_id = 1; DELETE FROM t_order WHERE order_id = 2",
    ),
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
        Step("INSERT INTO t_order (order_id, item_id, sku, qty, price) VALUES (9, 1, 'A', 2, '10.00')"),
        Step("UPDATE t_account SET balance = balance - 20 WHERE user_id = %s", ("u2",)),
    ),
]


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def databases(mysql_server: MySQLServer, seata_tc: Any) -> Iterator[dict[str, Any]]:
    at_db = mysql_server.create_database("it_at_corpus")
    plain_db = mysql_server.create_database("it_plain_corpus")
    admin = {name: pymysql.connect(**mysql_server.connect_kwargs(name)) for name in (at_db, plain_db)}
    for conn in admin.values():
        create_schema(conn)
    seata_py.init(application_id="it-corpus", grouplist=seata_tc.address, time_zone="UTC")
    try:
        yield {"server": mysql_server, "at": at_db, "plain": plain_db, "admin": admin}
    finally:
        seata_py.shutdown()
        for conn in admin.values():
            conn.close()


def _run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = conn.cursor()
    for step in steps:
        if step.many:
            cur.executemany(step.sql, step.args)
        else:
            cur.execute(step.sql, step.args)
        cur.fetchall()


def _at_connection(databases: dict[str, Any], autocommit: bool) -> Any:
    conn = seata_py.connect(
        **databases["server"].connect_kwargs(databases["at"]), init_command="SET time_zone='+00:00'"
    )
    conn.autocommit(autocommit)
    return conn


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(databases: dict[str, Any], c: Case) -> None:
    admin = databases["admin"][databases["at"]]
    reseed(admin)
    before = snapshot(admin)
    conn = _at_connection(databases, c.autocommit)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name=f"corpus-{c.id}") as tx:
            _run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
            during = snapshot(admin)
            if c.changes:
                assert during != before, "the case changed nothing: it cannot show a rollback"
            assert tx.xid
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before
    assert undo_rows(admin) == 0


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(databases: dict[str, Any], c: Case) -> None:
    at_admin = databases["admin"][databases["at"]]
    plain_admin = databases["admin"][databases["plain"]]
    reseed(at_admin)
    reseed(plain_admin)
    run_plain(databases, c)
    conn = _at_connection(databases, c.autocommit)
    try:
        with seata_py.global_transaction(name=f"corpus-{c.id}"):
            _run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
    finally:
        conn.close()
    # ON UPDATE CURRENT_TIMESTAMP columns differ between the two runs by construction
    assert snapshot(at_admin, skip_columns=("updated_at",)) == snapshot(
        plain_admin, skip_columns=("updated_at",)
    )
    assert eventually(lambda: undo_rows(at_admin) == 0, timeout=5), "undo_log not cleaned within 5 s"


def run_plain(databases: dict[str, Any], c: Case) -> None:
    """The twin database gets the case's statements without seata-py, through pymysql."""
    plain = pymysql.connect(
        **databases["server"].connect_kwargs(databases["plain"]),
        client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
        init_command="SET time_zone='+00:00'",
    )
    try:
        plain.autocommit(c.autocommit)
        for step in c.steps:
            cur = plain.cursor()
            if step.many:
                cur.executemany(step.sql, step.args)
            else:
                cur.execute(step.sql, step.args)
            while cur.nextset():
                pass
        plain.commit()
    finally:
        plain.close()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)

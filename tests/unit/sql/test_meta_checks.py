from __future__ import annotations

import pytest

from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.recognizer import (
    assignments_by_table,
    check_statement_against_meta,
    check_table_meta,
)
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta
from seata_py.types.statements import Statement, UpdateJoinStatement


def table(name: str, columns: list[str], pk: list[str]) -> TableMeta:
    cols = tuple(ColumnMeta(c, i + 1, "int", "int", 4) for i, c in enumerate(columns))
    indexes = (IndexMeta("PRIMARY", tuple(pk), unique=True, primary=True),) if pk else ()
    return TableMeta("db", name, cols, indexes)


ORDERS = table("orders", ["id", "user_id", "status", "total"], ["id"])
USERS = table("users", ["id", "name", "vip"], ["id"])
ITEMS = table("items", ["order_id", "item_id", "qty"], ["order_id", "item_id"])
NO_PK = table("log", ["at", "msg"], [])


def one(sql: str) -> Statement:
    (statement,) = parse_sql(sql, "none")
    return statement


def test_accepts_ordinary_statements() -> None:
    check_statement_against_meta(one("UPDATE orders SET status = 1 WHERE id = 2"), {"orders": ORDERS})
    check_statement_against_meta(one("UPDATE orders o SET o.status = 1"), {"o": ORDERS})
    check_statement_against_meta(one("DELETE FROM items WHERE order_id = 1"), {"items": ITEMS})
    check_statement_against_meta(one("INSERT INTO items VALUES (1, 2, 3)"), {"items": ITEMS})
    check_statement_against_meta(one("SELECT * FROM orders WHERE id = 1 FOR UPDATE"), {"orders": ORDERS})
    check_statement_against_meta(one("SHOW TABLES"), {})


def test_lower_cased_qualifier_keys_are_accepted() -> None:
    check_statement_against_meta(one("UPDATE Orders SET status = 1"), {"orders": ORDERS})


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE log SET msg = 'x'",
        "DELETE FROM log",
        "INSERT INTO log VALUES (1, 'x')",
        "SELECT * FROM log WHERE at = 1 FOR UPDATE",
    ],
)
def test_table_without_primary_key(sql: str) -> None:
    with pytest.raises(UnsupportedSQLError, match="a table without a primary key: log"):
        check_statement_against_meta(one(sql), {"log": NO_PK})


@pytest.mark.parametrize(
    ("sql", "metas"),
    [
        ("UPDATE orders SET ID = 5 WHERE id = 4", {"orders": ORDERS}),
        ("UPDATE items i SET i.item_id = 5, qty = 1", {"i": ITEMS}),
        (
            "INSERT INTO orders (id, status) VALUES (1, 2) ON DUPLICATE KEY UPDATE id = VALUES(id)",
            {"orders": ORDERS},
        ),
        ("UPDATE orders o JOIN users u ON u.id = o.user_id SET u.id = 0", {"o": ORDERS, "u": USERS}),
    ],
)
def test_changing_a_primary_key(sql: str, metas: dict[str, TableMeta]) -> None:
    with pytest.raises(UnsupportedSQLError, match="changing a primary key value"):
        check_statement_against_meta(one(sql), metas)


def test_columns_differing_only_by_case() -> None:
    meta = table("odd", ["id", "Name", "name"], ["id"])
    with pytest.raises(UnsupportedSQLError, match="differ only by case: Name, name"):
        check_table_meta(meta)


def test_update_join_checks_only_changed_tables() -> None:
    statement = one("UPDATE orders o JOIN log l ON l.msg = o.id SET o.status = 1")
    check_statement_against_meta(statement, {"o": ORDERS, "l": NO_PK})  # log is only read


def test_assignments_by_table() -> None:
    statement = one(
        "UPDATE orders o JOIN users u ON u.id = o.user_id SET vip = 1, o.status = 2, U.name = 'x', total = 0"
    )
    assert isinstance(statement, UpdateJoinStatement)
    grouped = assignments_by_table(statement, {"o": ORDERS, "u": USERS})
    assert list(grouped) == ["o", "u"]
    assert [a.column for a in grouped["o"]] == ["status", "total"]
    assert [a.column for a in grouped["u"]] == ["vip", "name"]


def test_ambiguous_unqualified_join_assignment() -> None:
    statement = one("UPDATE orders JOIN users ON users.id = orders.user_id SET id = 1")
    assert isinstance(statement, UpdateJoinStatement)
    with pytest.raises(UnsupportedSQLError, match="cannot be determined"):
        assignments_by_table(statement, {"orders": ORDERS, "users": USERS})


def test_missing_meta_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="no table metadata given for orders"):
        check_statement_against_meta(one("DELETE FROM orders"), {})

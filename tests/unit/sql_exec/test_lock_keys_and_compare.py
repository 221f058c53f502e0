from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from seata_py.sql.exec.base import ImageError, java_string, lock_key
from seata_py.types.images import Field, KeyType, Row, TableRecords
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta, java_hashmap_order
from seata_py.undo.compensate import compare_records, split_table_name


@pytest.mark.parametrize(
    ("index_order", "java_order"),
    [  # the doc's examples, verified against Java's HashMap
        (["id", "user_id"], ("user_id", "id")),
        (["order_id", "item_id"], ("item_id", "order_id")),
        (["pk1", "pk2", "pk3"], ("pk2", "pk1", "pk3")),
        (["tenant_id", "id"], ("tenant_id", "id")),
        (["a", "b"], ("a", "b")),
    ],
)
def test_composite_primary_key_follows_java_hashmap_order(
    index_order: list[str], java_order: tuple[str, ...]
) -> None:
    assert java_hashmap_order(index_order) == java_order


def meta(pk: tuple[str, ...]) -> TableMeta:
    columns = tuple(ColumnMeta(name, i + 1, "int", "int(11)", 4) for i, name in enumerate((*pk, "v")))
    return TableMeta("db", "t_order", columns, (IndexMeta("PRIMARY", pk, unique=True, primary=True),))


def row(**values: object) -> Row:
    return Row(
        tuple(Field(k, KeyType.PRIMARY_KEY if k != "v" else KeyType.NULL, 4, v) for k, v in values.items())
    )


def test_lock_key_joins_rows_and_composite_values_like_java() -> None:
    records = TableRecords("t_order", (row(order_id=1, item_id=2, v=0), row(order_id=1, item_id=3, v=0)))
    assert lock_key(meta(("order_id", "item_id")), records) == "t_order:2_1,3_1"
    assert lock_key(meta(("order_id", "item_id")), TableRecords("t_order")) is None


def test_lock_key_rejects_the_separator_in_a_value() -> None:
    with pytest.raises(ImageError, match="contains ','"):
        lock_key(meta(("id",)), TableRecords("t_order", (row(id="a,b", v=0),)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (7, "7"),
        (Decimal("1.00"), "1.00"),
        (Decimal("1E-10"), "1E-10"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05.0"),
        (datetime(2024, 1, 2, 3, 4, 5, 120000), "2024-01-02 03:04:05.12"),
        (date(2024, 1, 2), "2024-01-02"),
        (True, "true"),
        ("abc", "abc"),
        (None, "null"),
    ],
)
def test_java_string_of_key_values(value: object, text: str) -> None:
    assert java_string(value) == text


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("t", (None, "t")),
        ("`t`", (None, "t")),
        ("db.t", ("db", "t")),
        ("`db`.`t`", ("db", "t")),
        ("`we``ird`", (None, "we`ird")),
    ],
)
def test_split_table_name(text: str, parts: tuple[str | None, str]) -> None:
    assert split_table_name(text) == parts


def test_compare_records_reports_missing_changed_and_unexpected_rows() -> None:
    m = meta(("id",))
    expected = TableRecords("t_order", (row(id=1, v=10), row(id=2, v=20)))
    current = TableRecords("t_order", (row(id=1, v=11), row(id=3, v=30)))
    found = {
        (tuple(d.primary_key.values()), d.problem, d.columns) for d in compare_records(m, expected, current)
    }
    assert found == {
        ((1,), "differs in", ("v",)),
        ((2,), "is missing", ()),
        ((3,), "exists but should not", ()),
    }
    assert compare_records(m, expected, expected) == []

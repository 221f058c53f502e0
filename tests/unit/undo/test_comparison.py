"""Data validation before undo: logged images against rows read back now (Java's DataCompareUtils)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from seata_py.databases.mysql.values import fields_equal, records_equal, rows_equal, to_field
from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

UTC = timezone.utc
PK = KeyType.PRIMARY_KEY
NO = KeyType.NULL


def f(
    name: str, value: object, type_code: int = 12, java_class: str | None = None, key: KeyType = NO
) -> Field:
    return Field(name, key, type_code, value, java_class)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (f("a", "x"), f("A", "x"), True),
        (f("a", "x"), f("b", "x"), False),
        (f("a", "x", 12), f("a", "x", 1), False),
        (f("a", None), f("a", None), True),
        (f("a", None), f("a", ""), False),
        (f("a", 0), f("a", None), False),
        (f("a", Decimal("1.0"), 3, jc.BIG_DECIMAL), f("a", Decimal("1.0"), 3, jc.BIG_DECIMAL), True),
        (f("a", Decimal("1.0"), 3, jc.BIG_DECIMAL), f("a", Decimal("1.00"), 3, jc.BIG_DECIMAL), False),
        (f("a", Decimal("-0.00"), 3, jc.BIG_DECIMAL), f("a", Decimal("0.00"), 3, jc.BIG_DECIMAL), True),
        (f("a", Decimal("1"), 3, jc.BIG_DECIMAL), f("a", 1, 3), False),
        (f("a", b"\x01\x02", -3, jc.BYTE_ARRAY), f("a", bytearray(b"\x01\x02"), -3, jc.BYTE_ARRAY), True),
        (f("a", b"\x01\x02", -3, jc.BYTE_ARRAY), f("a", b"\x01\x03", -3, jc.BYTE_ARRAY), False),
        # a class difference is a driver-setting difference, not a data change
        (f("a", 5, 4), f("a", 5, 4, jc.LONG), True),
        (f("a", 5, 4), f("a", 6, 4, jc.LONG), False),
        (f("a", True, -7), f("a", 1, -7), True),
        (f("a", 1.5, 7, jc.FLOAT), f("a", 1.5, 7), True),
        (f("a", 1, 8), f("a", 1.0, 8), False),
        (f("a", "1", 12), f("a", 1, 12), False),
        (
            f("a", datetime(2024, 1, 1, 1, 2, 3, 4), 93, jc.SQL_TIMESTAMP),
            f("a", datetime(2024, 1, 1, 1, 2, 3, 4), 93, jc.LOCAL_DATE_TIME),
            True,
        ),
        (
            f("a", datetime(2024, 1, 1, 1, 2, 3, 4), 93, jc.SQL_TIMESTAMP),
            f("a", datetime(2024, 1, 1, 1, 2, 3, 5), 93, jc.SQL_TIMESTAMP),
            False,
        ),
        (f("a", time(1, 2, 3), 92, jc.SQL_TIME), f("a", time(1, 2, 3, 999999), 92, jc.SQL_TIME), True),
        (f("a", time(1, 2, 3), 92, jc.SQL_TIME), f("a", time(1, 2, 4), 92, jc.SQL_TIME), False),
        (f("a", timedelta(hours=1, minutes=2, seconds=3), 92), f("a", time(1, 2, 3), 92, jc.SQL_TIME), True),
        (f("a", timedelta(hours=25), 92, jc.SQL_TIME), f("a", time(1), 92, jc.SQL_TIME), False),
    ],
)
def test_fields_equal(a: Field, b: Field, equal: bool) -> None:
    assert fields_equal(a, b) is equal
    assert fields_equal(b, a) is equal


def _columns() -> dict[str, ColumnMeta]:
    def col(name: str, data_type: str, column_type: str, jdbc: int) -> ColumnMeta:
        return ColumnMeta(name=name, ordinal=1, data_type=data_type, column_type=column_type, jdbc_type=jdbc)

    return {
        "id": col("id", "bigint", "bigint", -5),
        "money": col("money", "decimal", "decimal(10,2)", 3),
        "update_time": col("update_time", "timestamp", "timestamp(6)", 93),
        "at": col("at", "time", "time(3)", 92),
        "extra": col("extra", "varchar", "varchar(10)", 12),
    }


def _current(rows: list[dict[str, object]]) -> TableRecords:
    """What a ``SELECT *`` of the rows gives through to_field, in table column order (not the log's)."""
    columns = _columns()
    built = []
    for row in rows:
        built.append(
            Row(
                tuple(
                    to_field(columns[name], value, PK if name == "id" else NO, UTC)
                    for name, value in sorted(row.items(), reverse=True)
                )
            )
        )
    return TableRecords("ACCOUNT_TBL", tuple(built))


def _logged_after_image() -> TableRecords:
    """The after image as a Java client logged it, read back from JSON."""
    columns = _columns()

    def row(pk: int, money: str) -> Row:
        return Row(
            (
                to_field(columns["id"], pk, PK, UTC),
                to_field(columns["money"], Decimal(money), NO, UTC),
                to_field(columns["update_time"], datetime(2024, 5, 1, 10, 0, 1, 500), NO, UTC),
                to_field(columns["at"], timedelta(hours=1, microseconds=250000), NO, UTC),
            )
        )

    image = TableRecords("account_tbl", (row(1, "95.50"), row(2, "10.00")))
    log = BranchUndoLog("x", 1, (SQLUndoLog(SQLType.UPDATE, "account_tbl", image, image),))
    data = encode_branch_undo_log(log, zone=UTC)
    return decode_branch_undo_log(data, zone=UTC).sql_undo_logs[0].after_image


def _db_rows(**changes: object) -> list[dict[str, object]]:
    rows = [
        {"id": 2, "money": Decimal("10.00"), "update_time": datetime(2024, 5, 1, 10, 0, 1, 500)},
        {"id": 1, "money": Decimal("95.50"), "update_time": datetime(2024, 5, 1, 10, 0, 1, 500)},
    ]
    for row in rows:
        row["at"] = timedelta(hours=1, microseconds=250000)
        row["extra"] = "not logged"
    rows[1].update(changes)
    return rows


def test_logged_image_matches_unchanged_rows_read_back() -> None:
    assert records_equal(_logged_after_image(), _current(_db_rows()))


@pytest.mark.parametrize(
    "changes",
    [
        {"money": Decimal("95.5")},  # same number, different scale: BigDecimal.equals says different
        {"money": Decimal("95.51")},
        {"update_time": datetime(2024, 5, 1, 10, 0, 1, 501)},
        {"at": timedelta(hours=1, seconds=1)},
        {"id": 3},
    ],
)
def test_changed_rows_are_dirty(changes: dict[str, object]) -> None:
    assert not records_equal(_logged_after_image(), _current(_db_rows(**changes)))


def test_columns_not_in_the_log_are_ignored() -> None:
    assert records_equal(_logged_after_image(), _current(_db_rows(extra="changed")))


def test_row_count_and_table_name() -> None:
    logged = _logged_after_image()
    assert not records_equal(logged, _current(_db_rows()[:1]))
    assert not records_equal(logged, TableRecords("other", _current(_db_rows()).rows))
    assert records_equal(TableRecords.empty("t"), TableRecords("T", ()))
    assert records_equal(None, None)
    assert not records_equal(logged, None)


def test_new_rows_need_not_flag_their_keys() -> None:
    # Rows matched by name even when the current side's fields are not marked as keys.
    logged = _logged_after_image()
    plain = TableRecords(
        "account_tbl",
        tuple(
            Row(tuple(Field(x.name, NO, x.type, x.value, x.java_class) for x in r.fields))
            for r in _current(_db_rows()).rows
        ),
    )
    assert records_equal(logged, plain)
    missing_key = TableRecords("account_tbl", tuple(Row(r.fields[1:]) for r in plain.rows))
    assert not rows_equal(logged.rows, missing_key.rows)


def test_rows_without_keys_compare_in_order() -> None:
    a = Row((f("x", 1, 4),))
    b = Row((f("x", 2, 4),))
    assert rows_equal([a, b], [a, b])
    assert not rows_equal([a, b], [b, a])

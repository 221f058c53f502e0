"""MySQL column values as pymysql returns them ↔ undo fields as Connector/J would hold them (section 1.6)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from seata_py.databases.mysql.values import ColumnKind, column_kind, java_double_string, to_db_param, to_field
from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.java_numbers import to_float32
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

UTC = timezone.utc


def col(data_type: str, column_type: str, jdbc_type: int, name: str = "c") -> ColumnMeta:
    return ColumnMeta(name=name, ordinal=1, data_type=data_type, column_type=column_type, jdbc_type=jdbc_type)


TINYINT1 = col("tinyint", "tinyint(1)", -7)
BIT1 = col("bit", "bit(1)", -7)
BIT8 = col("bit", "bit(8)", -7)
INT = col("int", "int", 4)
INT_UNSIGNED = col("int", "int(10) unsigned", 4)
BIGINT = col("bigint", "bigint", -5)
BIGINT_UNSIGNED = col("bigint", "bigint(20) unsigned", -5)
DECIMAL = col("decimal", "decimal(10,2)", 3)
FLOAT = col("float", "float", 7)
DOUBLE = col("double", "double", 8)
DATE = col("date", "date", 91)
TIME = col("time", "time(6)", 92)
DATETIME = col("datetime", "datetime(6)", 93)
TIMESTAMP = col("timestamp", "timestamp", 93)
YEAR = col("year", "year", 91)

# column, pymysql value, expected (value, java_class), expected JSON token
CASES: list[tuple[ColumnMeta, Any, Any, str | None, str]] = [
    (TINYINT1, 1, True, None, "true"),
    (TINYINT1, 0, False, None, "false"),
    (col("tinyint", "tinyint(1) unsigned", -7), 1, True, None, "true"),
    (col("tinyint", "tinyint", -6), -5, -5, None, "-5"),
    (col("tinyint", "tinyint(3) unsigned", -6), 255, 255, None, "255"),
    (col("smallint", "smallint", 5), -300, -300, None, "-300"),
    (col("smallint", "smallint unsigned", 5), 65535, 65535, None, "65535"),
    (col("mediumint", "mediumint", 4), 8388607, 8388607, None, "8388607"),
    (col("mediumint", "mediumint(8) unsigned", 4), 16777215, 16777215, None, "16777215"),
    (INT, -(2**31), -(2**31), None, "-2147483648"),
    (INT_UNSIGNED, 4294967295, 4294967295, jc.LONG, '["java.lang.Long",4294967295]'),
    (INT_UNSIGNED, 5, 5, jc.LONG, '["java.lang.Long",5]'),
    (BIGINT, 2**63 - 1, 2**63 - 1, jc.LONG, '["java.lang.Long",9223372036854775807]'),
    (BIGINT_UNSIGNED, 2**64 - 1, 2**64 - 1, jc.BIG_INTEGER, '["java.math.BigInteger",18446744073709551615]'),
    (DECIMAL, Decimal("100.00"), Decimal("100.00"), jc.BIG_DECIMAL, '["java.math.BigDecimal",100.00]'),
    (DECIMAL, Decimal("-0.00"), Decimal("0.00"), jc.BIG_DECIMAL, '["java.math.BigDecimal",0.00]'),
    (
        col("decimal", "decimal(30,20)", 3),
        Decimal("0E-20"),
        Decimal("0E-20"),
        jc.BIG_DECIMAL,
        '["java.math.BigDecimal",0E-20]',
    ),
    (FLOAT, 1.1, to_float32(1.1), jc.FLOAT, '["java.lang.Float",1.1]'),
    (FLOAT, 1e10, 1e10, jc.FLOAT, '["java.lang.Float",1.0E10]'),
    (DOUBLE, 2.25, 2.25, None, "2.25"),
    (DOUBLE, 1e-5, 1e-5, None, "1.0E-5"),
    (col("double", "double", 8), 3.0, 3.0, None, "3.0"),
    (BIT1, b"\x01", True, None, "true"),
    (BIT1, b"\x00", False, None, "false"),
    (col("bit", "bit", -7), b"\x01", True, None, "true"),
    (BIT8, b"\xa5", b"\xa5", jc.BYTE_ARRAY, '["[B","pQ=="]'),
    (col("bit", "bit(12)", -7), b"\x0f\xff", b"\x0f\xff", jc.BYTE_ARRAY, '["[B","D/8="]'),
    (col("binary", "binary(2)", -2), b"\x00\x01", b"\x00\x01", jc.BYTE_ARRAY, '["[B","AAE="]'),
    (col("varbinary", "varbinary(10)", -3), b"hello", b"hello", jc.BYTE_ARRAY, '["[B","aGVsbG8="]'),
    (col("blob", "blob", -4), b"hello", b"hello", jc.BYTE_ARRAY, '["[B","aGVsbG8="]'),
    (col("longblob", "longblob", -4), b"", b"", jc.BYTE_ARRAY, '["[B",""]'),
    (col("char", "char(3)", 1), "abc", "abc", None, '"abc"'),
    (col("varchar", "varchar(20)", 12), "héllo", "héllo", None, '"héllo"'),
    (col("text", "text", -1), "line\nbreak", "line\nbreak", None, '"line\\nbreak"'),
    (col("enum", "enum('a','b')", 1), "b", "b", None, '"b"'),
    (col("set", "set('a','b')", 1), "a,b", "a,b", None, '"a,b"'),
    (col("json", "json", -1), '{"k": [1, 2]}', '{"k": [1, 2]}', None, '"{\\"k\\": [1, 2]}"'),
    (DATE, date(2024, 1, 2), date(2024, 1, 2), jc.SQL_DATE, '["java.sql.Date",1704153600000]'),
    (
        TIME,
        timedelta(hours=3, minutes=4, seconds=5),
        time(3, 4, 5),
        jc.SQL_TIME,
        '["java.sql.Time","03:04:05"]',
    ),
    (
        TIME,
        timedelta(hours=3, microseconds=500),
        time(3, 0, 0, 500),
        jc.SQL_TIME,
        # a before image keeps what java.sql.Time cannot: MySQL's own text, which Java reads as a String
        '"03:00:00.000500"',
    ),
    (TIME, timedelta(hours=30), timedelta(hours=30), jc.SQL_TIME, '"30:00:00"'),
    (TIME, timedelta(hours=-2), timedelta(hours=-2), jc.SQL_TIME, '"-02:00:00"'),
    (
        DATETIME,
        datetime(2024, 1, 1, 19, 4, 5, 123456),
        datetime(2024, 1, 1, 19, 4, 5, 123456),
        jc.LOCAL_DATE_TIME,
        '["java.time.LocalDateTime",[1704135845123,123456000]]',
    ),
    (
        TIMESTAMP,
        datetime(2024, 1, 1, 19, 4, 5),
        datetime(2024, 1, 1, 19, 4, 5),
        jc.SQL_TIMESTAMP,
        '["java.sql.Timestamp",1704135845000]',
    ),
    (YEAR, 2024, date(2024, 1, 1), jc.SQL_DATE, '["java.sql.Date",1704067200000]'),
    (INT, None, None, None, "null"),
    (YEAR, None, None, None, "null"),
]


def _encoded_value(field: Field) -> str:
    item = SQLUndoLog(SQLType.UPDATE, "t", TableRecords("t", (Row((field,)),)), TableRecords.empty("t"))
    data = encode_branch_undo_log(BranchUndoLog("x", 1, (item,)), zone=UTC).decode()
    return data.split('"value":', 1)[1].rsplit("}]]}]]}", 1)[0]


def _through_json(field: Field) -> Field:
    item = SQLUndoLog(SQLType.UPDATE, "t", TableRecords("t", (Row((field,)),)), TableRecords.empty("t"))
    data = encode_branch_undo_log(BranchUndoLog("x", 1, (item,)), zone=UTC)
    return decode_branch_undo_log(data, zone=UTC).sql_undo_logs[0].before_image.rows[0].fields[0]


@pytest.mark.parametrize(("column", "raw", "value", "java_class", "token"), CASES)
def test_to_field(column: ColumnMeta, raw: Any, value: Any, java_class: str | None, token: str) -> None:
    field = to_field(column, raw, KeyType.NULL, UTC)
    assert field == Field("c", KeyType.NULL, column.jdbc_type, value, java_class)
    assert type(field.value) is type(value)
    if isinstance(value, Decimal):
        assert field.value.as_tuple() == value.as_tuple()
    assert _encoded_value(field) == token


@pytest.mark.parametrize(("column", "raw", "value", "java_class", "token"), CASES)
def test_to_db_param_gives_back_what_pymysql_read(
    column: ColumnMeta, raw: Any, value: Any, java_class: str | None, token: str
) -> None:
    param = to_db_param(column, to_field(column, raw, KeyType.NULL, UTC))
    assert param == raw
    assert type(param) is type(raw)


@pytest.mark.parametrize(("column", "raw", "value", "java_class", "token"), CASES)
def test_to_db_param_after_the_json_round_trip(
    column: ColumnMeta, raw: Any, value: Any, java_class: str | None, token: str
) -> None:
    field = to_field(column, raw, KeyType.NULL, UTC)
    param = to_db_param(column, _through_json(field))
    assert param == raw  # TIME fractions too: a before image does not lose what java.sql.Time would


def test_key_type_and_name_are_kept() -> None:
    field = to_field(col("bigint", "bigint", -5, name="ID"), 7, KeyType.PRIMARY_KEY, None)
    assert (field.name, field.key_type, field.type) == ("ID", KeyType.PRIMARY_KEY, -5)


def test_tinyint1_uses_connector_j_boolean_rule() -> None:
    # Connector/J reads only -1 and positive numbers as true.
    assert to_field(TINYINT1, 5, KeyType.NULL, None).value is True
    assert to_field(TINYINT1, -1, KeyType.NULL, None).value is True
    assert to_field(TINYINT1, -2, KeyType.NULL, None).value is False
    assert to_db_param(TINYINT1, Field("c", KeyType.NULL, -7, True)) == 1
    assert to_db_param(BIT1, Field("c", KeyType.NULL, -7, False)) == b"\x00"


def test_aware_datetime_is_converted_to_the_zone() -> None:
    aware = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    field = to_field(DATETIME, aware, KeyType.NULL, UTC)
    assert field.value == datetime(2024, 1, 1, 10, 0)


def test_java_written_values_bind_sensibly() -> None:
    # A Java log could carry LocalDateTime for DATETIME and a java.sql.Time string-less time.
    assert to_db_param(
        DATETIME, Field("c", KeyType.NULL, 93, datetime(2024, 1, 1), jc.LOCAL_DATE_TIME)
    ) == datetime(2024, 1, 1)
    assert to_db_param(TIME, Field("c", KeyType.NULL, 92, time(1, 2, 3), jc.SQL_TIME)) == timedelta(
        hours=1, minutes=2, seconds=3
    )
    assert to_db_param(YEAR, Field("c", KeyType.NULL, 91, date(1999, 1, 1), jc.SQL_DATE)) == 1999
    assert to_db_param(INT, Field("c", KeyType.NULL, 4, True)) == 1
    assert to_db_param(BIT8, Field("c", KeyType.NULL, -7, bytearray(b"\x01"), jc.BYTE_ARRAY)) == b"\x01"


@pytest.mark.parametrize(
    ("column", "raw"),
    [
        (INT, "12"),
        (INT, 2**31),
        (BIGINT, 2**63),
        (DECIMAL, 1.5),
        (DECIMAL, Decimal("NaN")),
        (DOUBLE, float("nan")),
        (FLOAT, "1.5"),
        (DATE, "0000-00-00"),
        (DATE, datetime(2024, 1, 1)),
        (DATETIME, date(2024, 1, 1)),
        (DATETIME, "0000-00-00 00:00:00"),
        (TIME, "12:00:00"),
        (YEAR, 0),
        (BIT8, 5),
        (col("varchar", "varchar(4)", 12), b"\xff"),
        (col("geometry_unknown", "whatever", 1111), b"x"),
    ],
)
def test_values_java_could_not_hold_raise(column: ColumnMeta, raw: Any) -> None:
    with pytest.raises(UnsupportedUndoValueError, match="column 'c'"):
        to_field(column, raw, KeyType.NULL, UTC)


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        (col("tinyint", "tinyint(1)", -7), ColumnKind.BOOLEAN_TINYINT),
        (col("tinyint", "TINYINT(1)", -7), ColumnKind.BOOLEAN_TINYINT),
        (col("tinyint", "tinyint(4)", -6), ColumnKind.INTEGER),
        (col("tinyint", "tinyint", -6), ColumnKind.INTEGER),
        (col("int", "int(11)", 4), ColumnKind.INTEGER),
        (col("integer", "int unsigned", 4), ColumnKind.LONG),
        (col("mediumint", "mediumint unsigned", 4), ColumnKind.INTEGER),
        (col("numeric", "decimal(5,0)", 2), ColumnKind.DECIMAL),
        (col("real", "double", 8), ColumnKind.DOUBLE),
        (col("bit", "bit(2)", -7), ColumnKind.BYTES),
        (col("point", "point", -2), ColumnKind.BYTES),
        (col("mediumtext", "mediumtext", -1), ColumnKind.STRING),
        (col("year", "year(4)", 91), ColumnKind.YEAR),
    ],
)
def test_column_kind(column: ColumnMeta, kind: ColumnKind) -> None:
    assert column_kind(column) is kind


def test_java_double_string_alias() -> None:
    assert java_double_string(1e10) == "1.0E10"

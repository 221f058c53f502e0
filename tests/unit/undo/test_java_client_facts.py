"""What the real Java client writes, pinned as unit facts (each measured with tests/interop against
seata-all 2.0.0 / 2.5.0): string escapes, TIME values java.sql.Time cannot hold, Java's hybrid calendar,
the driver-dependent classes and type codes, and the order of image columns."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from seata_py.config import JAVA_DRIVERS, ConfigError, build_config
from seata_py.databases.mysql.values import JavaDriver, to_db_param, to_field
from seata_py.sql.exec import Environment
from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta, java_hashmap_order
from seata_py.undo import java_classes as jc
from seata_py.undo.comparison import fields_equal
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log
from seata_py.undo.java_time import from_sql_date_millis, sql_date_millis, timestamp_parts

UTC = timezone.utc


def col(data_type: str, column_type: str, jdbc_type: int, name: str = "c", **kw: Any) -> ColumnMeta:
    return ColumnMeta(name, 1, data_type, column_type, jdbc_type, **kw)


def _log(before: tuple[Field, ...], after: tuple[Field, ...]) -> BranchUndoLog:
    item = SQLUndoLog(
        SQLType.UPDATE, "t", TableRecords("t", (Row(before),)), TableRecords("t", (Row(after),))
    )
    return BranchUndoLog("x", 1, (item,))


def _values(data: bytes) -> tuple[Any, Any]:
    tree = json.loads(data)
    item = tree["sqlUndoLogs"][1][0]
    return (
        item["beforeImage"]["rows"][1][0]["fields"][1][0]["value"],
        item["afterImage"]["rows"][1][0]["fields"][1][0]["value"],
    )


def test_characters_outside_the_bmp_are_escaped_as_surrogate_pairs() -> None:
    field = Field("c", KeyType.NULL, 12, "é ✓ 😀")
    data = encode_branch_undo_log(_log((field,), (field,)))
    assert '"é ✓ \\uD83D\\uDE00"' in data.decode("utf-8")
    decoded = decode_branch_undo_log(data).sql_undo_logs[0].before_image.rows[0].fields[0]
    assert decoded.value == "é ✓ 😀"


TIME3 = col("time", "time(3)", 92)


@pytest.mark.parametrize(
    ("value", "before", "after"),
    [
        (time(12, 34, 56), ["java.sql.Time", "12:34:56"], ["java.sql.Time", "12:34:56"]),
        # below a millisecond Connector/J's Time has none either: Java's dirty check passes on HH:MM:SS
        (time(1, 2, 3, 4), "01:02:03.000004", ["java.sql.Time", "01:02:03"]),
        # a millisecond or more: no java.sql.Time matches what Connector/J reads; exact text for seata-py
        (time(12, 34, 56, 789000), "12:34:56.789000", "12:34:56.789000"),
        (timedelta(hours=30), "30:00:00", "30:00:00"),
        (-timedelta(hours=1, microseconds=4), "-01:00:00.000004", "-01:00:00.000004"),
    ],
)
def test_time_values_by_image(value: Any, before: Any, after: Any) -> None:
    field = to_field(TIME3, value, KeyType.NULL, UTC)
    data = encode_branch_undo_log(_log((field,), (field,)))
    assert _values(data) == (before, after)
    decoded_before = decode_branch_undo_log(data).sql_undo_logs[0].before_image.rows[0].fields[0]
    restored = to_db_param(TIME3, decoded_before)
    expected = (
        value
        if isinstance(value, timedelta)
        else timedelta(
            hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
        )
    )
    assert restored == expected  # seata-py's own rollback is exact


def test_time_comparison_is_exact_where_the_log_is() -> None:
    current = to_field(TIME3, time(12, 0, 0, 500000), KeyType.NULL, UTC)
    assert fields_equal(Field("c", KeyType.NULL, 92, "12:00:00.500000"), current)
    assert not fields_equal(Field("c", KeyType.NULL, 92, "12:00:00.400000"), current)
    # a Java-written java.sql.Time carries whole seconds only
    assert fields_equal(Field("c", KeyType.NULL, 92, time(12, 0), jc.SQL_TIME), current)


@pytest.mark.parametrize(
    ("day", "millis"),
    [
        (date(1000, 1, 1), -30609792000000),
        (date(1582, 10, 4), -12219379200000),  # the last Julian day ...
        (date(1582, 10, 15), -12219292800000),  # ... and the next day, the first Gregorian one
        (date(1970, 1, 1), 0),
    ],
)
def test_java_sql_date_counts_days_in_the_hybrid_calendar(day: date, millis: int) -> None:
    assert sql_date_millis(day, UTC) == millis
    assert from_sql_date_millis(millis, UTC) == day


def test_local_date_time_counts_days_proleptically_and_timestamp_does_not() -> None:
    assert timestamp_parts(datetime(1, 1, 1), UTC)[0] == -62135596800000
    assert timestamp_parts(datetime(1000, 1, 1, 0, 0, 0, 500000), UTC) == (-30610223999500, 500000000)
    assert timestamp_parts(datetime(1000, 1, 1), UTC, julian=True)[0] == -30609792000000


def test_driver_classes_and_type_codes() -> None:
    datetime_col = col("datetime", "datetime(6)", 93)
    value = datetime(2025, 1, 1, 10, 20, 30, 123456)
    classes = {d: to_field(datetime_col, value, KeyType.NULL, UTC, d).java_class for d in JavaDriver}
    assert classes == {
        JavaDriver.CONNECTOR_J_8: jc.LOCAL_DATE_TIME,
        JavaDriver.CONNECTOR_J_5: jc.SQL_TIMESTAMP,
        JavaDriver.MARIADB: jc.SQL_TIMESTAMP,
    }
    mariadb = JavaDriver.MARIADB
    assert to_field(col("tinyint", "tinyint(1)", -7), 1, KeyType.NULL, UTC, mariadb).type == 16
    assert to_field(col("enum", "enum('a')", 1), "a", KeyType.NULL, UTC, mariadb).type == 12
    assert to_field(col("enum", "enum('a')", 1), None, KeyType.NULL, UTC, mariadb).type == 12
    assert to_field(col("smallint", "smallint(6)", 5), 3, KeyType.NULL, UTC, mariadb).java_class == jc.SHORT
    unsigned_small = col("smallint", "smallint(5) unsigned", 5)
    assert to_field(unsigned_small, 60000, KeyType.NULL, UTC, mariadb).java_class is None
    blob = to_field(col("longblob", "longblob", -4), b"\x01", KeyType.NULL, UTC, mariadb)
    assert blob.java_class == jc.SERIAL_BLOB
    tinyblob = col("tinyblob", "tinyblob", -3)
    assert to_field(tinyblob, b"", KeyType.NULL, UTC, JavaDriver.CONNECTOR_J_5).type == -2
    assert to_field(tinyblob, b"", KeyType.NULL, UTC, JavaDriver.CONNECTOR_J_8).type == -3
    assert {d.value for d in JavaDriver} == set(JAVA_DRIVERS)


def test_an_empty_serial_blob_is_written_with_its_payload_and_read_without_one() -> None:
    field = Field("c", KeyType.NULL, -4, b"", jc.SERIAL_BLOB)
    data = encode_branch_undo_log(_log((field,), (field,)))
    assert _values(data)[0] == [jc.SERIAL_BLOB, ""]  # Java reads this back as an empty blob
    # Seata itself writes no payload for an empty blob (Java then reads null); the column held b""
    java_written = data.replace(
        b'["javax.sql.rowset.serial.SerialBlob",""]', b'["javax.sql.rowset.serial.SerialBlob"]'
    )
    decoded = decode_branch_undo_log(java_written).sql_undo_logs[0].before_image.rows[0].fields[0]
    assert (decoded.value, decoded.java_class) == (b"", jc.SERIAL_BLOB)


def test_java_driver_setting() -> None:
    assert build_config().undo.java_driver == "connector-j-8"
    assert build_config(undo={"java_driver": "mariadb-connector-j"}).undo.java_driver == "mariadb-connector-j"
    with pytest.raises(ConfigError, match="connector-j-5"):
        build_config(undo={"java_driver": "jtds"})


def test_hashmap_order_as_java_iterates_it() -> None:
    # both measured with java.util.HashMap; the second needs two resizes (20 keys: 64 buckets)
    assert java_hashmap_order(["k2", "Zeta", "k1", "alpha", "upd", "mid"]) == (
        "Zeta",
        "k1",
        "k2",
        "alpha",
        "upd",
        "mid",
    )
    names = [
        "id",
        "c_bool",
        "c_boolean",
        "c_tiny",
        "c_utiny",
        "c_small",
        "c_usmall",
        "c_med",
        "c_umed",
        "c_int",
        "c_uint",
        "c_big",
        "c_ubig",
        "c_dec",
        "c_float",
        "c_double",
        "c_bit1",
        "c_bit",
        "c_char",
        "c_varchar",
    ]
    assert ",".join(java_hashmap_order(names)) == (
        "c_varchar,c_ubig,c_small,c_char,c_int,c_boolean,c_bit,c_med,c_umed,c_utiny,c_float,c_double,c_uint,"
        "c_bit1,c_dec,id,c_big,c_tiny,c_usmall,c_bool"
    )


def _meta() -> TableMeta:
    columns = (
        col("int", "int", 4, "k2", nullable=False),
        col("int", "int", 4, "Zeta"),
        col("int", "int", 4, "k1", nullable=False),
        col("int", "int", 4, "alpha"),
        col("timestamp", "timestamp(3)", 93, "upd", on_update=True),
        col("int", "int", 4, "mid"),
    )
    return TableMeta("db", "t2", columns, (IndexMeta("PRIMARY", ("k2", "k1"), True, primary=True),))


@pytest.mark.parametrize(
    ("legacy", "touched", "expected"),
    [
        # measured: seata-all 2.0.0
        (True, ["Zeta", "k2", "alpha", "k1"], ["Zeta", "k2", "alpha", "k1", "upd"]),
        (True, ["mid", "alpha", "Zeta"], ["k1", "k2", "mid", "alpha", "Zeta", "upd"]),
        # measured: seata-all 2.5.0
        (False, ["Zeta", "k2", "alpha", "k1"], ["alpha", "k1", "k2", "upd", "Zeta"]),
        (False, ["mid", "alpha", "Zeta"], ["alpha", "k1", "k2", "mid", "upd", "Zeta"]),
    ],
)
def test_image_columns_by_client_line(legacy: bool, touched: list[str], expected: list[str]) -> None:
    env = Environment(image_cursor=None, dialect=None, table_meta=None, legacy_column_order=legacy)  # type: ignore[arg-type]
    assert env.need_columns(_meta(), touched) == expected
    assert env.java_all_columns(_meta()) == ["Zeta", "k1", "k2", "alpha", "upd", "mid"]

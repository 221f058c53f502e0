"""PostgreSQL values ↔ undo-log fields: the Java class pgjdbc's getObject hands Java Seata for each column
type, values a Java field cannot hold refused, text-form values carried untouched, and every field bound
back so the column holds what was read."""

from __future__ import annotations

import math
import struct
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from seata_py.databases.postgresql.jdbc_types import jdbc_type
from seata_py.databases.postgresql.values import to_db_param, to_field
from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import ColumnMeta
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

SHANGHAI = ZoneInfo("Asia/Shanghai")  # no DST: +08:00 all year
BERLIN = ZoneInfo("Europe/Berlin")

# java.sql.Types
BIT, SMALLINT, INTEGER, BIGINT, NUMERIC, REAL, DOUBLE = -7, 5, 4, -5, 2, 7, 8
CHAR, VARCHAR, BINARY, DATE, TIME, TIMESTAMP, OTHER, ARRAY = 1, 12, -2, 91, 92, 93, 1111, 2003


def column(data_type: str, declared: str | None = None) -> ColumnMeta:
    return ColumnMeta("c", 1, data_type, declared or data_type, jdbc_type(data_type))


def field(data_type: str, value: Any, zone: Any = None) -> Field:
    return to_field(column(data_type), value, KeyType.NULL, zone)


def float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


# -- Java classes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "value", "expected", "java_class", "jdbc"),
    [
        # Integer, String, Boolean and Double are JSON's own types: Jackson writes them without a class
        ("int2", -5, -5, None, SMALLINT),  # pgjdbc returns an Integer for smallint too
        ("int4", 2**31 - 1, 2**31 - 1, None, INTEGER),
        ("int8", 2**63 - 1, 2**63 - 1, "java.lang.Long", BIGINT),
        ("numeric", Decimal("12.340"), Decimal("12.340"), "java.math.BigDecimal", NUMERIC),
        ("float8", 0.1, 0.1, None, DOUBLE),
        ("float4", 0.5, 0.5, "java.lang.Float", REAL),
        ("bool", True, True, None, BIT),  # pgjdbc reports bool columns as Types.BIT
        ("text", "é\u2028x", "é\u2028x", None, VARCHAR),
        ("varchar", "a", "a", None, VARCHAR),
        ("bpchar", "a  ", "a  ", None, CHAR),  # blank padding is part of a char(n) value
        ("bytea", b"\x00\xff", b"\x00\xff", "[B", BINARY),
        ("date", date(2020, 2, 29), date(2020, 2, 29), "java.sql.Date", DATE),
        ("time", time(23, 59, 59, 999999), time(23, 59, 59, 999999), "java.sql.Time", TIME),
        (
            "timestamp",
            datetime(2020, 1, 2, 3, 4, 5, 6),
            datetime(2020, 1, 2, 3, 4, 5, 6),
            "java.sql.Timestamp",
            93,
        ),
    ],
)
def test_each_type_gets_the_java_class_pgjdbc_gives_it(
    data_type: str, value: Any, expected: Any, java_class: str | None, jdbc: int
) -> None:
    f = field(data_type, value)
    assert (f.name, f.key_type, f.value, f.java_class, f.type) == (
        "c",
        KeyType.NULL,
        expected,
        java_class,
        jdbc,
    )
    assert type(f.value) is type(expected)


def test_the_field_type_is_the_columns_jdbc_type_and_the_key_type_is_kept() -> None:
    meta = ColumnMeta("id", 1, "int8", "bigint", 12345)  # whatever the catalog said is what the log says
    f = to_field(meta, 7, KeyType.PRIMARY_KEY, None)
    assert (f.name, f.key_type, f.type) == ("id", KeyType.PRIMARY_KEY, 12345)


@pytest.mark.parametrize("data_type", ["int4", "int8", "numeric", "float4", "bytea", "timestamptz", "json"])
def test_null_is_null_in_any_column(data_type: str) -> None:
    f = field(data_type, None)
    assert (f.value, f.java_class, f.type) == (None, None, jdbc_type(data_type))
    assert to_db_param(column(data_type), f, None) is None


def test_binary_values_are_bytes() -> None:
    for value in (bytearray(b"ab"), memoryview(b"ab")):  # psycopg may hand back either
        f = field("bytea", value)
        assert (f.value, type(f.value), f.java_class) == (b"ab", bytes, "[B")


def test_a_uuid_is_a_java_uuid() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    f = field("uuid", value)
    # measured: Java writes ["java.util.UUID","…"]
    assert (f.value, f.java_class) == ("12345678-1234-5678-1234-567812345678", "java.util.UUID")
    assert to_db_param(column("uuid"), Field("c", KeyType.NULL, OTHER, value), None) == str(value)


# -- numbers -------------------------------------------------------------------------------------------------


def test_a_numeric_keeps_its_scale() -> None:
    # PostgreSQL's numeric and Java's BigDecimal both keep trailing zeros: 12.340 is not 12.34
    assert str(field("numeric", Decimal("12.340")).value) == "12.340"
    assert str(field("numeric", Decimal("1E+3")).value) == "1E+3"
    assert field("numeric", 7).value == Decimal(7)  # an int from a numeric(…, 0) column


@pytest.mark.parametrize(("value", "text"), [(Decimal("-0"), "0"), (Decimal("-0.00"), "0.00")])
def test_negative_zero_decimal_is_zero(value: Decimal, text: str) -> None:
    # BigDecimal has no negative zero (nor has numeric): -0.00 is 0.00
    f = field("numeric", value)
    assert str(f.value) == text
    assert not f.value.is_signed()


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_numeric_a_bigdecimal_cannot_hold_is_a_double_and_bound_back_as_numeric(value: Decimal) -> None:
    # numeric has NaN (and, since PostgreSQL 14, infinities); BigDecimal has neither, and pgjdbc hands Java
    # a Double for them (measured: ["java.lang.Double","NaN"])
    f = field("numeric", value)
    assert isinstance(f.value, float) and f.java_class is None
    back = to_db_param(column("numeric"), f, None)
    assert isinstance(back, Decimal) and str(back) == str(value)


def test_a_float4_is_rounded_to_the_float_it_is() -> None:
    f = field("float4", 0.1)  # a double with more digits than a float4 holds
    assert f.value == float32(0.1) != 0.1
    assert f.java_class == "java.lang.Float"


@pytest.mark.parametrize("data_type", ["float4", "float8"])
@pytest.mark.parametrize(
    ("value", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")]
)
def test_non_finite_floats_are_written_as_jacksons_strings_and_bound_back_as_floats(
    data_type: str, value: float, text: str
) -> None:
    f = field(data_type, value)
    # the value stays a float; the codec writes it as Jackson does, a string in its class wrapper
    assert isinstance(f.value, float) and str(f.value) == str(value)
    assert f.java_class == ("java.lang.Float" if data_type == "float4" else None)
    back = to_db_param(column(data_type), f, None)
    assert isinstance(back, float)
    assert (math.isnan(back) and math.isnan(value)) or back == value


def test_the_strings_only_become_floats_in_float_columns() -> None:
    for data_type in ("text", "varchar", "json"):
        assert to_db_param(column(data_type), Field("c", KeyType.NULL, VARCHAR, "NaN"), None) == "NaN"


def test_a_float4_bound_back_is_the_same_float4() -> None:
    # a Java-written Float arrives as the shortest decimal (0.1); whatever is bound must round to 0.1f
    for logged in (0.1, float32(0.1), 3.4028234663852886e38, 1e-45):
        back = to_db_param(column("float4"), Field("c", KeyType.NULL, REAL, logged), None)
        assert float32(float(back)) == float32(logged)


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        ("int4", True),  # a bool is an int in Python, never in an integer column
        ("int4", "5"),
        ("int4", 5.0),
        ("int8", Decimal(5)),
        ("numeric", 1.5),  # a float would already have lost the decimal digits
        ("numeric", True),
        ("float8", "1.5"),
        ("float8", False),
        ("bool", 1),
        ("text", b"x"),
        ("bytea", "x"),
        ("date", datetime(2020, 1, 1)),  # a datetime is a date subclass, but not a date value
        ("time", timedelta(hours=1)),
        ("timestamp", date(2020, 1, 1)),
        ("timestamptz", "2020-01-01"),
        ("interval", timedelta(days=1)),  # interval is read as text: months are not days
        ("json", {"a": 1}),
        ("array", [1, 2]),
    ],
)
def test_a_value_of_the_wrong_python_type_is_refused_naming_the_column(data_type: str, value: Any) -> None:
    with pytest.raises(UnsupportedUndoValueError) as caught:
        field(data_type, value)
    assert "'c'" in str(caught.value)


def test_a_boolean_logged_as_a_number_is_bound_as_a_boolean() -> None:
    # PostgreSQL refuses an integer for a boolean column ("column is of type boolean but expression is of
    # type integer"): a 0/1 from a log must go back as False/True
    for logged, expected in ((1, True), (0, False)):
        back = to_db_param(column("bool"), Field("c", KeyType.NULL, BIT, logged), None)
        assert back is expected


# -- dates and times -----------------------------------------------------------------------------------------


def test_a_time_drops_nothing_but_a_zone() -> None:
    assert field("time", time(1, 2, 3, 4, tzinfo=timezone.utc)).value == time(1, 2, 3, 4)


def test_a_timestamp_is_its_wall_clock() -> None:
    # timestamp without time zone: psycopg hands back a naive datetime, which is kept as it is
    naive = datetime(2021, 3, 28, 2, 30)  # not a Berlin wall clock, but a valid timestamp
    assert field("timestamp", naive, BERLIN).value == naive
    assert to_db_param(column("timestamp"), field("timestamp", naive, BERLIN), BERLIN) == naive


def test_a_timestamptz_is_logged_as_the_wall_clock_in_the_zone() -> None:
    instant = datetime(2020, 1, 1, 0, 0, tzinfo=timezone.utc)
    f = field("timestamptz", instant, SHANGHAI)
    assert f.value == datetime(2020, 1, 1, 8, 0)
    assert f.value.tzinfo is None
    assert f.java_class == "java.sql.Timestamp"


def test_a_timestamptz_is_bound_back_as_an_aware_datetime_in_the_zone() -> None:
    logged = Field("c", KeyType.NULL, TIMESTAMP, datetime(2020, 1, 1, 8, 0))
    back = to_db_param(column("timestamptz"), logged, SHANGHAI)
    assert back.tzinfo is SHANGHAI
    assert back.utcoffset() == timedelta(hours=8)
    assert back.timestamp() == datetime(2020, 1, 1, 0, 0, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2021, 7, 1, 12, 0, tzinfo=timezone.utc),  # summer time
        datetime(2021, 3, 28, 1, 30, tzinfo=timezone.utc),  # just after the spring gap
        datetime(2021, 10, 31, 0, 30, tzinfo=timezone.utc),  # 02:30 CEST, the first of two 02:30s
        datetime(2021, 10, 31, 1, 30, tzinfo=timezone.utc),  # 02:30 CET, the second
    ],
)
def test_a_timestamptz_comes_back_as_the_same_instant(instant: datetime) -> None:
    f = field("timestamptz", instant, BERLIN)
    back = to_db_param(column("timestamptz"), f, BERLIN)
    assert back.timestamp() == instant.timestamp()


def test_a_timestamptz_without_a_configured_zone_uses_the_local_one_both_ways() -> None:
    instant = datetime(2020, 6, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    back = to_db_param(column("timestamptz"), field("timestamptz", instant, None), None)
    assert back.tzinfo is not None
    assert back.timestamp() == instant.timestamp()


# -- text form -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "text"),
    [
        ("interval", "P1M"),  # a non-default IntervalStyle: PGInterval is read from the default one
        ("_int4", "{{1,NULL},{3,4}}"),  # two dimensions: Java's SerialArray cannot be read back
        ("_int4", "[0:1]={1,2}"),  # bounds that a Java array would lose
        ("_float8", "{1.5}"),  # elements Java's SerialArray was not measured with
        ("enum", "happy"),
        ("timetz", "01:02:03+05:30"),
    ],
)
def test_text_form_strings_pass_through_unchanged(data_type: str, text: str) -> None:
    f = field(data_type, text)
    assert (f.value, f.java_class, f.type) == (text, None, jdbc_type(data_type))
    assert to_db_param(column(data_type), f, None) == text


@pytest.mark.parametrize(
    ("data_type", "text"),
    [
        ("json", '{"b": 1,  "a": [1, 2]}'),  # json keeps its text as written, spacing and key order
        ("jsonb", '{"a": 1}'),
        ("money", "$1,000.00"),
        ("inet", "10.0.0.1/8"),
        ("tsvector", "'a':1 'b':2"),
    ],
)
def test_types_without_a_java_class_are_pgobjects_holding_their_text(data_type: str, text: str) -> None:
    f = field(data_type, text)
    assert f.java_class == "org.postgresql.util.PGobject"
    assert f.value.properties == (("type", data_type), ("value", text), ("null", False))
    assert to_db_param(column(data_type), f, None) == text


@pytest.mark.parametrize(
    ("text", "fields", "value_text"),
    [
        ("1 year 2 mons", (1, 2, 0, 0, 0, 0, 0), "1 years 2 mons"),
        (
            "-1 mons +2 days +03:04:05.678",
            (0, -1, 2, 3, 4, 5, 678000),
            "-1 mons 2 days 3 hours 4 mins 5.678 secs",
        ),
        ("-04:05:06.5", (0, 0, 0, -4, -5, -6, -500000), "-4 hours -5 mins -6.5 secs"),
        ("00:00:00", (0, 0, 0, 0, 0, 0, 0), "0 secs"),
        ("00:00:05", (0, 0, 0, 0, 0, 5, 0), "5 secs"),
    ],
)
def test_an_interval_is_a_pginterval_as_pgjdbc_builds_it(
    text: str, fields: tuple[int, ...], value_text: str
) -> None:
    f = field("interval", text)
    assert f.java_class == "org.postgresql.util.PGInterval"
    names = ("years", "months", "days", "hours", "minutes", "wholeSeconds", "microSeconds")
    assert tuple(f.value.get(n) for n in names) == fields
    assert f.value.get("value") == value_text
    # bound back as PostgreSQL's verbose input, which every IntervalStyle accepts
    back = to_db_param(column("interval"), f, None)
    assert back.startswith(f"{fields[0]} years {fields[1]} mons {fields[2]} days")


@pytest.mark.parametrize(
    ("data_type", "text", "elements", "array_class"),
    [
        ("_int4", "{1,NULL,3}", (1, None, 3), "[Ljava.lang.Integer;"),
        ("_text", '{"a b",NULL,"c\\"d"}', ("a b", None, 'c"d'), "[Ljava.lang.String;"),
        ("_bool", "{t,f}", (True, False), "[Ljava.lang.Boolean;"),
        ("_int8", "{}", (), "[Ljava.lang.Long;"),
    ],
)
def test_a_one_dimensional_array_is_seatas_serial_array(
    data_type: str, text: str, elements: tuple[Any, ...], array_class: str
) -> None:
    f = field(data_type, text)
    assert f.java_class == "org.apache.seata.rm.datasource.sql.serial.SerialArray"
    assert f.value.get("elements").java_class == array_class
    assert f.value.get("elements").items == elements
    assert f.value.get("baseTypeName") == data_type[1:]
    back = to_db_param(column(data_type), f, None)
    assert field(data_type, back).value == f.value  # the literal bound back reads as the same array


# -- through the Java undo-log format and back ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        ("int2", -32768),
        ("int4", 7),
        ("int8", -(2**63)),
        ("numeric", Decimal("123456789012345678901234567890.123")),
        ("numeric", Decimal("-0.000")),
        ("float8", 1e308),
        ("float8", math.inf),
        ("float4", float32(0.1)),
        ("float4", -math.inf),
        ("bool", False),
        ("text", 'it\'s "quoted" \\ é'),
        ("bytea", bytes(range(256))),
        ("date", date(1000, 1, 1)),
        ("time", time(1, 2, 3, 456789)),
        ("timestamp", datetime(2020, 1, 2, 3, 4, 5, 123456)),
        ("timestamptz", datetime(2021, 10, 31, 1, 30, 0, 7, tzinfo=timezone.utc)),
        ("uuid", "12345678-1234-5678-1234-567812345678"),
    ],
)
def test_a_value_survives_the_undo_log(data_type: str, value: Any) -> None:
    meta = column(data_type)
    written = to_field(meta, value, KeyType.NULL, BERLIN)
    image = TableRecords("t", (Row((written,)),))
    log = BranchUndoLog("x:1:1", 1, (SQLUndoLog(SQLType.UPDATE, "t", image, image),))
    decoded = decode_branch_undo_log(encode_branch_undo_log(log, zone=BERLIN), zone=BERLIN)
    read = decoded.sql_undo_logs[0].before_image.rows[0].fields[0]
    assert read.type == meta.jdbc_type
    back = to_db_param(meta, read, BERLIN)
    if data_type == "timestamptz":
        assert back.timestamp() == value.timestamp()
    elif data_type == "time" and isinstance(back, str):
        assert time.fromisoformat(back) == value  # bound as PostgreSQL's time input text
    elif data_type == "float4":
        assert float32(float(back)) == value or (math.isinf(value) and back == value)
    elif data_type == "numeric":
        assert str(back) == str(written.value)
    else:
        assert back == value

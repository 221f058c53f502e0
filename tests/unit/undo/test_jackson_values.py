"""Every Field.value wrapper of section 1.5, both directions, against literal JSON tokens."""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.java_numbers import to_float32
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UndoLogFormatError, UnsupportedUndoValueError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

UTC = timezone.utc
_PREFIX = (
    '{"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog","xid":"x","branchId":1,'
    '"sqlUndoLogs":["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.undo.SQLUndoLog",'
    '"sqlType":"UPDATE","tableName":"t","beforeImage":{"@class":"org.apache.seata.rm.datasource.sql.struct.'
    'TableRecords","tableName":"t","rows":["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.'
    'sql.struct.Row","fields":["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.sql.struct.'
    'Field","name":"c","keyType":"NULL","type":12,"value":'
)
_SUFFIX = (
    '}]]}]]},"afterImage":{"@class":"org.apache.seata.rm.datasource.sql.struct.TableRecords$EmptyTableRecords",'
    '"tableName":"t","rows":["java.util.ArrayList",[]]}}]]}'
)


def _log_bytes(value_json: str) -> bytes:
    return (_PREFIX + value_json + _SUFFIX).encode()


def _log(value: object, java_class: str | None) -> BranchUndoLog:
    field = Field("c", KeyType.NULL, 12, value, java_class)
    item = SQLUndoLog(SQLType.UPDATE, "t", TableRecords("t", (Row((field,)),)), TableRecords.empty("t"))
    return BranchUndoLog("x", 1, (item,))


def _decoded_field(data: bytes, zone: tzinfo | None = UTC) -> Field:
    return decode_branch_undo_log(data, zone=zone).sql_undo_logs[0].before_image.rows[0].fields[0]


# (JSON token Java writes, java_class, Python value): checked in both directions.
BOTH_WAYS = [
    ("null", None, None),
    ('"text"', None, "text"),
    # Jackson's UTF-8 generator escapes characters outside the BMP as a surrogate pair (measured, 2.13/2.17)
    ('"é中\\uD83D\\uDE00"', None, "é中😀"),
    ('"q\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001F\x7f"', None, 'q"b\\s/\n\t\r\b\f\x01\x1f\x7f'),
    ("7", None, 7),
    ("-2147483648", None, -(2**31)),
    ("true", None, True),
    ("false", None, False),
    ("2.25", None, 2.25),
    ("100.0", None, 100.0),
    ("1.0E10", None, 1e10),
    ("1.5E-4", None, 0.00015),
    ("-0.0", None, -0.0),
    ("4.9E-324", None, 5e-324),
    ('["java.lang.Long",9223372036854775807]', jc.LONG, 2**63 - 1),
    ('["java.lang.Long",-9223372036854775808]', jc.LONG, -(2**63)),
    ('["java.lang.Long",1]', jc.LONG, 1),
    ('["java.lang.Short",3]', jc.SHORT, 3),
    ('["java.lang.Byte",1]', jc.BYTE, 1),
    ('["java.lang.Float",1.5]', jc.FLOAT, 1.5),
    ('["java.lang.Float",0.1]', jc.FLOAT, to_float32(0.1)),
    ('["java.lang.Float",1.0E10]', jc.FLOAT, 1e10),
    ('["java.lang.Float",3.4028235E38]', jc.FLOAT, to_float32(3.4028235e38)),
    ('["java.math.BigDecimal",12.30]', jc.BIG_DECIMAL, Decimal("12.30")),
    ('["java.math.BigDecimal",100]', jc.BIG_DECIMAL, Decimal("100")),
    ('["java.math.BigDecimal",1E-10]', jc.BIG_DECIMAL, Decimal("1E-10")),
    ('["java.math.BigDecimal",1E+3]', jc.BIG_DECIMAL, Decimal("1E+3")),
    ('["java.math.BigDecimal",-0.000001]', jc.BIG_DECIMAL, Decimal("-0.000001")),
    ('["java.math.BigDecimal",1.23E-7]', jc.BIG_DECIMAL, Decimal("0.000000123")),
    ('["java.math.BigDecimal",0.00]', jc.BIG_DECIMAL, Decimal("0.00")),
    ('["java.math.BigInteger",18446744073709551615]', jc.BIG_INTEGER, 2**64 - 1),
    ('["java.sql.Timestamp",1704135845123]', jc.SQL_TIMESTAMP, datetime(2024, 1, 1, 19, 4, 5, 123000)),
    (
        '["java.sql.Timestamp",[1704135845123,123456000]]',
        jc.SQL_TIMESTAMP,
        datetime(2024, 1, 1, 19, 4, 5, 123456),
    ),
    ('["java.sql.Timestamp",[-1,999500000]]', jc.SQL_TIMESTAMP, datetime(1969, 12, 31, 23, 59, 59, 999500)),
    ('["java.sql.Timestamp",-1]', jc.SQL_TIMESTAMP, datetime(1969, 12, 31, 23, 59, 59, 999000)),
    ('["java.time.LocalDateTime",1704135845000]', jc.LOCAL_DATE_TIME, datetime(2024, 1, 1, 19, 4, 5)),
    (
        '["java.time.LocalDateTime",[1704135845123,123456000]]',
        jc.LOCAL_DATE_TIME,
        datetime(2024, 1, 1, 19, 4, 5, 123456),
    ),
    ('["java.sql.Date",1704153600000]', jc.SQL_DATE, date(2024, 1, 2)),
    ('["java.sql.Time","03:04:05"]', jc.SQL_TIME, time(3, 4, 5)),
    ('["java.util.Date",1704164645000]', jc.UTIL_DATE, datetime(2024, 1, 2, 3, 4, 5)),
    ('["java.time.LocalDate",[2024,1,2]]', jc.LOCAL_DATE, date(2024, 1, 2)),
    ('["java.time.LocalTime",[3,4,5]]', jc.LOCAL_TIME, time(3, 4, 5)),
    ('["java.time.LocalTime",[3,4]]', jc.LOCAL_TIME, time(3, 4)),
    ('["java.time.LocalTime",[3,4,5,123456000]]', jc.LOCAL_TIME, time(3, 4, 5, 123456)),
    ('["[B","aGVsbG8="]', jc.BYTE_ARRAY, b"hello"),
    ('["[B",""]', jc.BYTE_ARRAY, b""),
    ('["[B","AP8="]', jc.BYTE_ARRAY, b"\x00\xff"),
    ('["javax.sql.rowset.serial.SerialBlob","aGVsbG8="]', jc.SERIAL_BLOB, b"hello"),
    ('["javax.sql.rowset.serial.SerialClob","text"]', jc.SERIAL_CLOB, "text"),
]


@pytest.mark.parametrize(("token", "java_class", "value"), BOTH_WAYS)
def test_value_is_written_as_java_does(token: str, java_class: str | None, value: object) -> None:
    assert encode_branch_undo_log(_log(value, java_class), zone=UTC) == _log_bytes(token)


@pytest.mark.parametrize(("token", "java_class", "value"), BOTH_WAYS)
def test_value_is_read_back(token: str, java_class: str | None, value: object) -> None:
    field = _decoded_field(_log_bytes(token))
    assert field.java_class == java_class
    assert field.value == value
    assert type(field.value) is type(value)
    if isinstance(value, (Decimal, float)):
        assert str(field.value) == str(value)  # Decimal scale and the sign of a zero float are kept


# Tokens Java (or another Jackson configuration) can write that read to a value re-written differently.
READ_ONLY = [
    # written by older seata-py; now such TIME values go out as MySQL text (Java cannot parse these back)
    ('["java.sql.Time","25:00:00"]', jc.SQL_TIME, timedelta(hours=25)),
    ('["java.sql.Time","-01:00:01"]', jc.SQL_TIME, -timedelta(hours=1, seconds=1)),
    # JavaTimeModule's LocalDateTime array, with trailing zero parts dropped
    (
        '["java.time.LocalDateTime",[2024,1,2,3,4,5,123456000]]',
        jc.LOCAL_DATE_TIME,
        datetime(2024, 1, 2, 3, 4, 5, 123456),
    ),
    ('["java.time.LocalDateTime",[2024,1,2,3,4,5]]', jc.LOCAL_DATE_TIME, datetime(2024, 1, 2, 3, 4, 5)),
    ('["java.time.LocalDateTime",[2024,1,2,3,4]]', jc.LOCAL_DATE_TIME, datetime(2024, 1, 2, 3, 4)),
    # millis of a small value still means millis: the array form has at least five parts
    ('["java.time.LocalDateTime",[5000,0]]', jc.LOCAL_DATE_TIME, datetime(1970, 1, 1, 0, 0, 5)),
    ('["java.time.LocalDateTime","2024-01-02T03:04:05"]', jc.LOCAL_DATE_TIME, datetime(2024, 1, 2, 3, 4, 5)),
    # sub-microsecond nanos are below what Python keeps
    (
        '["java.sql.Timestamp",[1704135845123,123456789]]',
        jc.SQL_TIMESTAMP,
        datetime(2024, 1, 1, 19, 4, 5, 123456),
    ),
    ('["java.lang.Integer",5]', None, 5),
    ('["java.lang.String","s"]', None, "s"),
    ('["java.lang.Boolean",true]', None, True),
    ('["java.lang.Double",2.5]', None, 2.5),
    ('["java.lang.Long",null]', None, None),
    ('["java.math.BigDecimal","12.30"]', jc.BIG_DECIMAL, Decimal("12.30")),
    ('["java.math.BigDecimal",-0.00]', jc.BIG_DECIMAL, Decimal("0.00")),
    ("3000000000", jc.LONG, 3_000_000_000),
    ("100000000000000000000", jc.BIG_INTEGER, 10**20),
    ("1", None, 1),
    ("1e2", None, 100.0),
    ('["java.sql.Date","2024-01-02"]', jc.SQL_DATE, date(2024, 1, 2)),
    ('["java.time.LocalDate","2024-01-02"]', jc.LOCAL_DATE, date(2024, 1, 2)),
    ('["java.sql.Time",11045000]', jc.SQL_TIME, time(3, 4, 5)),
]


@pytest.mark.parametrize(("token", "java_class", "value"), READ_ONLY)
def test_lenient_tokens_are_read(token: str, java_class: str | None, value: object) -> None:
    field = _decoded_field(_log_bytes(token))
    assert (field.value, field.java_class) == (value, java_class)
    if isinstance(value, Decimal):
        assert str(field.value) == str(value)


def test_java_time_module_shapes_agree() -> None:
    wall = datetime(2024, 1, 2, 3, 4, 5, 123456)
    millis = int((wall.replace(tzinfo=UTC)).timestamp() * 1000)
    shapes = [
        f'["java.time.LocalDateTime",[{millis},123456000]]',
        '["java.time.LocalDateTime",[2024,1,2,3,4,5,123456000]]',
    ]
    assert {_decoded_field(_log_bytes(s)).value for s in shapes} == {wall}
    assert _decoded_field(_log_bytes(f'["java.time.LocalDateTime",{millis - 123}]')).value == wall.replace(
        microsecond=0
    )


def test_array_local_date_time_ignores_the_zone() -> None:
    token = '["java.time.LocalDateTime",[2024,1,2,3,4,5]]'
    assert _decoded_field(_log_bytes(token), zone=timezone(timedelta(hours=9))).value == datetime(
        2024, 1, 2, 3, 4, 5
    )


@pytest.mark.parametrize(
    ("zone", "token"),
    [
        (ZoneInfo("Europe/Berlin"), '["java.sql.Date",1704150000000]'),  # winter: UTC+1
        (timezone(timedelta(hours=-8)), '["java.sql.Date",1704182400000]'),
    ],
)
def test_sql_date_is_local_midnight(zone: tzinfo, token: str) -> None:
    log = _log(date(2024, 1, 2), jc.SQL_DATE)
    assert encode_branch_undo_log(log, zone=zone) == _log_bytes(token)
    assert _decoded_field(_log_bytes(token), zone=zone).value == date(2024, 1, 2)


def test_timestamp_in_summer_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    log = _log(datetime(2024, 7, 1, 12, 0, 0), jc.SQL_TIMESTAMP)
    token = '["java.sql.Timestamp",1719828000000]'  # 10:00 UTC
    assert encode_branch_undo_log(log, zone=berlin) == _log_bytes(token)
    assert _decoded_field(_log_bytes(token), zone=berlin).value == datetime(2024, 7, 1, 12, 0, 0)


@pytest.fixture
def new_york_system_zone() -> Iterator[None]:
    if not hasattr(time_module, "tzset"):
        pytest.skip("needs time.tzset")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time_module.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time_module.tzset()


@pytest.mark.usefixtures("new_york_system_zone")
def test_zone_none_is_the_system_zone() -> None:
    log = _log(datetime(2024, 1, 2, 3, 4, 5), jc.SQL_TIMESTAMP)
    token = '["java.sql.Timestamp",1704182645000]'  # 08:04:05 UTC
    assert encode_branch_undo_log(log) == _log_bytes(token)
    assert _decoded_field(_log_bytes(token), zone=None).value == datetime(2024, 1, 2, 3, 4, 5)


def test_naive_java_class_is_inferred_for_non_json_values() -> None:
    encoded = encode_branch_undo_log(_log(Decimal("1.50"), None), zone=UTC)
    assert encoded == _log_bytes('["java.math.BigDecimal",1.50]')
    assert encode_branch_undo_log(_log(b"hi", None)) == _log_bytes('["[B","aGk="]')


@pytest.mark.parametrize(
    ("value", "java_class"),
    [
        (2**63, jc.LONG),
        (40000, jc.SHORT),
        (True, jc.LONG),
        ("1", jc.LONG),
        (Decimal("NaN"), jc.BIG_DECIMAL),
        (1.5, jc.BIG_DECIMAL),
        (date(2024, 1, 1), jc.SQL_TIMESTAMP),
        (datetime(2024, 1, 1), jc.SQL_DATE),
        ("03:04:05", jc.SQL_TIME),
        ("aGk=", jc.BYTE_ARRAY),
        (object(), None),
        ([1], None),
        (1, "java.lang.Object"),
        ("\ud800", None),
    ],
)
def test_unwritable_values_raise(value: object, java_class: str | None) -> None:
    with pytest.raises(UnsupportedUndoValueError):
        encode_branch_undo_log(_log(value, java_class), zone=UTC)


def test_out_of_range_type_and_branch_id_raise() -> None:
    with pytest.raises(UnsupportedUndoValueError):
        encode_branch_undo_log(BranchUndoLog("x", 2**63))
    field = Field("c", KeyType.NULL, 2**31, None)
    item = SQLUndoLog(SQLType.UPDATE, "t", TableRecords("t", (Row((field,)),)), TableRecords.empty("t"))
    with pytest.raises(UnsupportedUndoValueError):
        encode_branch_undo_log(BranchUndoLog("x", 1, (item,)))


@pytest.mark.parametrize(
    "token",
    [
        '["java.lang.Long",9223372036854775808]',
        '["java.lang.Short",32768]',
        '["java.lang.Byte",128]',
        '["java.lang.Long",1.5]',
        '["java.lang.Long",true]',
        '["java.lang.Float","1.5"]',
        '["java.math.BigDecimal","abc"]',
        '["java.math.BigDecimal",true]',
        '["java.sql.Timestamp",[1,2,3]]',
        '["java.sql.Timestamp",[1,1000000000]]',
        '["java.sql.Timestamp","2024-01-01"]',
        '["java.sql.Timestamp",99999999999999999]',
        '["java.time.LocalDateTime",[2024,13,1,0,0]]',
        '["java.time.LocalDateTime",[2024,1,1,0,0,0,0,0]]',
        '["java.time.LocalDateTime",[2024,1,1]]',
        '["java.time.LocalDate",[2024,2,30]]',
        '["java.time.LocalTime",[25,0]]',
        '["java.time.LocalTime",[1]]',
        '["java.sql.Time","3:4"]',
        '["java.sql.Time","03:64:00"]',
        '["java.sql.Date","tomorrow"]',
        '["[B","not base64!"]',
        '["[B",5]',
        '["java.lang.Boolean",1]',
        '["java.lang.Integer",2147483648]',
        '["java.lang.Long"]',
        '["java.lang.Long",1,2]',
        "[1,2]",
        '{"@class":"java.lang.Object"}',
        '["org.example.Money",1]',
        '["com.dameng.DmdbTimestamp",1]',
        '["java.util.ArrayList",[]]',
    ],
)
def test_bad_wrappers_raise_format_error(token: str) -> None:
    with pytest.raises(UndoLogFormatError):
        _decoded_field(_log_bytes(token))


@pytest.mark.parametrize(
    ("value", "java_class", "written"),
    [
        (float("nan"), None, '["java.lang.Double","NaN"]'),
        (float("-inf"), None, '["java.lang.Double","-Infinity"]'),
        (float("inf"), jc.FLOAT, '["java.lang.Float","Infinity"]'),
        (float("nan"), jc.FLOAT, '["java.lang.Float","NaN"]'),
    ],
)
def test_non_finite_floats_are_written_as_jackson_writes_them_and_read_back(
    value: float, java_class: str | None, written: str
) -> None:
    """Measured with Java's PostgreSQL RM: a NaN or infinite Double/Float is a string in its class wrapper."""
    data = encode_branch_undo_log(_log(value, java_class), zone=UTC)
    assert f'"value":{written}' in data.decode()
    field = decode_branch_undo_log(data, zone=UTC).sql_undo_logs[0].before_image.rows[0].fields[0]
    assert str(field.value) == str(value)
    assert field.java_class == java_class

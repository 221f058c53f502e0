"""Python column values (as pymysql returns them) ↔ undo-log fields typed the way Java would hold them.

A Java RM reads column values with the JDBC driver's ``getObject`` and writes them into the undo log with
their Java class; during rollback it compares the logged after image with fresh values using
``Objects.deepEquals``, so a field whose class differs from what the driver hands back is "dirty" to Java even
when the value is the same. :func:`to_field` therefore picks the class the Java services' driver produces
(measured against the real Java client, see README "Java compatibility"), and :func:`to_db_param` turns a
field back into something pymysql binds so that the column ends up holding the original value.

Where the driver matters (DATETIME's class, and more with MariaDB Connector/J) :class:`JavaDriver` says so;
the rest is what the drivers agree on with default settings: ``tinyInt1isBit=true`` (TINYINT(1) → Boolean),
``yearIsDateType=true`` (YEAR → java.sql.Date), INT UNSIGNED → Long, BIGINT UNSIGNED → BigInteger.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from seata_py.types.images import Field, KeyType
from seata_py.types.java_numbers import java_double_to_string, java_float_to_string, to_float32
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.comparison import fields_equal, records_equal, rows_equal
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.java_time import interval_from_time, parse_mysql_time, time_from_interval, to_naive_local

__all__ = [
    "ColumnKind",
    "JavaDriver",
    "column_kind",
    "fields_equal",
    "java_double_string",
    "records_equal",
    "rows_equal",
    "to_db_param",
    "to_field",
]

# Lock keys and other text that Java builds with String.valueOf(double) need the same digits.
java_double_string = java_double_to_string


class JavaDriver(str, enum.Enum):
    """The JDBC driver of the Java services that share the database (setting ``undo.java_driver``).

    Measured against Seata's Java client with each driver: DATETIME is a ``java.time.LocalDateTime`` with
    Connector/J 8.0.23 and later, a ``java.sql.Timestamp`` with Connector/J 5.1 and MariaDB Connector/J.
    MariaDB Connector/J (3.5) also reads SMALLINT as ``java.lang.Short`` and BLOBs as ``SerialBlob``, and its
    metadata types TINYINT(1) as BOOLEAN (16) and ENUM/SET as VARCHAR (12); Connector/J 5.1's types TINYBLOB
    as BINARY (-2).
    """

    CONNECTOR_J_8 = "connector-j-8"
    CONNECTOR_J_5 = "connector-j-5"
    MARIADB = "mariadb-connector-j"

    @property
    def datetime_class(self) -> str:
        return jc.LOCAL_DATE_TIME if self is JavaDriver.CONNECTOR_J_8 else jc.SQL_TIMESTAMP

    def type_code(self, column: ColumnMeta, kind: ColumnKind) -> int:
        """The ``java.sql.Types`` code the driver's metadata gives the column (Java logs it per field)."""
        data_type = column.data_type.lower()
        if self is JavaDriver.MARIADB:
            if kind is ColumnKind.BOOLEAN_TINYINT:
                return 16  # BOOLEAN
            if data_type in ("enum", "set"):
                return 12  # VARCHAR
        if self is JavaDriver.CONNECTOR_J_5 and data_type == "tinyblob":
            return -2  # BINARY
        return column.jdbc_type

    def value_class(self, column: ColumnMeta, kind: ColumnKind, java_class: str | None) -> str | None:
        """The class the driver's ``getObject`` hands Seata where it differs from Connector/J 8's."""
        if kind is ColumnKind.DATETIME:
            return self.datetime_class
        if self is JavaDriver.MARIADB:
            data_type = column.data_type.lower()
            if data_type == "smallint" and not column.unsigned:
                return jc.SHORT
            if data_type in _BLOBS:
                return jc.SERIAL_BLOB
        return java_class


class ColumnKind(enum.Enum):
    """What Connector/J's ``getObject`` returns for a column, which decides the Java class in the log."""

    BOOLEAN_TINYINT = "Boolean from TINYINT(1)"
    BOOLEAN_BIT = "Boolean from BIT(1)"
    INTEGER = "Integer"
    LONG = "Long"
    BIG_INTEGER = "BigInteger"
    DECIMAL = "BigDecimal"
    FLOAT = "Float"
    DOUBLE = "Double"
    BYTES = "byte[]"
    STRING = "String"
    DATE = "java.sql.Date"
    TIME = "java.sql.Time"
    DATETIME = "java.time.LocalDateTime or java.sql.Timestamp, by driver"
    TIMESTAMP = "java.sql.Timestamp"
    YEAR = "java.sql.Date from YEAR"


_SMALL_INTS = frozenset({"tinyint", "smallint", "mediumint", "int", "integer"})
_DECIMALS = frozenset({"decimal", "numeric", "dec", "fixed"})
_DOUBLES = frozenset({"double", "real", "double precision"})
_BINARIES = frozenset(
    {
        "binary",
        "varbinary",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        # Spatial columns come back from Connector/J as byte[] (WKB with an SRID prefix), as from pymysql.
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "geomcollection",
    }
)
_BLOBS = frozenset({"tinyblob", "blob", "mediumblob", "longblob"})
_STRINGS = frozenset(
    {
        "char",
        "varchar",
        "tinytext",
        "text",
        "mediumtext",
        "longtext",
        "enum",
        "set",
        "json",
        # MariaDB-only types that Connector/J reads as strings.
        "uuid",
        "inet4",
        "inet6",
    }
)


def column_kind(column: ColumnMeta) -> ColumnKind:
    data_type = column.data_type.lower()
    column_type = column.column_type.lower().replace(" ", "")
    if data_type in ("bool", "boolean") or (data_type == "tinyint" and column_type.startswith("tinyint(1)")):
        return ColumnKind.BOOLEAN_TINYINT
    if data_type in _SMALL_INTS:
        # Connector/J widens INT UNSIGNED to Long because its range exceeds Integer's; the smaller
        # unsigned types still fit an Integer.
        return ColumnKind.LONG if data_type in ("int", "integer") and column.unsigned else ColumnKind.INTEGER
    if data_type == "bigint":
        return ColumnKind.BIG_INTEGER if column.unsigned else ColumnKind.LONG
    if data_type in _DECIMALS:
        return ColumnKind.DECIMAL
    if data_type == "float":
        return ColumnKind.FLOAT
    if data_type in _DOUBLES:
        return ColumnKind.DOUBLE
    if data_type == "bit":
        return ColumnKind.BOOLEAN_BIT if column_type in ("bit", "bit(1)") else ColumnKind.BYTES
    if data_type in _BINARIES:
        return ColumnKind.BYTES
    if data_type in _STRINGS:
        return ColumnKind.STRING
    if data_type == "date":
        return ColumnKind.DATE
    if data_type == "time":
        return ColumnKind.TIME
    if data_type == "datetime":
        return ColumnKind.DATETIME
    if data_type == "timestamp":
        return ColumnKind.TIMESTAMP
    if data_type == "year":
        return ColumnKind.YEAR
    raise UnsupportedUndoValueError(
        f"column {column.name!r} has type {column.column_type!r}, which seata-py cannot put in an undo log"
    )


def to_field(
    column: ColumnMeta,
    value: Any,
    key_type: KeyType,
    zone: tzinfo | None,
    driver: JavaDriver = JavaDriver.CONNECTOR_J_8,
) -> Field:
    """The undo-log field Java would write for ``value`` read from ``column`` through ``driver``.

    ``zone`` only matters for timezone-aware datetimes, which are converted to wall-clock time there (pymysql
    itself returns naive values). Raises :class:`UnsupportedUndoValueError` for values Java could not hold.
    """
    if value is None:
        try:
            type_code = driver.type_code(column, column_kind(column))
        except UnsupportedUndoValueError:  # a NULL needs no Java class, whatever the column's type
            type_code = column.jdbc_type
        return Field(column.name, key_type, type_code, None, None)
    kind = column_kind(column)
    type_code = driver.type_code(column, kind)
    try:
        normalized, java_class = _CONVERTERS[kind](value, zone)
        java_class = driver.value_class(column, kind, java_class)
    except (TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, UnsupportedUndoValueError):
            raise UnsupportedUndoValueError(f"column {column.name!r}: {exc}") from exc
        raise UnsupportedUndoValueError(
            f"column {column.name!r} ({column.column_type}): cannot hold {type(value).__name__} {value!r}"
        ) from exc
    return Field(column.name, key_type, type_code, normalized, java_class)


def to_db_param(column: ColumnMeta, field: Field) -> Any:
    """The value to bind with pymysql so that ``column`` is set back to what ``field`` records.

    Works for fields built by :func:`to_field` and for fields decoded from a Java-written log.
    """
    value = field.value
    if value is None:
        return None
    kind = column_kind(column)
    if kind is ColumnKind.BOOLEAN_BIT:
        # A BIT column takes a binary string; an int would also work but bytes is what pymysql reads back.
        return b"\x01" if _as_bool(value) else b"\x00"
    if kind is ColumnKind.BOOLEAN_TINYINT:
        return int(value) if isinstance(value, (bool, int)) else value
    if kind is ColumnKind.YEAR and isinstance(value, date):
        return value.year
    if kind is ColumnKind.TIME and isinstance(value, (time, timedelta)):
        return interval_from_time(value)
    if kind is ColumnKind.TIME and isinstance(value, str):
        # what java.sql.Time cannot hold is logged as MySQL's own text; reading it checks the form
        return parse_mysql_time(value)
    if kind is ColumnKind.FLOAT and isinstance(value, float):
        # The shortest text of the float32 parses to the double MySQL prints for a FLOAT column.
        return float(java_float_to_string(value))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _connector_j_boolean(int.from_bytes(bytes(value), "big"))
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _connector_j_boolean(value)
    raise TypeError(f"not a boolean: {value!r}")


def _connector_j_boolean(number: int) -> bool:
    # Connector/J's Boolean conversion: only -1 and positive numbers are true (so -2 reads as false).
    return number == -1 or number > 0


def _require_int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)  # also turns a bool into a plain int
    raise TypeError(f"not an integer: {value!r}")


def _boolean_tinyint(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _connector_j_boolean(_require_int(value)), None


def _boolean_bit(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _as_bool(value), None


def _integer(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    number = _require_int(value)
    low, high = jc.RANGES[jc.INTEGER]
    if not low <= number <= high:
        raise UnsupportedUndoValueError(f"{number} does not fit a java.lang.Integer")
    return number, None


def _long(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    number = _require_int(value)
    low, high = jc.RANGES[jc.LONG]
    if not low <= number <= high:
        raise UnsupportedUndoValueError(f"{number} does not fit a java.lang.Long")
    return number, jc.LONG


def _big_integer(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _require_int(value), jc.BIG_INTEGER


def _decimal(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"not a decimal: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise UnsupportedUndoValueError(f"java.math.BigDecimal cannot hold {number}")
    # BigDecimal has no negative zero; keeping Python's would make equal values compare unequal.
    return (number.copy_abs() if number.is_zero() else number), jc.BIG_DECIMAL


def _float(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return to_float32(_finite(value)), jc.FLOAT


def _double(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _finite(value), None


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (float, int, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise UnsupportedUndoValueError(f"{number} cannot be stored in MySQL or written as a JSON number")
    return number


def _bytes(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"not bytes: {value!r}")
    return bytes(value), jc.BYTE_ARRAY


def _string(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, (bytes, bytearray)):
        # pymysql hands back bytes for text in a binary collation; Connector/J decodes it to a String.
        return bytes(value).decode("utf-8"), None
    raise TypeError(f"not a string: {value!r}")


def _date(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    # datetime is a date subclass but means a different column kind; a zero date arrives as a str.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    return value, jc.SQL_DATE


def _time(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, timedelta):
        return time_from_interval(value), jc.SQL_TIME
    if isinstance(value, time):
        return value.replace(tzinfo=None), jc.SQL_TIME
    raise TypeError(f"not a time: {value!r}")


def _timestamp(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return to_naive_local(value, zone), jc.SQL_TIMESTAMP


def _year(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, date) and not isinstance(value, datetime):
        return date(value.year, 1, 1), jc.SQL_DATE
    year = _require_int(value)
    if not 1 <= year <= 9999:
        raise UnsupportedUndoValueError(f"YEAR {year} has no java.sql.Date that Python can represent")
    return date(year, 1, 1), jc.SQL_DATE


_CONVERTERS = {
    ColumnKind.BOOLEAN_TINYINT: _boolean_tinyint,
    ColumnKind.BOOLEAN_BIT: _boolean_bit,
    ColumnKind.INTEGER: _integer,
    ColumnKind.LONG: _long,
    ColumnKind.BIG_INTEGER: _big_integer,
    ColumnKind.DECIMAL: _decimal,
    ColumnKind.FLOAT: _float,
    ColumnKind.DOUBLE: _double,
    ColumnKind.BYTES: _bytes,
    ColumnKind.STRING: _string,
    ColumnKind.DATE: _date,
    ColumnKind.TIME: _time,
    ColumnKind.DATETIME: _timestamp,
    ColumnKind.TIMESTAMP: _timestamp,
    ColumnKind.YEAR: _year,
}

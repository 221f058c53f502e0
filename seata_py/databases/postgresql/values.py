"""Column values as the image cursor reads them ↔ undo-log fields typed as Java's PostgreSQL RM writes them.

The image cursor (:func:`seata_py.databases.postgresql.dialect.image_cursor`) reads every value with
psycopg's stock loaders, whatever the application registered on its connection, except for the types
whose Python value would lose something: ``interval`` (months are not days), ``json`` (its text is kept as
written), arrays (bounds and dimensions), ``timetz``, ``money`` and every type psycopg has no loader for
are read as PostgreSQL's own text. Text values are bound back as psycopg's untyped literals, so the server
reads them with the column's own input function: what was read is what is written back.

Java classes follow what pgjdbc's ``getObject`` hands Seata (measured, README "Java compatibility").
"""

from __future__ import annotations

import enum
import math
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from uuid import UUID

from seata_py.types.images import Field, KeyType
from seata_py.types.java_numbers import to_float32
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.java_time import to_naive_local


class Kind(enum.Enum):
    INTEGER = "Integer"
    LONG = "Long"
    DECIMAL = "BigDecimal"
    FLOAT = "Float"
    DOUBLE = "Double"
    BOOLEAN = "Boolean"
    STRING = "String"
    BYTES = "byte[]"
    DATE = "java.sql.Date"
    TIME = "java.sql.Time"
    TIMESTAMP = "java.sql.Timestamp (wall clock)"
    TIMESTAMPTZ = "java.sql.Timestamp (instant)"
    TEXT_FORM = "the type's own text, as a String"


_KINDS = {
    "int2": Kind.INTEGER,
    "int4": Kind.INTEGER,
    "int8": Kind.LONG,
    "numeric": Kind.DECIMAL,
    "float4": Kind.FLOAT,
    "float8": Kind.DOUBLE,
    "bool": Kind.BOOLEAN,
    "text": Kind.STRING,
    "varchar": Kind.STRING,
    "bpchar": Kind.STRING,
    "name": Kind.STRING,
    "enum": Kind.STRING,
    "uuid": Kind.STRING,
    "bytea": Kind.BYTES,
    "date": Kind.DATE,
    "time": Kind.TIME,
    "timestamp": Kind.TIMESTAMP,
    "timestamptz": Kind.TIMESTAMPTZ,
}

# special values float text uses, as Jackson writes a non-finite Double (a JSON string)
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def kind_of(column: ColumnMeta) -> Kind:
    return _KINDS.get(column.data_type, Kind.TEXT_FORM)


def to_field(column: ColumnMeta, value: Any, key_type: KeyType, zone: tzinfo | None) -> Field:
    if value is None:
        return Field(column.name, key_type, column.jdbc_type, None, None)
    kind = kind_of(column)
    try:
        normalized, java_class = _CONVERTERS[kind](value, zone)
    except (TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, UnsupportedUndoValueError):
            raise UnsupportedUndoValueError(f"column {column.name!r}: {exc}") from exc
        raise UnsupportedUndoValueError(
            f"column {column.name!r} ({column.column_type}): cannot hold {type(value).__name__} {value!r}"
        ) from exc
    return Field(column.name, key_type, column.jdbc_type, normalized, java_class)


def to_db_param(column: ColumnMeta, field: Field, zone: tzinfo | None) -> Any:
    """What to bind with psycopg so that ``column`` holds again what ``field`` records (a field of seata-py's
    own or decoded from a Java-written log)."""
    value = field.value
    if value is None:
        return None
    kind = kind_of(column)
    if kind in (Kind.FLOAT, Kind.DOUBLE):
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if kind is Kind.FLOAT and isinstance(value, float):
            return Decimal(repr(to_float32(value)))  # the float32's shortest text, not the double's digits
    if kind is Kind.TIMESTAMPTZ and isinstance(value, datetime) and value.tzinfo is None:
        # the instant the wall clock in the RM's zone names, as Java's Timestamp holds it
        return value.replace(tzinfo=zone) if zone is not None else value.astimezone()
    if kind is Kind.BOOLEAN and isinstance(value, int):
        return bool(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def _integer(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    return int(value), None


def _long(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _integer(value, zone)[0], jc.LONG


def _decimal(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"not a decimal: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise UnsupportedUndoValueError(f"java.math.BigDecimal cannot hold numeric {number}")
    return (number.copy_abs() if number.is_zero() else number), jc.BIG_DECIMAL


def _float(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    number = _number(value)
    if not math.isfinite(number):
        return _non_finite_text(number), None
    return to_float32(number), jc.FLOAT


def _double(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    number = _number(value)
    if not math.isfinite(number):
        return _non_finite_text(number), None
    return number, None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (float, int, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _non_finite_text(number: float) -> str:
    # a JSON number cannot be NaN or infinite; Jackson writes such a Double as this string
    return "NaN" if number != number else ("Infinity" if number > 0 else "-Infinity")


def _boolean(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, bool):
        raise TypeError(f"not a boolean: {value!r}")
    return value, None


def _string(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, (str, UUID)):
        return str(value), None
    raise TypeError(f"not a string: {value!r}")


def _bytes(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"not bytes: {value!r}")
    return bytes(value), jc.BYTE_ARRAY


def _date(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    return value, jc.SQL_DATE


def _time(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if isinstance(value, time):
        return value.replace(tzinfo=None), jc.SQL_TIME
    if isinstance(value, timedelta):
        raise TypeError(f"not a time of day: {value!r}")
    raise TypeError(f"not a time: {value!r}")


def _timestamp(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return to_naive_local(value, zone), jc.SQL_TIMESTAMP


def _text_form(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        raise TypeError(f"not the text form: {value!r}")
    return value, None


_CONVERTERS = {
    Kind.INTEGER: _integer,
    Kind.LONG: _long,
    Kind.DECIMAL: _decimal,
    Kind.FLOAT: _float,
    Kind.DOUBLE: _double,
    Kind.BOOLEAN: _boolean,
    Kind.STRING: _string,
    Kind.BYTES: _bytes,
    Kind.DATE: _date,
    Kind.TIME: _time,
    Kind.TIMESTAMP: _timestamp,
    Kind.TIMESTAMPTZ: _timestamp,
    Kind.TEXT_FORM: _text_form,
}

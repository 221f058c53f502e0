"""Column values as the image cursor reads them ↔ undo-log fields typed as Java's PostgreSQL RM writes them.

The image cursor (:func:`seata_py.databases.postgresql.dialect.image_cursor`) reads every value with
psycopg's stock loaders, whatever the application registered on its connection, except for the types
whose Python value would lose something: ``interval`` (months are not days), ``json`` (its text is kept as
written), arrays (bounds and dimensions), ``timetz``, ``money`` and every type psycopg has no loader for
are read as PostgreSQL's own text. Text values are bound back as psycopg's untyped literals, so the server
reads them with the column's own input function: what was read is what is written back.

Java classes follow what pgjdbc's ``getObject`` hands Seata (measured against Java's PostgreSQL RM, README
"Java compatibility"): ``java.util.UUID``; ``PGobject`` for json, jsonb and the types pgjdbc has no class
for; ``PGInterval``; Seata's ``SerialArray`` for one-dimensional arrays of integers, text and booleans. Where
Java's class cannot hold the value exactly (a time's fraction, timetz's offset, arrays with bounds or more
dimensions or other elements, an interval in a non-default IntervalStyle) the field is the text form as a
String: Java's own RM cannot roll such values back either, seata-py restores them exactly.
"""

from __future__ import annotations

import enum
import math
import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from uuid import UUID

from seata_py.types.images import Field, KeyType
from seata_py.types.java_numbers import to_float32
from seata_py.types.java_objects import JavaArray, JavaObject
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.java_time import to_naive_local

# pgjdbc's classes, which Jackson writes property by property
PG_OBJECT = "org.postgresql.util.PGobject"
PG_INTERVAL = "org.postgresql.util.PGInterval"
jc.register_readable_object(PG_OBJECT)
jc.register_readable_object(PG_INTERVAL)


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
    UUID = "java.util.UUID"
    JSON = "PGobject (json, jsonb)"
    INTERVAL = "PGInterval"
    ARRAY = "SerialArray"
    STRING_TEXT = "the type's own text, as a String (timetz, enum)"
    TEXT_FORM = "PGobject holding the type's own text"


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
    "uuid": Kind.UUID,
    "json": Kind.JSON,
    "jsonb": Kind.JSON,
    "interval": Kind.INTERVAL,
    "timetz": Kind.STRING_TEXT,
    "bytea": Kind.BYTES,
    "date": Kind.DATE,
    "time": Kind.TIME,
    "timestamp": Kind.TIMESTAMP,
    "timestamptz": Kind.TIMESTAMPTZ,
}

# special values float text uses, as Jackson writes a non-finite Double (a JSON string)
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# one-dimensional arrays Java's SerialArray holds exactly: element type → (Java array class, java.sql.Types)
_ARRAY_ELEMENTS = {
    "int2": ("[Ljava.lang.Integer;", 5),
    "int4": ("[Ljava.lang.Integer;", 4),
    "int8": ("[Ljava.lang.Long;", -5),
    "text": ("[Ljava.lang.String;", 12),
    "varchar": ("[Ljava.lang.String;", 12),
    "bpchar": ("[Ljava.lang.String;", 1),
    "bool": ("[Ljava.lang.Boolean;", -7),
}
SERIAL_ARRAY = "SerialArray"  # the class name under the Seata line's package prefix (see to_field)
_INTERVAL = re.compile(
    r"(?:(?P<years>[+-]?\d+) years? ?)?(?:(?P<months>[+-]?\d+) mons? ?)?(?:(?P<days>[+-]?\d+) days? ?)?"
    r"(?:(?P<sign>[+-])?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d)(?:\.(?P<fraction>\d{1,6}))?)?"
)
_INTERVAL_FIELDS = ("years", "months", "days", "hours", "minutes", "wholeSeconds", "microSeconds")


def kind_of(column: ColumnMeta) -> Kind:
    if column.data_type.startswith("_"):
        return Kind.ARRAY
    return _KINDS.get(column.data_type, Kind.TEXT_FORM)


def to_field(
    column: ColumnMeta,
    value: Any,
    key_type: KeyType,
    zone: tzinfo | None,
    class_prefix: str = "org.apache.seata",
) -> Field:
    if value is None:
        return Field(column.name, key_type, column.jdbc_type, None, None)
    kind = kind_of(column)
    try:
        if kind in (Kind.TEXT_FORM, Kind.JSON):
            normalized, java_class = _pg_object(column.data_type, value)
        elif kind is Kind.ARRAY:
            normalized, java_class = _serial_array(column.data_type[1:], value, class_prefix)
        else:
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
    if isinstance(value, JavaObject):
        return _object_text(value)
    if kind is Kind.DECIMAL and isinstance(value, float):
        return Decimal(repr(value))  # NaN or an infinity, which Java writes as a Double
    if kind in (Kind.FLOAT, Kind.DOUBLE):
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if kind is Kind.FLOAT and isinstance(value, float) and math.isfinite(value):
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
        # pgjdbc hands Java a Double for numeric NaN and infinities (measured)
        return float(number), None
    return (number.copy_abs() if number.is_zero() else number), jc.BIG_DECIMAL


def _float(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    # a NaN or an infinity too: Jackson writes it as a string in the Float wrapper
    return to_float32(_number(value)), jc.FLOAT


def _double(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    return _number(value), None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (float, int, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


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


_INFINITIES = ("infinity", "-infinity")  # no Python date holds them: kept as their text


def _date(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if value in _INFINITIES:
        return value, None
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
    if value in _INFINITIES:
        return value, None
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return to_naive_local(value, zone), jc.SQL_TIMESTAMP


def _text_form(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        raise TypeError(f"not the text form: {value!r}")
    return value, None


def _uuid(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    if not isinstance(value, (str, UUID)):
        raise TypeError(f"not a uuid: {value!r}")
    return str(value), jc.UUID


def _pg_object(type_name: str, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        raise TypeError(f"not the text form: {value!r}")
    return JavaObject(PG_OBJECT, (("type", type_name), ("value", value), ("null", False))), PG_OBJECT


def _interval(value: Any, zone: tzinfo | None) -> tuple[Any, str | None]:
    """A PGInterval as pgjdbc builds it from PostgreSQL's default (``postgres``) IntervalStyle; another
    style's text is kept as a String."""
    if not isinstance(value, str):
        raise TypeError(f"not the text form of an interval: {value!r}")
    match = _INTERVAL.fullmatch(value.strip())
    if match is None or not value.strip():
        return value, None
    part = {k: int(v) if v and k not in ("sign", "fraction") else v for k, v in match.groupdict().items()}
    sign = -1 if part["sign"] == "-" else 1
    fields = {
        "years": part["years"] or 0,
        "months": part["months"] or 0,
        "days": part["days"] or 0,
        "hours": sign * (part["hours"] or 0),
        "minutes": sign * (part["minutes"] or 0),
        "wholeSeconds": sign * (part["seconds"] or 0),
        "microSeconds": sign * int((part["fraction"] or "").ljust(6, "0")),
    }
    seconds = fields["wholeSeconds"] + fields["microSeconds"] / 1_000_000
    return (
        JavaObject(
            PG_INTERVAL,
            (
                ("type", "interval"),
                ("value", _pgjdbc_interval_text(fields, seconds)),
                *((name, fields[name]) for name in _INTERVAL_FIELDS),
                ("seconds", float(seconds)),
                ("null", False),
            ),
            derived=frozenset({"value", "seconds"}),
        ),
        PG_INTERVAL,
    )


def _pgjdbc_interval_text(fields: dict[str, int], seconds: float) -> str:
    # PGInterval.getValue(): the non-zero parts (measured: "1 years 2 mons", "-1 mons 2 days 3 hours 4 mins
    # 5.678 secs", "-5 secs", "0 secs" for an empty one); Java recomputes it from the fields it reads
    units = (
        ("years", "years"),
        ("months", "mons"),
        ("days", "days"),
        ("hours", "hours"),
        ("minutes", "mins"),
    )
    parts = [f"{fields[name]} {unit}" for name, unit in units if fields[name]]
    if seconds or not parts:
        exact = Decimal(fields["wholeSeconds"]) + Decimal(fields["microSeconds"]).scaleb(-6)
        parts.append(f"{format(exact.normalize(), 'f') if exact else '0'} secs")
    return " ".join(parts)


def _serial_array(element: str, value: Any, class_prefix: str) -> tuple[Any, str | None]:
    """Seata's SerialArray for a one-dimensional array Java holds exactly; the text form otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"not the text form of an array: {value!r}")
    items = _array_items(value) if element in _ARRAY_ELEMENTS else None
    if items is None:
        return value, None
    array_class, base_type = _ARRAY_ELEMENTS[element]
    try:
        converted = tuple(None if item is None else _array_element(element, item) for item in items)
    except ValueError:
        return value, None
    elements = JavaArray(array_class, converted)
    java_class = f"{class_prefix.rstrip('.')}.rm.datasource.sql.serial.{SERIAL_ARRAY}"
    props = (
        ("elements", elements),
        ("baseType", base_type),
        ("baseTypeName", element),
        ("array", elements),
        ("resultSet", None),
    )
    return JavaObject(java_class, props), java_class


def _array_element(element: str, text: str) -> Any:
    if element in ("int2", "int4", "int8"):
        return int(text)
    if element == "bool":
        if text not in ("t", "f"):
            raise ValueError(text)
        return text == "t"
    return text


def _array_items(text: str) -> list[str | None] | None:
    """The elements of a one-dimensional array literal with default bounds (``{1,NULL,"a b"}``); None for
    any other form."""
    if not (text.startswith("{") and text.endswith("}")):
        return None  # explicit bounds: [0:1]={...}
    body, items, i = text[1:-1], [], 0
    if not body:
        return []
    while i <= len(body):
        if i < len(body) and body[i] == "{":
            return None  # more than one dimension
        if i < len(body) and body[i] == '"':
            j, chars = i + 1, []
            while j < len(body) and body[j] != '"':
                if body[j] == "\\":
                    j += 1
                chars.append(body[j])
                j += 1
            items.append("".join(chars))
            i = j + 1
        else:
            j = body.find(",", i)
            j = len(body) if j < 0 else j
            raw = body[i:j].strip()
            items.append(None if raw.upper() == "NULL" else raw)
            i = j
        if i < len(body) and body[i] != ",":
            return None
        i += 1
    return items


def _object_text(value: JavaObject) -> str:
    """What to bind for a Java object's column: PostgreSQL's input text of the value it holds."""
    if value.java_class == PG_INTERVAL:
        parts = {name: int(value.get(name) or 0) for name in _INTERVAL_FIELDS}
        seconds = Decimal(parts["wholeSeconds"]) + Decimal(parts["microSeconds"]).scaleb(-6)
        return (
            f"{parts['years']} years {parts['months']} mons {parts['days']} days {parts['hours']} hours "
            f"{parts['minutes']} mins {seconds} secs"
        )
    if value.java_class.endswith(jc.SERIAL_ARRAY_SUFFIX):
        elements = value.get("elements")
        items = elements.items if isinstance(elements, JavaArray) else ()
        return "{" + ",".join(_array_literal_item(item) for item in items) + "}"
    text = value.get("value")
    if not isinstance(text, str):
        raise UnsupportedUndoValueError(f"{value.java_class} without a value text")
    return text


def _array_literal_item(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, bool):
        return "t" if item else "f"
    if isinstance(item, int):
        return str(item)
    return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'


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
    Kind.UUID: _uuid,
    Kind.INTERVAL: _interval,
    Kind.STRING_TEXT: _text_form,
}

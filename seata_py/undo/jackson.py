"""``rollback_info`` in the JSON that Java Seata's default ``jackson`` undo-log parser writes and reads.

Java configures Jackson with default typing, so the JSON carries Java types: every bean starts with
``"@class"``, every list is a ``["java.util.ArrayList",[...]]`` pair and every field value that is not a JSON
natural (String, Integer, Boolean, Double, null) is a ``["<java class>", payload]`` pair.

The encoder reproduces Java's bytes (compact, declaration order, Java number text, Jackson string escapes)
so that a Java client reads our logs and golden tests can compare bytes. The decoder is as lenient as
Jackson is (property order, unknown properties, either package prefix) and turns anything it cannot read
into :class:`UndoLogFormatError`.

Where Java versions disagree on a shape, the encoder writes the one of the Seata 2.x serializer the fact
sheet was verified against: LocalDateTime as epoch millis or ``[millis, nanos]`` (JavaTimeModule's
``[y,m,d,h,mi,s,nanos]`` array is read, never written), LocalDate/LocalTime as JavaTimeModule arrays.
Nanoseconds below a microsecond are dropped on reading; MySQL never stores them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, NoReturn

from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.java_numbers import (
    java_bigdecimal_to_string,
    java_double_to_string,
    java_float_to_string,
    to_float32,
)
from seata_py.types.java_objects import JavaArray, JavaObject
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UndoLogFormatError, UnsupportedUndoValueError
from seata_py.undo.java_time import (
    format_mysql_time,
    format_sql_time,
    from_epoch_micros,
    from_sql_date_millis,
    from_timestamp_parts,
    parse_sql_time,
    sql_date_millis,
    sql_time_carries,
    timestamp_parts,
)

__all__ = ["APACHE_PREFIX", "LEGACY_PREFIX", "decode_branch_undo_log", "encode_branch_undo_log"]

APACHE_PREFIX = "org.apache.seata"  # Apache Seata >= 2.1.0
LEGACY_PREFIX = "io.seata"  # Seata <= 2.0.0

_BRANCH_UNDO_LOG = "rm.datasource.undo.BranchUndoLog"
_SQL_UNDO_LOG = "rm.datasource.undo.SQLUndoLog"
_TABLE_RECORDS = "rm.datasource.sql.struct.TableRecords"
_EMPTY_TABLE_RECORDS = "rm.datasource.sql.struct.TableRecords$EmptyTableRecords"
_ROW = "rm.datasource.sql.struct.Row"
_FIELD = "rm.datasource.sql.struct.Field"
_ARRAY_LIST = "java.util.ArrayList"
_READABLE_LISTS = frozenset({_ARRAY_LIST, "java.util.LinkedList"})

_NANOS_PER_MILLI = 1_000_000


# --------------------------------------------------------------------------------------------- encoding


def encode_branch_undo_log(
    log: BranchUndoLog, class_prefix: str = APACHE_PREFIX, zone: tzinfo | None = None
) -> bytes:
    """The compact UTF-8 JSON Java writes for ``log``; ``class_prefix`` picks the Seata package generation.

    ``zone`` is the JVM default zone to imitate for epoch-millis values (None: the system zone).
    Raises :class:`UnsupportedUndoValueError` for a value Java could not have written.
    """
    writer = _Writer(class_prefix.rstrip("."), zone)
    writer.branch(log)
    try:
        return "".join(writer.out).encode("utf-8")
    except UnicodeEncodeError as exc:
        # Lone surrogates have no UTF-8 form; no String Java reads from MySQL contains them.
        raise UnsupportedUndoValueError(f"text is not valid Unicode: {exc}") from exc


# Jackson escapes '"', '\\' and control characters, using the short forms where JSON has them and upper-case
# hex otherwise. Other text is raw UTF-8, except characters outside the BMP: Jackson's UTF-8 generator (2.13
# and 2.17, the versions the two client lines ship with, measured) writes those as an escaped surrogate pair.
_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})


def _string(text: str) -> str:
    escaped = text.translate(_ESCAPES)
    if escaped.isascii() or max(escaped) <= "\uffff":
        return '"' + escaped + '"'
    return '"' + "".join(_surrogate_pair(c) if c > "\uffff" else c for c in escaped) + '"'


def _surrogate_pair(char: str) -> str:
    offset = ord(char) - 0x10000
    return f"\\u{0xD800 + (offset >> 10):04X}\\u{0xDC00 + (offset & 0x3FF):04X}"


class _Writer:
    def __init__(self, prefix: str, zone: tzinfo | None) -> None:
        self.prefix = prefix
        self.zone = zone
        self.out: list[str] = []
        self.before_image = False  # which image is being written decides how TIME values go out

    def _open(self, bean: str) -> None:
        self.out.append('{"@class":' + _string(f"{self.prefix}.{bean}"))

    def _list(self, name: str, items: tuple[Any, ...], write: Callable[[Any], None]) -> None:
        self.out.append(f',"{name}":["{_ARRAY_LIST}",[')
        for index, item in enumerate(items):
            if index:
                self.out.append(",")
            write(item)
        self.out.append("]]")

    def branch(self, log: BranchUndoLog) -> None:
        self._open(_BRANCH_UNDO_LOG)
        xid = "null" if log.xid is None else _string(log.xid)
        self.out.append(f',"xid":{xid},"branchId":{_checked_long(log.branch_id, "branchId")}')
        self._list("sqlUndoLogs", log.sql_undo_logs, self.sql_undo_log)
        self.out.append("}")

    def sql_undo_log(self, item: SQLUndoLog) -> None:
        self._open(_SQL_UNDO_LOG)
        sql_type = SQLType(item.sql_type).value
        self.out.append(
            f',"sqlType":{_string(sql_type)},"tableName":{_string(item.table_name)},"beforeImage":'
        )
        self.before_image = True
        self.table_records(item.before_image)
        self.out.append(',"afterImage":')
        self.before_image = False
        self.table_records(item.after_image)
        self.out.append("}")

    def table_records(self, records: TableRecords) -> None:
        self._open(_EMPTY_TABLE_RECORDS if records.empty_marker else _TABLE_RECORDS)
        self.out.append(f',"tableName":{_string(records.table_name)}')
        self._list("rows", records.rows, self.row)
        self.out.append("}")

    def row(self, row: Row) -> None:
        self._open(_ROW)
        self._list("fields", row.fields, self.field)
        self.out.append("}")

    def field(self, field: Field) -> None:
        self._open(_FIELD)
        key_type = KeyType(field.key_type).value
        type_code = _checked_int(field.type, f"type of field {field.name!r}")
        self.out.append(f',"name":{_string(field.name)},"keyType":{_string(key_type)},"type":{type_code}')
        try:
            value = self.value(field.value, field.java_class)
        except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
            raise UnsupportedUndoValueError(
                f"field {field.name!r}: cannot write {type(field.value).__name__} {field.value!r} "
                f"as {field.java_class or 'a JSON value'}: {exc}"
            ) from exc
        self.out.append(f',"value":{value}}}')

    def value(self, value: Any, java_class: str | None) -> str:
        if value is None:
            return "null"
        if isinstance(value, (JavaObject, JavaArray)):
            return _java_object(value)
        if java_class is None or java_class in jc.NATURAL:
            return self._natural(value, java_class)
        if (
            java_class == jc.SQL_TIME
            and isinstance(value, (time, timedelta))
            and not sql_time_carries(value, exact=self.before_image)
        ):
            # java.sql.Time would lose the fraction (or the day) Java itself loses; as a String in MySQL's
            # own form Java still reads the row, and seata-py restores the exact value.
            return _string(format_mysql_time(value))
        return f"[{_string(java_class)},{self._payload(value, java_class)}]"

    def _natural(self, value: Any, java_class: str | None) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            token = java_double_to_string(value)
            if token in _NON_FINITE:
                # Jackson writes a non-finite Double as a string, so it needs its class to read back
                return f"[{_string(jc.DOUBLE)},{_string(token)}]"
            return token
        if isinstance(value, str):
            return _string(value)
        inferred = _default_class(value)
        if java_class is not None or inferred is None:
            raise TypeError(f"{type(value).__name__} is not a JSON-native value")
        return self.value(value, inferred)

    def _payload(self, value: Any, java_class: str) -> str:
        if java_class in jc.INTEGRAL:
            number = _require_int(value)
            if java_class in jc.RANGES:
                low, high = jc.RANGES[java_class]
                if not low <= number <= high:
                    raise ValueError(f"{number} does not fit {java_class}")
            return str(number)
        if java_class == jc.FLOAT:
            return _float_token(java_float_to_string(_require_number(value)))
        if java_class == jc.UUID:
            return _string(str(value))
        if java_class == jc.BIG_DECIMAL:
            if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
                raise TypeError("a BigDecimal needs a Decimal")
            return java_bigdecimal_to_string(Decimal(value))
        if java_class in (jc.SQL_TIMESTAMP, jc.LOCAL_DATE_TIME):
            julian = java_class == jc.SQL_TIMESTAMP  # java.time counts days proleptically
            millis, nanos = timestamp_parts(_require_datetime(value), self.zone, julian)
            return str(millis) if nanos % _NANOS_PER_MILLI == 0 else f"[{millis},{nanos}]"
        if java_class == jc.UTIL_DATE:
            return str(timestamp_parts(_require_datetime(value), self.zone, julian=True)[0])
        if java_class == jc.SQL_DATE:
            return str(sql_date_millis(_require_date(value), self.zone))
        if java_class == jc.SQL_TIME:
            if not isinstance(value, (time, timedelta)):
                raise TypeError("a java.sql.Time needs a time or timedelta")
            return _string(format_sql_time(value))
        if java_class == jc.LOCAL_DATE:
            day = _require_date(value)
            return f"[{day.year},{day.month},{day.day}]"
        if java_class == jc.LOCAL_TIME:
            return _local_time_array(value)
        if java_class in jc.BINARY:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise TypeError(f"{java_class} needs bytes")
            return _string(base64.b64encode(bytes(value)).decode("ascii"))
        if java_class == jc.SERIAL_CLOB:
            if not isinstance(value, str):
                raise TypeError("a SerialClob needs a str")
            return _string(value)
        raise ValueError(f"unknown Java class {java_class!r}")


def _default_class(value: Any) -> str | None:
    """The class to write a non-JSON value as when a hand-built Field leaves ``java_class`` unset."""
    if isinstance(value, Decimal):
        return jc.BIG_DECIMAL
    if isinstance(value, (bytes, bytearray, memoryview)):
        return jc.BYTE_ARRAY
    if isinstance(value, datetime):
        return jc.SQL_TIMESTAMP
    if isinstance(value, date):
        return jc.SQL_DATE
    if isinstance(value, (time, timedelta)):
        return jc.SQL_TIME
    return None


def _local_time_array(value: Any) -> str:
    # JavaTimeModule drops trailing zero parts: [h,m], [h,m,s] or [h,m,s,nanos].
    if not isinstance(value, time):
        raise TypeError("a LocalTime needs a time")
    parts = [value.hour, value.minute]
    if value.second or value.microsecond:
        parts.append(value.second)
    if value.microsecond:
        parts.append(value.microsecond * 1000)
    return "[" + ",".join(map(str, parts)) + "]"


_NON_FINITE = ("NaN", "Infinity", "-Infinity")


def _float_token(token: str) -> str:
    # Jackson writes a non-finite float as a string, which it reads back into the wrapper's Float
    return _string(token) if token in _NON_FINITE else token


def _java_object(value: Any) -> str:
    """A driver object as Jackson writes it: ``{"@class":...,props}``, arrays ``["[L...;",[...]]``."""
    if isinstance(value, JavaObject):
        props = "".join(f",{_string(k)}:{_java_object(v)}" for k, v in value.properties)
        return f'{{"@class":{_string(value.java_class)}{props}}}'
    if isinstance(value, JavaArray):
        return f"[{_string(value.java_class)},[{','.join(_java_object(v) for v in value.items)}]]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_token(java_double_to_string(value))
    if isinstance(value, Decimal):
        return java_bigdecimal_to_string(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"{type(value).__name__} is not a property value of a Java object")


def _require_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer class needs an int")
    return value


def _require_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError("a float needs a number")
    return float(value)


def _require_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError("needs a datetime")
    return value


def _require_date(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError("needs a date")
    return value


def _checked_int(value: Any, what: str) -> int:
    low, high = jc.RANGES[jc.INTEGER]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UnsupportedUndoValueError(f"{what} must be a Java int, got {value!r}")
    return value


def _checked_long(value: Any, what: str) -> int:
    low, high = jc.RANGES[jc.LONG]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UnsupportedUndoValueError(f"{what} must be a Java long, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------- decoding


def decode_branch_undo_log(data: bytes, zone: tzinfo | None = None) -> BranchUndoLog:
    """Read ``rollback_info`` written by Java (either package prefix) or by :func:`encode_branch_undo_log`.

    ``zone`` is the zone the writer's JVM used for epoch-millis values (None: the system zone).
    Raises :class:`UndoLogFormatError` for anything that is not such a log.
    """
    try:
        text = bytes(data).decode("utf-8-sig")
        tree = json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=_reject_constant)
    except UndoLogFormatError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:
        raise UndoLogFormatError(f"rollback_info is not JSON: {exc}") from exc
    try:
        return _Reader(zone).branch(tree)
    except UndoLogFormatError:
        raise
    except (ValueError, TypeError, ArithmeticError, OverflowError, OSError, RecursionError) as exc:
        raise UndoLogFormatError(f"rollback_info holds an unreadable value: {exc}") from exc


def _reject_constant(token: str) -> NoReturn:
    # Python's json accepts NaN/Infinity literals; Jackson (by default) and JSON do not.
    raise UndoLogFormatError(f"rollback_info is not JSON: {token} is not a JSON number")


def _fail(message: str) -> NoReturn:
    raise UndoLogFormatError(message)


class _UnreadableValue(UndoLogFormatError):
    """One field's value could not be read; the row adds which table and primary key it belongs to."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"column {column!r}: {problem}")
        self.column = column
        self.problem = problem


class _Reader:
    def __init__(self, zone: tzinfo | None) -> None:
        self.zone = zone

    def _bean(self, node: Any, expected: tuple[str, ...], where: str) -> tuple[dict[str, Any], str]:
        """The object and which of the ``expected`` bean classes its ``@class`` names."""
        if not isinstance(node, dict):
            _fail(f"{where}: expected a JSON object, got {_describe(node)}")
        if "@class" not in node:
            if not node:
                # Jackson falls back to the declared type for an empty object; that is how the defense
                # row's "{}" reads as an empty BranchUndoLog.
                return node, expected[0]
            _fail(f"{where}: missing type id property '@class'")
        name = node["@class"]
        if isinstance(name, str):
            for prefix in (APACHE_PREFIX, LEGACY_PREFIX):
                suffix = name[len(prefix) + 1 :]
                if name.startswith(prefix + ".") and suffix in expected:
                    return node, suffix
        prefixes = f"{APACHE_PREFIX} or {LEGACY_PREFIX}"
        _fail(f"{where}: @class {name!r} is not one of {', '.join(expected)} (under {prefixes})")

    def _list(self, node: dict[str, Any], name: str, where: str) -> list[Any]:
        value = node.get(name)
        if value is None:
            return []  # absent or null: Java leaves the field's default empty list / null
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not isinstance(value[0], str)
            or not isinstance(value[1], list)
        ):
            _fail(f'{where}.{name}: expected a ["java.util.ArrayList",[...]] wrapper, got {_describe(value)}')
        if value[0] not in _READABLE_LISTS:
            _fail(f"{where}.{name}: unsupported list class {value[0]!r}")
        return value[1]

    def branch(self, node: Any) -> BranchUndoLog:
        obj, _ = self._bean(node, (_BRANCH_UNDO_LOG,), "BranchUndoLog")
        xid = obj.get("xid")
        if xid is not None and not isinstance(xid, str):
            _fail(f"BranchUndoLog.xid: expected a string, got {_describe(xid)}")
        branch_id = obj.get("branchId", 0)
        if branch_id is None:
            branch_id = 0
        branch_id = _integer(branch_id, jc.LONG, "BranchUndoLog.branchId")
        items = self._list(obj, "sqlUndoLogs", "BranchUndoLog")
        logs = tuple(self.sql_undo_log(item, f"sqlUndoLogs[{i}]") for i, item in enumerate(items))
        return BranchUndoLog(xid, branch_id, logs)

    def sql_undo_log(self, node: Any, where: str) -> SQLUndoLog:
        obj, _ = self._bean(node, (_SQL_UNDO_LOG,), where)
        raw_type = obj.get("sqlType")
        try:
            sql_type = SQLType(raw_type)
        except (ValueError, TypeError):
            undoable = ", ".join(t.value for t in SQLType)
            _fail(f"{where}.sqlType: {raw_type!r} is not an undoable SQL type ({undoable})")
        table_name = _text(obj.get("tableName"), f"{where}.tableName")
        before = self.table_records(obj.get("beforeImage"), f"{where}.beforeImage")
        after = self.table_records(obj.get("afterImage"), f"{where}.afterImage")
        return SQLUndoLog(sql_type, table_name, before, after)

    def table_records(self, node: Any, where: str) -> TableRecords:
        if node is None:
            _fail(f"{where}: missing")
        obj, kind = self._bean(node, (_TABLE_RECORDS, _EMPTY_TABLE_RECORDS), where)
        table_name = _text(obj.get("tableName"), f"{where}.tableName")
        items = self._list(obj, "rows", where)
        rows = tuple(self.row(item, f"{where}.rows[{i}]", table_name) for i, item in enumerate(items))
        if kind == _EMPTY_TABLE_RECORDS and rows:
            _fail(f"{where}: EmptyTableRecords with rows")
        return TableRecords(table_name, rows, empty_marker=kind == _EMPTY_TABLE_RECORDS)

    def row(self, node: Any, where: str, table: str = "?") -> Row:
        obj, _ = self._bean(node, (_ROW,), where)
        items = self._list(obj, "fields", where)
        fields: list[Field] = []
        unreadable: list[tuple[str, str]] = []  # (column, problem)
        for i, item in enumerate(items):
            try:
                fields.append(self.field(item, f"{where}.fields[{i}]"))
            except _UnreadableValue as exc:
                unreadable.append((exc.column, exc.problem))
        if unreadable:
            # An operator needs the row and the columns, not a JSON path: name them as the dirty check does.
            key = {f.name: f.value for f in fields if f.key_type is KeyType.PRIMARY_KEY}
            columns = "; ".join(f"column {column!r}: {problem}" for column, problem in unreadable)
            _fail(f"{where}: table {table}, row with primary key {key or '(not readable)'}: {columns}")
        return Row(tuple(fields))

    def field(self, node: Any, where: str) -> Field:
        obj, _ = self._bean(node, (_FIELD,), where)
        name = _text(obj.get("name"), f"{where}.name")
        raw_key = obj.get("keyType")
        try:
            key_type = KeyType.NULL if raw_key is None else KeyType(raw_key)
        except (ValueError, TypeError):
            _fail(f"{where}.keyType: {raw_key!r} is not NULL or PRIMARY_KEY")
        raw_type = obj.get("type")
        type_code = 0 if raw_type is None else _integer(raw_type, jc.INTEGER, f"{where}.type")
        try:
            value, java_class = self.value(obj.get("value"), f"{where}.value")
        except UndoLogFormatError as exc:
            raise _UnreadableValue(name, str(exc).removeprefix(f"{where}.value: ")) from exc
        return Field(name, key_type, type_code, value, java_class)

    def value(self, node: Any, where: str) -> tuple[Any, str | None]:
        if node is None or isinstance(node, (bool, str)):
            return node, None
        if isinstance(node, int):
            return node, _class_of_bare_int(node)
        if isinstance(node, Decimal):
            return float(node), None  # Jackson reads an untyped floating token as a Double
        if isinstance(node, dict) and jc.is_readable_object(str(node.get("@class"))):
            read = self._object_value(node, where)
            return read, read.java_class
        if not isinstance(node, list):
            _fail(f"{where}: expected a value or a [class, value] wrapper, got {_describe(node)}")
        if node == [jc.SERIAL_BLOB]:
            # Seata's SerialBlob serializer writes no payload for an empty blob (measured, MariaDB
            # Connector/J); Java then reads it as null, but the column held an empty value.
            return b"", jc.SERIAL_BLOB
        if len(node) != 2 or not isinstance(node[0], str):
            _fail(f"{where}: expected a [class, value] wrapper, got {_describe(node)}")
        java_class, payload = node
        reader = _PAYLOAD_READERS.get(java_class)
        if reader is None:
            _fail(f"{where}: unsupported value class {java_class!r}")
        if payload is None:
            return None, None
        return reader(self, payload, where), (None if java_class in jc.NATURAL else java_class)

    # Payload readers: one per wrapper class. ``payload`` is already JSON-decoded (numbers as int/Decimal).

    def _natural_integer(self, payload: Any, where: str) -> Any:
        return _integer(payload, jc.INTEGER, where)

    def _natural_string(self, payload: Any, where: str) -> Any:
        return _text(payload, where)

    def _natural_boolean(self, payload: Any, where: str) -> Any:
        if not isinstance(payload, bool):
            _fail(f"{where}: expected true/false, got {_describe(payload)}")
        return payload

    def _object_value(self, node: Any, where: str) -> Any:
        """A driver object's property: beans and typed arrays kept as JavaObject / JavaArray."""
        if isinstance(node, dict):
            if not isinstance(node.get("@class"), str):
                _fail(f"{where}: an object without @class")
            props = tuple(
                (k, self._object_value(v, f"{where}.{k}")) for k, v in node.items() if k != "@class"
            )
            return JavaObject(node["@class"], props)
        if isinstance(node, list):
            if len(node) != 2 or not isinstance(node[0], str) or not isinstance(node[1], list):
                _fail(f"{where}: expected a [class, [items]] array, got {_describe(node)}")
            return JavaArray(node[0], tuple(self._object_value(v, where) for v in node[1]))
        if isinstance(node, Decimal):
            return float(node)
        return node

    def _natural_double(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str) and payload in _NON_FINITE:
            return float(payload)
        return float(_number(payload, where))

    def _uuid(self, payload: Any, where: str) -> Any:
        return _text(payload, where)

    def _long(self, payload: Any, where: str) -> Any:
        return _integer(payload, jc.LONG, where)

    def _short(self, payload: Any, where: str) -> Any:
        return _integer(payload, jc.SHORT, where)

    def _byte(self, payload: Any, where: str) -> Any:
        return _integer(payload, jc.BYTE, where)

    def _big_integer(self, payload: Any, where: str) -> Any:
        return _integer(payload, None, where)

    def _float(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str) and payload in _NON_FINITE:
            return float(payload)
        return to_float32(float(_number(payload, where)))

    def _big_decimal(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):  # Jackson coerces a numeric string into a BigDecimal
            try:
                payload = Decimal(payload.strip())
            except ArithmeticError:
                _fail(f"{where}: {payload!r} is not a number")
        number = Decimal(_number(payload, where))
        if not number.is_finite():
            _fail(f"{where}: {number} is not a BigDecimal")
        return number.copy_abs() if number.is_zero() else number

    def _timestamp(self, payload: Any, where: str, julian: bool = True) -> Any:
        if isinstance(payload, list):
            if len(payload) != 2:
                _fail(f"{where}: expected epochMillis or [epochMillis, nanos], got {_describe(payload)}")
            millis = _integer(payload[0], jc.LONG, where)
            nanos = _integer(payload[1], jc.INTEGER, where)
            if not 0 <= nanos <= 999_999_999:
                _fail(f"{where}: nanos {nanos} out of range")
            # Java builds Timestamp(millis) and then replaces the fraction of the second with nanos.
            return from_timestamp_parts(millis, nanos, self.zone, julian)
        return from_epoch_micros(_integer(payload, jc.LONG, where) * 1000, self.zone, julian)

    def _local_date_time(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):
            return _iso(datetime.fromisoformat, payload, where)
        if isinstance(payload, list) and len(payload) >= 5:
            # JavaTimeModule's [y, m, d, h, mi(, s(, nanos))]; the millis forms have at most 2 elements.
            if len(payload) > 7:
                _fail(f"{where}: too many LocalDateTime parts: {_describe(payload)}")
            parts = [_integer(p, jc.INTEGER, where) for p in payload] + [0] * (7 - len(payload))
            year, month, day, hour, minute, second, nanos = parts
            if not 0 <= nanos <= 999_999_999:
                _fail(f"{where}: nanos {nanos} out of range")
            return datetime(year, month, day, hour, minute, second, nanos // 1000)
        return self._timestamp(payload, where, julian=False)

    def _util_date(self, payload: Any, where: str) -> Any:
        return from_epoch_micros(_integer(payload, jc.LONG, where) * 1000, self.zone, julian=True)

    def _sql_date(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):  # Jackson also reads "yyyy-MM-dd"
            return _iso(date.fromisoformat, payload, where)
        return from_sql_date_millis(_integer(payload, jc.LONG, where), self.zone)

    def _sql_time(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):
            try:
                return parse_sql_time(payload)
            except ValueError as exc:
                _fail(f"{where}: {exc}")
        # Jackson also accepts epoch millis; the time of day is what a TIME column keeps.
        return from_epoch_micros(_integer(payload, jc.LONG, where) * 1000, self.zone).time()

    def _local_date(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):
            return _iso(date.fromisoformat, payload, where)
        if not isinstance(payload, list) or len(payload) != 3:
            _fail(f"{where}: expected [year, month, day], got {_describe(payload)}")
        year, month, day = (_integer(p, jc.INTEGER, where) for p in payload)
        return date(year, month, day)

    def _local_time(self, payload: Any, where: str) -> Any:
        if isinstance(payload, str):
            return _iso(time.fromisoformat, payload, where)
        if not isinstance(payload, list) or not 2 <= len(payload) <= 4:
            _fail(f"{where}: expected [hour, minute(, second(, nanos))], got {_describe(payload)}")
        parts = [_integer(p, jc.INTEGER, where) for p in payload] + [0] * (4 - len(payload))
        if not 0 <= parts[3] <= 999_999_999:
            _fail(f"{where}: nanos {parts[3]} out of range")
        return time(parts[0], parts[1], parts[2], parts[3] // 1000)

    def _bytes(self, payload: Any, where: str) -> Any:
        text = _text(payload, where)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            _fail(f"{where}: not base64: {exc}")

    def _clob(self, payload: Any, where: str) -> Any:
        return _text(payload, where)


_PayloadReader = Callable[[_Reader, Any, str], Any]
_PAYLOAD_READERS: dict[str, _PayloadReader] = {
    jc.INTEGER: _Reader._natural_integer,
    jc.STRING: _Reader._natural_string,
    jc.BOOLEAN: _Reader._natural_boolean,
    jc.DOUBLE: _Reader._natural_double,
    jc.LONG: _Reader._long,
    jc.SHORT: _Reader._short,
    jc.BYTE: _Reader._byte,
    jc.BIG_INTEGER: _Reader._big_integer,
    jc.FLOAT: _Reader._float,
    jc.BIG_DECIMAL: _Reader._big_decimal,
    jc.SQL_TIMESTAMP: _Reader._timestamp,
    jc.LOCAL_DATE_TIME: _Reader._local_date_time,
    jc.UTIL_DATE: _Reader._util_date,
    jc.SQL_DATE: _Reader._sql_date,
    jc.SQL_TIME: _Reader._sql_time,
    jc.LOCAL_DATE: _Reader._local_date,
    jc.LOCAL_TIME: _Reader._local_time,
    jc.BYTE_ARRAY: _Reader._bytes,
    jc.SERIAL_BLOB: _Reader._bytes,
    jc.SERIAL_CLOB: _Reader._clob,
    jc.UUID: _Reader._uuid,
}


def _class_of_bare_int(number: int) -> str | None:
    # Jackson reads an untyped integer as the smallest of Integer, Long, BigInteger that holds it.
    for java_class, result in ((jc.INTEGER, None), (jc.LONG, jc.LONG)):
        low, high = jc.RANGES[java_class]
        if low <= number <= high:
            return result
    return jc.BIG_INTEGER


def _integer(node: Any, java_class: str | None, where: str) -> int:
    """An integral JSON number within ``java_class``'s range (None: unbounded, i.e. BigInteger)."""
    if isinstance(node, bool) or not isinstance(node, int):
        _fail(f"{where}: expected an integer, got {_describe(node)}")
    if java_class is not None:
        low, high = jc.RANGES[java_class]
        if not low <= node <= high:
            _fail(f"{where}: {node} does not fit a {java_class}")
    return node


def _number(node: Any, where: str) -> int | Decimal:
    if isinstance(node, bool) or not isinstance(node, (int, Decimal)):
        _fail(f"{where}: expected a number, got {_describe(node)}")
    return node


def _text(node: Any, where: str) -> str:
    if not isinstance(node, str):
        _fail(f"{where}: expected a string, got {_describe(node)}")
    return node


def _iso(parse: Callable[[str], Any], text: str, where: str) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        _fail(f"{where}: {exc}")


def _describe(node: Any) -> str:
    shown = json.dumps(node, default=str, ensure_ascii=False) if not isinstance(node, Decimal) else str(node)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(node), "number"
    )
    return f"{kind} {shown}"

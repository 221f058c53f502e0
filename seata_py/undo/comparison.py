"""Java's rollback data validation (``DataCompareUtils``): are two images the same data?

Before undoing, the RM checks that the rows still look like the after image; anything else is dirty data
and the rollback stops for manual repair. The rules follow Java: table names ignore case, row counts must
match, rows pair up by primary key, and only the fields of the *old* (logged) record are compared, so a
logged column subset can be checked against a ``SELECT *`` row. A field matches when its name (ignoring
case), its ``java.sql.Types`` code and its value match.

Values are compared by what they mean rather than by their exact Java class, because one side is usually
decoded from JSON and the other freshly read through :func:`seata_py.databases.mysql.values.to_field`:

* integers compare by number whatever their class (Integer, Long, BigInteger; a Boolean counts as 0/1):
  a class difference reflects driver settings, not changed data;
* decimals compare with their scale, like ``BigDecimal.equals`` (``1.0`` is not ``1.00``);
* binary values compare by content, as ``Objects.deepEquals`` does for ``byte[]``;
* date-times compare as naive wall-clock values, whichever of Timestamp/LocalDateTime/java.util.Date
  carried them;
* times of day compare to the second, because ``java.sql.Time`` is logged as ``HH:MM:SS``; a TIME logged as
  a string in MySQL's own form (how seata-py writes what ``java.sql.Time`` cannot hold) compares exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from seata_py.types.images import Field, KeyType, Row, TableRecords
from seata_py.undo.java_time import interval_from_time, parse_mysql_time, time_of_day_seconds

_JDBC_TIME = 92  # java.sql.Types.TIME


def fields_equal(a: Field, b: Field) -> bool:
    if a.name.lower() != b.name.lower() or a.type != b.type:
        return False
    if a.type == _JDBC_TIME and (isinstance(a.value, str) or isinstance(b.value, str)):
        exact_a, exact_b = _exact_time(a.value), _exact_time(b.value)
        if exact_a is not None and exact_b is not None:
            return exact_a == exact_b
    return _comparable(a) == _comparable(b)


def _exact_time(value: object) -> timedelta | None:
    if isinstance(value, str):
        try:
            return parse_mysql_time(value)
        except ValueError:
            return None
    if isinstance(value, (time, timedelta)):
        return interval_from_time(value)
    return None


def rows_equal(old_rows: Sequence[Row], new_rows: Sequence[Row]) -> bool:
    """Same number of rows, and every old row has a new row with the same key whose fields match its own."""
    if len(old_rows) != len(new_rows):
        return False
    key_names = _key_names(old_rows)
    if not key_names:
        # Without a key Java's map collapses all rows into one; comparing in order is the useful reading.
        return all(_row_matches(old, new) for old, new in zip(old_rows, new_rows, strict=True))
    new_by_key: dict[Hashable, Row] = {}
    for row in new_rows:
        key = _row_key(row, key_names)
        if key is None:
            return False
        new_by_key[key] = row
    for old in old_rows:
        key = _row_key(old, key_names)
        match = new_by_key.get(key) if key is not None else None
        if match is None or not _row_matches(old, match):
            return False
    return True


def records_equal(old: TableRecords | None, new: TableRecords | None) -> bool:
    """``DataCompareUtils.isRecordsEquals(old, new)``; ``old`` is the logged image."""
    if old is None or new is None:
        return old is None and new is None
    if old.table_name.lower() != new.table_name.lower() or len(old.rows) != len(new.rows):
        return False
    return not old.rows or rows_equal(old.rows, new.rows)


def _row_matches(old: Row, new: Row) -> bool:
    new_fields = {f.name.lower(): f for f in new.fields}
    for field in old.fields:
        other = new_fields.get(field.name.lower())
        if other is None or not fields_equal(field, other):
            return False
    return True


def _key_names(rows: Sequence[Row]) -> tuple[str, ...]:
    if not rows:
        return ()
    return tuple(sorted(f.name.lower() for f in rows[0].fields if f.key_type is KeyType.PRIMARY_KEY))


def _row_key(row: Row, key_names: tuple[str, ...]) -> Hashable | None:
    # The new side may come from a plain SELECT whose fields are not flagged as keys, so look up by name.
    by_name = {f.name.lower(): f for f in row.fields}
    parts = []
    for name in key_names:
        field = by_name.get(name)
        if field is None:
            return None
        parts.append(_comparable(field))
    return tuple(parts)


def _comparable(field: Field) -> Hashable:
    """A hashable stand-in for the field's value; equal stand-ins mean equal values by the rules above."""
    value = field.value
    if value is None:
        return None
    if isinstance(value, (bool, int)):
        return ("integer", int(value))
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return ("decimal", value.copy_abs() if value.is_zero() else value, exponent)
    if isinstance(value, float):
        # Double.equals, which Java's check uses, holds NaN equal to NaN (and -0.0 unequal to 0.0)
        return ("float", "NaN" if value != value else value, str(value) if value == 0 else None)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, datetime):
        return ("datetime", value)
    if isinstance(value, date):
        return ("date", value)
    if isinstance(value, (time, timedelta)):
        return ("time", time_of_day_seconds(value))
    try:
        hash(value)
    except TypeError:
        return ("other", repr(value))
    return ("other", value)

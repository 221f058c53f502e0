"""SQLite values (as Python's ``sqlite3`` returns them) ↔ undo-log fields in Java's Jackson format.

SQLite types values, not columns: any column can hold an INTEGER, REAL, TEXT, BLOB or NULL, whatever its
declared type. Rollback must put back the value *and* its storage class, so the Java class written for a value
follows its storage class: INTEGER → ``java.lang.Long``, REAL → ``Double`` (bare), TEXT → ``String`` (bare),
BLOB → ``byte[]``. The one exception follows the declared type, as a Java reader would see the column: a
DECIMAL/NUMERIC column's numbers are written as ``java.math.BigDecimal`` (an integer with scale 0, a real
with its shortest repr), and read back into the storage class they came from.

``Field.type`` is the column's ``java.sql.Types`` code from its declared type (see
:func:`seata_py.databases.sqlite.column_types.jdbc_type`), the same for every row, as Java takes it from the
catalog. Nothing in Java Seata reads SQLite undo logs; the format is Java's so tooling that reads MySQL undo
logs reads these too.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from seata_py.types.images import Field, KeyType
from seata_py.types.meta import ColumnMeta
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UnsupportedUndoValueError

_INT64 = (-(2**63), 2**63 - 1)
_DECIMAL_TYPES = (2, 3)  # java.sql.Types NUMERIC, DECIMAL


def _decimal_column(column: ColumnMeta) -> bool:
    return column.jdbc_type in _DECIMAL_TYPES


def to_field(column: ColumnMeta, value: Any, key_type: KeyType) -> Field:
    """The field for a value read from ``column`` (or bound by the user, for key look-ups)."""
    if value is None:
        return Field(column.name, key_type, column.jdbc_type, None, None)
    if isinstance(value, bool):
        value = int(value)  # sqlite3 binds a bool as the integer it is
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise UnsupportedUndoValueError(f"column {column.name!r}: {value} is not a 64-bit integer")
        if _decimal_column(column):
            return Field(column.name, key_type, column.jdbc_type, Decimal(value), jc.BIG_DECIMAL)
        return Field(column.name, key_type, column.jdbc_type, value, jc.LONG)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsupportedUndoValueError(f"column {column.name!r}: {value} cannot be written as JSON")
        if _decimal_column(column):
            return Field(column.name, key_type, column.jdbc_type, Decimal(repr(value)), jc.BIG_DECIMAL)
        return Field(column.name, key_type, column.jdbc_type, value, None)
    if isinstance(value, str):
        return Field(column.name, key_type, column.jdbc_type, value, None)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Field(column.name, key_type, column.jdbc_type, bytes(value), jc.BYTE_ARRAY)
    raise UnsupportedUndoValueError(
        f"column {column.name!r}: a {type(value).__name__} is not a SQLite value (read images without "
        "sqlite3 converters)"
    )


def to_db_param(column: ColumnMeta, field: Field) -> Any:
    """What to bind so the column holds the logged value again, in the same storage class."""
    value = field.value
    if value is None or isinstance(value, (str, bytes)):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        # written from an INTEGER with scale 0; a REAL's repr always has a point or an exponent
        exponent = value.as_tuple().exponent
        if exponent == 0 and _INT64[0] <= value <= _INT64[1]:
            return int(value)
        return float(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise UnsupportedUndoValueError(
        f"column {column.name!r}: a {field.java_class or type(value).__name__} value cannot be written back "
        "to SQLite"
    )

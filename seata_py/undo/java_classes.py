"""Names of the Java classes an undo-log ``Field.value`` can have, as Jackson writes them in type wrappers.

``Field.java_class`` holds one of these, or ``None`` for values Jackson writes as bare JSON (String, Integer,
Boolean, Double) and reads back without a wrapper.
"""

from __future__ import annotations

LONG = "java.lang.Long"
SHORT = "java.lang.Short"
BYTE = "java.lang.Byte"
FLOAT = "java.lang.Float"
BIG_DECIMAL = "java.math.BigDecimal"
BIG_INTEGER = "java.math.BigInteger"
SQL_TIMESTAMP = "java.sql.Timestamp"
SQL_DATE = "java.sql.Date"
SQL_TIME = "java.sql.Time"
UTIL_DATE = "java.util.Date"
LOCAL_DATE_TIME = "java.time.LocalDateTime"
LOCAL_DATE = "java.time.LocalDate"
LOCAL_TIME = "java.time.LocalTime"
BYTE_ARRAY = "[B"
SERIAL_BLOB = "javax.sql.rowset.serial.SerialBlob"
SERIAL_CLOB = "javax.sql.rowset.serial.SerialClob"
UUID = "java.util.UUID"
# Seata's own array holder under either package prefix, which Jackson writes property by property
# (seata_py.types.java_objects)
SERIAL_ARRAY_SUFFIX = ".rm.datasource.sql.serial.SerialArray"
# driver classes written the same way; each database package adds its driver's (register_readable_object)
_READABLE_OBJECTS: set[str] = set()


def register_readable_object(java_class: str) -> None:
    """Let undo rows carry ``java_class`` objects written property by property (pgjdbc's PGobject, ...)."""
    _READABLE_OBJECTS.add(java_class)


def is_readable_object(java_class: str) -> bool:
    return java_class in _READABLE_OBJECTS or (
        java_class.endswith(SERIAL_ARRAY_SUFFIX)
        and java_class[: -len(SERIAL_ARRAY_SUFFIX)] in ("io.seata", "org.apache.seata")
    )


# Jackson never wraps these (they are JSON-native), but a hand-written log could; they mean "bare".
INTEGER = "java.lang.Integer"
STRING = "java.lang.String"
BOOLEAN = "java.lang.Boolean"
DOUBLE = "java.lang.Double"
NATURAL = frozenset({INTEGER, STRING, BOOLEAN, DOUBLE})

INTEGRAL = frozenset({LONG, SHORT, BYTE, BIG_INTEGER})
BINARY = frozenset({BYTE_ARRAY, SERIAL_BLOB})
# Classes whose value Python keeps as a naive wall-clock datetime.
DATE_TIMES = frozenset({SQL_TIMESTAMP, UTIL_DATE, LOCAL_DATE_TIME})

# Inclusive value ranges of the fixed-width integer classes. A bare JSON int inside INTEGER's range reads
# back as Integer, inside LONG's as Long, beyond that as BigInteger.
RANGES: dict[str, tuple[int, int]] = {
    INTEGER: (-(2**31), 2**31 - 1),
    LONG: (-(2**63), 2**63 - 1),
    SHORT: (-(2**15), 2**15 - 1),
    BYTE: (-(2**7), 2**7 - 1),
}

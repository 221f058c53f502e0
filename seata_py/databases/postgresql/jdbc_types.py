"""The ``java.sql.Types`` code pgjdbc's ``DatabaseMetaData.getColumns`` gives a column (Java Seata writes it
into every undo field), by the column's type name; measured against pgjdbc, see README "Java
compatibility"."""

from __future__ import annotations

BIT, SMALLINT, INTEGER, BIGINT, NUMERIC, REAL, DOUBLE = -7, 5, 4, -5, 2, 7, 8
CHAR, VARCHAR, BINARY, DATE, TIME, TIMESTAMP = 1, 12, -2, 91, 92, 93
OTHER, ARRAY, SQLXML = 1111, 2003, 2009

_BY_TYPE = {
    "bool": BIT,
    "int2": SMALLINT,
    "int4": INTEGER,
    "int8": BIGINT,
    "oid": BIGINT,
    "numeric": NUMERIC,
    "float4": REAL,
    "float8": DOUBLE,
    "money": DOUBLE,
    "bpchar": CHAR,
    "char": CHAR,
    "varchar": VARCHAR,
    "text": VARCHAR,
    "name": VARCHAR,
    "bytea": BINARY,
    "date": DATE,
    "time": TIME,
    "timetz": TIME,
    "timestamp": TIMESTAMP,
    "timestamptz": TIMESTAMP,
    "bit": BIT,
    "varbit": OTHER,
    "xml": SQLXML,
    "enum": VARCHAR,
}


def jdbc_type(data_type: str) -> int:
    """``data_type`` is the type's name, ``_<element>`` for an array (PostgreSQL's own naming)."""
    if data_type.startswith("_") or data_type == "array":
        return ARRAY
    return _BY_TYPE.get(data_type, OTHER)

"""java.sql.Types codes that MySQL Connector/J 8 reports for MySQL column types (DatabaseMetaData DATA_TYPE).

Java Seata writes these codes into undo logs and compares them when validating a rollback, so a Python RM
must report the same code Java would for the same column. Connector/J defaults assumed: tinyInt1isBit=true,
transformedBitIsBoolean=false, yearIsDateType=true.
"""

from __future__ import annotations

BIT = -7
TINYINT = -6
BIGINT = -5
LONGVARBINARY = -4
VARBINARY = -3
BINARY = -2
LONGVARCHAR = -1
CHAR = 1
DECIMAL = 3
INTEGER = 4
SMALLINT = 5
REAL = 7
DOUBLE = 8
VARCHAR = 12
DATE = 91
TIME = 92
TIMESTAMP = 93
OTHER = 1111

_BY_DATA_TYPE: dict[str, int] = {
    "tinyint": TINYINT,
    "smallint": SMALLINT,
    "mediumint": INTEGER,
    "int": INTEGER,
    "integer": INTEGER,
    "bigint": BIGINT,
    "decimal": DECIMAL,
    "numeric": DECIMAL,
    "float": REAL,
    "double": DOUBLE,
    "real": DOUBLE,
    "bit": BIT,
    "bool": BIT,
    "boolean": BIT,
    "char": CHAR,
    "varchar": VARCHAR,
    # Connector/J's MysqlType: TINYTEXT is VARCHAR and TINYBLOB is VARBINARY, unlike their larger siblings.
    "tinytext": VARCHAR,
    "text": LONGVARCHAR,
    "mediumtext": LONGVARCHAR,
    "longtext": LONGVARCHAR,
    "json": LONGVARCHAR,
    "enum": CHAR,
    "set": CHAR,
    "binary": BINARY,
    "varbinary": VARBINARY,
    "tinyblob": VARBINARY,
    "blob": LONGVARBINARY,
    "mediumblob": LONGVARBINARY,
    "longblob": LONGVARBINARY,
    "date": DATE,
    "time": TIME,
    "datetime": TIMESTAMP,
    "timestamp": TIMESTAMP,
    "year": DATE,
    "geometry": BINARY,
    "point": BINARY,
    "linestring": BINARY,
    "polygon": BINARY,
    "multipoint": BINARY,
    "multilinestring": BINARY,
    "multipolygon": BINARY,
    "geometrycollection": BINARY,
    "geomcollection": BINARY,
}


def jdbc_type(data_type: str, column_type: str) -> int:
    """The code for a column, from information_schema DATA_TYPE and COLUMN_TYPE."""
    data_type = data_type.lower()
    if data_type == "tinyint" and column_type.lower().startswith("tinyint(1)"):
        return BIT  # tinyInt1isBit: BOOL/BOOLEAN columns are TINYINT(1)
    return _BY_DATA_TYPE.get(data_type, OTHER)

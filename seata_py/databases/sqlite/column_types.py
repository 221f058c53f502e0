"""SQLite declared types → column affinity → the ``java.sql.Types`` code written into undo logs.

Affinity follows SQLite's rules (https://www.sqlite.org/datatype3.html, section 3.1), in their order:
"INT" → INTEGER, "CHAR"/"CLOB"/"TEXT" → TEXT, "BLOB" or no type → BLOB, "REAL"/"FLOA"/"DOUB" → REAL,
anything else → NUMERIC. The code is BIGINT, VARCHAR, BLOB or DOUBLE for the first four; a NUMERIC column
gets the code of its declared type (DECIMAL, NUMERIC, BOOLEAN, DATE, TIME, TIMESTAMP).
"""

from __future__ import annotations

import re

BIGINT = -5
NUMERIC = 2
DECIMAL = 3
DOUBLE = 8
VARCHAR = 12
BOOLEAN = 16
DATE = 91
TIME = 92
TIMESTAMP = 93
BLOB = 2004

INTEGER_AFFINITY = "INTEGER"
TEXT_AFFINITY = "TEXT"
BLOB_AFFINITY = "BLOB"
REAL_AFFINITY = "REAL"
NUMERIC_AFFINITY = "NUMERIC"

_BY_AFFINITY = {INTEGER_AFFINITY: BIGINT, TEXT_AFFINITY: VARCHAR, BLOB_AFFINITY: BLOB, REAL_AFFINITY: DOUBLE}
_NUMERIC_BY_NAME = {
    "DECIMAL": DECIMAL,
    "NUMERIC": NUMERIC,
    "BOOLEAN": BOOLEAN,
    "BOOL": BOOLEAN,
    "DATE": DATE,
    "TIME": TIME,
    "DATETIME": TIMESTAMP,
    "TIMESTAMP": TIMESTAMP,
}
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


def affinity(declared: str) -> str:
    upper = declared.upper()
    if "INT" in upper:
        return INTEGER_AFFINITY
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return TEXT_AFFINITY
    if "BLOB" in upper or not upper.strip():
        return BLOB_AFFINITY
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return REAL_AFFINITY
    return NUMERIC_AFFINITY


def base_type(declared: str) -> str:
    """The declared type's first word, lower-cased ("varchar" for "VARCHAR(20)", "" for none)."""
    match = _FIRST_WORD.search(declared)
    return match.group(0).lower() if match else ""


def jdbc_type(declared: str) -> int:
    kind = affinity(declared)
    if kind != NUMERIC_AFFINITY:
        return _BY_AFFINITY[kind]
    return _NUMERIC_BY_NAME.get(base_type(declared).upper(), NUMERIC)

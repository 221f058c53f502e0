# ruff: noqa: E501  (SQL literals read best one statement part per line)
"""A table with every MySQL/MariaDB column type AT mode carries, and statements that change every column.

Values are ones the Java client carries through its own rollback. What it cannot (measured: YEAR at all, INT
UNSIGNED above 2^31-1, BIGINT UNSIGNED above 2^63-1, fractions of a second of TIME, DATETIME and TIMESTAMP)
is in ``JAVA_LIMITS_DDL`` and tested on its own. Statements use ``?`` placeholders; the Python agent turns them into ``%s``.
"""

from __future__ import annotations

TYPES_DDL = """CREATE TABLE t_types (
    id BIGINT NOT NULL PRIMARY KEY,
    c_bool TINYINT(1) NULL, c_boolean BOOLEAN NULL, c_tiny TINYINT NULL, c_utiny TINYINT UNSIGNED NULL,
    c_small SMALLINT NULL, c_usmall SMALLINT UNSIGNED NULL, c_med MEDIUMINT NULL, c_umed MEDIUMINT UNSIGNED NULL,
    c_int INT NULL, c_uint INT UNSIGNED NULL, c_big BIGINT NULL, c_ubig BIGINT UNSIGNED NULL,
    c_dec DECIMAL(30,10) NULL, c_float FLOAT NULL, c_double DOUBLE NULL, c_bit1 BIT(1) NULL, c_bit BIT(12) NULL,
    c_char CHAR(10) NULL, c_varchar VARCHAR(100) NULL, c_text TEXT NULL, c_mtext MEDIUMTEXT NULL,
    c_binary BINARY(4) NULL, c_varbin VARBINARY(32) NULL, c_blob BLOB NULL, c_lblob LONGBLOB NULL,
    c_tblob TINYBLOB NULL, c_mblob MEDIUMBLOB NULL, c_ttext TINYTEXT NULL, c_ltext LONGTEXT NULL,
    c_date DATE NULL, c_time TIME NULL, c_time6 TIME(6) NULL, c_dt DATETIME NULL, c_dt3 DATETIME(3) NULL,
    c_dt6 DATETIME(6) NULL, c_ts TIMESTAMP NULL DEFAULT NULL, c_ts6 TIMESTAMP(6) NULL DEFAULT NULL,
    c_enum ENUM('a','b','c') NULL, c_set SET('x','y','z') NULL, c_json JSON NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""

COLUMNS = (
    "id, c_bool, c_boolean, c_tiny, c_utiny, c_small, c_usmall, c_med, c_umed, c_int, c_uint, c_big, c_ubig, "
    "c_dec, c_float, c_double, c_bit1, c_bit, c_char, c_varchar, c_text, c_mtext, c_binary, c_varbin, c_blob, "
    "c_lblob, c_tblob, c_mblob, c_ttext, c_ltext, c_date, c_time, c_time6, c_dt, c_dt3, c_dt6, c_ts, c_ts6, c_enum, c_set, c_json"
)

# One row of SQL literals per id; {id} is filled in.
ROW_A = (
    "{id}, 1, 0, -5, 200, -300, 60000, -70000, 16000000, -123456, 2147483647, -9000000000000, "
    "9223372036854775807, '12345678901234567890.0123456789', 1.5, 2.25, b'1', b'101010101010', 'ab', "
    "'héllo ✓ 😀 \"q\" \\\\', 'text 😀\\n', 'mtext', X'00010203', X'DEADBEEF', X'00FF', X'0102', X'AB', X'CDEF', 'tt', 'lt 😀', '2025-01-01', "
    "'12:34:56', '01:02:03', '2025-01-01 00:00:00', '2025-01-01 10:20:30', '2025-06-01 10:20:31', "
    "'2025-01-01 00:00:00', '2025-01-01 10:20:32', 'b', 'x,z', '{{\"a\": [1, 2.5, \"x\"]}}'"
)
ROW_NULLS = "{id}" + ", NULL" * (COLUMNS.count(","))
ROW_B = (
    "{id}, 0, 1, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, "
    "'-0.0000000001', -3.4e38, 1e-300, b'0', b'0', '', '', '', '', X'', X'', X'', X'', X'', X'', '', '', '1000-01-01', "
    "'00:00:00', '23:59:59', '1000-01-01 00:00:00', '9999-12-31 23:59:59', '1970-01-01 00:00:00', "
    "'1970-01-01 00:00:01', '2038-01-19 03:14:07', 'a', '', '[]'"
)

UPDATE_ALL = (
    "UPDATE t_types SET c_bool = 0, c_boolean = 1, c_tiny = 6, c_utiny = 201, c_small = 301, c_usmall = 60001, "
    "c_med = 70001, c_umed = 16000001, c_int = 123457, c_uint = 2147483646, c_big = 9000000000001, "
    "c_ubig = 9223372036854775806, c_dec = '-1.5', c_float = 0.1, c_double = 0.1, c_bit1 = b'0', c_bit = b'1', "
    "c_char = 'cd', c_varchar = 'x😀', c_text = 't2', c_mtext = 'm2', c_binary = X'09', c_varbin = X'', "
    "c_blob = X'01', c_lblob = X'03', c_tblob = X'', c_mblob = X'0A', c_ttext = 'x', c_ltext = '', c_date = '1969-12-31', c_time = '23:59:59', c_time6 = '23:00:00', "
    "c_dt = '1900-01-01 00:00:00', c_dt3 = '2038-01-19 03:14:08', c_dt6 = '2025-03-30 02:30:00', "
    "c_ts = '2030-01-01 00:00:00', c_ts6 = '2001-02-03 04:05:06', c_enum = 'c', "
    "c_set = '', c_json = '[]' WHERE id = ?"
)
# The same row from NULL to values and back: NULL fields and fields becoming NULL.
UPDATE_FROM_NULLS = UPDATE_ALL
UPDATE_TO_NULLS = (
    "UPDATE t_types SET " + ", ".join(f"{c.strip()} = NULL" for c in COLUMNS.split(",")[1:]) + " WHERE id = ?"
)


def insert(row: str, *ids: int) -> str:
    values = ", ".join("(" + row.format(id=i) + ")" for i in ids)
    return f"INSERT INTO t_types ({COLUMNS}) VALUES {values}"


def seed() -> list[str]:
    """Rows 1 (ROW_A), 2 (all NULL), 3 (ROW_B, extremes) and 4 (ROW_A, to be deleted)."""
    return [insert(ROW_A, 1), insert(ROW_NULLS, 2), insert(ROW_B, 3), insert(ROW_A, 4)]


def branch_statements() -> list[tuple[str, list[int]] | str]:
    """A branch touching every column of every kind of row: updates, a delete and a multi-row insert."""
    return [
        (UPDATE_ALL, [1]),
        (UPDATE_FROM_NULLS, [2]),
        (UPDATE_TO_NULLS, [3]),
        ("DELETE FROM t_types WHERE id = ?", [4]),
        insert(ROW_B, 10) + ", (" + ROW_A.format(id=11) + "), (" + ROW_NULLS.format(id=12) + ")",
    ]


# Values Java's RM reads and logs but cannot write back (Connector/J binds them as another type, or drops the
# fraction of a second).
JAVA_LIMITS_DDL = """CREATE TABLE t_limits (
    id INT NOT NULL PRIMARY KEY, c_year YEAR NULL, c_uint INT UNSIGNED NULL, c_ubig BIGINT UNSIGNED NULL,
    c_time3 TIME(3) NULL, c_dt6 DATETIME(6) NULL, c_ts3 TIMESTAMP(3) NULL DEFAULT NULL
) ENGINE=InnoDB"""
JAVA_LIMITS_SEED = (
    "INSERT INTO t_limits VALUES (1, 2025, 4000000000, 18446744073709551615, '12:34:56.789', "
    "'2025-06-01 10:20:30.123456', '2025-01-01 10:20:30.654')"
)
JAVA_LIMITS_UPDATE = (
    "UPDATE t_limits SET c_year = 1999, c_uint = 4000000001, c_ubig = 18446744073709551614, "
    "c_time3 = '01:00:00', c_dt6 = '2025-06-02 00:00:00', c_ts3 = '2025-01-02 00:00:00' WHERE id = 1"
)

# ruff: noqa: E501  (SQL literals read best one row per line)
"""PostgreSQL tables for the cross-language value tests, and branches that change every column.

``TYPES_DDL`` holds the types Java's own PostgreSQL RM rolls back exactly (measured with both client lines,
pgjdbc 42.7.14); ``LIMITS`` the ones it logs but cannot restore even in its own branches, one column each.
Statements are plain SQL literals (no placeholders): the Java agent binds parameters as numbers or strings
only, which pgjdbc sends typed, and PostgreSQL would refuse a varchar for a uuid column.
"""

from __future__ import annotations

TYPES_DDL = """CREATE TABLE t_types (
    id integer PRIMARY KEY,
    c_small smallint, c_int integer, c_big bigint, c_num numeric(40,15), c_real real, c_double double precision,
    c_bool boolean, c_text text, c_varchar varchar(100), c_char char(5), c_bytea bytea,
    c_date date, c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz,
    c_uuid uuid, c_json json, c_jsonb jsonb, c_int_arr integer[], c_text_arr text[], c_interval interval
)"""

# the columns after id, in table order, with the Java class Java's RM itself logs for each (pgjdbc's
# getObject); SerialArray is under the client line's package
TYPE_COLUMNS = {
    "c_small": "java.lang.Integer",
    "c_int": "java.lang.Integer",
    "c_big": "java.lang.Long",
    "c_num": "java.math.BigDecimal",
    "c_real": "java.lang.Float",
    "c_double": "java.lang.Double",
    "c_bool": "java.lang.Boolean",
    "c_text": "java.lang.String",
    "c_varchar": "java.lang.String",
    "c_char": "java.lang.String",
    "c_bytea": "[B",
    "c_date": "java.sql.Date",
    "c_ts": "java.sql.Timestamp",
    "c_ts3": "java.sql.Timestamp",
    "c_tstz": "java.sql.Timestamp",
    "c_uuid": "java.util.UUID",
    "c_json": "org.postgresql.util.PGobject",
    "c_jsonb": "org.postgresql.util.PGobject",
    "c_int_arr": "{prefix}.rm.datasource.sql.serial.SerialArray",
    "c_text_arr": "{prefix}.rm.datasource.sql.serial.SerialArray",
    "c_interval": "org.postgresql.util.PGInterval",
}
COLUMNS = ", ".join(["id", *TYPE_COLUMNS])

# One row of SQL literals per id; {id} is filled in.
ROW_A = (
    "{id}, -300, -123456, -9000000000000, 12345678901234567890123.123456789012345, 1.5, 2.25, true, "
    r"""'héllo ✓ 😀 "q" '' a\b', 'x😀', 'ab', '\x00ff10', '2025-01-01', '2025-01-01 10:20:30', """
    "'2025-06-01 10:20:31.123', '2025-03-30 02:30:00.5+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
    """'{{"b": 1,  "a": [1, 2.5, "x"]}}', '{{"b": 1, "a": [1, 2.5, "x"]}}', '{{1,NULL,3}}', """
    r"""'{{"a b","c,d",NULL,"\"q\"",""}}', '1 year 2 mons 3 days 04:05:06.789'"""
)
ROW_NULLS = "{id}" + ", NULL" * len(TYPE_COLUMNS)
ROW_B = (
    "{id}, 32767, 2147483647, 9223372036854775807, -0.000000000000001, -3.4e38, 1e-300, false, '', '', "
    "'', '\\x', '1969-12-31', '1970-01-01 00:00:00', '2038-01-19 03:14:07.999', '1999-12-31 23:59:59+00', "
    "'00000000-0000-0000-0000-000000000000', '[]', '{{}}', '{{}}', '{{}}', '-1 mons +2 days -03:04:05'"
)

UPDATE_ALL = (
    "UPDATE t_types SET c_small = 301, c_int = 123457, c_big = 9000000000001, c_num = -1.5, c_real = 0.1, "
    "c_double = 0.1, c_bool = false, c_text = 't2', c_varchar = 'v😀', c_char = 'cd', c_bytea = '\\x09', "
    "c_date = '2000-02-29', c_ts = '1999-12-31 23:59:59', c_ts3 = '2038-01-19 03:14:08.001', "
    "c_tstz = '2030-01-01 00:00:00+05:30', c_uuid = '123e4567-e89b-12d3-a456-426614174000', "
    "c_json = '[1,2]', c_jsonb = '{\"k\": null}', c_int_arr = '{7}', c_text_arr = '{z}', "
    "c_interval = '00:00:00' WHERE id = {id}"
)
UPDATE_TO_NULLS = "UPDATE t_types SET " + ", ".join(f"{c} = NULL" for c in TYPE_COLUMNS) + " WHERE id = {id}"


def insert(row: str, *ids: int) -> str:
    values = ", ".join("(" + row.format(id=i) + ")" for i in ids)
    return f"INSERT INTO t_types ({COLUMNS}) VALUES {values}"


def seed() -> list[str]:
    """Rows 1 (ROW_A), 2 (all NULL), 3 (ROW_B, extremes) and 4 (ROW_A, to be deleted)."""
    return [insert(ROW_A, 1), insert(ROW_NULLS, 2), insert(ROW_B, 3), insert(ROW_A, 4)]


def branch_statements() -> list[str]:
    """A branch touching every column of every kind of row: updates, a delete and a multi-row insert."""
    return [
        UPDATE_ALL.replace("{id}", "1"),
        UPDATE_ALL.replace("{id}", "2"),
        UPDATE_TO_NULLS.replace("{id}", "3"),
        "DELETE FROM t_types WHERE id = 4",
        insert(ROW_B, 10) + ", (" + ROW_A.format(id=11) + "), (" + ROW_NULLS.format(id=12) + ")",
    ]


# Types Java logs but its own RM cannot restore, each with a seed value and the value a branch writes.
LIMITS = {
    # java.sql.Time has no fraction of a second: Java logs and restores 12:34:56
    "c_time3": ("time(3)", "'12:34:56.789'", "'01:00:00'"),
    # java.sql.Time has no offset either: Java logs the time in its JVM zone
    "c_timetz": ("timetz(3)", "'12:34:56.789+05:30'", "'02:00:00+00'"),
    # Java binds its String as varchar: 'column "c_enum" is of type mood but expression is of type character
    # varying' (retryable)
    "c_enum": ("mood", "'happy'", "'sad'"),
    # pgjdbc hands Java a Double for NaN, which it cannot bind back as numeric: 'Cannot convert an instance
    # of java.lang.Double to type BigDecimal' (retryable)
    "c_nan": ("numeric", "'NaN'", "1"),
    # Java logs a SerialArray of arrays it cannot read back itself (Jackson refuses its own JSON), nor can
    # seata-py: only the direction of a seata-py branch is tested
    "c_int_2d": ("integer[]", "'{{1,2},{3,4}}'", "'{{5}}'"),
}
MOOD_DDL = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')"


def limits_ddl(*columns: str) -> tuple[str, str]:
    types = ", ".join(f"{c} {LIMITS[c][0]}" for c in columns)
    return MOOD_DDL, f"CREATE TABLE t_limits (id integer PRIMARY KEY, {types})"


def limits_seed(*columns: str) -> str:
    return f"INSERT INTO t_limits (id, {', '.join(columns)}) VALUES (1, {', '.join(LIMITS[c][1] for c in columns)})"


def limits_update(*columns: str) -> str:
    return f"UPDATE t_limits SET {', '.join(f'{c} = {LIMITS[c][2]}' for c in columns)} WHERE id = 1"

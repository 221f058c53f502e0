"""Hypothesis strategies for undo-log models whose values survive an encode/decode round trip unchanged.

Each value is generated in the canonical form the decoder produces for its Java class (e.g. a Float is
already rounded to float32, a java.sql.Time has no fraction), so ``decode(encode(x)) == x`` must hold.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.java_numbers import to_float32
from seata_py.undo import java_classes as jc

# Fixed-offset zones have no gaps or folds, so every wall-clock time maps to exactly one instant.
ZONES = (timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30)))

text = st.text(st.characters(codec="utf-8"), max_size=20)
int32 = st.integers(-(2**31), 2**31 - 1)
int64 = st.integers(-(2**63), 2**63 - 1)
datetimes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31))
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


def _decimal(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value


def _mysql_sized(value: Decimal) -> bool:
    # keep tokens far below Python's int-parsing digit limit; MySQL DECIMAL holds 65 digits
    _, digits, exponent = value.as_tuple()
    return len(digits) <= 60 and isinstance(exponent, int) and abs(exponent) <= 400


decimals: st.SearchStrategy[Decimal] = st.decimals(allow_nan=False, allow_infinity=False).filter(_mysql_sized)

# What java.sql.Time carries: whole seconds within a day (other TIME values are written as MySQL text).
sql_times = st.times().map(lambda t: t.replace(microsecond=0))

# (java_class, value strategy) in canonical decoded form
VALUES: list[tuple[str | None, st.SearchStrategy[Any]]] = [
    (None, st.none()),
    (None, st.booleans()),
    (None, int32),
    (None, st.floats(allow_nan=False, allow_infinity=False)),
    (None, text),
    (jc.LONG, int64),
    (jc.SHORT, st.integers(-(2**15), 2**15 - 1)),
    (jc.BYTE, st.integers(-128, 127)),
    (jc.BIG_INTEGER, st.integers(-(10**40), 10**40)),
    (jc.FLOAT, st.floats(width=32, allow_nan=False, allow_infinity=False).map(to_float32)),
    (jc.BIG_DECIMAL, decimals.map(_decimal)),
    (jc.SQL_TIMESTAMP, datetimes),
    (jc.LOCAL_DATE_TIME, datetimes),
    (jc.UTIL_DATE, datetimes.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))),
    (jc.SQL_DATE, dates),
    (jc.SQL_TIME, sql_times),
    (jc.LOCAL_DATE, dates),
    (jc.LOCAL_TIME, st.times()),
    (jc.BYTE_ARRAY, st.binary(max_size=40)),
    (jc.SERIAL_BLOB, st.binary(max_size=40)),
    (jc.SERIAL_CLOB, text),
]


@st.composite
def fields(draw: st.DrawFn) -> Field:
    java_class, values = draw(st.sampled_from(VALUES))
    value = draw(values)
    return Field(
        name=draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)),
        key_type=draw(st.sampled_from(KeyType)),
        type=draw(int32),
        value=value,
        java_class=None if value is None else java_class,
    )


rows = st.builds(lambda fs: Row(tuple(fs)), st.lists(fields(), max_size=5))


@st.composite
def table_records(draw: st.DrawFn) -> TableRecords:
    name = draw(text)
    if draw(st.booleans()):
        return TableRecords.empty(name)
    return TableRecords(name, tuple(draw(st.lists(rows, max_size=3))))


sql_undo_logs = st.builds(SQLUndoLog, st.sampled_from(SQLType), text, table_records(), table_records())

branch_undo_logs = st.builds(
    BranchUndoLog,
    st.none() | text,
    int64,
    st.lists(sql_undo_logs, max_size=3).map(tuple),
)

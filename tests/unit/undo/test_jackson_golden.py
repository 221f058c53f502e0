"""Golden bytes: rollback_info exactly as Java's JacksonUndoLogParser writes it, and reading it back.

The goldens are literal strings (the first copied from the fact sheet, which recorded Java's output), never
encoder output, so these tests fail when the encoder drifts.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.undo import java_classes as jc
from seata_py.undo.errors import UndoLogFormatError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

UTC = timezone.utc
PK = KeyType.PRIMARY_KEY
NO_KEY = KeyType.NULL

# Section 1.5 of the fact sheet: UPDATE account_tbl, JVM zone UTC, copied verbatim.
UPDATE_GOLDEN = (
    b'{"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog","xid":"10.0.0.5:8091:8736251829301",'
    b'"branchId":8736251829305,"sqlUndoLogs":["java.util.ArrayList",'
    b'[{"@class":"org.apache.seata.rm.datasource.undo.SQLUndoLog","sqlType":"UPDATE",'
    b'"tableName":"account_tbl",'
    b'"beforeImage":{"@class":"org.apache.seata.rm.datasource.sql.struct.TableRecords",'
    b'"tableName":"account_tbl","rows":["java.util.ArrayList",'
    b'[{"@class":"org.apache.seata.rm.datasource.sql.struct.Row","fields":["java.util.ArrayList",'
    b'[{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"id","keyType":"PRIMARY_KEY",'
    b'"type":-5,"value":["java.lang.Long",1]},'
    b'{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"money","keyType":"NULL",'
    b'"type":3,"value":["java.math.BigDecimal",100.00]},'
    b'{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"update_time","keyType":"NULL",'
    b'"type":93,"value":["java.sql.Timestamp",[1714557600123,123456000]]}]]}]]},'
    b'"afterImage":{"@class":"org.apache.seata.rm.datasource.sql.struct.TableRecords",'
    b'"tableName":"account_tbl","rows":["java.util.ArrayList",'
    b'[{"@class":"org.apache.seata.rm.datasource.sql.struct.Row","fields":["java.util.ArrayList",'
    b'[{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"id","keyType":"PRIMARY_KEY",'
    b'"type":-5,"value":["java.lang.Long",1]},'
    b'{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"money","keyType":"NULL",'
    b'"type":3,"value":["java.math.BigDecimal",95.50]},'
    b'{"@class":"org.apache.seata.rm.datasource.sql.struct.Field","name":"update_time","keyType":"NULL",'
    b'"type":93,"value":["java.sql.Timestamp",1714557601000]}]]}]]}}]]}'
)

_F = '{"@class":"org.apache.seata.rm.datasource.sql.struct.Field",'
_ROW = '{"@class":"org.apache.seata.rm.datasource.sql.struct.Row","fields":["java.util.ArrayList",['
_TR = '{"@class":"org.apache.seata.rm.datasource.sql.struct.TableRecords","tableName":"account_tbl",'
_EMPTY = (
    '{"@class":"org.apache.seata.rm.datasource.sql.struct.TableRecords$EmptyTableRecords",'
    '"tableName":"account_tbl","rows":["java.util.ArrayList",[]]}'
)
_ROW_TEXT = (
    _ROW
    + _F
    + '"name":"id","keyType":"PRIMARY_KEY","type":4,"value":7},'
    + _F
    + '"name":"user_id","keyType":"NULL","type":12,"value":"U100"},'
    + _F
    + '"name":"money","keyType":"NULL","type":3,"value":["java.math.BigDecimal",1E-10]},'
    + _F
    + '"name":"created","keyType":"NULL","type":91,"value":["java.sql.Date",1704153600000]},'
    + _F
    + '"name":"note","keyType":"NULL","type":12,"value":null}]]}'
)
# The shape the fact sheet gives for a DELETE item (table name as written in the SQL, with backticks).
DELETE_GOLDEN = (
    '{"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog","xid":"192.168.1.2:8091:42","branchId":43,'
    '"sqlUndoLogs":["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.undo.SQLUndoLog",'
    '"sqlType":"DELETE","tableName":"`account_tbl`","beforeImage":'
    + _TR
    + '"rows":["java.util.ArrayList",['
    + _ROW_TEXT
    + "]]},"
    + '"afterImage":'
    + _EMPTY
    + "}]]}"
).encode()
INSERT_GOLDEN = (
    '{"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog","xid":"192.168.1.2:8091:42","branchId":43,'
    '"sqlUndoLogs":["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.undo.SQLUndoLog",'
    '"sqlType":"INSERT","tableName":"account_tbl","beforeImage":'
    + _EMPTY
    + ',"afterImage":'
    + _TR
    + '"rows":["java.util.ArrayList",['
    + _ROW_TEXT
    + "]]}}]]}"
).encode()


def _update_model() -> BranchUndoLog:
    def image(money: str, when: datetime) -> TableRecords:
        return TableRecords(
            "account_tbl",
            (
                Row(
                    (
                        Field("id", PK, -5, 1, jc.LONG),
                        Field("money", NO_KEY, 3, Decimal(money), jc.BIG_DECIMAL),
                        Field("update_time", NO_KEY, 93, when, jc.SQL_TIMESTAMP),
                    )
                ),
            ),
        )

    before = image("100.00", datetime(2024, 5, 1, 10, 0, 0, 123456))
    after = image("95.50", datetime(2024, 5, 1, 10, 0, 1))
    return BranchUndoLog(
        "10.0.0.5:8091:8736251829301",
        8736251829305,
        (SQLUndoLog(SQLType.UPDATE, "account_tbl", before, after),),
    )


def _row() -> Row:
    return Row(
        (
            Field("id", PK, 4, 7),
            Field("user_id", NO_KEY, 12, "U100"),
            Field("money", NO_KEY, 3, Decimal("1E-10"), jc.BIG_DECIMAL),
            Field("created", NO_KEY, 91, date(2024, 1, 2), jc.SQL_DATE),
            Field("note", NO_KEY, 12, None),
        )
    )


def _delete_model() -> BranchUndoLog:
    item = SQLUndoLog(
        SQLType.DELETE,
        "`account_tbl`",
        TableRecords("account_tbl", (_row(),)),
        TableRecords.empty("account_tbl"),
    )
    return BranchUndoLog("192.168.1.2:8091:42", 43, (item,))


def _insert_model() -> BranchUndoLog:
    item = SQLUndoLog(
        SQLType.INSERT,
        "account_tbl",
        TableRecords.empty("account_tbl"),
        TableRecords("account_tbl", (_row(),)),
    )
    return BranchUndoLog("192.168.1.2:8091:42", 43, (item,))


CASES = [
    pytest.param(UPDATE_GOLDEN, _update_model, id="update"),
    pytest.param(DELETE_GOLDEN, _delete_model, id="delete"),
    pytest.param(INSERT_GOLDEN, _insert_model, id="insert"),
]


@pytest.mark.parametrize(("golden", "model"), CASES)
def test_encode_matches_java_bytes(golden: bytes, model: object) -> None:
    assert encode_branch_undo_log(model(), zone=UTC) == golden  # type: ignore[operator]


@pytest.mark.parametrize(("golden", "model"), CASES)
def test_decode_java_bytes(golden: bytes, model: object) -> None:
    assert decode_branch_undo_log(golden, zone=UTC) == model()  # type: ignore[operator]


@pytest.mark.parametrize(("golden", "model"), CASES)
def test_java_bytes_survive_decode_encode(golden: bytes, model: object) -> None:
    assert encode_branch_undo_log(decode_branch_undo_log(golden, zone=UTC), zone=UTC) == golden


def test_update_golden_values_decode_with_java_classes() -> None:
    log = decode_branch_undo_log(UPDATE_GOLDEN, zone=UTC)
    before = log.sql_undo_logs[0].before_image.rows[0]
    money = before.field("money")
    assert money.value == Decimal("100.00") and money.value.as_tuple().exponent == -2
    assert before.field("update_time").value == datetime(2024, 5, 1, 10, 0, 0, 123456)
    assert before.field("id").java_class == "java.lang.Long"


def test_timestamps_follow_the_zone() -> None:
    # The same wall-clock time two hours east of UTC is an instant two hours earlier.
    plus_two = timezone(__import__("datetime").timedelta(hours=2))
    encoded = encode_branch_undo_log(_update_model(), zone=plus_two)
    assert b'["java.sql.Timestamp",1714550401000]' in encoded
    assert decode_branch_undo_log(encoded, zone=plus_two) == _update_model()


def test_legacy_io_seata_prefix_is_read() -> None:
    legacy = UPDATE_GOLDEN.replace(b"org.apache.seata.", b"io.seata.")
    assert decode_branch_undo_log(legacy, zone=UTC) == _update_model()


def test_class_prefix_is_configurable() -> None:
    encoded = encode_branch_undo_log(_update_model(), class_prefix="io.seata", zone=UTC)
    assert encoded == UPDATE_GOLDEN.replace(b"org.apache.seata.", b"io.seata.")
    assert b"org.apache" not in encoded


def test_mixed_prefixes_are_read() -> None:
    mixed = UPDATE_GOLDEN.replace(
        b"org.apache.seata.rm.datasource.sql.struct.Row", b"io.seata.rm.datasource.sql.struct.Row"
    )
    assert decode_branch_undo_log(mixed, zone=UTC) == _update_model()


def test_empty_object_is_the_defense_row() -> None:
    assert decode_branch_undo_log(b"{}") == BranchUndoLog(xid=None, branch_id=0)
    assert decode_branch_undo_log(b" { } ") == BranchUndoLog(xid=None, branch_id=0)


def _reordered(node: object) -> object:
    # Reverse every object's properties (so @class comes last) and add an unknown one.
    if isinstance(node, dict):
        items = [(k, _reordered(v)) for k, v in node.items()]
        return dict([("unknownProperty", {"nested": [1, 2]}), *reversed(items)])
    if isinstance(node, list):
        return [_reordered(v) for v in node]
    return node


def test_any_property_order_and_unknown_properties() -> None:
    tree = json.loads(UPDATE_GOLDEN, parse_float=Decimal)
    shuffled = json.dumps(_reordered(tree), default=str).encode()
    # json.dumps(default=str) would quote Decimals; put the number tokens back as numbers.
    shuffled = shuffled.replace(b'"100.00"', b"100.00").replace(b'"95.50"', b"95.50")
    assert shuffled.index(b'"@class"') > shuffled.index(b'"sqlUndoLogs"')
    assert decode_branch_undo_log(shuffled, zone=UTC) == _update_model()


def test_pretty_printed_json_is_read() -> None:
    pretty = json.dumps(json.loads(UPDATE_GOLDEN, parse_float=Decimal), indent=2, default=str)
    pretty = pretty.replace('"100.00"', "100.00").replace('"95.50"', "95.50")
    assert decode_branch_undo_log(pretty.encode(), zone=UTC) == _update_model()


def test_plain_table_records_with_no_rows_reads_as_not_the_empty_marker() -> None:
    plain = DELETE_GOLDEN.replace(b"TableRecords$EmptyTableRecords", b"TableRecords")
    log = decode_branch_undo_log(plain, zone=UTC)
    after = log.sql_undo_logs[0].after_image
    assert after == TableRecords("account_tbl", ())
    assert not after.empty_marker and len(after) == 0


def test_empty_marker_round_trips() -> None:
    log = decode_branch_undo_log(INSERT_GOLDEN, zone=UTC)
    assert log.sql_undo_logs[0].before_image.empty_marker
    assert not log.sql_undo_logs[0].after_image.empty_marker


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (
            lambda g: g.replace(b'"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog",', b""),
            "@class",
        ),
        (lambda g: g.replace(b'"@class":"org.apache.seata.rm.datasource.sql.struct.Row",', b""), "@class"),
        (
            lambda g: g.replace(b"org.apache.seata.rm.datasource.sql.struct.Field", b"com.example.Field"),
            "Field",
        ),
        (
            lambda g: g.replace(
                b'["java.util.ArrayList",[{"@class":"org.apache.seata.rm.datasource.undo',
                b'[[{"@class":"org.apache.seata.rm.datasource.undo',
            ),
            "wrapper",
        ),
        (lambda g: g.replace(b'"sqlType":"UPDATE"', b'"sqlType":"SELECT"'), "sqlType"),
        (lambda g: g.replace(b'"keyType":"NULL"', b'"keyType":"UNIQUE"'), "keyType"),
        (lambda g: g.replace(b'"java.lang.Long",1]', b'"java.lang.Strange",1]'), "java.lang.Strange"),
        (lambda g: g.replace(b'"java.lang.Long",1]', b'"java.lang.Long","x"]'), "integer"),
        (lambda g: g.replace(b'"type":93', b'"type":"93x"'), "integer"),
        (lambda g: g[:-3], "not JSON"),
        (lambda g: b"\xff" + g, "not JSON"),
        (lambda g: b"[]", "object"),
        (lambda g: b"null", "object"),
        (lambda g: g.replace(b"1714557601000", b"NaN"), "not JSON"),
    ],
)
def test_malformed_logs_raise_format_error(mutation: object, message: str) -> None:
    with pytest.raises(UndoLogFormatError, match=message):
        decode_branch_undo_log(mutation(UPDATE_GOLDEN))  # type: ignore[operator]

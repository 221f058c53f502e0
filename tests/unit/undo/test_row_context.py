"""The undo_log.context strings, exactly as Java writes and reads them."""

from __future__ import annotations

import pytest

from seata_py.undo.row_context import (
    COMPRESSED_ROW_CONTEXT,
    DEFENSE_ROW_CONTEXT,
    NORMAL_ROW_CONTEXT,
    SPLIT_MAIN_ROW_CONTEXT,
    SUB_ROW_CONTEXT,
    decode_context,
    encode_context,
    mysql_row_context,
    parse_sub_ids,
    split_main_row_context,
    sub_row_context,
)


def test_exact_strings() -> None:
    assert mysql_row_context(67108864) == "serializer=jackson&compressorType=NONE&map=67108864"
    assert mysql_row_context(4194304, "ZIP") == "serializer=jackson&compressorType=ZIP&map=4194304"
    assert mysql_row_context(None) == "serializer=jackson&compressorType=NONE&map="
    assert DEFENSE_ROW_CONTEXT == "serializer=jackson&compressorType=NONE"
    assert sub_row_context(8736251829305) == "branchId=8736251829305"
    assert (
        split_main_row_context([11, 12], 4194304)
        == "subId=11,12,&serializer=jackson&compressorType=NONE&map=4194304"
    )


def test_templates_match_the_builders() -> None:
    assert NORMAL_ROW_CONTEXT.format(max_allowed_packet=67108864) == mysql_row_context(67108864)
    assert COMPRESSED_ROW_CONTEXT.format(compressor="ZIP", max_allowed_packet=1024) == mysql_row_context(
        1024, "ZIP"
    )
    assert SPLIT_MAIN_ROW_CONTEXT.format(
        sub_ids="5,6,", compressor="GZIP", max_allowed_packet=99
    ) == split_main_row_context([5, 6], 99, "GZIP")
    assert SUB_ROW_CONTEXT.format(branch_id=7) == sub_row_context(7)


def test_encode_keeps_insertion_order() -> None:
    assert encode_context({"b": "1", "a": "2"}) == "b=1&a=2"
    assert encode_context({}) == ""


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        (
            "serializer=jackson&compressorType=NONE&map=67108864",
            {"serializer": "jackson", "compressorType": "NONE", "map": "67108864"},
        ),
        # PostgreSQL rows: "map=" has no value, so Java's split gives one part and drops it
        ("serializer=jackson&compressorType=NONE&map=", {"serializer": "jackson", "compressorType": "NONE"}),
        ("subId=1,2,&serializer=jackson", {"subId": "1,2,", "serializer": "jackson"}),
        ("a=b=c&d=e", {"d": "e"}),
        ("a=b=&c=d", {"a": "b", "c": "d"}),  # trailing empty parts vanish in String.split
        ("=v", {"": "v"}),
        ("a==", {}),
        ("&&a=1&&", {"a": "1"}),
        ("novalue&a=1", {"a": "1"}),
        ("", {}),
        ("   ", {}),
        (None, {}),
        ("a=1&a=2", {"a": "2"}),
    ],
)
def test_decode_like_java(text: str | None, pairs: dict[str, str]) -> None:
    assert decode_context(text) == pairs


def test_sub_ids() -> None:
    assert parse_sub_ids("11,12,") == [11, 12]
    assert parse_sub_ids("11") == [11]
    assert parse_sub_ids(",") == []
    with pytest.raises(ValueError):
        parse_sub_ids("11,x,")

"""undo_log rows: context + rollback_info, compression threshold, split rows, defense row."""

from __future__ import annotations

import io
import zipfile
from datetime import timezone

import pytest

from seata_py.types.images import BranchUndoLog, Field, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.undo.codec import (
    DEFENSE_ROW_CONTENT,
    DEFENSE_ROW_CONTEXT,
    UndoRow,
    decode_undo_row,
    encode_undo_row,
    row_content_limit,
)
from seata_py.undo.compression import compress
from seata_py.undo.errors import UndoLogFormatError, UndoLogTooLargeError
from seata_py.undo.jackson import encode_branch_undo_log

from .test_jackson_golden import UPDATE_GOLDEN, _update_model

UTC = timezone.utc


def _big_log(rows: int) -> BranchUndoLog:
    image = TableRecords(
        "t",
        tuple(
            Row((Field("id", KeyType.PRIMARY_KEY, 4, i), Field("name", KeyType.NULL, 12, f"name-{i:06d}")))
            for i in range(rows)
        ),
    )
    return BranchUndoLog("xid", 9, (SQLUndoLog(SQLType.DELETE, "t", image, TableRecords.empty("t")),))


def test_small_log_is_stored_plain_with_java_context() -> None:
    row = encode_undo_row(_update_model(), max_allowed_packet=67108864, zone=UTC)
    assert row == UndoRow("serializer=jackson&compressorType=NONE&map=67108864", UPDATE_GOLDEN)


def test_unknown_max_allowed_packet_leaves_map_empty() -> None:
    row = encode_undo_row(_update_model(), max_allowed_packet=None, zone=UTC)
    assert row.context == "serializer=jackson&compressorType=NONE&map="


def test_large_log_is_zipped() -> None:
    log = _big_log(3000)
    row = encode_undo_row(log, max_allowed_packet=67108864)
    assert row.context == "serializer=jackson&compressorType=ZIP&map=67108864"
    with zipfile.ZipFile(io.BytesIO(row.rollback_info)) as archive:
        assert archive.namelist() == ["zip"]
        assert archive.read("zip") == encode_branch_undo_log(log)
    assert decode_undo_row(row.context, row.rollback_info) == log


def test_threshold_is_exclusive() -> None:
    log = _big_log(10)
    size = len(encode_branch_undo_log(log))
    at = encode_undo_row(log, compress_threshold=size, max_allowed_packet=1 << 20)
    above = encode_undo_row(log, compress_threshold=size - 1, max_allowed_packet=1 << 20)
    assert "compressorType=NONE" in at.context
    assert "compressorType=ZIP" in above.context


@pytest.mark.parametrize(
    ("setting", "name"), [("gzip", "GZIP"), ("Deflater", "DEFLATER"), ("bzip2", "BZIP2")]
)
def test_compress_type_setting(setting: str, name: str) -> None:
    log = _big_log(10)
    row = encode_undo_row(log, compress_type=setting, compress_threshold=0, max_allowed_packet=1 << 20)
    assert row.context == f"serializer=jackson&compressorType={name}&map=1048576"
    assert decode_undo_row(row.context, row.rollback_info) == log


def test_compression_disabled() -> None:
    row = encode_undo_row(_big_log(3000), compress=False, max_allowed_packet=None)
    assert "compressorType=NONE" in row.context


def test_unsupported_compress_type_is_refused_when_writing() -> None:
    with pytest.raises(UndoLogFormatError, match="LZ4"):
        encode_undo_row(_big_log(10), compress_type="lz4", compress_threshold=0, max_allowed_packet=None)


def test_log_needing_split_rows_is_refused() -> None:
    log = _big_log(3000)
    plain = len(encode_branch_undo_log(log))
    assert row_content_limit(100_000) == 80_000
    with pytest.raises(UndoLogTooLargeError, match="max_allowed_packet=100000"):
        encode_undo_row(log, compress=False, max_allowed_packet=100_000)
    # the same log fits once zipped
    encode_undo_row(log, max_allowed_packet=100_000)
    assert plain > 80_000


def test_defense_row() -> None:
    assert DEFENSE_ROW_CONTEXT == "serializer=jackson&compressorType=NONE"
    assert DEFENSE_ROW_CONTENT == b"{}"
    assert decode_undo_row(DEFENSE_ROW_CONTEXT, DEFENSE_ROW_CONTENT) == BranchUndoLog(None, 0)


def test_java_row_is_read() -> None:
    context = "serializer=jackson&compressorType=NONE&map=67108864"
    assert decode_undo_row(context, UPDATE_GOLDEN, zone=UTC) == _update_model()


@pytest.mark.parametrize(
    "context",
    [
        "",  # no serializer: the default (jackson); no compressorType: NONE
        "map=4194304",
        "serializer=JACKSON&compressorType=none",
        "compressorType=NONE&serializer=jackson&map=",
    ],
)
def test_context_defaults(context: str) -> None:
    assert decode_undo_row(context, UPDATE_GOLDEN, zone=UTC) == _update_model()


def test_compressor_name_is_case_insensitive_on_read() -> None:
    data = compress(UPDATE_GOLDEN, "ZIP")
    assert decode_undo_row("serializer=jackson&compressorType=zip", data, zone=UTC) == _update_model()


@pytest.mark.parametrize("serializer", ["kryo", "fastjson", "protostuff", "json"])
def test_other_serializers_are_refused(serializer: str) -> None:
    with pytest.raises(UndoLogFormatError, match=serializer):
        decode_undo_row(f"serializer={serializer}&compressorType=NONE", b"\x00\x01")


def test_split_row_is_reassembled_before_decompressing() -> None:
    log = _big_log(3000)
    packed = compress(encode_branch_undo_log(log), "ZIP")
    third = len(packed) // 3
    main, chunk_2, chunk_3 = packed[:third], packed[third : 2 * third], packed[2 * third :]
    context = (
        "subId=1790000000000000001,1790000000000000002,&serializer=jackson&compressorType=ZIP&map=4194304"
    )
    stored = {1790000000000000001: chunk_2, 1790000000000000002: chunk_3}
    calls: list[list[int]] = []

    def sub_rows(ids: list[int]) -> list[bytes]:
        calls.append(ids)
        return [stored[i] for i in ids]

    assert decode_undo_row(context, main, sub_rows) == log
    assert calls == [[1790000000000000001, 1790000000000000002]]


def test_split_row_problems() -> None:
    context = "subId=11,12,&serializer=jackson&compressorType=NONE"
    with pytest.raises(UndoLogFormatError, match="split"):
        decode_undo_row(context, b"{}")
    with pytest.raises(UndoLogFormatError, match="1 of them"):
        decode_undo_row(context, b"{", lambda ids: [b"}"])
    with pytest.raises(UndoLogFormatError, match="subId"):
        decode_undo_row("subId=11,abc,&serializer=jackson", b"{}", lambda ids: [])
    assert decode_undo_row(context, b"{", lambda ids: [b"", b"}"]) == BranchUndoLog(None, 0)


def test_bad_rollback_info_is_a_format_error() -> None:
    with pytest.raises(UndoLogFormatError):
        decode_undo_row("serializer=jackson&compressorType=ZIP", b"not a zip")
    with pytest.raises(UndoLogFormatError):
        decode_undo_row("serializer=jackson&compressorType=NONE", b"")
    with pytest.raises(UndoLogFormatError, match="SEVENZ"):
        decode_undo_row("serializer=jackson&compressorType=SEVENZ", b"7z")

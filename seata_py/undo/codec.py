"""One ``undo_log`` row ↔ a :class:`BranchUndoLog`: serializer, compression and split rows, as Java does them.

Writing: JSON (Java's ``jackson`` format), zipped when larger than the threshold, with the context Java
writes (``serializer=jackson&compressorType=NONE&map=<max_allowed_packet>``).

Java splits a MySQL row whose content exceeds 80% of ``max_allowed_packet`` into chunk rows. seata-py
reads such split rows but does not write them: a log that would need splitting is refused with
:class:`UndoLogTooLargeError` before the local commit, so every row we write stays under the limit and a
Java client reads it as an ordinary row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from seata_py.types.images import BranchUndoLog
from seata_py.undo.compression import compress as compress_bytes
from seata_py.undo.compression import decompress, normalize_compressor
from seata_py.undo.errors import UndoLogFormatError, UndoLogTooLargeError
from seata_py.undo.jackson import APACHE_PREFIX, decode_branch_undo_log, encode_branch_undo_log
from seata_py.undo.row_context import (
    COMPRESSOR_NONE,
    COMPRESSOR_TYPE_KEY,
    DEFENSE_ROW_CONTEXT,
    JACKSON,
    SERIALIZER_KEY,
    SUB_ID_KEY,
    decode_context,
    mysql_row_context,
    parse_sub_ids,
)

__all__ = [
    "DEFENSE_ROW_CONTENT",
    "DEFENSE_ROW_CONTEXT",
    "UndoRow",
    "decode_undo_row",
    "encode_undo_row",
    "row_content_limit",
]

# The GlobalFinished (defense) row's rollback_info: what the jackson parser reads as an empty log.
DEFENSE_ROW_CONTENT = b"{}"

DEFAULT_COMPRESS_THRESHOLD = 64 * 1024  # client.undo.compress.threshold default "64k"
_SPLIT_RATIO = 0.8  # Java splits content above this share of max_allowed_packet

SubRowFetcher = Callable[[list[int]], list[bytes]]


@dataclass(frozen=True)
class UndoRow:
    """The ``context`` and ``rollback_info`` columns of one undo_log row."""

    context: str
    rollback_info: bytes


def row_content_limit(max_allowed_packet: int) -> int:
    """The largest ``rollback_info`` Java stores in a single row for this ``max_allowed_packet``."""
    return int(max_allowed_packet * _SPLIT_RATIO)


def encode_undo_row(
    log: BranchUndoLog,
    *,
    class_prefix: str = APACHE_PREFIX,
    compress: bool = True,
    compress_type: str = "ZIP",
    compress_threshold: int = DEFAULT_COMPRESS_THRESHOLD,
    max_allowed_packet: int | None,
    zone: tzinfo | None = None,
) -> UndoRow:
    """The row Java would write for ``log`` on MySQL (``client.undo.compress.*`` semantics).

    ``max_allowed_packet`` is the server variable (None when unknown, e.g. PostgreSQL: ``map`` is then left
    empty and no size check is made). Raises :class:`UndoLogTooLargeError` when the content would need
    Java's row splitting, and :class:`UndoLogFormatError` for a compressor seata-py cannot produce.
    """
    content = encode_branch_undo_log(log, class_prefix, zone)
    compressor = COMPRESSOR_NONE
    if compress and len(content) > compress_threshold:
        compressor = normalize_compressor(compress_type)
        content = compress_bytes(content, compressor)
    if max_allowed_packet is not None and len(content) > row_content_limit(max_allowed_packet):
        limit = row_content_limit(max_allowed_packet)
        raise UndoLogTooLargeError(
            f"undo log of branch {log.branch_id} is {len(content)} bytes ({compressor}); one undo_log row "
            f"holds at most {limit} with max_allowed_packet={max_allowed_packet}. Enable "
            "client.undo.compress, change fewer rows per statement, or raise max_allowed_packet."
        )
    return UndoRow(mysql_row_context(max_allowed_packet, compressor), content)


def decode_undo_row(
    context: str,
    rollback_info: bytes,
    sub_rows: SubRowFetcher | None = None,
    zone: tzinfo | None = None,
) -> BranchUndoLog:
    """Read an undo_log row written by Java or by :func:`encode_undo_row`.

    For a split row (``subId`` in the context) ``sub_rows`` is called with the chunk rows' branch ids, in
    context order, and must return their ``rollback_info`` in that order; the chunks are appended to the
    main row's content before decompressing, as Java does. Raises :class:`UndoLogFormatError` for rows that
    cannot be read (unknown serializer or compressor, missing chunks, malformed JSON).
    """
    pairs = decode_context(context)
    serializer = pairs.get(SERIALIZER_KEY, JACKSON)
    if serializer.lower() != JACKSON:
        raise UndoLogFormatError(
            f"undo log serializer {serializer!r} is not supported; seata-py reads only {JACKSON!r} "
            "(set client.undo.logSerialization=jackson on Java clients sharing this database)"
        )
    compressor = pairs.get(COMPRESSOR_TYPE_KEY, COMPRESSOR_NONE)
    content = bytes(rollback_info)
    sub_value = pairs.get(SUB_ID_KEY)
    if sub_value is not None:
        content += _chunks(sub_value, sub_rows)
    return decode_branch_undo_log(decompress(content, compressor), zone)


def _chunks(sub_value: str, sub_rows: SubRowFetcher | None) -> bytes:
    try:
        ids = parse_sub_ids(sub_value)
    except ValueError as exc:
        raise UndoLogFormatError(f"undo log context has a malformed subId {sub_value!r}") from exc
    if not ids:
        return b""
    if sub_rows is None:
        raise UndoLogFormatError(f"undo log is split across rows {ids}, but no way to read them was given")
    chunks = sub_rows(ids)
    if len(chunks) != len(ids):
        raise UndoLogFormatError(f"undo log is split across rows {ids}, but {len(chunks)} of them were found")
    return b"".join(bytes(chunk) for chunk in chunks)

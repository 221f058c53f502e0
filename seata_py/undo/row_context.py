"""The ``undo_log.context`` column: ``k=v`` pairs joined by ``&``, as Java's CollectionUtils encodes a map.

Java builds the map in a HashMap, so its key order is the HashMap's; the constants and builders below
spell out the exact strings a Java client writes so that rows look the same whichever client wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SERIALIZER_KEY = "serializer"
COMPRESSOR_TYPE_KEY = "compressorType"
MAX_ALLOWED_PACKET_KEY = "map"  # Java's key name for the server's max_allowed_packet
SUB_ID_KEY = "subId"  # on the main row of a split log: branch ids of the rows holding the other chunks
BRANCH_ID_KEY = "branchId"  # on each chunk row: the real branch id, so deleting the branch finds them

JACKSON = "jackson"
COMPRESSOR_NONE = "NONE"

# The exact strings Java writes (str.format templates where a value varies).
NORMAL_ROW_CONTEXT = "serializer=jackson&compressorType=NONE&map={max_allowed_packet}"
COMPRESSED_ROW_CONTEXT = "serializer=jackson&compressorType={compressor}&map={max_allowed_packet}"
SPLIT_MAIN_ROW_CONTEXT = (
    "subId={sub_ids}&serializer=jackson&compressorType={compressor}&map={max_allowed_packet}"
)
SUB_ROW_CONTEXT = "branchId={branch_id}"
DEFENSE_ROW_CONTEXT = "serializer=jackson&compressorType=NONE"  # the GlobalFinished row


def encode_context(pairs: Mapping[str, str]) -> str:
    """``k=v&k=v`` in the mapping's order; values are written as given (Java does not escape them)."""
    return "&".join(f"{key}={value}" for key, value in pairs.items())


def decode_context(text: str | None) -> dict[str, str]:
    """Java's ``CollectionUtils.decodeMap``: pairs that do not split into exactly key and value are dropped.

    Java's ``String.split`` discards trailing empty strings, so ``map=`` (PostgreSQL's row) and ``a==`` drop
    out while ``=v`` keeps an empty key and ``a=b=`` keeps ``a: b``.
    """
    result: dict[str, str] = {}
    if text is None or not text.strip():
        return result
    for pair in text.split("&"):
        if not pair:
            continue
        parts = _java_split(pair, "=")
        if len(parts) == 2:
            result[parts[0]] = parts[1]
    return result


def mysql_row_context(max_allowed_packet: int | None, compressor: str = COMPRESSOR_NONE) -> str:
    """A normal MySQL row: ``serializer=jackson&compressorType=NONE&map=67108864``.

    ``max_allowed_packet=None`` leaves ``map`` empty, as Java's PostgreSQL rows do.
    """
    return encode_context(_row_pairs(max_allowed_packet, compressor))


def split_main_row_context(
    sub_ids: Iterable[int], max_allowed_packet: int | None, compressor: str = COMPRESSOR_NONE
) -> str:
    """The main row of a split log: ``subId=<id1>,<id2>,&serializer=...`` (Java leaves a trailing comma)."""
    ids = "".join(f"{sub_id}," for sub_id in sub_ids)
    return encode_context({SUB_ID_KEY: ids, **_row_pairs(max_allowed_packet, compressor)})


def sub_row_context(branch_id: int) -> str:
    """A chunk row of a split log: ``branchId=<real branch id>``."""
    return encode_context({BRANCH_ID_KEY: str(branch_id)})


def parse_sub_ids(value: str) -> list[int]:
    """The ids in a ``subId`` value, in order; empty items (the trailing comma) are skipped."""
    return [int(item) for item in value.split(",") if item.strip()]


def _row_pairs(max_allowed_packet: int | None, compressor: str) -> dict[str, str]:
    return {
        SERIALIZER_KEY: JACKSON,
        COMPRESSOR_TYPE_KEY: compressor,
        MAX_ALLOWED_PACKET_KEY: "" if max_allowed_packet is None else str(max_allowed_packet),
    }


def _java_split(text: str, separator: str) -> list[str]:
    parts = text.split(separator)
    while parts and not parts[-1]:
        parts.pop()
    return parts

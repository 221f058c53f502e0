"""Property tests: generated logs round-trip exactly; arbitrary or damaged input only ever raises
UndoLogFormatError, and whatever does decode can be written again."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seata_py.types.images import BranchUndoLog
from seata_py.undo.codec import decode_undo_row, encode_undo_row
from seata_py.undo.errors import UndoLogFormatError, UnsupportedUndoValueError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

from .test_jackson_golden import DELETE_GOLDEN, INSERT_GOLDEN, UPDATE_GOLDEN
from .undo_strategies import ZONES, branch_undo_logs

_FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_ROUND_TRIP = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOLDENS = [UPDATE_GOLDEN, DELETE_GOLDEN, INSERT_GOLDEN]


def _decode_or_format_error(data: bytes) -> BranchUndoLog | None:
    try:
        log = decode_branch_undo_log(data)
    except UndoLogFormatError:
        return None
    # Anything accepted must be writable again (or refused by the writer's own error type).
    with contextlib.suppress(UnsupportedUndoValueError):
        encode_branch_undo_log(log)
    return log


@_ROUND_TRIP
@given(branch_undo_logs, st.sampled_from(ZONES), st.sampled_from(["org.apache.seata", "io.seata"]))
def test_generated_logs_round_trip(log: BranchUndoLog, zone: Any, prefix: str) -> None:
    data = encode_branch_undo_log(log, class_prefix=prefix, zone=zone)
    decoded = decode_branch_undo_log(data, zone=zone)
    assert decoded == log
    assert encode_branch_undo_log(decoded, class_prefix=prefix, zone=zone) == data


@_ROUND_TRIP
@given(branch_undo_logs, st.booleans(), st.sampled_from(["ZIP", "GZIP", "DEFLATER", "BZIP2"]))
def test_generated_rows_round_trip(log: BranchUndoLog, compress: bool, compress_type: str) -> None:
    zone = ZONES[0]
    row = encode_undo_row(
        log,
        compress=compress,
        compress_type=compress_type,
        compress_threshold=0,
        max_allowed_packet=None,
        zone=zone,
    )
    assert decode_undo_row(row.context, row.rollback_info, zone=zone) == log


@_FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _decode_or_format_error(data)


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.sampled_from(
        [
            "org.apache.seata.rm.datasource.undo.BranchUndoLog",
            "io.seata.rm.datasource.sql.struct.Field",
            "java.util.ArrayList",
            "java.sql.Timestamp",
            "java.time.LocalDateTime",
            "[B",
            "UPDATE",
        ]
    )
)
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@_FUZZ
@given(json_values)
def test_random_json(value: Any) -> None:
    _decode_or_format_error(json.dumps(value).encode())


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*path, index))
    return found


@_FUZZ
@given(st.sampled_from(GOLDENS), st.data())
def test_mutated_valid_json(golden: bytes, data: st.DataObject) -> None:
    tree = json.loads(golden)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(tree)))
        if not path:
            tree = data.draw(json_values)
            continue
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "wrap"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        else:
            parent[path[-1]] = data.draw(json_values)
    _decode_or_format_error(json.dumps(tree).encode())


@_FUZZ
@given(st.sampled_from(GOLDENS), st.data())
def test_mutated_bytes(golden: bytes, data: st.DataObject) -> None:
    damaged = bytearray(golden)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        action = data.draw(st.sampled_from(["set", "insert", "delete"]))
        if action == "set":
            damaged[at] = data.draw(st.integers(0, 255))
        elif action == "insert":
            damaged[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        else:
            del damaged[at]
    _decode_or_format_error(bytes(damaged))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60), st.binary(max_size=100), st.lists(st.binary(max_size=20), max_size=3))
def test_random_rows(context: str, rollback_info: bytes, chunks: list[bytes]) -> None:
    with contextlib.suppress(UndoLogFormatError):
        decode_undo_row(context, rollback_info, lambda ids: chunks)


def test_deep_nesting_is_a_format_error() -> None:
    for data in (b"[" * 100_000, b'{"a":' * 100_000):
        assert _decode_or_format_error(data) is None

"""The enum tables between the Java-valued model enums and the protobuf enums, member by member.

Expected proto numbers are copied from the doc (§3.2), not derived from the code under test.
"""

from __future__ import annotations

import enum

import pytest

from seata_py.protocol import (
    BranchStatus,
    BranchType,
    GlobalStatus,
    ProtocolError,
    ResultCode,
    TransactionExceptionCode,
)
from seata_py.protocol.protobuf.enum_maps import (
    BRANCH_STATUS,
    BRANCH_TYPE,
    EXCEPTION_CODE,
    GLOBAL_STATUS,
    RESULT_CODE,
    EnumMap,
)
from seata_py.protocol.protobuf.generated import seata_enums_pb2 as pb

from .test_protobuf_roundtrip import has_proto_form

TEC = TransactionExceptionCode

# model member -> (proto value name, proto number), doc §3.2.
EXPECTED: dict[str, tuple[EnumMap[enum.IntEnum], dict[enum.IntEnum, tuple[str, int]]]] = {
    "ResultCode": (
        RESULT_CODE,
        {ResultCode.FAILED: ("Failed", 0), ResultCode.SUCCESS: ("Success", 1)},
    ),
    "BranchType": (
        BRANCH_TYPE,
        {BranchType.AT: ("AT", 0), BranchType.TCC: ("TCC", 1), BranchType.SAGA: ("SAGA", 2)},
    ),
    "BranchStatus": (
        BRANCH_STATUS,
        {
            BranchStatus.UNKNOWN: ("BUnknown", 0),
            BranchStatus.REGISTERED: ("Registered", 1),
            BranchStatus.PHASE_ONE_DONE: ("PhaseOne_Done", 2),
            BranchStatus.PHASE_ONE_FAILED: ("PhaseOne_Failed", 3),
            BranchStatus.PHASE_ONE_TIMEOUT: ("PhaseOne_Timeout", 4),
            BranchStatus.PHASE_TWO_COMMITTED: ("PhaseTwo_Committed", 5),
            BranchStatus.PHASE_TWO_COMMIT_FAILED_RETRYABLE: ("PhaseTwo_CommitFailed_Retryable", 6),
            BranchStatus.PHASE_TWO_COMMIT_FAILED_UNRETRYABLE: ("PhaseTwo_CommitFailed_Unretryable", 7),
            BranchStatus.PHASE_TWO_ROLLBACKED: ("PhaseTwo_Rollbacked", 8),
            BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE: ("PhaseTwo_RollbackFailed_Retryable", 9),
            BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE: ("PhaseTwo_RollbackFailed_Unretryable", 10),
            BranchStatus.PHASE_ONE_RDONLY: ("PhaseOne_RDONLY", 13),
        },
    ),
    "GlobalStatus": (
        GLOBAL_STATUS,
        {
            GlobalStatus.UNKNOWN: ("UnKnown", 0),
            GlobalStatus.BEGIN: ("Begin", 1),
            GlobalStatus.COMMITTING: ("Committing", 2),
            GlobalStatus.COMMIT_RETRYING: ("CommitRetrying", 3),
            GlobalStatus.ROLLBACKING: ("Rollbacking", 4),
            GlobalStatus.ROLLBACK_RETRYING: ("RollbackRetrying", 5),
            GlobalStatus.TIMEOUT_ROLLBACKING: ("TimeoutRollbacking", 6),
            GlobalStatus.TIMEOUT_ROLLBACK_RETRYING: ("TimeoutRollbackRetrying", 7),
            GlobalStatus.ASYNC_COMMITTING: ("AsyncCommitting", 8),
            GlobalStatus.COMMITTED: ("Committed", 9),
            GlobalStatus.COMMIT_FAILED: ("CommitFailed", 10),
            GlobalStatus.ROLLBACKED: ("Rollbacked", 11),
            GlobalStatus.ROLLBACK_FAILED: ("RollbackFailed", 12),
            GlobalStatus.TIMEOUT_ROLLBACKED: ("TimeoutRollbacked", 13),
            GlobalStatus.TIMEOUT_ROLLBACK_FAILED: ("TimeoutRollbackFailed", 14),
            GlobalStatus.FINISHED: ("Finished", 15),
        },
    ),
    "TransactionExceptionCode": (
        EXCEPTION_CODE,
        {
            TEC.UNKNOWN: ("Unknown", 0),
            TEC.LOCK_KEY_CONFLICT: ("LockKeyConflict", 1),
            TEC.IO: ("IO", 2),
            TEC.BRANCH_ROLLBACK_FAILED_RETRIABLE: ("BranchRollbackFailed_Retriable", 3),
            TEC.BRANCH_ROLLBACK_FAILED_UNRETRIABLE: ("BranchRollbackFailed_Unretriable", 4),
            TEC.BRANCH_REGISTER_FAILED: ("BranchRegisterFailed", 5),
            TEC.BRANCH_REPORT_FAILED: ("BranchReportFailed", 6),
            TEC.LOCKABLE_CHECK_FAILED: ("LockableCheckFailed", 7),
            TEC.BRANCH_TRANSACTION_NOT_EXIST: ("BranchTransactionNotExist", 8),
            TEC.GLOBAL_TRANSACTION_NOT_EXIST: ("GlobalTransactionNotExist", 9),
            TEC.GLOBAL_TRANSACTION_NOT_ACTIVE: ("GlobalTransactionNotActive", 10),
            TEC.GLOBAL_TRANSACTION_STATUS_INVALID: ("GlobalTransactionStatusInvalid", 11),
            TEC.FAILED_TO_SEND_BRANCH_COMMIT_REQUEST: ("FailedToSendBranchCommitRequest", 12),
            TEC.FAILED_TO_SEND_BRANCH_ROLLBACK_REQUEST: ("FailedToSendBranchRollbackRequest", 13),
            TEC.FAILED_TO_ADD_BRANCH: ("FailedToAddBranch", 14),
            TEC.FAILED_LOCK_GLOBAL_TRANSACTION: ("FailedLockGlobalTranscation", 15),
            TEC.FAILED_WRITE_SESSION: ("FailedWriteSession", 16),
            TEC.FAILED_STORE: ("FailedStore", 17),
        },
    ),
}

_CASES = [
    pytest.param(table, member, name, number, id=f"{kind}.{member.name}")
    for kind, (table, expected) in EXPECTED.items()
    for member, (name, number) in expected.items()
]


@pytest.mark.parametrize(("table", "member", "name", "number"), _CASES)
def test_member_maps_to_its_proto_value_and_back(
    table: EnumMap[enum.IntEnum], member: enum.IntEnum, name: str, number: int
) -> None:
    assert table.proto.Name(number) == name  # the .proto defines the doc's number for this name
    assert table.to_proto(member, "field") == number
    assert table.from_proto(number, "field") is member


@pytest.mark.parametrize("kind", EXPECTED)
def test_tables_cover_every_proto_value_and_every_model_member_with_a_proto_form(kind: str) -> None:
    table, expected = EXPECTED[kind]
    assert set(table.proto.values()) == {number for _, number in expected.values()}
    for member in table.model:
        assert (member in expected) == has_proto_form(member), member


def test_exception_codes_are_mapped_by_name_not_by_java_ordinal() -> None:
    # BeginFailed is Java ordinal 1 and missing in protobuf, so LockKeyConflict (ordinal 2) becomes 1.
    assert int(TEC.LOCK_KEY_CONFLICT) == 2
    assert EXCEPTION_CODE.to_proto(TEC.LOCK_KEY_CONFLICT, "f") == pb.TransactionExceptionCodeProto.Value(
        "LockKeyConflict"
    )
    assert EXCEPTION_CODE.from_proto(2, "f") is TEC.IO


_WITHOUT_FORM = [
    pytest.param(table, member, id=f"{kind}.{member.name}")
    for kind, (table, _) in EXPECTED.items()
    for member in table.model
    if not has_proto_form(member)
]


@pytest.mark.parametrize(("table", "member"), _WITHOUT_FORM)
def test_members_without_a_proto_form_are_rejected(
    table: EnumMap[enum.IntEnum], member: enum.IntEnum
) -> None:
    with pytest.raises(ProtocolError, match=member.name):
        table.to_proto(member, "field")


_UNKNOWN_NUMBERS = [
    pytest.param(table, number, id=f"{kind}={number}")
    for kind, (table, expected) in EXPECTED.items()
    for number in (-1, 11, 12, 14, 16, 18, 99, 2**31 - 1)
    if number not in {n for _, n in expected.values()}
]


@pytest.mark.parametrize(("table", "number"), _UNKNOWN_NUMBERS)
def test_unknown_proto_numbers_raise_protocol_error(table: EnumMap[enum.IntEnum], number: int) -> None:
    with pytest.raises(ProtocolError):
        table.from_proto(number, "field")


@pytest.mark.parametrize("value", [True, "AT", None, 1.0, 99, -1])
def test_values_that_are_not_model_members_are_rejected(value: object) -> None:
    with pytest.raises(ProtocolError):
        BRANCH_TYPE.to_proto(value, "branch_type")


def test_plain_ints_naming_a_member_are_accepted_like_in_the_seata_codec() -> None:
    assert BRANCH_STATUS.to_proto(5, "branch_status") == 5


def test_a_table_naming_a_value_missing_from_the_proto_enum_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="FailedLockGlobalTransaction"):
        EnumMap(
            TEC,
            pb.TransactionExceptionCodeProto,
            {TEC.FAILED_LOCK_GLOBAL_TRANSACTION: "FailedLockGlobalTransaction"},
        )

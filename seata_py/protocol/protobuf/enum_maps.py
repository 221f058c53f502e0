"""Name tables between the Java-valued enums of :mod:`seata_py.protocol.enums` and the protobuf enums.

The Java server converts these enums by *name* (``XxxProto.valueOf(javaEnum.name())``), and for
TransactionExceptionCode the protobuf numbers differ from the Java ordinals, so the tables pair members with
proto value *names*; the numbers come from the generated descriptors. A model member missing from a table
has no protobuf form: encoding it raises :class:`ProtocolError` (the Java server would fail the same way and
the peer would only see a timeout), as does decoding a number the proto enum does not define.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from ..enums import BranchStatus, BranchType, GlobalStatus, ResultCode, TransactionExceptionCode
from ..errors import ProtocolError
from .generated import seata_enums_pb2 as pb

__all__ = [
    "BRANCH_STATUS",
    "BRANCH_TYPE",
    "EXCEPTION_CODE",
    "GLOBAL_STATUS",
    "RESULT_CODE",
    "EnumMap",
]

_E = TypeVar("_E", bound=enum.IntEnum)


class EnumMap(Generic[_E]):
    """A two-way table: model member <-> proto enum number, built from member <-> proto value name."""

    def __init__(self, model: type[_E], proto: EnumTypeWrapper, names: Mapping[_E, str]) -> None:
        self.model = model
        self.proto = proto
        self.names: Mapping[_E, str] = MappingProxyType(dict(names))
        proto_names = set(proto.keys())
        unknown = [name for name in names.values() if name not in proto_names]
        if unknown or len(set(names.values())) != len(names):
            # A typo here would silently turn a valid value into "unrepresentable"; fail at import instead.
            raise ValueError(f"bad {model.__name__} table: unknown or repeated proto names {unknown}")
        self._to_number = {member: proto.Value(name) for member, name in names.items()}
        self._to_member = {number: member for member, number in self._to_number.items()}

    def to_proto(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{field} expects a {self.model.__name__}, got {value!r}")
        try:
            member = self.model(value)
        except ValueError:
            raise ProtocolError(f"{field}: {value!r} is not a valid {self.model.__name__}") from None
        number = self._to_number.get(member)
        if number is None:
            raise ProtocolError(f"{field}: {self.model.__name__}.{member.name} has no protobuf form")
        return number

    def from_proto(self, number: int, field: str) -> _E:
        member = self._to_member.get(number)
        if member is None:
            raise ProtocolError(f"{field}: {number} is not a known {self.proto.DESCRIPTOR.name} value")
        return member


RESULT_CODE = EnumMap(
    ResultCode,
    pb.ResultCodeProto,
    {ResultCode.FAILED: "Failed", ResultCode.SUCCESS: "Success"},
)

# XA and SAGA_ANNOTATION are missing from the proto enum.
BRANCH_TYPE = EnumMap(
    BranchType,
    pb.BranchTypeProto,
    {BranchType.AT: "AT", BranchType.TCC: "TCC", BranchType.SAGA: "SAGA"},
)

# The two XAER_NOTA codes and STOP_RETRY are missing from the proto enum.
BRANCH_STATUS = EnumMap(
    BranchStatus,
    pb.BranchStatusProto,
    {
        BranchStatus.UNKNOWN: "BUnknown",
        BranchStatus.REGISTERED: "Registered",
        BranchStatus.PHASE_ONE_DONE: "PhaseOne_Done",
        BranchStatus.PHASE_ONE_FAILED: "PhaseOne_Failed",
        BranchStatus.PHASE_ONE_TIMEOUT: "PhaseOne_Timeout",
        BranchStatus.PHASE_TWO_COMMITTED: "PhaseTwo_Committed",
        BranchStatus.PHASE_TWO_COMMIT_FAILED_RETRYABLE: "PhaseTwo_CommitFailed_Retryable",
        BranchStatus.PHASE_TWO_COMMIT_FAILED_UNRETRYABLE: "PhaseTwo_CommitFailed_Unretryable",
        BranchStatus.PHASE_TWO_ROLLBACKED: "PhaseTwo_Rollbacked",
        BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE: "PhaseTwo_RollbackFailed_Retryable",
        BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE: "PhaseTwo_RollbackFailed_Unretryable",
        BranchStatus.PHASE_ONE_RDONLY: "PhaseOne_RDONLY",
    },
)

# Codes 16-20 (retry timeouts, Deleting, the Stop* states) are missing from the proto enum.
GLOBAL_STATUS = EnumMap(
    GlobalStatus,
    pb.GlobalStatusProto,
    {
        GlobalStatus.UNKNOWN: "UnKnown",
        GlobalStatus.BEGIN: "Begin",
        GlobalStatus.COMMITTING: "Committing",
        GlobalStatus.COMMIT_RETRYING: "CommitRetrying",
        GlobalStatus.ROLLBACKING: "Rollbacking",
        GlobalStatus.ROLLBACK_RETRYING: "RollbackRetrying",
        GlobalStatus.TIMEOUT_ROLLBACKING: "TimeoutRollbacking",
        GlobalStatus.TIMEOUT_ROLLBACK_RETRYING: "TimeoutRollbackRetrying",
        GlobalStatus.ASYNC_COMMITTING: "AsyncCommitting",
        GlobalStatus.COMMITTED: "Committed",
        GlobalStatus.COMMIT_FAILED: "CommitFailed",
        GlobalStatus.ROLLBACKED: "Rollbacked",
        GlobalStatus.ROLLBACK_FAILED: "RollbackFailed",
        GlobalStatus.TIMEOUT_ROLLBACKED: "TimeoutRollbacked",
        GlobalStatus.TIMEOUT_ROLLBACK_FAILED: "TimeoutRollbackFailed",
        GlobalStatus.FINISHED: "Finished",
    },
)

# Missing from the proto enum: BeginFailed (hence the shifted numbers) and everything after FailedStore.
# FAILED_LOCK_GLOBAL_TRANSACTION is paired with the proto's misspelled "FailedLockGlobalTranscation": it is
# the same code, but Java's by-name conversion cannot match the two spellings, so a Java peer fails on it in
# either direction (a Java server can never send it).
EXCEPTION_CODE = EnumMap(
    TransactionExceptionCode,
    pb.TransactionExceptionCodeProto,
    {
        TransactionExceptionCode.UNKNOWN: "Unknown",
        TransactionExceptionCode.LOCK_KEY_CONFLICT: "LockKeyConflict",
        TransactionExceptionCode.IO: "IO",
        TransactionExceptionCode.BRANCH_ROLLBACK_FAILED_RETRIABLE: "BranchRollbackFailed_Retriable",
        TransactionExceptionCode.BRANCH_ROLLBACK_FAILED_UNRETRIABLE: "BranchRollbackFailed_Unretriable",
        TransactionExceptionCode.BRANCH_REGISTER_FAILED: "BranchRegisterFailed",
        TransactionExceptionCode.BRANCH_REPORT_FAILED: "BranchReportFailed",
        TransactionExceptionCode.LOCKABLE_CHECK_FAILED: "LockableCheckFailed",
        TransactionExceptionCode.BRANCH_TRANSACTION_NOT_EXIST: "BranchTransactionNotExist",
        TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_EXIST: "GlobalTransactionNotExist",
        TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_ACTIVE: "GlobalTransactionNotActive",
        TransactionExceptionCode.GLOBAL_TRANSACTION_STATUS_INVALID: "GlobalTransactionStatusInvalid",
        TransactionExceptionCode.FAILED_TO_SEND_BRANCH_COMMIT_REQUEST: "FailedToSendBranchCommitRequest",
        TransactionExceptionCode.FAILED_TO_SEND_BRANCH_ROLLBACK_REQUEST: "FailedToSendBranchRollbackRequest",
        TransactionExceptionCode.FAILED_TO_ADD_BRANCH: "FailedToAddBranch",
        TransactionExceptionCode.FAILED_LOCK_GLOBAL_TRANSACTION: "FailedLockGlobalTranscation",
        TransactionExceptionCode.FAILED_WRITE_SESSION: "FailedWriteSession",
        TransactionExceptionCode.FAILED_STORE: "FailedStore",
    },
)

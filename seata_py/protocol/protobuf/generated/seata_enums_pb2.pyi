# Regenerate with: python scripts/gen_proto.py (do not edit by hand)
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ResultCodeProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Failed: _ClassVar[ResultCodeProto]
    Success: _ClassVar[ResultCodeProto]

class BranchTypeProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AT: _ClassVar[BranchTypeProto]
    TCC: _ClassVar[BranchTypeProto]
    SAGA: _ClassVar[BranchTypeProto]

class BranchStatusProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUnknown: _ClassVar[BranchStatusProto]
    Registered: _ClassVar[BranchStatusProto]
    PhaseOne_Done: _ClassVar[BranchStatusProto]
    PhaseOne_Failed: _ClassVar[BranchStatusProto]
    PhaseOne_Timeout: _ClassVar[BranchStatusProto]
    PhaseTwo_Committed: _ClassVar[BranchStatusProto]
    PhaseTwo_CommitFailed_Retryable: _ClassVar[BranchStatusProto]
    PhaseTwo_CommitFailed_Unretryable: _ClassVar[BranchStatusProto]
    PhaseTwo_Rollbacked: _ClassVar[BranchStatusProto]
    PhaseTwo_RollbackFailed_Retryable: _ClassVar[BranchStatusProto]
    PhaseTwo_RollbackFailed_Unretryable: _ClassVar[BranchStatusProto]
    PhaseOne_RDONLY: _ClassVar[BranchStatusProto]

class GlobalStatusProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnKnown: _ClassVar[GlobalStatusProto]
    Begin: _ClassVar[GlobalStatusProto]
    Committing: _ClassVar[GlobalStatusProto]
    CommitRetrying: _ClassVar[GlobalStatusProto]
    Rollbacking: _ClassVar[GlobalStatusProto]
    RollbackRetrying: _ClassVar[GlobalStatusProto]
    TimeoutRollbacking: _ClassVar[GlobalStatusProto]
    TimeoutRollbackRetrying: _ClassVar[GlobalStatusProto]
    AsyncCommitting: _ClassVar[GlobalStatusProto]
    Committed: _ClassVar[GlobalStatusProto]
    CommitFailed: _ClassVar[GlobalStatusProto]
    Rollbacked: _ClassVar[GlobalStatusProto]
    RollbackFailed: _ClassVar[GlobalStatusProto]
    TimeoutRollbacked: _ClassVar[GlobalStatusProto]
    TimeoutRollbackFailed: _ClassVar[GlobalStatusProto]
    Finished: _ClassVar[GlobalStatusProto]

class TransactionExceptionCodeProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Unknown: _ClassVar[TransactionExceptionCodeProto]
    LockKeyConflict: _ClassVar[TransactionExceptionCodeProto]
    IO: _ClassVar[TransactionExceptionCodeProto]
    BranchRollbackFailed_Retriable: _ClassVar[TransactionExceptionCodeProto]
    BranchRollbackFailed_Unretriable: _ClassVar[TransactionExceptionCodeProto]
    BranchRegisterFailed: _ClassVar[TransactionExceptionCodeProto]
    BranchReportFailed: _ClassVar[TransactionExceptionCodeProto]
    LockableCheckFailed: _ClassVar[TransactionExceptionCodeProto]
    BranchTransactionNotExist: _ClassVar[TransactionExceptionCodeProto]
    GlobalTransactionNotExist: _ClassVar[TransactionExceptionCodeProto]
    GlobalTransactionNotActive: _ClassVar[TransactionExceptionCodeProto]
    GlobalTransactionStatusInvalid: _ClassVar[TransactionExceptionCodeProto]
    FailedToSendBranchCommitRequest: _ClassVar[TransactionExceptionCodeProto]
    FailedToSendBranchRollbackRequest: _ClassVar[TransactionExceptionCodeProto]
    FailedToAddBranch: _ClassVar[TransactionExceptionCodeProto]
    FailedLockGlobalTranscation: _ClassVar[TransactionExceptionCodeProto]
    FailedWriteSession: _ClassVar[TransactionExceptionCodeProto]
    FailedStore: _ClassVar[TransactionExceptionCodeProto]

class MessageTypeProto(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TYPE_GLOBAL_PRESERVED: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_BEGIN: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_BEGIN_RESULT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_COMMIT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_COMMIT_RESULT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_ROLLBACK: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_ROLLBACK_RESULT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_COMMIT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_COMMIT_RESULT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_ROLLBACK: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_ROLLBACK_RESULT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_REGISTER: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_REGISTER_RESULT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_STATUS_REPORT: _ClassVar[MessageTypeProto]
    TYPE_BRANCH_STATUS_REPORT_RESULT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_STATUS: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_STATUS_RESULT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_REPORT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_REPORT_RESULT: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_LOCK_QUERY: _ClassVar[MessageTypeProto]
    TYPE_GLOBAL_LOCK_QUERY_RESULT: _ClassVar[MessageTypeProto]
    TYPE_SEATA_MERGE: _ClassVar[MessageTypeProto]
    TYPE_SEATA_MERGE_RESULT: _ClassVar[MessageTypeProto]
    TYPE_REG_CLT: _ClassVar[MessageTypeProto]
    TYPE_REG_CLT_RESULT: _ClassVar[MessageTypeProto]
    TYPE_REG_RM: _ClassVar[MessageTypeProto]
    TYPE_REG_RM_RESULT: _ClassVar[MessageTypeProto]
    TYPE_UNDO_LOG_DELETE: _ClassVar[MessageTypeProto]
    TYPE_BATCH_RESULT_MSG: _ClassVar[MessageTypeProto]
Failed: ResultCodeProto
Success: ResultCodeProto
AT: BranchTypeProto
TCC: BranchTypeProto
SAGA: BranchTypeProto
BUnknown: BranchStatusProto
Registered: BranchStatusProto
PhaseOne_Done: BranchStatusProto
PhaseOne_Failed: BranchStatusProto
PhaseOne_Timeout: BranchStatusProto
PhaseTwo_Committed: BranchStatusProto
PhaseTwo_CommitFailed_Retryable: BranchStatusProto
PhaseTwo_CommitFailed_Unretryable: BranchStatusProto
PhaseTwo_Rollbacked: BranchStatusProto
PhaseTwo_RollbackFailed_Retryable: BranchStatusProto
PhaseTwo_RollbackFailed_Unretryable: BranchStatusProto
PhaseOne_RDONLY: BranchStatusProto
UnKnown: GlobalStatusProto
Begin: GlobalStatusProto
Committing: GlobalStatusProto
CommitRetrying: GlobalStatusProto
Rollbacking: GlobalStatusProto
RollbackRetrying: GlobalStatusProto
TimeoutRollbacking: GlobalStatusProto
TimeoutRollbackRetrying: GlobalStatusProto
AsyncCommitting: GlobalStatusProto
Committed: GlobalStatusProto
CommitFailed: GlobalStatusProto
Rollbacked: GlobalStatusProto
RollbackFailed: GlobalStatusProto
TimeoutRollbacked: GlobalStatusProto
TimeoutRollbackFailed: GlobalStatusProto
Finished: GlobalStatusProto
Unknown: TransactionExceptionCodeProto
LockKeyConflict: TransactionExceptionCodeProto
IO: TransactionExceptionCodeProto
BranchRollbackFailed_Retriable: TransactionExceptionCodeProto
BranchRollbackFailed_Unretriable: TransactionExceptionCodeProto
BranchRegisterFailed: TransactionExceptionCodeProto
BranchReportFailed: TransactionExceptionCodeProto
LockableCheckFailed: TransactionExceptionCodeProto
BranchTransactionNotExist: TransactionExceptionCodeProto
GlobalTransactionNotExist: TransactionExceptionCodeProto
GlobalTransactionNotActive: TransactionExceptionCodeProto
GlobalTransactionStatusInvalid: TransactionExceptionCodeProto
FailedToSendBranchCommitRequest: TransactionExceptionCodeProto
FailedToSendBranchRollbackRequest: TransactionExceptionCodeProto
FailedToAddBranch: TransactionExceptionCodeProto
FailedLockGlobalTranscation: TransactionExceptionCodeProto
FailedWriteSession: TransactionExceptionCodeProto
FailedStore: TransactionExceptionCodeProto
TYPE_GLOBAL_PRESERVED: MessageTypeProto
TYPE_GLOBAL_BEGIN: MessageTypeProto
TYPE_GLOBAL_BEGIN_RESULT: MessageTypeProto
TYPE_BRANCH_COMMIT: MessageTypeProto
TYPE_BRANCH_COMMIT_RESULT: MessageTypeProto
TYPE_BRANCH_ROLLBACK: MessageTypeProto
TYPE_BRANCH_ROLLBACK_RESULT: MessageTypeProto
TYPE_GLOBAL_COMMIT: MessageTypeProto
TYPE_GLOBAL_COMMIT_RESULT: MessageTypeProto
TYPE_GLOBAL_ROLLBACK: MessageTypeProto
TYPE_GLOBAL_ROLLBACK_RESULT: MessageTypeProto
TYPE_BRANCH_REGISTER: MessageTypeProto
TYPE_BRANCH_REGISTER_RESULT: MessageTypeProto
TYPE_BRANCH_STATUS_REPORT: MessageTypeProto
TYPE_BRANCH_STATUS_REPORT_RESULT: MessageTypeProto
TYPE_GLOBAL_STATUS: MessageTypeProto
TYPE_GLOBAL_STATUS_RESULT: MessageTypeProto
TYPE_GLOBAL_REPORT: MessageTypeProto
TYPE_GLOBAL_REPORT_RESULT: MessageTypeProto
TYPE_GLOBAL_LOCK_QUERY: MessageTypeProto
TYPE_GLOBAL_LOCK_QUERY_RESULT: MessageTypeProto
TYPE_SEATA_MERGE: MessageTypeProto
TYPE_SEATA_MERGE_RESULT: MessageTypeProto
TYPE_REG_CLT: MessageTypeProto
TYPE_REG_CLT_RESULT: MessageTypeProto
TYPE_REG_RM: MessageTypeProto
TYPE_REG_RM_RESULT: MessageTypeProto
TYPE_UNDO_LOG_DELETE: MessageTypeProto
TYPE_BATCH_RESULT_MSG: MessageTypeProto

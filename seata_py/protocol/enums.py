"""Numeric constants of the Seata RPC protocol (doc §1.2-1.5 and §4).

The SEATA codec writes ResultCode, BranchType and TransactionExceptionCode as Java ordinals and
BranchStatus/GlobalStatus as their Java ``code`` values; the values below are exactly those numbers,
so an enum member's ``int`` value is what goes on the wire.
"""

from __future__ import annotations

import enum

__all__ = [
    "BranchStatus",
    "BranchType",
    "ClientRole",
    "Codec",
    "Compressor",
    "FrameType",
    "GlobalStatus",
    "MessageType",
    "ResultCode",
    "TransactionExceptionCode",
]


class ClientRole(enum.Enum):
    """Which of its two registrations a client connection is: transaction manager or resource manager.

    A client registers each role on its own connection (RegisterTMRequest / RegisterRMRequest); the RPC
    client and the embedded TC both key their connections by it.
    """

    TM = "TM"
    RM = "RM"


class FrameType(enum.IntEnum):
    """Byte 9 of the frame header (Java ``ProtocolConstants.MSGTYPE_*``)."""

    REQUEST_SYNC = 0
    RESPONSE = 1
    REQUEST_ONEWAY = 2
    HEARTBEAT_REQUEST = 3
    HEARTBEAT_RESPONSE = 4


class Codec(enum.IntEnum):
    """Byte 10 of the frame header. Only SEATA bodies can be encoded or decoded here."""

    SEATA = 1
    PROTOBUF = 2
    KRYO = 4
    HESSIAN = 22
    GRPC = 40
    JACKSON = 50


class Compressor(enum.IntEnum):
    """Byte 11 of the frame header. Only NONE and GZIP are implemented."""

    NONE = 0
    GZIP = 1
    ZIP = 2
    SEVENZ = 3
    BZIP2 = 4
    LZ4 = 5
    DEFLATER = 6
    ZSTD = 7


class MessageType(enum.IntEnum):
    """The int16 type code that starts every SEATA-codec body."""

    GLOBAL_BEGIN = 1
    GLOBAL_BEGIN_RESULT = 2
    BRANCH_COMMIT = 3
    BRANCH_COMMIT_RESULT = 4
    BRANCH_ROLLBACK = 5
    BRANCH_ROLLBACK_RESULT = 6
    GLOBAL_COMMIT = 7
    GLOBAL_COMMIT_RESULT = 8
    GLOBAL_ROLLBACK = 9
    GLOBAL_ROLLBACK_RESULT = 10
    BRANCH_REGISTER = 11
    BRANCH_REGISTER_RESULT = 12
    BRANCH_STATUS_REPORT = 13
    BRANCH_STATUS_REPORT_RESULT = 14
    GLOBAL_STATUS = 15
    GLOBAL_STATUS_RESULT = 16
    GLOBAL_REPORT = 17
    GLOBAL_REPORT_RESULT = 18
    GLOBAL_LOCK_QUERY = 21
    GLOBAL_LOCK_QUERY_RESULT = 22
    SEATA_MERGE = 59
    SEATA_MERGE_RESULT = 60
    REG_CLT = 101
    REG_CLT_RESULT = 102
    REG_RM = 103
    REG_RM_RESULT = 104
    RM_DELETE_UNDOLOG = 111
    # Heartbeats travel as body-less frames; this code exists in Java but no body ever carries it.
    HEARTBEAT_MSG = 120
    BATCH_RESULT_MSG = 121


class ResultCode(enum.IntEnum):
    """Java ``ResultCode`` ordinal."""

    FAILED = 0
    SUCCESS = 1


class BranchType(enum.IntEnum):
    """Java ``BranchType`` ordinal."""

    AT = 0
    TCC = 1
    SAGA = 2
    XA = 3
    SAGA_ANNOTATION = 4


class BranchStatus(enum.IntEnum):
    """Java ``BranchStatus.code``."""

    UNKNOWN = 0
    REGISTERED = 1
    PHASE_ONE_DONE = 2
    PHASE_ONE_FAILED = 3
    PHASE_ONE_TIMEOUT = 4
    PHASE_TWO_COMMITTED = 5
    PHASE_TWO_COMMIT_FAILED_RETRYABLE = 6
    PHASE_TWO_COMMIT_FAILED_UNRETRYABLE = 7
    PHASE_TWO_ROLLBACKED = 8
    PHASE_TWO_ROLLBACK_FAILED_RETRYABLE = 9
    PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE = 10
    PHASE_TWO_COMMIT_FAILED_XAER_NOTA_RETRYABLE = 11
    PHASE_TWO_ROLLBACK_FAILED_XAER_NOTA_RETRYABLE = 12
    PHASE_ONE_RDONLY = 13
    STOP_RETRY = 14


class GlobalStatus(enum.IntEnum):
    """Java ``GlobalStatus.code``."""

    UNKNOWN = 0
    BEGIN = 1
    COMMITTING = 2
    COMMIT_RETRYING = 3
    ROLLBACKING = 4
    ROLLBACK_RETRYING = 5
    TIMEOUT_ROLLBACKING = 6
    TIMEOUT_ROLLBACK_RETRYING = 7
    ASYNC_COMMITTING = 8
    COMMITTED = 9
    COMMIT_FAILED = 10
    ROLLBACKED = 11
    ROLLBACK_FAILED = 12
    TIMEOUT_ROLLBACKED = 13
    TIMEOUT_ROLLBACK_FAILED = 14
    FINISHED = 15
    COMMIT_RETRY_TIMEOUT = 16
    ROLLBACK_RETRY_TIMEOUT = 17
    DELETING = 18
    STOP_COMMIT_OR_COMMIT_RETRY = 19
    STOP_ROLLBACK_OR_ROLLBACK_RETRY = 20


class TransactionExceptionCode(enum.IntEnum):
    """Java ``TransactionExceptionCode`` ordinal (not the protobuf numbering, which is shifted)."""

    UNKNOWN = 0
    BEGIN_FAILED = 1
    LOCK_KEY_CONFLICT = 2
    IO = 3
    BRANCH_ROLLBACK_FAILED_RETRIABLE = 4
    BRANCH_ROLLBACK_FAILED_UNRETRIABLE = 5
    BRANCH_REGISTER_FAILED = 6
    BRANCH_REPORT_FAILED = 7
    LOCKABLE_CHECK_FAILED = 8
    BRANCH_TRANSACTION_NOT_EXIST = 9
    GLOBAL_TRANSACTION_NOT_EXIST = 10
    GLOBAL_TRANSACTION_NOT_ACTIVE = 11
    GLOBAL_TRANSACTION_STATUS_INVALID = 12
    FAILED_TO_SEND_BRANCH_COMMIT_REQUEST = 13
    FAILED_TO_SEND_BRANCH_ROLLBACK_REQUEST = 14
    FAILED_TO_ADD_BRANCH = 15
    FAILED_LOCK_GLOBAL_TRANSACTION = 16
    FAILED_WRITE_SESSION = 17
    FAILED_STORE = 18
    NOT_RAFT_LEADER = 19
    LOCK_KEY_CONFLICT_FAIL_FAST = 20
    TRANSACTION_TIMEOUT = 21
    COMMIT_HEURISTIC = 22
    BROKEN = 23

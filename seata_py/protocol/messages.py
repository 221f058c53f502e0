"""Immutable message objects carried in SEATA-codec bodies (doc §2.3).

Wire conventions reflected in the field types:

* Every string is ``str | None``. The codec writes ``None`` and ``""`` both as length 0 and reads
  length 0 back as ``None``, because Java makes no difference between them either.
* Enum fields hold the IntEnum members of :mod:`seata_py.protocol.enums`.
* Result fields (``result_code``, ``msg``, ``exception_code``) are keyword-only with defaults so that
  a success response can be built from its own fields alone, e.g. ``BranchRegisterResponse(42)``.
  ``msg`` only reaches the wire when ``result_code`` is FAILED, as in Java.
* Messages that share a layout share a base class named after Java's abstract one (``GlobalEndRequest`` for
  ``AbstractGlobalEndRequest``), so the codecs describe each layout once. Bases have no type code.

:data:`MESSAGE_TYPES` lists every concrete message; the codecs and the package face derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from .enums import BranchStatus, BranchType, GlobalStatus, MessageType, ResultCode, TransactionExceptionCode

__all__ = [
    "CONTAINER_TYPES",
    "MESSAGE_TYPES",
    "AnyMessage",
    "BatchResultMessage",
    "BranchCommitRequest",
    "BranchCommitResponse",
    "BranchEndRequest",
    "BranchEndResponse",
    "BranchLockRequest",
    "BranchRegisterRequest",
    "BranchRegisterResponse",
    "BranchReportRequest",
    "BranchReportResponse",
    "BranchRollbackRequest",
    "BranchRollbackResponse",
    "GlobalBeginRequest",
    "GlobalBeginResponse",
    "GlobalCommitRequest",
    "GlobalCommitResponse",
    "GlobalEndRequest",
    "GlobalEndResponse",
    "GlobalLockQueryRequest",
    "GlobalLockQueryResponse",
    "GlobalReportRequest",
    "GlobalReportResponse",
    "GlobalRollbackRequest",
    "GlobalRollbackResponse",
    "GlobalStatusRequest",
    "GlobalStatusResponse",
    "IdentifyRequest",
    "IdentifyResponse",
    "MergeResultMessage",
    "MergedWarpMessage",
    "Message",
    "RegisterRMRequest",
    "RegisterRMResponse",
    "RegisterTMRequest",
    "RegisterTMResponse",
    "ResultMessage",
    "TransactionResponse",
    "UndoLogDeleteRequest",
    "is_request",
]


@dataclass(frozen=True)
class Message:
    """Marker base of every body message."""

    TYPE_CODE: ClassVar[MessageType]
    # Lets the RPC layer pick the frame type and match responses without a table of its own.
    IS_REQUEST: ClassVar[bool]


@dataclass(frozen=True, kw_only=True)
class ResultMessage(Message):
    """Base of responses: Java ``AbstractResultMessage``."""

    IS_REQUEST: ClassVar[bool] = False

    result_code: ResultCode = ResultCode.SUCCESS
    msg: str | None = None


@dataclass(frozen=True, kw_only=True)
class TransactionResponse(ResultMessage):
    """Base of transaction responses: Java ``AbstractTransactionResponse``."""

    exception_code: TransactionExceptionCode = TransactionExceptionCode.UNKNOWN


def is_request(msg: Message) -> bool:
    """True for messages sent as requests (frame type 0 or 2), False for responses (frame type 1)."""
    return type(msg).IS_REQUEST


# --- registration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifyRequest(Message):
    """Base of the registrations: Java ``AbstractIdentifyRequest``."""

    IS_REQUEST: ClassVar[bool] = True

    version: str | None
    application_id: str | None
    transaction_service_group: str | None
    extra_data: str | None = None


@dataclass(frozen=True)
class IdentifyResponse(ResultMessage):
    """``result_code``/``msg`` only exist on the wire in the V2 body form; V1 (what is encoded) omits them."""

    identified: bool
    version: str | None = None


@dataclass(frozen=True)
class RegisterTMRequest(IdentifyRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.REG_CLT


@dataclass(frozen=True)
class RegisterTMResponse(IdentifyResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.REG_CLT_RESULT


@dataclass(frozen=True)
class RegisterRMRequest(IdentifyRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.REG_RM

    # Comma-separated: the TC splits on ",".
    resource_ids: str | None = None


@dataclass(frozen=True)
class RegisterRMResponse(IdentifyResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.REG_RM_RESULT


# --- TM -> TC -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalBeginRequest(Message):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_BEGIN
    IS_REQUEST: ClassVar[bool] = True

    timeout: int  # milliseconds, int32
    transaction_name: str | None = None


@dataclass(frozen=True)
class GlobalBeginResponse(TransactionResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_BEGIN_RESULT

    # A failed begin carries no xid, hence the defaults.
    xid: str | None = None
    extra_data: str | None = None


@dataclass(frozen=True)
class GlobalEndRequest(Message):
    """Base of the requests naming one global transaction: Java ``AbstractGlobalEndRequest``."""

    IS_REQUEST: ClassVar[bool] = True

    xid: str | None
    extra_data: str | None = None


@dataclass(frozen=True)
class GlobalEndResponse(TransactionResponse):
    """Base of the answers carrying a global status: Java ``AbstractGlobalEndResponse``."""

    global_status: GlobalStatus


@dataclass(frozen=True)
class GlobalCommitRequest(GlobalEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_COMMIT


@dataclass(frozen=True)
class GlobalRollbackRequest(GlobalEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_ROLLBACK


@dataclass(frozen=True)
class GlobalStatusRequest(GlobalEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_STATUS


@dataclass(frozen=True)
class GlobalReportRequest(GlobalEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_REPORT

    global_status: GlobalStatus | None = None


@dataclass(frozen=True)
class GlobalCommitResponse(GlobalEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_COMMIT_RESULT


@dataclass(frozen=True)
class GlobalRollbackResponse(GlobalEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_ROLLBACK_RESULT


@dataclass(frozen=True)
class GlobalStatusResponse(GlobalEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_STATUS_RESULT


@dataclass(frozen=True)
class GlobalReportResponse(GlobalEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_REPORT_RESULT


# --- RM -> TC -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchLockRequest(Message):
    """Fields of a branch registration and of a lock query. In Java the query extends the registration;
    here they are siblings, so that an isinstance check never takes the one for the other."""

    IS_REQUEST: ClassVar[bool] = True

    xid: str | None
    branch_type: BranchType
    resource_id: str | None
    lock_key: str | None
    application_data: str | None = None


@dataclass(frozen=True)
class BranchRegisterRequest(BranchLockRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_REGISTER


@dataclass(frozen=True)
class BranchRegisterResponse(TransactionResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_REGISTER_RESULT

    branch_id: int  # int64


@dataclass(frozen=True)
class BranchReportRequest(Message):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_STATUS_REPORT
    IS_REQUEST: ClassVar[bool] = True

    xid: str | None
    branch_id: int  # int64
    status: BranchStatus
    resource_id: str | None
    application_data: str | None
    branch_type: BranchType


@dataclass(frozen=True)
class BranchReportResponse(TransactionResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_STATUS_REPORT_RESULT


@dataclass(frozen=True)
class GlobalLockQueryRequest(BranchLockRequest):
    """Same fields and wire layout as :class:`BranchRegisterRequest`, but a different type code."""

    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_LOCK_QUERY


@dataclass(frozen=True)
class GlobalLockQueryResponse(TransactionResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.GLOBAL_LOCK_QUERY_RESULT

    lockable: bool  # int16 on the wire, unlike every other boolean


# --- TC -> RM -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchEndRequest(Message):
    """Base of the phase-two requests: Java ``AbstractBranchEndRequest``."""

    IS_REQUEST: ClassVar[bool] = True

    xid: str | None
    branch_id: int  # int64
    branch_type: BranchType
    resource_id: str | None
    application_data: str | None = None


@dataclass(frozen=True)
class BranchEndResponse(TransactionResponse):
    """Base of the phase-two answers: Java ``AbstractBranchEndResponse``."""

    xid: str | None
    branch_id: int  # int64
    # The TC decides what to do with the branch from this field alone.
    branch_status: BranchStatus


@dataclass(frozen=True)
class BranchCommitRequest(BranchEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_COMMIT


@dataclass(frozen=True)
class BranchRollbackRequest(BranchEndRequest):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_ROLLBACK


@dataclass(frozen=True)
class BranchCommitResponse(BranchEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_COMMIT_RESULT


@dataclass(frozen=True)
class BranchRollbackResponse(BranchEndResponse):
    TYPE_CODE: ClassVar[MessageType] = MessageType.BRANCH_ROLLBACK_RESULT


@dataclass(frozen=True)
class UndoLogDeleteRequest(Message):
    """Sent oneway by the TC; no response exists."""

    TYPE_CODE: ClassVar[MessageType] = MessageType.RM_DELETE_UNDOLOG
    IS_REQUEST: ClassVar[bool] = True

    branch_type: BranchType
    resource_id: str | None
    save_days: int  # int16


# --- batching containers --------------------------------------------------------------------------
# A client should never send these (doc §1.6), but an older TC may answer with them and a Python TC
# needs to read them, so both directions are supported. Containers cannot nest.


@dataclass(frozen=True)
class MergedWarpMessage(Message):
    """Several requests in one body; ``msg_ids[i]`` is the request id of ``msgs[i]``."""

    TYPE_CODE: ClassVar[MessageType] = MessageType.SEATA_MERGE
    IS_REQUEST: ClassVar[bool] = True

    msgs: tuple[Message, ...]
    msg_ids: tuple[int, ...]


@dataclass(frozen=True)
class MergeResultMessage(Message):
    """Responses to a MergedWarpMessage, matched to its requests by position."""

    TYPE_CODE: ClassVar[MessageType] = MessageType.SEATA_MERGE_RESULT
    IS_REQUEST: ClassVar[bool] = False

    msgs: tuple[Message, ...]


@dataclass(frozen=True)
class BatchResultMessage(Message):
    """Responses to merged requests, matched by ``msg_ids[i]`` rather than position."""

    TYPE_CODE: ClassVar[MessageType] = MessageType.BATCH_RESULT_MSG
    IS_REQUEST: ClassVar[bool] = False

    results: tuple[Message, ...]
    msg_ids: tuple[int, ...]


AnyMessage: TypeAlias = (
    RegisterTMRequest
    | RegisterTMResponse
    | RegisterRMRequest
    | RegisterRMResponse
    | GlobalBeginRequest
    | GlobalBeginResponse
    | GlobalCommitRequest
    | GlobalCommitResponse
    | GlobalRollbackRequest
    | GlobalRollbackResponse
    | GlobalStatusRequest
    | GlobalStatusResponse
    | GlobalReportRequest
    | GlobalReportResponse
    | BranchRegisterRequest
    | BranchRegisterResponse
    | BranchReportRequest
    | BranchReportResponse
    | GlobalLockQueryRequest
    | GlobalLockQueryResponse
    | BranchCommitRequest
    | BranchCommitResponse
    | BranchRollbackRequest
    | BranchRollbackResponse
    | UndoLogDeleteRequest
    | MergedWarpMessage
    | MergeResultMessage
    | BatchResultMessage
)


def _concrete(base: type[Message]) -> list[type[Message]]:
    found = []
    for cls in base.__subclasses__():
        if "TYPE_CODE" in vars(cls):
            found.append(cls)
        found.extend(_concrete(cls))
    return found


#: Every message that has a type code, in type-code order. Collected from the class tree rather than listed,
#: so a message added above is in it without a second edit, and a codec missing it fails its coverage test.
MESSAGE_TYPES: tuple[type[Message], ...] = tuple(sorted(_concrete(Message), key=lambda cls: cls.TYPE_CODE))

#: The batching containers, which never nest.
CONTAINER_TYPES: tuple[type[Message], ...] = (MergedWarpMessage, MergeResultMessage, BatchResultMessage)

# Regenerate with: python scripts/gen_proto.py (do not edit by hand)
from google.protobuf import any_pb2 as _any_pb2
from . import seata_enums_pb2 as _seata_enums_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AbstractMessageProto(_message.Message):
    __slots__ = ("messageType",)
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    messageType: _seata_enums_pb2.MessageTypeProto
    def __init__(self, messageType: _Optional[_Union[_seata_enums_pb2.MessageTypeProto, str]] = ...) -> None: ...

class AbstractTransactionRequestProto(_message.Message):
    __slots__ = ("abstractMessage",)
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    abstractMessage: AbstractMessageProto
    def __init__(self, abstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ...) -> None: ...

class AbstractResultMessageProto(_message.Message):
    __slots__ = ("AbstractMessage", "resultCode", "msg")
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULTCODE_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    AbstractMessage: AbstractMessageProto
    resultCode: _seata_enums_pb2.ResultCodeProto
    msg: str
    def __init__(self, AbstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ..., resultCode: _Optional[_Union[_seata_enums_pb2.ResultCodeProto, str]] = ..., msg: _Optional[str] = ...) -> None: ...

class AbstractTransactionResponseProto(_message.Message):
    __slots__ = ("abstractResultMessage", "transactionExceptionCode")
    ABSTRACTRESULTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONEXCEPTIONCODE_FIELD_NUMBER: _ClassVar[int]
    abstractResultMessage: AbstractResultMessageProto
    transactionExceptionCode: _seata_enums_pb2.TransactionExceptionCodeProto
    def __init__(self, abstractResultMessage: _Optional[_Union[AbstractResultMessageProto, _Mapping]] = ..., transactionExceptionCode: _Optional[_Union[_seata_enums_pb2.TransactionExceptionCodeProto, str]] = ...) -> None: ...

class AbstractIdentifyRequestProto(_message.Message):
    __slots__ = ("abstractMessage", "version", "applicationId", "transactionServiceGroup", "extraData")
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONSERVICEGROUP_FIELD_NUMBER: _ClassVar[int]
    EXTRADATA_FIELD_NUMBER: _ClassVar[int]
    abstractMessage: AbstractMessageProto
    version: str
    applicationId: str
    transactionServiceGroup: str
    extraData: str
    def __init__(self, abstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ..., version: _Optional[str] = ..., applicationId: _Optional[str] = ..., transactionServiceGroup: _Optional[str] = ..., extraData: _Optional[str] = ...) -> None: ...

class AbstractIdentifyResponseProto(_message.Message):
    __slots__ = ("abstractResultMessage", "version", "extraData", "identified")
    ABSTRACTRESULTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EXTRADATA_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIED_FIELD_NUMBER: _ClassVar[int]
    abstractResultMessage: AbstractResultMessageProto
    version: str
    extraData: str
    identified: bool
    def __init__(self, abstractResultMessage: _Optional[_Union[AbstractResultMessageProto, _Mapping]] = ..., version: _Optional[str] = ..., extraData: _Optional[str] = ..., identified: _Optional[bool] = ...) -> None: ...

class AbstractGlobalEndRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "xid", "extraData")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    EXTRADATA_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    xid: str
    extraData: str
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., xid: _Optional[str] = ..., extraData: _Optional[str] = ...) -> None: ...

class AbstractGlobalEndResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse", "globalStatus")
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    GLOBALSTATUS_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    globalStatus: _seata_enums_pb2.GlobalStatusProto
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ..., globalStatus: _Optional[_Union[_seata_enums_pb2.GlobalStatusProto, str]] = ...) -> None: ...

class AbstractBranchEndRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "xid", "branchId", "branchType", "resourceId", "applicationData")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    BRANCHID_FIELD_NUMBER: _ClassVar[int]
    BRANCHTYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONDATA_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    xid: str
    branchId: int
    branchType: _seata_enums_pb2.BranchTypeProto
    resourceId: str
    applicationData: str
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., xid: _Optional[str] = ..., branchId: _Optional[int] = ..., branchType: _Optional[_Union[_seata_enums_pb2.BranchTypeProto, str]] = ..., resourceId: _Optional[str] = ..., applicationData: _Optional[str] = ...) -> None: ...

class AbstractBranchEndResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse", "xid", "branchId", "branchStatus")
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    BRANCHID_FIELD_NUMBER: _ClassVar[int]
    BRANCHSTATUS_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    xid: str
    branchId: int
    branchStatus: _seata_enums_pb2.BranchStatusProto
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ..., xid: _Optional[str] = ..., branchId: _Optional[int] = ..., branchStatus: _Optional[_Union[_seata_enums_pb2.BranchStatusProto, str]] = ...) -> None: ...

class RegisterTMRequestProto(_message.Message):
    __slots__ = ("abstractIdentifyRequest",)
    ABSTRACTIDENTIFYREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractIdentifyRequest: AbstractIdentifyRequestProto
    def __init__(self, abstractIdentifyRequest: _Optional[_Union[AbstractIdentifyRequestProto, _Mapping]] = ...) -> None: ...

class RegisterTMResponseProto(_message.Message):
    __slots__ = ("abstractIdentifyResponse",)
    ABSTRACTIDENTIFYRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractIdentifyResponse: AbstractIdentifyResponseProto
    def __init__(self, abstractIdentifyResponse: _Optional[_Union[AbstractIdentifyResponseProto, _Mapping]] = ...) -> None: ...

class RegisterRMRequestProto(_message.Message):
    __slots__ = ("abstractIdentifyRequest", "resourceIds")
    ABSTRACTIDENTIFYREQUEST_FIELD_NUMBER: _ClassVar[int]
    RESOURCEIDS_FIELD_NUMBER: _ClassVar[int]
    abstractIdentifyRequest: AbstractIdentifyRequestProto
    resourceIds: str
    def __init__(self, abstractIdentifyRequest: _Optional[_Union[AbstractIdentifyRequestProto, _Mapping]] = ..., resourceIds: _Optional[str] = ...) -> None: ...

class RegisterRMResponseProto(_message.Message):
    __slots__ = ("abstractIdentifyResponse",)
    ABSTRACTIDENTIFYRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractIdentifyResponse: AbstractIdentifyResponseProto
    def __init__(self, abstractIdentifyResponse: _Optional[_Union[AbstractIdentifyResponseProto, _Mapping]] = ...) -> None: ...

class HeartbeatMessageProto(_message.Message):
    __slots__ = ("ping",)
    PING_FIELD_NUMBER: _ClassVar[int]
    ping: bool
    def __init__(self, ping: _Optional[bool] = ...) -> None: ...

class GlobalBeginRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "timeout", "transactionName")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONNAME_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    timeout: int
    transactionName: str
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., timeout: _Optional[int] = ..., transactionName: _Optional[str] = ...) -> None: ...

class GlobalBeginResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse", "xid", "extraData")
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    EXTRADATA_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    xid: str
    extraData: str
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ..., xid: _Optional[str] = ..., extraData: _Optional[str] = ...) -> None: ...

class GlobalCommitRequestProto(_message.Message):
    __slots__ = ("abstractGlobalEndRequest",)
    ABSTRACTGLOBALENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndRequest: AbstractGlobalEndRequestProto
    def __init__(self, abstractGlobalEndRequest: _Optional[_Union[AbstractGlobalEndRequestProto, _Mapping]] = ...) -> None: ...

class GlobalCommitResponseProto(_message.Message):
    __slots__ = ("abstractGlobalEndResponse",)
    ABSTRACTGLOBALENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndResponse: AbstractGlobalEndResponseProto
    def __init__(self, abstractGlobalEndResponse: _Optional[_Union[AbstractGlobalEndResponseProto, _Mapping]] = ...) -> None: ...

class GlobalRollbackRequestProto(_message.Message):
    __slots__ = ("abstractGlobalEndRequest",)
    ABSTRACTGLOBALENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndRequest: AbstractGlobalEndRequestProto
    def __init__(self, abstractGlobalEndRequest: _Optional[_Union[AbstractGlobalEndRequestProto, _Mapping]] = ...) -> None: ...

class GlobalRollbackResponseProto(_message.Message):
    __slots__ = ("abstractGlobalEndResponse",)
    ABSTRACTGLOBALENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndResponse: AbstractGlobalEndResponseProto
    def __init__(self, abstractGlobalEndResponse: _Optional[_Union[AbstractGlobalEndResponseProto, _Mapping]] = ...) -> None: ...

class GlobalStatusRequestProto(_message.Message):
    __slots__ = ("abstractGlobalEndRequest",)
    ABSTRACTGLOBALENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndRequest: AbstractGlobalEndRequestProto
    def __init__(self, abstractGlobalEndRequest: _Optional[_Union[AbstractGlobalEndRequestProto, _Mapping]] = ...) -> None: ...

class GlobalStatusResponseProto(_message.Message):
    __slots__ = ("abstractGlobalEndResponse",)
    ABSTRACTGLOBALENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndResponse: AbstractGlobalEndResponseProto
    def __init__(self, abstractGlobalEndResponse: _Optional[_Union[AbstractGlobalEndResponseProto, _Mapping]] = ...) -> None: ...

class GlobalReportRequestProto(_message.Message):
    __slots__ = ("abstractGlobalEndRequest", "globalStatus")
    ABSTRACTGLOBALENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    GLOBALSTATUS_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndRequest: AbstractGlobalEndRequestProto
    globalStatus: _seata_enums_pb2.GlobalStatusProto
    def __init__(self, abstractGlobalEndRequest: _Optional[_Union[AbstractGlobalEndRequestProto, _Mapping]] = ..., globalStatus: _Optional[_Union[_seata_enums_pb2.GlobalStatusProto, str]] = ...) -> None: ...

class GlobalReportResponseProto(_message.Message):
    __slots__ = ("abstractGlobalEndResponse",)
    ABSTRACTGLOBALENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractGlobalEndResponse: AbstractGlobalEndResponseProto
    def __init__(self, abstractGlobalEndResponse: _Optional[_Union[AbstractGlobalEndResponseProto, _Mapping]] = ...) -> None: ...

class BranchRegisterRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "xid", "branchType", "resourceId", "lockKey", "applicationData")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    BRANCHTYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    LOCKKEY_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONDATA_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    xid: str
    branchType: _seata_enums_pb2.BranchTypeProto
    resourceId: str
    lockKey: str
    applicationData: str
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., xid: _Optional[str] = ..., branchType: _Optional[_Union[_seata_enums_pb2.BranchTypeProto, str]] = ..., resourceId: _Optional[str] = ..., lockKey: _Optional[str] = ..., applicationData: _Optional[str] = ...) -> None: ...

class BranchRegisterResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse", "branchId")
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    BRANCHID_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    branchId: int
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ..., branchId: _Optional[int] = ...) -> None: ...

class BranchReportRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "xid", "branchId", "resourceId", "status", "applicationData", "branchType")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    XID_FIELD_NUMBER: _ClassVar[int]
    BRANCHID_FIELD_NUMBER: _ClassVar[int]
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONDATA_FIELD_NUMBER: _ClassVar[int]
    BRANCHTYPE_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    xid: str
    branchId: int
    resourceId: str
    status: _seata_enums_pb2.BranchStatusProto
    applicationData: str
    branchType: _seata_enums_pb2.BranchTypeProto
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., xid: _Optional[str] = ..., branchId: _Optional[int] = ..., resourceId: _Optional[str] = ..., status: _Optional[_Union[_seata_enums_pb2.BranchStatusProto, str]] = ..., applicationData: _Optional[str] = ..., branchType: _Optional[_Union[_seata_enums_pb2.BranchTypeProto, str]] = ...) -> None: ...

class BranchReportResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse",)
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ...) -> None: ...

class GlobalLockQueryRequestProto(_message.Message):
    __slots__ = ("branchRegisterRequest",)
    BRANCHREGISTERREQUEST_FIELD_NUMBER: _ClassVar[int]
    branchRegisterRequest: BranchRegisterRequestProto
    def __init__(self, branchRegisterRequest: _Optional[_Union[BranchRegisterRequestProto, _Mapping]] = ...) -> None: ...

class GlobalLockQueryResponseProto(_message.Message):
    __slots__ = ("abstractTransactionResponse", "lockable")
    ABSTRACTTRANSACTIONRESPONSE_FIELD_NUMBER: _ClassVar[int]
    LOCKABLE_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionResponse: AbstractTransactionResponseProto
    lockable: bool
    def __init__(self, abstractTransactionResponse: _Optional[_Union[AbstractTransactionResponseProto, _Mapping]] = ..., lockable: _Optional[bool] = ...) -> None: ...

class BranchCommitRequestProto(_message.Message):
    __slots__ = ("abstractBranchEndRequest",)
    ABSTRACTBRANCHENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractBranchEndRequest: AbstractBranchEndRequestProto
    def __init__(self, abstractBranchEndRequest: _Optional[_Union[AbstractBranchEndRequestProto, _Mapping]] = ...) -> None: ...

class BranchCommitResponseProto(_message.Message):
    __slots__ = ("abstractBranchEndResponse",)
    ABSTRACTBRANCHENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractBranchEndResponse: AbstractBranchEndResponseProto
    def __init__(self, abstractBranchEndResponse: _Optional[_Union[AbstractBranchEndResponseProto, _Mapping]] = ...) -> None: ...

class BranchRollbackRequestProto(_message.Message):
    __slots__ = ("abstractBranchEndRequest",)
    ABSTRACTBRANCHENDREQUEST_FIELD_NUMBER: _ClassVar[int]
    abstractBranchEndRequest: AbstractBranchEndRequestProto
    def __init__(self, abstractBranchEndRequest: _Optional[_Union[AbstractBranchEndRequestProto, _Mapping]] = ...) -> None: ...

class BranchRollbackResponseProto(_message.Message):
    __slots__ = ("abstractBranchEndResponse",)
    ABSTRACTBRANCHENDRESPONSE_FIELD_NUMBER: _ClassVar[int]
    abstractBranchEndResponse: AbstractBranchEndResponseProto
    def __init__(self, abstractBranchEndResponse: _Optional[_Union[AbstractBranchEndResponseProto, _Mapping]] = ...) -> None: ...

class UndoLogDeleteRequestProto(_message.Message):
    __slots__ = ("abstractTransactionRequest", "resourceId", "saveDays", "branchType")
    ABSTRACTTRANSACTIONREQUEST_FIELD_NUMBER: _ClassVar[int]
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SAVEDAYS_FIELD_NUMBER: _ClassVar[int]
    BRANCHTYPE_FIELD_NUMBER: _ClassVar[int]
    abstractTransactionRequest: AbstractTransactionRequestProto
    resourceId: str
    saveDays: int
    branchType: _seata_enums_pb2.BranchTypeProto
    def __init__(self, abstractTransactionRequest: _Optional[_Union[AbstractTransactionRequestProto, _Mapping]] = ..., resourceId: _Optional[str] = ..., saveDays: _Optional[int] = ..., branchType: _Optional[_Union[_seata_enums_pb2.BranchTypeProto, str]] = ...) -> None: ...

class MergedWarpMessageProto(_message.Message):
    __slots__ = ("abstractMessage", "msgs", "msgIds")
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    MSGS_FIELD_NUMBER: _ClassVar[int]
    MSGIDS_FIELD_NUMBER: _ClassVar[int]
    abstractMessage: AbstractMessageProto
    msgs: _containers.RepeatedCompositeFieldContainer[_any_pb2.Any]
    msgIds: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, abstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ..., msgs: _Optional[_Iterable[_Union[_any_pb2.Any, _Mapping]]] = ..., msgIds: _Optional[_Iterable[int]] = ...) -> None: ...

class MergedResultMessageProto(_message.Message):
    __slots__ = ("abstractMessage", "msgs")
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    MSGS_FIELD_NUMBER: _ClassVar[int]
    abstractMessage: AbstractMessageProto
    msgs: _containers.RepeatedCompositeFieldContainer[_any_pb2.Any]
    def __init__(self, abstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ..., msgs: _Optional[_Iterable[_Union[_any_pb2.Any, _Mapping]]] = ...) -> None: ...

class BatchResultMessageProto(_message.Message):
    __slots__ = ("abstractMessage", "resultMessages", "msgIds")
    ABSTRACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULTMESSAGES_FIELD_NUMBER: _ClassVar[int]
    MSGIDS_FIELD_NUMBER: _ClassVar[int]
    abstractMessage: AbstractMessageProto
    resultMessages: _containers.RepeatedCompositeFieldContainer[_any_pb2.Any]
    msgIds: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, abstractMessage: _Optional[_Union[AbstractMessageProto, _Mapping]] = ..., resultMessages: _Optional[_Iterable[_Union[_any_pb2.Any, _Mapping]]] = ..., msgIds: _Optional[_Iterable[int]] = ...) -> None: ...

"""Which protobuf message carries each model message, and where each model field goes (doc §3.3).

The bases mirror Java's abstract classes and the model's base classes; :mod:`.mapping` walks this table in
both directions. Protobuf fields no model field maps to are written empty and ignored when read: only
``AbstractIdentifyResponseProto.extraData`` is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .. import messages as m
from .enum_maps import BRANCH_STATUS, BRANCH_TYPE, EXCEPTION_CODE, GLOBAL_STATUS, RESULT_CODE
from .fields import BOOL, INT16, INT32, INT64, TEXT, Batch, Field, Part, fields
from .generated import seata_messages_pb2 as pb

__all__ = ["TABLE"]

# --- bases ----------------------------------------------------------------------------------------

_ABSTRACT = Part(pb.AbstractMessageProto, type_code="messageType")
_TXN_REQUEST = Part(pb.AbstractTransactionRequestProto, _ABSTRACT)
# Response msg travels whatever the result code, unlike in the SEATA codec.
_RESULT = Part(pb.AbstractResultMessageProto, _ABSTRACT, fields(result_code=RESULT_CODE, msg=TEXT))
_TXN_RESPONSE = Part(
    pb.AbstractTransactionResponseProto,
    _RESULT,
    (Field("exception_code", EXCEPTION_CODE, "transactionExceptionCode"),),
)
_IDENTIFY_REQUEST = Part(
    pb.AbstractIdentifyRequestProto,
    _ABSTRACT,
    fields(version=TEXT, application_id=TEXT, transaction_service_group=TEXT, extra_data=TEXT),
)
_IDENTIFY_RESPONSE = Part(pb.AbstractIdentifyResponseProto, _RESULT, fields(version=TEXT, identified=BOOL))
_GLOBAL_END_REQUEST = Part(pb.AbstractGlobalEndRequestProto, _TXN_REQUEST, fields(xid=TEXT, extra_data=TEXT))
_GLOBAL_END_RESPONSE = Part(
    pb.AbstractGlobalEndResponseProto, _TXN_RESPONSE, fields(global_status=GLOBAL_STATUS)
)
_BRANCH_LOCK_REQUEST = Part(
    pb.BranchRegisterRequestProto,
    _TXN_REQUEST,
    fields(xid=TEXT, branch_type=BRANCH_TYPE, resource_id=TEXT, lock_key=TEXT, application_data=TEXT),
)
_BRANCH_END_REQUEST = Part(
    pb.AbstractBranchEndRequestProto,
    _TXN_REQUEST,
    fields(xid=TEXT, branch_id=INT64, branch_type=BRANCH_TYPE, resource_id=TEXT, application_data=TEXT),
)
_BRANCH_END_RESPONSE = Part(
    pb.AbstractBranchEndResponseProto,
    _TXN_RESPONSE,
    fields(xid=TEXT, branch_id=INT64, branch_status=BRANCH_STATUS),
)

# --- messages -------------------------------------------------------------------------------------

_TABLE: dict[type[m.Message], Part] = {
    m.RegisterTMRequest: Part(pb.RegisterTMRequestProto, _IDENTIFY_REQUEST),
    m.RegisterTMResponse: Part(pb.RegisterTMResponseProto, _IDENTIFY_RESPONSE),
    m.RegisterRMRequest: Part(pb.RegisterRMRequestProto, _IDENTIFY_REQUEST, fields(resource_ids=TEXT)),
    m.RegisterRMResponse: Part(pb.RegisterRMResponseProto, _IDENTIFY_RESPONSE),
    m.GlobalBeginRequest: Part(
        pb.GlobalBeginRequestProto, _TXN_REQUEST, fields(timeout=INT32, transaction_name=TEXT)
    ),
    m.GlobalBeginResponse: Part(
        pb.GlobalBeginResponseProto, _TXN_RESPONSE, fields(xid=TEXT, extra_data=TEXT)
    ),
    m.GlobalCommitRequest: Part(pb.GlobalCommitRequestProto, _GLOBAL_END_REQUEST),
    m.GlobalCommitResponse: Part(pb.GlobalCommitResponseProto, _GLOBAL_END_RESPONSE),
    m.GlobalRollbackRequest: Part(pb.GlobalRollbackRequestProto, _GLOBAL_END_REQUEST),
    m.GlobalRollbackResponse: Part(pb.GlobalRollbackResponseProto, _GLOBAL_END_RESPONSE),
    m.GlobalStatusRequest: Part(pb.GlobalStatusRequestProto, _GLOBAL_END_REQUEST),
    m.GlobalStatusResponse: Part(pb.GlobalStatusResponseProto, _GLOBAL_END_RESPONSE),
    # proto3 cannot tell "no status" from UnKnown(0), and Java's convertor cannot encode a null status.
    m.GlobalReportRequest: Part(
        pb.GlobalReportRequestProto,
        _GLOBAL_END_REQUEST,
        (Field("global_status", GLOBAL_STATUS, "globalStatus", required=True),),
    ),
    m.GlobalReportResponse: Part(pb.GlobalReportResponseProto, _GLOBAL_END_RESPONSE),
    m.BranchRegisterRequest: _BRANCH_LOCK_REQUEST,
    m.BranchRegisterResponse: Part(pb.BranchRegisterResponseProto, _TXN_RESPONSE, fields(branch_id=INT64)),
    m.BranchReportRequest: Part(
        pb.BranchReportRequestProto,
        _TXN_REQUEST,
        fields(
            xid=TEXT,
            branch_id=INT64,
            resource_id=TEXT,
            status=BRANCH_STATUS,
            application_data=TEXT,
            branch_type=BRANCH_TYPE,
        ),
    ),
    m.BranchReportResponse: Part(pb.BranchReportResponseProto, _TXN_RESPONSE),
    m.GlobalLockQueryRequest: Part(pb.GlobalLockQueryRequestProto, _BRANCH_LOCK_REQUEST),
    m.GlobalLockQueryResponse: Part(pb.GlobalLockQueryResponseProto, _TXN_RESPONSE, fields(lockable=BOOL)),
    m.BranchCommitRequest: Part(pb.BranchCommitRequestProto, _BRANCH_END_REQUEST),
    m.BranchCommitResponse: Part(pb.BranchCommitResponseProto, _BRANCH_END_RESPONSE),
    m.BranchRollbackRequest: Part(pb.BranchRollbackRequestProto, _BRANCH_END_REQUEST),
    m.BranchRollbackResponse: Part(pb.BranchRollbackResponseProto, _BRANCH_END_RESPONSE),
    m.UndoLogDeleteRequest: Part(
        pb.UndoLogDeleteRequestProto,
        _TXN_REQUEST,
        fields(resource_id=TEXT, save_days=INT16, branch_type=BRANCH_TYPE),
    ),
    m.MergedWarpMessage: Part(
        pb.MergedWarpMessageProto, _ABSTRACT, batch=Batch(("msgs", "msgs"), ("msg_ids", "msgIds"))
    ),
    m.MergeResultMessage: Part(pb.MergedResultMessageProto, _ABSTRACT, batch=Batch(("msgs", "msgs"))),
    m.BatchResultMessage: Part(
        pb.BatchResultMessageProto,
        _ABSTRACT,
        batch=Batch(("results", "resultMessages"), ("msg_ids", "msgIds")),
    ),
}

#: Model message class -> the part describing its protobuf message.
TABLE: Mapping[type[m.Message], Part] = MappingProxyType(_TABLE)

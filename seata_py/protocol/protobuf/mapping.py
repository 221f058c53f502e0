"""Pure mapping between the message model (:mod:`seata_py.protocol.messages`) and Seata's protobuf messages.

Conventions, matching the Java server's convertors (doc §3):

* Strings: ``None`` is written as ``""`` (proto3 has no null) and ``""`` is read back as ``None``, the same
  convention as the SEATA codec.
* Every message carries its type code in the nested ``AbstractMessageProto.messageType``. Java fills it and
  never reads it, so it is written but not checked on reading; the Any type URL or the codec-2 name decides
  the message class.
* Response ``msg`` travels whatever the result code (unlike the SEATA codec, which drops it on success).
  Registration responses carry ``result_code``/``msg`` too; their ``extraData`` has no model field and is
  written empty and ignored.
* Values the proto schema cannot hold (enum members without a proto counterpart, a GlobalReportRequest
  without a status, integers out of range, wrong types) raise :class:`ProtocolError` on encoding, and so does
  anything malformed on decoding; no other exception escapes for bad input.

Bodies (doc §3.4): codec 40 (GRPC) is a serialized ``google.protobuf.Any`` whose type URL ends in the full
message name; codec 2 (PROTOBUF) is ``int32 BE len(name) + name + message bytes``. Both are supported both
ways. Heartbeats have no body (``HeartbeatMessageProto`` exists in the schema but is never sent).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage

from ..enums import Codec
from ..errors import ProtocolError
from ..messages import (
    BatchResultMessage,
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRegisterRequest,
    BranchRegisterResponse,
    BranchReportRequest,
    BranchReportResponse,
    BranchRollbackRequest,
    BranchRollbackResponse,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalCommitRequest,
    GlobalCommitResponse,
    GlobalLockQueryRequest,
    GlobalLockQueryResponse,
    GlobalReportRequest,
    GlobalReportResponse,
    GlobalRollbackRequest,
    GlobalRollbackResponse,
    GlobalStatusRequest,
    GlobalStatusResponse,
    MergedWarpMessage,
    MergeResultMessage,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    ResultMessage,
    TransactionResponse,
    UndoLogDeleteRequest,
)
from ..primitives import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, utf8_encode
from .enum_maps import BRANCH_STATUS, BRANCH_TYPE, EXCEPTION_CODE, GLOBAL_STATUS, RESULT_CODE
from .generated import seata_messages_pb2 as pb

__all__ = [
    "PROTO_CLASSES",
    "TYPE_URL_PREFIX",
    "decode_body",
    "encode_body",
    "from_proto",
    "pack_any",
    "to_proto",
    "unpack_any",
]

# What Java's Any.pack writes; readers (Java's and ours) only look at the part after the last "/".
TYPE_URL_PREFIX = "type.googleapis.com/"

_M = TypeVar("_M", bound=Message)
_NAME_LEN = struct.Struct(">i")


# --- scalar conversions ---------------------------------------------------------------------------


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"{field} expects str, got {type(value).__name__}")
    utf8_encode(value)  # lone surrogates have no UTF-8 form and protobuf would reject them
    return value


def _opt(value: str) -> str | None:
    return value or None


def _int(value: object, low: int, high: int, field: str) -> int:
    # bool is an int subclass; accepting it for a numeric field would hide a caller bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{field} expects int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ProtocolError(f"{field} {value} is outside [{low}, {high}]")
    return value


def _int16(value: object, field: str) -> int:
    return _int(value, INT16_MIN, INT16_MAX, field)


def _int32(value: object, field: str) -> int:
    return _int(value, INT32_MIN, INT32_MAX, field)


def _int64(value: object, field: str) -> int:
    return _int(value, INT64_MIN, INT64_MAX, field)


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{field} expects bool, got {value!r}")
    return value


# --- shared bases ---------------------------------------------------------------------------------


def _abstract(msg: Message) -> pb.AbstractMessageProto:
    return pb.AbstractMessageProto(messageType=int(type(msg).TYPE_CODE))


def _txn_request(msg: Message) -> pb.AbstractTransactionRequestProto:
    return pb.AbstractTransactionRequestProto(abstractMessage=_abstract(msg))


def _result(msg: ResultMessage) -> pb.AbstractResultMessageProto:
    return pb.AbstractResultMessageProto(
        AbstractMessage=_abstract(msg),
        resultCode=RESULT_CODE.to_proto(msg.result_code, "result_code"),
        msg=_text(msg.msg, "msg"),
    )


def _read_result(p: pb.AbstractResultMessageProto) -> dict[str, Any]:
    return {"result_code": RESULT_CODE.from_proto(p.resultCode, "resultCode"), "msg": _opt(p.msg)}


def _txn_response(msg: TransactionResponse) -> pb.AbstractTransactionResponseProto:
    return pb.AbstractTransactionResponseProto(
        abstractResultMessage=_result(msg),
        transactionExceptionCode=EXCEPTION_CODE.to_proto(msg.exception_code, "exception_code"),
    )


def _read_txn_response(p: pb.AbstractTransactionResponseProto) -> dict[str, Any]:
    fields = _read_result(p.abstractResultMessage)
    fields["exception_code"] = EXCEPTION_CODE.from_proto(
        p.transactionExceptionCode, "transactionExceptionCode"
    )
    return fields


# --- registration ---------------------------------------------------------------------------------


def _identify_request(msg: RegisterTMRequest | RegisterRMRequest) -> pb.AbstractIdentifyRequestProto:
    return pb.AbstractIdentifyRequestProto(
        abstractMessage=_abstract(msg),
        version=_text(msg.version, "version"),
        applicationId=_text(msg.application_id, "application_id"),
        transactionServiceGroup=_text(msg.transaction_service_group, "transaction_service_group"),
        extraData=_text(msg.extra_data, "extra_data"),
    )


def _read_identify_request(p: pb.AbstractIdentifyRequestProto) -> dict[str, Any]:
    return {
        "version": _opt(p.version),
        "application_id": _opt(p.applicationId),
        "transaction_service_group": _opt(p.transactionServiceGroup),
        "extra_data": _opt(p.extraData),
    }


def _identify_response(msg: RegisterTMResponse | RegisterRMResponse) -> pb.AbstractIdentifyResponseProto:
    return pb.AbstractIdentifyResponseProto(
        abstractResultMessage=_result(msg),
        version=_text(msg.version, "version"),
        identified=_bool(msg.identified, "identified"),
    )


def _read_identify_response(p: pb.AbstractIdentifyResponseProto) -> dict[str, Any]:
    return {**_read_result(p.abstractResultMessage), "identified": p.identified, "version": _opt(p.version)}


def _enc_register_tm(msg: RegisterTMRequest) -> pb.RegisterTMRequestProto:
    return pb.RegisterTMRequestProto(abstractIdentifyRequest=_identify_request(msg))


def _dec_register_tm(p: pb.RegisterTMRequestProto) -> RegisterTMRequest:
    return RegisterTMRequest(**_read_identify_request(p.abstractIdentifyRequest))


def _enc_register_rm(msg: RegisterRMRequest) -> pb.RegisterRMRequestProto:
    return pb.RegisterRMRequestProto(
        abstractIdentifyRequest=_identify_request(msg), resourceIds=_text(msg.resource_ids, "resource_ids")
    )


def _dec_register_rm(p: pb.RegisterRMRequestProto) -> RegisterRMRequest:
    return RegisterRMRequest(
        **_read_identify_request(p.abstractIdentifyRequest), resource_ids=_opt(p.resourceIds)
    )


def _enc_register_tm_response(msg: RegisterTMResponse) -> pb.RegisterTMResponseProto:
    return pb.RegisterTMResponseProto(abstractIdentifyResponse=_identify_response(msg))


def _dec_register_tm_response(p: pb.RegisterTMResponseProto) -> RegisterTMResponse:
    return RegisterTMResponse(**_read_identify_response(p.abstractIdentifyResponse))


def _enc_register_rm_response(msg: RegisterRMResponse) -> pb.RegisterRMResponseProto:
    return pb.RegisterRMResponseProto(abstractIdentifyResponse=_identify_response(msg))


def _dec_register_rm_response(p: pb.RegisterRMResponseProto) -> RegisterRMResponse:
    return RegisterRMResponse(**_read_identify_response(p.abstractIdentifyResponse))


# --- global transaction (TM -> TC) ----------------------------------------------------------------


def _enc_global_begin(msg: GlobalBeginRequest) -> pb.GlobalBeginRequestProto:
    return pb.GlobalBeginRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        timeout=_int32(msg.timeout, "timeout"),
        transactionName=_text(msg.transaction_name, "transaction_name"),
    )


def _dec_global_begin(p: pb.GlobalBeginRequestProto) -> GlobalBeginRequest:
    return GlobalBeginRequest(timeout=p.timeout, transaction_name=_opt(p.transactionName))


def _enc_global_begin_response(msg: GlobalBeginResponse) -> pb.GlobalBeginResponseProto:
    return pb.GlobalBeginResponseProto(
        abstractTransactionResponse=_txn_response(msg),
        xid=_text(msg.xid, "xid"),
        extraData=_text(msg.extra_data, "extra_data"),
    )


def _dec_global_begin_response(p: pb.GlobalBeginResponseProto) -> GlobalBeginResponse:
    return GlobalBeginResponse(
        **_read_txn_response(p.abstractTransactionResponse), xid=_opt(p.xid), extra_data=_opt(p.extraData)
    )


_GlobalEndRequest = GlobalCommitRequest | GlobalRollbackRequest | GlobalStatusRequest | GlobalReportRequest
_GlobalEndResponse = (
    GlobalCommitResponse | GlobalRollbackResponse | GlobalStatusResponse | GlobalReportResponse
)


def _global_end_request(msg: _GlobalEndRequest) -> pb.AbstractGlobalEndRequestProto:
    return pb.AbstractGlobalEndRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        xid=_text(msg.xid, "xid"),
        extraData=_text(msg.extra_data, "extra_data"),
    )


def _read_global_end_request(p: pb.AbstractGlobalEndRequestProto) -> dict[str, Any]:
    return {"xid": _opt(p.xid), "extra_data": _opt(p.extraData)}


def _global_end_response(msg: _GlobalEndResponse) -> pb.AbstractGlobalEndResponseProto:
    return pb.AbstractGlobalEndResponseProto(
        abstractTransactionResponse=_txn_response(msg),
        globalStatus=GLOBAL_STATUS.to_proto(msg.global_status, "global_status"),
    )


def _read_global_end_response(p: pb.AbstractGlobalEndResponseProto) -> dict[str, Any]:
    return {
        **_read_txn_response(p.abstractTransactionResponse),
        "global_status": GLOBAL_STATUS.from_proto(p.globalStatus, "globalStatus"),
    }


def _global_end_request_codec(
    model: type[_M], proto: type[ProtoMessage]
) -> tuple[Callable[[Any], ProtoMessage], Callable[[Any], _M]]:
    def encode(msg: Any) -> ProtoMessage:
        return proto(abstractGlobalEndRequest=_global_end_request(msg))

    def decode(p: Any) -> _M:
        return model(**_read_global_end_request(p.abstractGlobalEndRequest))

    return encode, decode


def _global_end_response_codec(
    model: type[_M], proto: type[ProtoMessage]
) -> tuple[Callable[[Any], ProtoMessage], Callable[[Any], _M]]:
    def encode(msg: Any) -> ProtoMessage:
        return proto(abstractGlobalEndResponse=_global_end_response(msg))

    def decode(p: Any) -> _M:
        return model(**_read_global_end_response(p.abstractGlobalEndResponse))

    return encode, decode


def _enc_global_report(msg: GlobalReportRequest) -> pb.GlobalReportRequestProto:
    if msg.global_status is None:
        # proto3 cannot tell "no status" from UnKnown(0), and Java's convertor cannot encode a null status.
        raise ProtocolError("GlobalReportRequest needs a global_status to be sent as protobuf")
    return pb.GlobalReportRequestProto(
        abstractGlobalEndRequest=_global_end_request(msg),
        globalStatus=GLOBAL_STATUS.to_proto(msg.global_status, "global_status"),
    )


def _dec_global_report(p: pb.GlobalReportRequestProto) -> GlobalReportRequest:
    return GlobalReportRequest(
        **_read_global_end_request(p.abstractGlobalEndRequest),
        global_status=GLOBAL_STATUS.from_proto(p.globalStatus, "globalStatus"),
    )


# --- branch transaction (RM -> TC) ----------------------------------------------------------------


def _branch_register(msg: BranchRegisterRequest | GlobalLockQueryRequest) -> pb.BranchRegisterRequestProto:
    return pb.BranchRegisterRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        xid=_text(msg.xid, "xid"),
        branchType=BRANCH_TYPE.to_proto(msg.branch_type, "branch_type"),
        resourceId=_text(msg.resource_id, "resource_id"),
        lockKey=_text(msg.lock_key, "lock_key"),
        applicationData=_text(msg.application_data, "application_data"),
    )


def _read_branch_register(p: pb.BranchRegisterRequestProto) -> dict[str, Any]:
    return {
        "xid": _opt(p.xid),
        "branch_type": BRANCH_TYPE.from_proto(p.branchType, "branchType"),
        "resource_id": _opt(p.resourceId),
        "lock_key": _opt(p.lockKey),
        "application_data": _opt(p.applicationData),
    }


def _enc_branch_register(msg: BranchRegisterRequest) -> pb.BranchRegisterRequestProto:
    return _branch_register(msg)


def _dec_branch_register(p: pb.BranchRegisterRequestProto) -> BranchRegisterRequest:
    return BranchRegisterRequest(**_read_branch_register(p))


def _enc_branch_register_response(msg: BranchRegisterResponse) -> pb.BranchRegisterResponseProto:
    return pb.BranchRegisterResponseProto(
        abstractTransactionResponse=_txn_response(msg), branchId=_int64(msg.branch_id, "branch_id")
    )


def _dec_branch_register_response(p: pb.BranchRegisterResponseProto) -> BranchRegisterResponse:
    return BranchRegisterResponse(**_read_txn_response(p.abstractTransactionResponse), branch_id=p.branchId)


def _enc_branch_report(msg: BranchReportRequest) -> pb.BranchReportRequestProto:
    return pb.BranchReportRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        xid=_text(msg.xid, "xid"),
        branchId=_int64(msg.branch_id, "branch_id"),
        resourceId=_text(msg.resource_id, "resource_id"),
        status=BRANCH_STATUS.to_proto(msg.status, "status"),
        applicationData=_text(msg.application_data, "application_data"),
        branchType=BRANCH_TYPE.to_proto(msg.branch_type, "branch_type"),
    )


def _dec_branch_report(p: pb.BranchReportRequestProto) -> BranchReportRequest:
    return BranchReportRequest(
        xid=_opt(p.xid),
        branch_id=p.branchId,
        status=BRANCH_STATUS.from_proto(p.status, "status"),
        resource_id=_opt(p.resourceId),
        application_data=_opt(p.applicationData),
        branch_type=BRANCH_TYPE.from_proto(p.branchType, "branchType"),
    )


def _enc_branch_report_response(msg: BranchReportResponse) -> pb.BranchReportResponseProto:
    return pb.BranchReportResponseProto(abstractTransactionResponse=_txn_response(msg))


def _dec_branch_report_response(p: pb.BranchReportResponseProto) -> BranchReportResponse:
    return BranchReportResponse(**_read_txn_response(p.abstractTransactionResponse))


def _enc_lock_query(msg: GlobalLockQueryRequest) -> pb.GlobalLockQueryRequestProto:
    return pb.GlobalLockQueryRequestProto(branchRegisterRequest=_branch_register(msg))


def _dec_lock_query(p: pb.GlobalLockQueryRequestProto) -> GlobalLockQueryRequest:
    return GlobalLockQueryRequest(**_read_branch_register(p.branchRegisterRequest))


def _enc_lock_query_response(msg: GlobalLockQueryResponse) -> pb.GlobalLockQueryResponseProto:
    return pb.GlobalLockQueryResponseProto(
        abstractTransactionResponse=_txn_response(msg), lockable=_bool(msg.lockable, "lockable")
    )


def _dec_lock_query_response(p: pb.GlobalLockQueryResponseProto) -> GlobalLockQueryResponse:
    return GlobalLockQueryResponse(**_read_txn_response(p.abstractTransactionResponse), lockable=p.lockable)


# --- phase two (TC -> RM) -------------------------------------------------------------------------


def _branch_end_request(msg: BranchCommitRequest | BranchRollbackRequest) -> pb.AbstractBranchEndRequestProto:
    return pb.AbstractBranchEndRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        xid=_text(msg.xid, "xid"),
        branchId=_int64(msg.branch_id, "branch_id"),
        branchType=BRANCH_TYPE.to_proto(msg.branch_type, "branch_type"),
        resourceId=_text(msg.resource_id, "resource_id"),
        applicationData=_text(msg.application_data, "application_data"),
    )


def _read_branch_end_request(p: pb.AbstractBranchEndRequestProto) -> dict[str, Any]:
    return {
        "xid": _opt(p.xid),
        "branch_id": p.branchId,
        "branch_type": BRANCH_TYPE.from_proto(p.branchType, "branchType"),
        "resource_id": _opt(p.resourceId),
        "application_data": _opt(p.applicationData),
    }


def _branch_end_response(
    msg: BranchCommitResponse | BranchRollbackResponse,
) -> pb.AbstractBranchEndResponseProto:
    return pb.AbstractBranchEndResponseProto(
        abstractTransactionResponse=_txn_response(msg),
        xid=_text(msg.xid, "xid"),
        branchId=_int64(msg.branch_id, "branch_id"),
        branchStatus=BRANCH_STATUS.to_proto(msg.branch_status, "branch_status"),
    )


def _read_branch_end_response(p: pb.AbstractBranchEndResponseProto) -> dict[str, Any]:
    return {
        **_read_txn_response(p.abstractTransactionResponse),
        "xid": _opt(p.xid),
        "branch_id": p.branchId,
        "branch_status": BRANCH_STATUS.from_proto(p.branchStatus, "branchStatus"),
    }


def _enc_branch_commit(msg: BranchCommitRequest) -> pb.BranchCommitRequestProto:
    return pb.BranchCommitRequestProto(abstractBranchEndRequest=_branch_end_request(msg))


def _dec_branch_commit(p: pb.BranchCommitRequestProto) -> BranchCommitRequest:
    return BranchCommitRequest(**_read_branch_end_request(p.abstractBranchEndRequest))


def _enc_branch_rollback(msg: BranchRollbackRequest) -> pb.BranchRollbackRequestProto:
    return pb.BranchRollbackRequestProto(abstractBranchEndRequest=_branch_end_request(msg))


def _dec_branch_rollback(p: pb.BranchRollbackRequestProto) -> BranchRollbackRequest:
    return BranchRollbackRequest(**_read_branch_end_request(p.abstractBranchEndRequest))


def _enc_branch_commit_response(msg: BranchCommitResponse) -> pb.BranchCommitResponseProto:
    return pb.BranchCommitResponseProto(abstractBranchEndResponse=_branch_end_response(msg))


def _dec_branch_commit_response(p: pb.BranchCommitResponseProto) -> BranchCommitResponse:
    return BranchCommitResponse(**_read_branch_end_response(p.abstractBranchEndResponse))


def _enc_branch_rollback_response(msg: BranchRollbackResponse) -> pb.BranchRollbackResponseProto:
    return pb.BranchRollbackResponseProto(abstractBranchEndResponse=_branch_end_response(msg))


def _dec_branch_rollback_response(p: pb.BranchRollbackResponseProto) -> BranchRollbackResponse:
    return BranchRollbackResponse(**_read_branch_end_response(p.abstractBranchEndResponse))


def _enc_undo_log_delete(msg: UndoLogDeleteRequest) -> pb.UndoLogDeleteRequestProto:
    return pb.UndoLogDeleteRequestProto(
        abstractTransactionRequest=_txn_request(msg),
        resourceId=_text(msg.resource_id, "resource_id"),
        saveDays=_int16(msg.save_days, "save_days"),
        branchType=BRANCH_TYPE.to_proto(msg.branch_type, "branch_type"),
    )


def _dec_undo_log_delete(p: pb.UndoLogDeleteRequestProto) -> UndoLogDeleteRequest:
    return UndoLogDeleteRequest(
        branch_type=BRANCH_TYPE.from_proto(p.branchType, "branchType"),
        resource_id=_opt(p.resourceId),
        # The model (and the SEATA codec) hold an int16; Java would truncate silently.
        save_days=_int16(p.saveDays, "saveDays"),
    )


# --- batching containers --------------------------------------------------------------------------

_CONTAINERS = (MergedWarpMessage, MergeResultMessage, BatchResultMessage)


def _pack_items(msgs: object, what: str) -> list[any_pb2.Any]:
    if not isinstance(msgs, (tuple, list)):
        raise ProtocolError(f"{what} must be a tuple of messages, got {type(msgs).__name__}")
    items = []
    for msg in msgs:
        if isinstance(msg, _CONTAINERS):
            raise ProtocolError(f"{type(msg).__name__} cannot be nested inside another container")
        items.append(pack_any(msg))
    return items


def _unpack_items(items: Sequence[any_pb2.Any]) -> tuple[Message, ...]:
    msgs = []
    for item in items:
        msg = unpack_any(item)
        # Rejecting nesting also bounds recursion depth for hostile input.
        if isinstance(msg, _CONTAINERS):
            raise ProtocolError(f"{type(msg).__name__} cannot be nested inside another container")
        msgs.append(msg)
    return tuple(msgs)


def _ids(msg_ids: object, count: int) -> list[int]:
    if not isinstance(msg_ids, (tuple, list)):
        raise ProtocolError(f"msg_ids must be a tuple of ints, got {type(msg_ids).__name__}")
    if len(msg_ids) != count:
        raise ProtocolError(f"{count} messages but {len(msg_ids)} message ids")
    return [_int32(msg_id, "msg_id") for msg_id in msg_ids]


def _read_ids(msg_ids: Sequence[int], count: int) -> tuple[int, ...]:
    if len(msg_ids) != count:
        raise ProtocolError(f"{count} messages but {len(msg_ids)} message ids")
    return tuple(msg_ids)


def _enc_merged(msg: MergedWarpMessage) -> pb.MergedWarpMessageProto:
    items = _pack_items(msg.msgs, "msgs")
    return pb.MergedWarpMessageProto(
        abstractMessage=_abstract(msg), msgs=items, msgIds=_ids(msg.msg_ids, len(items))
    )


def _dec_merged(p: pb.MergedWarpMessageProto) -> MergedWarpMessage:
    msgs = _unpack_items(p.msgs)
    return MergedWarpMessage(msgs=msgs, msg_ids=_read_ids(p.msgIds, len(msgs)))


def _enc_merge_result(msg: MergeResultMessage) -> pb.MergedResultMessageProto:
    return pb.MergedResultMessageProto(abstractMessage=_abstract(msg), msgs=_pack_items(msg.msgs, "msgs"))


def _dec_merge_result(p: pb.MergedResultMessageProto) -> MergeResultMessage:
    return MergeResultMessage(msgs=_unpack_items(p.msgs))


def _enc_batch_result(msg: BatchResultMessage) -> pb.BatchResultMessageProto:
    items = _pack_items(msg.results, "results")
    return pb.BatchResultMessageProto(
        abstractMessage=_abstract(msg), resultMessages=items, msgIds=_ids(msg.msg_ids, len(items))
    )


def _dec_batch_result(p: pb.BatchResultMessageProto) -> BatchResultMessage:
    results = _unpack_items(p.resultMessages)
    return BatchResultMessage(results=results, msg_ids=_read_ids(p.msgIds, len(results)))


# --- dispatch -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    model: type[Message]
    proto: type[ProtoMessage]
    encode: Callable[[Any], ProtoMessage]
    decode: Callable[[Any], Message]


def _entry(
    model: type[Message], proto: type[ProtoMessage], codec: tuple[Callable[[Any], Any], ...]
) -> _Entry:
    encode, decode = codec
    return _Entry(model, proto, encode, decode)


_ENTRIES = (
    _entry(RegisterTMRequest, pb.RegisterTMRequestProto, (_enc_register_tm, _dec_register_tm)),
    _entry(
        RegisterTMResponse, pb.RegisterTMResponseProto, (_enc_register_tm_response, _dec_register_tm_response)
    ),
    _entry(RegisterRMRequest, pb.RegisterRMRequestProto, (_enc_register_rm, _dec_register_rm)),
    _entry(
        RegisterRMResponse, pb.RegisterRMResponseProto, (_enc_register_rm_response, _dec_register_rm_response)
    ),
    _entry(GlobalBeginRequest, pb.GlobalBeginRequestProto, (_enc_global_begin, _dec_global_begin)),
    _entry(
        GlobalBeginResponse,
        pb.GlobalBeginResponseProto,
        (_enc_global_begin_response, _dec_global_begin_response),
    ),
    _entry(
        GlobalCommitRequest,
        pb.GlobalCommitRequestProto,
        _global_end_request_codec(GlobalCommitRequest, pb.GlobalCommitRequestProto),
    ),
    _entry(
        GlobalCommitResponse,
        pb.GlobalCommitResponseProto,
        _global_end_response_codec(GlobalCommitResponse, pb.GlobalCommitResponseProto),
    ),
    _entry(
        GlobalRollbackRequest,
        pb.GlobalRollbackRequestProto,
        _global_end_request_codec(GlobalRollbackRequest, pb.GlobalRollbackRequestProto),
    ),
    _entry(
        GlobalRollbackResponse,
        pb.GlobalRollbackResponseProto,
        _global_end_response_codec(GlobalRollbackResponse, pb.GlobalRollbackResponseProto),
    ),
    _entry(
        GlobalStatusRequest,
        pb.GlobalStatusRequestProto,
        _global_end_request_codec(GlobalStatusRequest, pb.GlobalStatusRequestProto),
    ),
    _entry(
        GlobalStatusResponse,
        pb.GlobalStatusResponseProto,
        _global_end_response_codec(GlobalStatusResponse, pb.GlobalStatusResponseProto),
    ),
    _entry(GlobalReportRequest, pb.GlobalReportRequestProto, (_enc_global_report, _dec_global_report)),
    _entry(
        GlobalReportResponse,
        pb.GlobalReportResponseProto,
        _global_end_response_codec(GlobalReportResponse, pb.GlobalReportResponseProto),
    ),
    _entry(
        BranchRegisterRequest, pb.BranchRegisterRequestProto, (_enc_branch_register, _dec_branch_register)
    ),
    _entry(
        BranchRegisterResponse,
        pb.BranchRegisterResponseProto,
        (_enc_branch_register_response, _dec_branch_register_response),
    ),
    _entry(BranchReportRequest, pb.BranchReportRequestProto, (_enc_branch_report, _dec_branch_report)),
    _entry(
        BranchReportResponse,
        pb.BranchReportResponseProto,
        (_enc_branch_report_response, _dec_branch_report_response),
    ),
    _entry(GlobalLockQueryRequest, pb.GlobalLockQueryRequestProto, (_enc_lock_query, _dec_lock_query)),
    _entry(
        GlobalLockQueryResponse,
        pb.GlobalLockQueryResponseProto,
        (_enc_lock_query_response, _dec_lock_query_response),
    ),
    _entry(BranchCommitRequest, pb.BranchCommitRequestProto, (_enc_branch_commit, _dec_branch_commit)),
    _entry(
        BranchCommitResponse,
        pb.BranchCommitResponseProto,
        (_enc_branch_commit_response, _dec_branch_commit_response),
    ),
    _entry(
        BranchRollbackRequest, pb.BranchRollbackRequestProto, (_enc_branch_rollback, _dec_branch_rollback)
    ),
    _entry(
        BranchRollbackResponse,
        pb.BranchRollbackResponseProto,
        (_enc_branch_rollback_response, _dec_branch_rollback_response),
    ),
    _entry(UndoLogDeleteRequest, pb.UndoLogDeleteRequestProto, (_enc_undo_log_delete, _dec_undo_log_delete)),
    _entry(MergedWarpMessage, pb.MergedWarpMessageProto, (_enc_merged, _dec_merged)),
    _entry(MergeResultMessage, pb.MergedResultMessageProto, (_enc_merge_result, _dec_merge_result)),
    _entry(BatchResultMessage, pb.BatchResultMessageProto, (_enc_batch_result, _dec_batch_result)),
)

_BY_MODEL: dict[type[Message], _Entry] = {entry.model: entry for entry in _ENTRIES}
_BY_PROTO_CLASS: dict[type[ProtoMessage], _Entry] = {entry.proto: entry for entry in _ENTRIES}
_BY_PROTO_NAME: dict[str, _Entry] = {entry.proto.DESCRIPTOR.full_name: entry for entry in _ENTRIES}

#: Model message class -> generated protobuf class, for every message with a protobuf counterpart.
PROTO_CLASSES: dict[type[Message], type[ProtoMessage]] = {entry.model: entry.proto for entry in _ENTRIES}


# --- public API -----------------------------------------------------------------------------------


def to_proto(msg: Message) -> ProtoMessage:
    """The protobuf message for ``msg``; ProtocolError if it has no protobuf form."""
    entry = _BY_MODEL.get(type(msg))
    if entry is None:
        raise ProtocolError(f"{type(msg).__name__} has no protobuf counterpart")
    try:
        return entry.encode(msg)
    except (TypeError, ValueError) as exc:
        # The checks above should catch every bad value first; this keeps the no-other-exception promise.
        raise ProtocolError(f"cannot encode {type(msg).__name__}: {exc}") from exc


def from_proto(proto: ProtoMessage) -> Message:
    """The model message for a generated protobuf message; ProtocolError for unknown types or values."""
    entry = _BY_PROTO_CLASS.get(type(proto))
    if entry is None:
        raise ProtocolError(f"{type(proto).__name__} is not a Seata message protobuf")
    return entry.decode(proto)


def pack_any(msg: Message) -> any_pb2.Any:
    """``msg`` as the google.protobuf.Any a codec-40 body (or a container element) holds."""
    proto = to_proto(msg)
    return any_pb2.Any(
        type_url=TYPE_URL_PREFIX + proto.DESCRIPTOR.full_name,
        value=proto.SerializeToString(deterministic=True),
    )


def _entry_for_name(name: str) -> _Entry:
    entry = _BY_PROTO_NAME.get(name)
    if entry is None:
        raise ProtocolError(f"unknown or unsupported protobuf message {name!r}")
    return entry


def _parse(entry: _Entry, data: bytes) -> ProtoMessage:
    try:
        return entry.proto.FromString(data)
    except DecodeError as exc:
        raise ProtocolError(f"malformed {entry.proto.DESCRIPTOR.name}: {exc}") from exc


def unpack_any(item: any_pb2.Any) -> Message:
    """The model message inside an Any; only the type URL's part after the last "/" is looked at."""
    slash = item.type_url.rfind("/")
    if slash < 0:
        raise ProtocolError(f"type URL {item.type_url!r} has no '/'")
    entry = _entry_for_name(item.type_url[slash + 1 :])
    return entry.decode(_parse(entry, item.value))


def encode_body(msg: Message, codec: Codec = Codec.GRPC) -> bytes:
    """Serialize ``msg`` as an (uncompressed) body of codec 40 (Any) or codec 2 (name-prefixed)."""
    if codec == Codec.GRPC:
        return pack_any(msg).SerializeToString(deterministic=True)
    if codec == Codec.PROTOBUF:
        proto = to_proto(msg)
        name = proto.DESCRIPTOR.full_name.encode("utf-8")
        return _NAME_LEN.pack(len(name)) + name + proto.SerializeToString(deterministic=True)
    raise ProtocolError(f"codec {codec!r} is not a protobuf codec")


def decode_body(body: bytes, codec: Codec = Codec.GRPC) -> Message:
    """Parse an (already decompressed) body of codec 40 or codec 2; ProtocolError for anything malformed."""
    if codec == Codec.GRPC:
        try:
            item = any_pb2.Any.FromString(body)
        except DecodeError as exc:
            raise ProtocolError(f"malformed google.protobuf.Any body: {exc}") from exc
        return unpack_any(item)
    if codec == Codec.PROTOBUF:
        if len(body) < _NAME_LEN.size:
            raise ProtocolError(f"codec-2 body of {len(body)} bytes has no name length")
        (name_len,) = _NAME_LEN.unpack_from(body)
        if not 0 <= name_len <= len(body) - _NAME_LEN.size:
            raise ProtocolError(f"codec-2 name length {name_len} does not fit the {len(body)}-byte body")
        end = _NAME_LEN.size + name_len
        try:
            name = body[_NAME_LEN.size : end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"codec-2 message name is not UTF-8: {exc}") from exc
        entry = _entry_for_name(name)
        return entry.decode(_parse(entry, body[end:]))
    raise ProtocolError(f"codec {codec!r} is not a protobuf codec")

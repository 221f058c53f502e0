"""Hypothesis strategies producing valid protocol values (messages and frames)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from seata_py.protocol import (
    BatchResultMessage,
    BranchCommitRequest,
    BranchCommitResponse,
    BranchRegisterRequest,
    BranchRegisterResponse,
    BranchReportRequest,
    BranchReportResponse,
    BranchRollbackRequest,
    BranchRollbackResponse,
    BranchStatus,
    BranchType,
    Codec,
    Compressor,
    Frame,
    FrameType,
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
    GlobalStatus,
    GlobalStatusRequest,
    GlobalStatusResponse,
    MergedWarpMessage,
    MergeResultMessage,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    ResultCode,
    TransactionExceptionCode,
    UndoLogDeleteRequest,
)

# Any encodable text, non-ASCII included; "" is left out because it decodes to None.
_chars = st.characters(codec="utf-8")
text = st.text(_chars, min_size=1, max_size=30)
opt_text = st.none() | text

i16 = st.integers(-(2**15), 2**15 - 1)
i32 = st.integers(-(2**31), 2**31 - 1)
i64 = st.integers(-(2**63), 2**63 - 1)

branch_type = st.sampled_from(BranchType)
branch_status = st.sampled_from(BranchStatus)
global_status = st.sampled_from(GlobalStatus)


@st.composite
def _result_fields(draw: st.DrawFn, transaction: bool) -> dict[str, Any]:
    code = draw(st.sampled_from(ResultCode))
    # msg only travels with a failure, so a success with a msg would not round-trip.
    fields: dict[str, Any] = {
        "result_code": code,
        "msg": draw(opt_text) if code is ResultCode.FAILED else None,
    }
    if transaction:
        fields["exception_code"] = draw(st.sampled_from(TransactionExceptionCode))
    return fields


def _response(cls: type[Message], **field_strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Message]:
    return st.tuples(_result_fields(transaction=True), st.fixed_dictionaries(field_strategies)).map(
        lambda parts: cls(**parts[0], **parts[1])
    )


def _identify_response(cls: type[Message]) -> st.SearchStrategy[Message]:
    # Encoded in the V1 form, which has no result fields: only their defaults round-trip.
    return st.builds(cls, identified=st.booleans(), version=opt_text)


_global_end_request = {"xid": opt_text, "extra_data": opt_text}
_branch_register = {
    "xid": opt_text,
    "branch_type": branch_type,
    "resource_id": opt_text,
    "lock_key": opt_text,
    "application_data": opt_text,
}
_branch_end_request = {
    "xid": opt_text,
    "branch_id": i64,
    "branch_type": branch_type,
    "resource_id": opt_text,
    "application_data": opt_text,
}
_branch_end_response = {"xid": opt_text, "branch_id": i64, "branch_status": branch_status}

_identify_request = {
    "version": opt_text,
    "application_id": opt_text,
    "transaction_service_group": opt_text,
    "extra_data": opt_text,
}

SIMPLE_MESSAGES: dict[type[Message], st.SearchStrategy[Message]] = {
    RegisterTMRequest: st.builds(RegisterTMRequest, **_identify_request),
    RegisterTMResponse: _identify_response(RegisterTMResponse),
    RegisterRMRequest: st.builds(RegisterRMRequest, **_identify_request, resource_ids=opt_text),
    RegisterRMResponse: _identify_response(RegisterRMResponse),
    GlobalBeginRequest: st.builds(GlobalBeginRequest, timeout=i32, transaction_name=opt_text),
    GlobalBeginResponse: _response(GlobalBeginResponse, xid=opt_text, extra_data=opt_text),
    GlobalCommitRequest: st.builds(GlobalCommitRequest, **_global_end_request),
    GlobalRollbackRequest: st.builds(GlobalRollbackRequest, **_global_end_request),
    GlobalStatusRequest: st.builds(GlobalStatusRequest, **_global_end_request),
    GlobalReportRequest: st.builds(
        GlobalReportRequest, **_global_end_request, global_status=st.none() | global_status
    ),
    GlobalCommitResponse: _response(GlobalCommitResponse, global_status=global_status),
    GlobalRollbackResponse: _response(GlobalRollbackResponse, global_status=global_status),
    GlobalStatusResponse: _response(GlobalStatusResponse, global_status=global_status),
    GlobalReportResponse: _response(GlobalReportResponse, global_status=global_status),
    BranchRegisterRequest: st.builds(BranchRegisterRequest, **_branch_register),
    BranchRegisterResponse: _response(BranchRegisterResponse, branch_id=i64),
    BranchReportRequest: st.builds(
        BranchReportRequest,
        xid=opt_text,
        branch_id=i64,
        status=branch_status,
        resource_id=opt_text,
        application_data=opt_text,
        branch_type=branch_type,
    ),
    BranchReportResponse: _response(BranchReportResponse),
    GlobalLockQueryRequest: st.builds(GlobalLockQueryRequest, **_branch_register),
    GlobalLockQueryResponse: _response(GlobalLockQueryResponse, lockable=st.booleans()),
    BranchCommitRequest: st.builds(BranchCommitRequest, **_branch_end_request),
    BranchRollbackRequest: st.builds(BranchRollbackRequest, **_branch_end_request),
    BranchCommitResponse: _response(BranchCommitResponse, **_branch_end_response),
    BranchRollbackResponse: _response(BranchRollbackResponse, **_branch_end_response),
    UndoLogDeleteRequest: st.builds(
        UndoLogDeleteRequest, branch_type=branch_type, resource_id=opt_text, save_days=i16
    ),
}

simple_message = st.one_of(list(SIMPLE_MESSAGES.values()))


@st.composite
def _with_ids(draw: st.DrawFn, cls: type[Message], items_field: str) -> Message:
    items = draw(st.lists(simple_message, max_size=5))
    ids = draw(st.lists(i32, min_size=len(items), max_size=len(items)))
    return cls(**{items_field: tuple(items), "msg_ids": tuple(ids)})


CONTAINER_MESSAGES: dict[type[Message], st.SearchStrategy[Message]] = {
    MergedWarpMessage: _with_ids(MergedWarpMessage, "msgs"),
    MergeResultMessage: st.lists(simple_message, max_size=5).map(lambda m: MergeResultMessage(msgs=tuple(m))),
    BatchResultMessage: _with_ids(BatchResultMessage, "results"),
}

ALL_MESSAGES = {**SIMPLE_MESSAGES, **CONTAINER_MESSAGES}
any_message = st.one_of(list(ALL_MESSAGES.values()))

head_map = st.dictionaries(st.text(_chars, max_size=8), st.none() | st.text(_chars, max_size=8), max_size=3)


@st.composite
def frames(draw: st.DrawFn) -> Frame:
    frame_type = draw(st.sampled_from(FrameType))
    if frame_type in (FrameType.HEARTBEAT_REQUEST, FrameType.HEARTBEAT_RESPONSE):
        # No body, so any known codec and compressor byte is representable.
        return Frame(
            frame_type=frame_type,
            request_id=draw(i32),
            codec=draw(st.sampled_from(Codec)),
            compressor=draw(st.sampled_from(Compressor)),
            head_map=draw(head_map),
        )
    return Frame(
        frame_type=frame_type,
        request_id=draw(i32),
        message=draw(any_message),
        compressor=draw(st.sampled_from([Compressor.NONE, Compressor.GZIP])),
        head_map=draw(head_map),
    )

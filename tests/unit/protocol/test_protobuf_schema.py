"""The wire contract of proto/*.proto against the doc's tables (§3.2, §3.3, §5.2), written out by hand.

Only the package, message/enum names, enum value names and numbers, field numbers and field types travel
or are looked up by the Java server; field names are checked too because JSON/text renderings use them.
"""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from seata_py.protocol.protobuf.generated import seata_enums_pb2, seata_grpc_pb2, seata_messages_pb2

PACKAGE = "org.apache.seata.protocol.protobuf"

_SCALARS = {
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
}

ATR = "AbstractTransactionRequestProto"
ATS = "AbstractTransactionResponseProto"

# message -> {field number: (field name, type)}; "repeated X" for repeated fields, "map" for the head map.
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "AbstractMessageProto": {1: ("messageType", "MessageTypeProto")},
    ATR: {1: ("abstractMessage", "AbstractMessageProto")},
    "AbstractResultMessageProto": {
        1: ("AbstractMessage", "AbstractMessageProto"),
        2: ("resultCode", "ResultCodeProto"),
        3: ("msg", "string"),
    },
    ATS: {
        1: ("abstractResultMessage", "AbstractResultMessageProto"),
        2: ("transactionExceptionCode", "TransactionExceptionCodeProto"),
    },
    "AbstractIdentifyRequestProto": {
        1: ("abstractMessage", "AbstractMessageProto"),
        2: ("version", "string"),
        3: ("applicationId", "string"),
        4: ("transactionServiceGroup", "string"),
        5: ("extraData", "string"),
    },
    "AbstractIdentifyResponseProto": {
        1: ("abstractResultMessage", "AbstractResultMessageProto"),
        2: ("version", "string"),
        3: ("extraData", "string"),
        4: ("identified", "bool"),
    },
    "AbstractGlobalEndRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("xid", "string"),
        3: ("extraData", "string"),
    },
    "AbstractGlobalEndResponseProto": {
        1: ("abstractTransactionResponse", ATS),
        2: ("globalStatus", "GlobalStatusProto"),
    },
    "AbstractBranchEndRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("xid", "string"),
        3: ("branchId", "int64"),
        4: ("branchType", "BranchTypeProto"),
        5: ("resourceId", "string"),
        6: ("applicationData", "string"),
    },
    "AbstractBranchEndResponseProto": {
        1: ("abstractTransactionResponse", ATS),
        2: ("xid", "string"),
        3: ("branchId", "int64"),
        4: ("branchStatus", "BranchStatusProto"),
    },
    "RegisterTMRequestProto": {1: ("abstractIdentifyRequest", "AbstractIdentifyRequestProto")},
    "RegisterRMRequestProto": {
        1: ("abstractIdentifyRequest", "AbstractIdentifyRequestProto"),
        2: ("resourceIds", "string"),
    },
    "RegisterTMResponseProto": {1: ("abstractIdentifyResponse", "AbstractIdentifyResponseProto")},
    "RegisterRMResponseProto": {1: ("abstractIdentifyResponse", "AbstractIdentifyResponseProto")},
    "HeartbeatMessageProto": {1: ("ping", "bool")},
    "GlobalBeginRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("timeout", "int32"),
        3: ("transactionName", "string"),
    },
    "GlobalBeginResponseProto": {
        1: ("abstractTransactionResponse", ATS),
        2: ("xid", "string"),
        3: ("extraData", "string"),
    },
    **{
        f"Global{kind}RequestProto": {1: ("abstractGlobalEndRequest", "AbstractGlobalEndRequestProto")}
        for kind in ("Commit", "Rollback", "Status")
    },
    **{
        f"Global{kind}ResponseProto": {1: ("abstractGlobalEndResponse", "AbstractGlobalEndResponseProto")}
        for kind in ("Commit", "Rollback", "Status", "Report")
    },
    "GlobalReportRequestProto": {
        1: ("abstractGlobalEndRequest", "AbstractGlobalEndRequestProto"),
        2: ("globalStatus", "GlobalStatusProto"),
    },
    "BranchRegisterRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("xid", "string"),
        3: ("branchType", "BranchTypeProto"),
        4: ("resourceId", "string"),
        5: ("lockKey", "string"),
        6: ("applicationData", "string"),
    },
    "BranchRegisterResponseProto": {1: ("abstractTransactionResponse", ATS), 2: ("branchId", "int64")},
    "BranchReportRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("xid", "string"),
        3: ("branchId", "int64"),
        4: ("resourceId", "string"),
        5: ("status", "BranchStatusProto"),
        6: ("applicationData", "string"),
        7: ("branchType", "BranchTypeProto"),
    },
    "BranchReportResponseProto": {1: ("abstractTransactionResponse", ATS)},
    "GlobalLockQueryRequestProto": {1: ("branchRegisterRequest", "BranchRegisterRequestProto")},
    "GlobalLockQueryResponseProto": {1: ("abstractTransactionResponse", ATS), 2: ("lockable", "bool")},
    **{
        f"Branch{kind}RequestProto": {1: ("abstractBranchEndRequest", "AbstractBranchEndRequestProto")}
        for kind in ("Commit", "Rollback")
    },
    **{
        f"Branch{kind}ResponseProto": {1: ("abstractBranchEndResponse", "AbstractBranchEndResponseProto")}
        for kind in ("Commit", "Rollback")
    },
    "UndoLogDeleteRequestProto": {
        1: ("abstractTransactionRequest", ATR),
        2: ("resourceId", "string"),
        3: ("saveDays", "int32"),
        4: ("branchType", "BranchTypeProto"),
    },
    "MergedWarpMessageProto": {
        1: ("abstractMessage", "AbstractMessageProto"),
        2: ("msgs", "repeated google.protobuf.Any"),
        3: ("msgIds", "repeated int32"),
    },
    "MergedResultMessageProto": {
        1: ("abstractMessage", "AbstractMessageProto"),
        2: ("msgs", "repeated google.protobuf.Any"),
    },
    "BatchResultMessageProto": {
        1: ("abstractMessage", "AbstractMessageProto"),
        2: ("resultMessages", "repeated google.protobuf.Any"),
        3: ("msgIds", "repeated int32"),
    },
}

ENVELOPE = {1: ("id", "int32"), 2: ("messageType", "int32"), 3: ("headMap", "map"), 4: ("body", "bytes")}

ENUMS: dict[str, dict[str, int]] = {
    "ResultCodeProto": {"Failed": 0, "Success": 1},
    "BranchTypeProto": {"AT": 0, "TCC": 1, "SAGA": 2},
    "BranchStatusProto": {
        "BUnknown": 0,
        "Registered": 1,
        "PhaseOne_Done": 2,
        "PhaseOne_Failed": 3,
        "PhaseOne_Timeout": 4,
        "PhaseTwo_Committed": 5,
        "PhaseTwo_CommitFailed_Retryable": 6,
        "PhaseTwo_CommitFailed_Unretryable": 7,
        "PhaseTwo_Rollbacked": 8,
        "PhaseTwo_RollbackFailed_Retryable": 9,
        "PhaseTwo_RollbackFailed_Unretryable": 10,
        "PhaseOne_RDONLY": 13,
    },
    "GlobalStatusProto": {
        "UnKnown": 0,
        "Begin": 1,
        "Committing": 2,
        "CommitRetrying": 3,
        "Rollbacking": 4,
        "RollbackRetrying": 5,
        "TimeoutRollbacking": 6,
        "TimeoutRollbackRetrying": 7,
        "AsyncCommitting": 8,
        "Committed": 9,
        "CommitFailed": 10,
        "Rollbacked": 11,
        "RollbackFailed": 12,
        "TimeoutRollbacked": 13,
        "TimeoutRollbackFailed": 14,
        "Finished": 15,
    },
    "TransactionExceptionCodeProto": {
        "Unknown": 0,
        "LockKeyConflict": 1,
        "IO": 2,
        "BranchRollbackFailed_Retriable": 3,
        "BranchRollbackFailed_Unretriable": 4,
        "BranchRegisterFailed": 5,
        "BranchReportFailed": 6,
        "LockableCheckFailed": 7,
        "BranchTransactionNotExist": 8,
        "GlobalTransactionNotExist": 9,
        "GlobalTransactionNotActive": 10,
        "GlobalTransactionStatusInvalid": 11,
        "FailedToSendBranchCommitRequest": 12,
        "FailedToSendBranchRollbackRequest": 13,
        "FailedToAddBranch": 14,
        "FailedLockGlobalTranscation": 15,
        "FailedWriteSession": 16,
        "FailedStore": 17,
    },
    # §1.5 codes plus 0; no heartbeat (120), which never travels as a body.
    "MessageTypeProto": {
        "TYPE_GLOBAL_PRESERVED": 0,
        "TYPE_GLOBAL_BEGIN": 1,
        "TYPE_GLOBAL_BEGIN_RESULT": 2,
        "TYPE_BRANCH_COMMIT": 3,
        "TYPE_BRANCH_COMMIT_RESULT": 4,
        "TYPE_BRANCH_ROLLBACK": 5,
        "TYPE_BRANCH_ROLLBACK_RESULT": 6,
        "TYPE_GLOBAL_COMMIT": 7,
        "TYPE_GLOBAL_COMMIT_RESULT": 8,
        "TYPE_GLOBAL_ROLLBACK": 9,
        "TYPE_GLOBAL_ROLLBACK_RESULT": 10,
        "TYPE_BRANCH_REGISTER": 11,
        "TYPE_BRANCH_REGISTER_RESULT": 12,
        "TYPE_BRANCH_STATUS_REPORT": 13,
        "TYPE_BRANCH_STATUS_REPORT_RESULT": 14,
        "TYPE_GLOBAL_STATUS": 15,
        "TYPE_GLOBAL_STATUS_RESULT": 16,
        "TYPE_GLOBAL_REPORT": 17,
        "TYPE_GLOBAL_REPORT_RESULT": 18,
        "TYPE_GLOBAL_LOCK_QUERY": 21,
        "TYPE_GLOBAL_LOCK_QUERY_RESULT": 22,
        "TYPE_SEATA_MERGE": 59,
        "TYPE_SEATA_MERGE_RESULT": 60,
        "TYPE_REG_CLT": 101,
        "TYPE_REG_CLT_RESULT": 102,
        "TYPE_REG_RM": 103,
        "TYPE_REG_RM_RESULT": 104,
        "TYPE_UNDO_LOG_DELETE": 111,
        "TYPE_BATCH_RESULT_MSG": 121,
    },
}


def _type_of(field: FieldDescriptor) -> str:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return "map"
    if field.message_type is not None:
        name = field.message_type.full_name
    elif field.enum_type is not None:
        name = field.enum_type.full_name
    else:
        name = _SCALARS[field.type]
    name = name.removeprefix(PACKAGE + ".")
    # `is_repeated` is the newer spelling; `label` is all that older runtimes have.
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
    return f"repeated {name}" if repeated else name


def _fields(descriptor: Descriptor) -> dict[int, tuple[str, str]]:
    return {field.number: (field.name, _type_of(field)) for field in descriptor.fields}


def test_the_message_set_is_exactly_the_documented_one() -> None:
    assert set(seata_messages_pb2.DESCRIPTOR.message_types_by_name) == set(MESSAGES)
    assert set(seata_enums_pb2.DESCRIPTOR.enum_types_by_name) == set(ENUMS)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_fields(name: str) -> None:
    descriptor = seata_messages_pb2.DESCRIPTOR.message_types_by_name[name]
    assert descriptor.full_name == f"{PACKAGE}.{name}"
    assert _fields(descriptor) == MESSAGES[name]


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_values(name: str) -> None:
    descriptor: EnumDescriptor = seata_enums_pb2.DESCRIPTOR.enum_types_by_name[name]
    assert descriptor.full_name == f"{PACKAGE}.{name}"
    assert {value.name: value.number for value in descriptor.values} == ENUMS[name]


def test_envelope_and_service() -> None:
    envelope = seata_grpc_pb2.DESCRIPTOR.message_types_by_name["GrpcMessageProto"]
    assert envelope.full_name == f"{PACKAGE}.GrpcMessageProto"
    assert _fields(envelope) == ENVELOPE
    entry = envelope.fields_by_name["headMap"].message_type
    assert _fields(entry) == {1: ("key", "string"), 2: ("value", "string")}
    service = seata_grpc_pb2.DESCRIPTOR.services_by_name["SeataService"]
    assert service.full_name == f"{PACKAGE}.SeataService"
    assert [method.name for method in service.methods] == ["sendRequest"]
    method = service.methods[0]
    assert method.input_type is envelope and method.output_type is envelope

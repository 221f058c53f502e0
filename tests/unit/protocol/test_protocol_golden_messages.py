"""Hand-derived SEATA-codec bodies (doc §2), checked in both directions.

Every expected byte string below was written from the doc's layout tables, field by field; none is
produced by the encoder under test.
"""

from __future__ import annotations

import pytest

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
    ProtocolError,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    ResultCode,
    TransactionExceptionCode,
    UndoLogDeleteRequest,
    decode_message,
    encode_message,
    is_request,
)


def h(*fields: str) -> bytes:
    """Join hex fields; spaces inside a field are allowed for readability."""
    return bytes.fromhex(" ".join(fields))


XID = "10.0.0.5:8091:7"
XID_S2 = "000f 31302e302e302e353a383039313a37"  # S2 len 15 + "10.0.0.5:8091:7"
JDBC = "jdbc:mysql://h/db"
DB1_S2 = "0003 646231"  # S2 len 3 + "db1"
NULL_S2 = "0000"  # S2 null / empty
NULL_S4 = "00000000"  # S4 null / empty
APP_DATA = '{"a":1}'
APP_DATA_S4 = "00000007 7b2261223a317d"  # S4 len 7 + '{"a":1}'
BUSY_S2 = "0004 62757379"  # S2 len 4 + "busy"


GOLDEN: list[tuple[str, Message, bytes]] = [
    (
        "register_tm_request",
        RegisterTMRequest("2.2.0", "app", "grp"),
        h(
            "0065",  # typeCode 101
            "0005 322e322e30",  # version "2.2.0"
            "0003 617070",  # applicationId "app"
            "0003 677270",  # transactionServiceGroup "grp"
            NULL_S2,  # extraData null
        ),
    ),
    (
        "register_tm_response_v1",
        RegisterTMResponse(identified=True, version="1.5.2"),
        h(
            "0066",  # typeCode 102
            "01",  # identified true
            "0005 312e352e32",  # version "1.5.2"
        ),
    ),
    (
        "register_tm_response_v1_not_identified_null_version",
        RegisterTMResponse(identified=False, version=None),
        h(
            "0066",  # typeCode 102
            "00",  # identified false
            NULL_S2,  # version null
        ),
    ),
    (
        "register_rm_request",
        RegisterRMRequest("1.5.2", "app", "grp", extra_data="k=v", resource_ids=JDBC),
        h(
            "0067",  # typeCode 103
            "0005 312e352e32",  # version "1.5.2"
            "0003 617070",  # applicationId "app"
            "0003 677270",  # transactionServiceGroup "grp"
            "0003 6b3d76",  # extraData "k=v"
            "00000011 6a6462633a6d7973716c3a2f2f682f6462",  # S4 resourceIds "jdbc:mysql://h/db"
        ),
    ),
    (
        "register_rm_response_v1",
        RegisterRMResponse(identified=False, version="2.2.0"),
        h(
            "0068",  # typeCode 104
            "00",  # identified false
            "0005 322e322e30",  # version "2.2.0"
        ),
    ),
    (
        "global_begin_request",
        GlobalBeginRequest(timeout=60000, transaction_name="order"),
        h(
            "0001",  # typeCode 1
            "0000ea60",  # i32 timeout 60000 ms
            "0005 6f72646572",  # transactionName "order"
        ),
    ),
    (
        "global_begin_request_non_ascii",
        GlobalBeginRequest(timeout=2**31 - 1, transaction_name="café"),
        h(
            "0001",  # typeCode 1
            "7fffffff",  # i32 timeout max
            "0005 636166c3a9",  # transactionName "café": 4 chars but 5 UTF-8 bytes
        ),
    ),
    (
        "global_begin_response",
        GlobalBeginResponse(xid=XID),
        h(
            "0002",  # typeCode 2
            "01",  # resultCode Success (no msg follows)
            "00",  # exceptionCode Unknown
            XID_S2,  # xid
            NULL_S2,  # extraData null
        ),
    ),
    (
        "global_begin_response_failed",
        GlobalBeginResponse(
            result_code=ResultCode.FAILED,
            msg="busy",
            exception_code=TransactionExceptionCode.BEGIN_FAILED,
        ),
        h(
            "0002",  # typeCode 2
            "00",  # resultCode Failed
            BUSY_S2,  # msg "busy" (int16 length)
            "01",  # exceptionCode BeginFailed ordinal 1
            NULL_S2,  # xid null
            NULL_S2,  # extraData null
        ),
    ),
    (
        "global_commit_request",
        GlobalCommitRequest(xid=XID),
        h(
            "0007",  # typeCode 7
            XID_S2,  # xid
            NULL_S2,  # extraData null
        ),
    ),
    (
        "global_rollback_request",
        GlobalRollbackRequest(xid=XID, extra_data="k=v"),
        h(
            "0009",  # typeCode 9
            XID_S2,  # xid
            "0003 6b3d76",  # extraData "k=v"
        ),
    ),
    (
        "global_status_request_null_xid",
        GlobalStatusRequest(xid=None),
        h(
            "000f",  # typeCode 15
            NULL_S2,  # xid null
            NULL_S2,  # extraData null
        ),
    ),
    (
        "global_report_request",
        GlobalReportRequest(xid=XID, global_status=GlobalStatus.COMMITTED),
        h(
            "0011",  # typeCode 17
            XID_S2,  # xid
            NULL_S2,  # extraData null
            "09",  # i8 globalStatus Committed code 9
        ),
    ),
    (
        "global_report_request_null_status",
        GlobalReportRequest(xid=XID, global_status=None),
        h(
            "0011",  # typeCode 17
            XID_S2,  # xid
            NULL_S2,  # extraData null
            "ff",  # i8 globalStatus -1 = null
        ),
    ),
    (
        "global_commit_response",
        GlobalCommitResponse(global_status=GlobalStatus.COMMITTED),
        h(
            "0008",  # typeCode 8
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            "09",  # globalStatus Committed
        ),
    ),
    (
        "global_rollback_response_failed",
        GlobalRollbackResponse(
            global_status=GlobalStatus.ROLLBACK_RETRYING,
            result_code=ResultCode.FAILED,
            msg="busy",
            exception_code=TransactionExceptionCode.IO,
        ),
        h(
            "000a",  # typeCode 10
            "00",  # resultCode Failed
            BUSY_S2,  # msg "busy"
            "03",  # exceptionCode IO ordinal 3
            "05",  # globalStatus RollbackRetrying code 5
        ),
    ),
    (
        "global_status_response",
        GlobalStatusResponse(global_status=GlobalStatus.FINISHED),
        h(
            "0010",  # typeCode 16
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            "0f",  # globalStatus Finished code 15
        ),
    ),
    (
        "global_report_response",
        GlobalReportResponse(global_status=GlobalStatus.STOP_ROLLBACK_OR_ROLLBACK_RETRY),
        h(
            "0012",  # typeCode 18
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            "14",  # globalStatus StopRollbackOrRollbackRetry code 20
        ),
    ),
    (
        "branch_register_request",
        BranchRegisterRequest(XID, BranchType.AT, JDBC, "t:1,2", APP_DATA),
        h(
            "000b",  # typeCode 11
            XID_S2,  # xid
            "00",  # branchType AT ordinal 0
            "0011 6a6462633a6d7973716c3a2f2f682f6462",  # resourceId "jdbc:mysql://h/db"
            "00000005 743a312c32",  # S4 lockKey "t:1,2"
            APP_DATA_S4,  # S4 applicationData
        ),
    ),
    (
        "branch_register_response",
        BranchRegisterResponse(branch_id=0x0123_4567_89AB_CDEF),
        h(
            "000c",  # typeCode 12
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            "0123456789abcdef",  # i64 branchId
        ),
    ),
    (
        "branch_register_response_failed_non_ascii_msg",
        BranchRegisterResponse(
            branch_id=0,
            result_code=ResultCode.FAILED,
            msg="café",
            exception_code=TransactionExceptionCode.LOCK_KEY_CONFLICT,
        ),
        h(
            "000c",  # typeCode 12
            "00",  # resultCode Failed
            "0005 636166c3a9",  # msg "café" (length in bytes)
            "02",  # exceptionCode LockKeyConflict ordinal 2
            "0000000000000000",  # i64 branchId 0
        ),
    ),
    (
        "branch_report_request",
        BranchReportRequest(XID, -2, BranchStatus.PHASE_ONE_FAILED, "db1", None, BranchType.TCC),
        h(
            "000d",  # typeCode 13
            XID_S2,  # xid
            "fffffffffffffffe",  # i64 branchId -2
            "03",  # status PhaseOne_Failed code 3
            DB1_S2,  # resourceId "db1"
            NULL_S4,  # S4 applicationData null
            "01",  # branchType TCC ordinal 1
        ),
    ),
    (
        "branch_report_response",
        BranchReportResponse(),
        h(
            "000e",  # typeCode 14
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
        ),
    ),
    (
        "branch_report_response_failed_300_byte_msg",
        BranchReportResponse(
            result_code=ResultCode.FAILED,
            msg="m" * 300,
            exception_code=TransactionExceptionCode.BRANCH_REPORT_FAILED,
        ),
        h(
            "000e",  # typeCode 14
            "00",  # resultCode Failed
            "012c",  # msg length 300: needs the 16-bit length Java uses (seata-go's 8-bit would not fit)
            "6d" * 300,  # msg "m" x 300
            "07",  # exceptionCode BranchReportFailed ordinal 7
        ),
    ),
    (
        "global_lock_query_request",
        GlobalLockQueryRequest(XID, BranchType.AT, "db1", "t:1,2"),
        h(
            "0015",  # typeCode 21
            XID_S2,  # xid
            "00",  # branchType AT
            DB1_S2,  # resourceId "db1"
            "00000005 743a312c32",  # S4 lockKey "t:1,2"
            NULL_S4,  # S4 applicationData null
        ),
    ),
    (
        "global_lock_query_response",
        GlobalLockQueryResponse(lockable=True),
        h(
            "0016",  # typeCode 22
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            "0001",  # i16 lockable 1
        ),
    ),
    (
        "global_lock_query_response_failed",
        GlobalLockQueryResponse(
            lockable=False,
            result_code=ResultCode.FAILED,
            exception_code=TransactionExceptionCode.LOCKABLE_CHECK_FAILED,
        ),
        h(
            "0016",  # typeCode 22
            "00",  # resultCode Failed
            NULL_S2,  # msg null
            "08",  # exceptionCode LockableCheckFailed ordinal 8
            "0000",  # i16 lockable 0
        ),
    ),
    (
        "branch_commit_request",
        BranchCommitRequest(XID, 0x0123_4567_89AB_CDEF, BranchType.AT, "db1"),
        h(
            "0003",  # typeCode 3
            XID_S2,  # xid
            "0123456789abcdef",  # i64 branchId
            "00",  # branchType AT
            DB1_S2,  # resourceId
            NULL_S4,  # S4 applicationData null
        ),
    ),
    (
        "branch_rollback_request",
        BranchRollbackRequest(XID, 7, BranchType.XA, "db1", APP_DATA),
        h(
            "0005",  # typeCode 5
            XID_S2,  # xid
            "0000000000000007",  # i64 branchId 7
            "03",  # branchType XA ordinal 3
            DB1_S2,  # resourceId
            APP_DATA_S4,  # S4 applicationData
        ),
    ),
    (
        "branch_commit_response",
        BranchCommitResponse(XID, 7, BranchStatus.PHASE_TWO_COMMITTED),
        h(
            "0004",  # typeCode 4
            "01",  # resultCode Success
            "00",  # exceptionCode Unknown
            XID_S2,  # xid
            "0000000000000007",  # i64 branchId 7
            "05",  # branchStatus PhaseTwo_Committed code 5
        ),
    ),
    (
        "branch_rollback_response_failed",
        BranchRollbackResponse(
            XID,
            7,
            BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE,
            result_code=ResultCode.FAILED,
            msg="busy",
            exception_code=TransactionExceptionCode.BRANCH_ROLLBACK_FAILED_UNRETRIABLE,
        ),
        h(
            "0006",  # typeCode 6
            "00",  # resultCode Failed
            BUSY_S2,  # msg "busy"
            "05",  # exceptionCode BranchRollbackFailed_Unretriable ordinal 5
            XID_S2,  # xid
            "0000000000000007",  # i64 branchId 7
            "0a",  # branchStatus PhaseTwo_RollbackFailed_Unretryable code 10
        ),
    ),
    (
        "undo_log_delete_request",
        UndoLogDeleteRequest(BranchType.AT, "db1", 7),
        h(
            "006f",  # typeCode 111
            "00",  # branchType AT
            DB1_S2,  # resourceId
            "0007",  # i16 saveDays 7
        ),
    ),
    (
        "merged_warp_message",
        MergedWarpMessage(msgs=(GlobalCommitRequest(xid="x"), GlobalStatusRequest(xid=None)), msg_ids=(5, 6)),
        h(
            "003b",  # typeCode 59
            "00000017",  # i32 length of the rest: 2 + 7 + 6 + 4 + 4 = 23
            "0002",  # i16 count 2
            "0007 0001 78 0000",  # GlobalCommitRequest: typeCode 7, xid "x", extraData null
            "000f 0000 0000",  # GlobalStatusRequest: typeCode 15, xid null, extraData null
            "00000005",  # msgId 5
            "00000006",  # msgId 6
        ),
    ),
    (
        "merged_warp_message_empty",
        MergedWarpMessage(msgs=(), msg_ids=()),
        h(
            "003b",  # typeCode 59
            "00000002",  # i32 length of the rest: just the count
            "0000",  # i16 count 0
        ),
    ),
    (
        "merge_result_message",
        MergeResultMessage(
            msgs=(GlobalCommitResponse(global_status=GlobalStatus.COMMITTED), BranchReportResponse())
        ),
        h(
            "003c",  # typeCode 60
            "0000000b",  # i32 length of the rest: 2 + 5 + 4 = 11
            "0002",  # i16 count 2
            "0008 01 00 09",  # GlobalCommitResponse: Success, Unknown, Committed
            "000e 01 00",  # BranchReportResponse: Success, Unknown
        ),
    ),
    (
        "batch_result_message",
        BatchResultMessage(results=(BranchRegisterResponse(branch_id=1),), msg_ids=(-1,)),
        h(
            "0079",  # typeCode 121
            "00000012",  # i32 length of the rest: 2 + 12 + 4 = 18
            "0001",  # i16 count 1
            "000c 01 00 0000000000000001",  # BranchRegisterResponse: Success, Unknown, branchId 1
            "ffffffff",  # msgId -1
        ),
    ),
]


@pytest.mark.parametrize(("message", "wire"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_encode_matches_golden(message: Message, wire: bytes) -> None:
    assert encode_message(message).hex() == wire.hex()


@pytest.mark.parametrize(("message", "wire"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_decode_golden(message: Message, wire: bytes) -> None:
    assert decode_message(wire) == message


def test_goldens_cover_every_message_class() -> None:
    import seata_py.protocol.messages as messages_module

    concrete = {
        obj
        for obj in vars(messages_module).values()
        if isinstance(obj, type) and issubclass(obj, Message) and "TYPE_CODE" in vars(obj)
    }
    covered = {type(g[1]) for g in GOLDEN}
    assert concrete == covered
    assert len(concrete) == 28


# --- decode-only forms ----------------------------------------------------------------------------

DECODE_ONLY: list[tuple[str, bytes, Message]] = [
    (
        "register_tm_response_v2_success",
        h(
            "0066",  # typeCode 102
            "01",  # V2: resultCode Success (no msg)
            "01",  # identified true
            "0005 312e352e32",  # version "1.5.2"
        ),
        RegisterTMResponse(identified=True, version="1.5.2"),
    ),
    (
        "register_tm_response_v2_failed",
        h(
            "0066",  # typeCode 102
            "00",  # V2: resultCode Failed
            BUSY_S2,  # msg "busy"
            "00",  # identified false
            NULL_S2,  # version null
        ),
        RegisterTMResponse(identified=False, version=None, result_code=ResultCode.FAILED, msg="busy"),
    ),
    (
        "register_rm_response_v2_null_version",
        h(
            "0068",  # typeCode 104
            "01",  # V2: resultCode Success
            "01",  # identified true
            NULL_S2,  # version null
        ),
        RegisterRMResponse(identified=True, version=None),
    ),
    (
        "success_response_never_reads_a_msg",
        h(
            "000e",  # typeCode 14
            "01",  # resultCode Success: the next byte is the exception code, not a msg length
            "09",  # exceptionCode BranchTransactionNotExist ordinal 9
        ),
        BranchReportResponse(exception_code=TransactionExceptionCode.BRANCH_TRANSACTION_NOT_EXIST),
    ),
]


@pytest.mark.parametrize(("wire", "message"), [g[1:] for g in DECODE_ONLY], ids=[g[0] for g in DECODE_ONLY])
def test_decode_only_forms(wire: bytes, message: Message) -> None:
    assert decode_message(wire) == message


# --- encoding rules that are not plain round trips -----------------------------------------------


def test_empty_string_encodes_like_null_and_decodes_to_none() -> None:
    wire = h("0007", NULL_S2, NULL_S2)  # typeCode 7, xid length 0, extraData length 0
    assert encode_message(GlobalCommitRequest(xid="", extra_data="")) == wire
    assert decode_message(wire) == GlobalCommitRequest(xid=None, extra_data=None)


def test_success_response_does_not_write_msg() -> None:
    message = BranchReportResponse(result_code=ResultCode.SUCCESS, msg="ignored")
    assert encode_message(message) == h("000e", "01", "00")


def test_failure_msg_is_truncated_to_int16_length() -> None:
    wire = encode_message(BranchReportResponse(result_code=ResultCode.FAILED, msg="a" * 40000))
    assert wire[:5] == h("000e", "00", "7fff")  # typeCode, Failed, msg length 32767
    assert wire[5:-1] == b"a" * 32767
    assert wire[-1:] == h("00")  # exceptionCode


def test_failure_msg_truncation_never_splits_a_character() -> None:
    # 2-byte characters: 16383 of them fill 32766 bytes, the next would exceed 32767.
    wire = encode_message(BranchReportResponse(result_code=ResultCode.FAILED, msg="é" * 40000))
    assert wire[3:5] == h("7ffe")
    decoded = decode_message(wire)
    assert isinstance(decoded, BranchReportResponse)
    assert decoded.msg == "é" * 16383


def test_failure_msg_with_lone_surrogate_is_sendable() -> None:
    wire = encode_message(GlobalBeginResponse(result_code=ResultCode.FAILED, msg="a\ud800b"))
    assert wire[:8] == h("0002", "00", "0003 613f62")  # "a?b", like Java's getBytes replacement


def test_s2_string_at_limit_is_accepted_and_above_limit_rejected() -> None:
    assert len(encode_message(GlobalCommitRequest(xid="x" * 32767))) == 2 + 2 + 32767 + 2
    with pytest.raises(ProtocolError):
        encode_message(GlobalCommitRequest(xid="x" * 32768))
    with pytest.raises(ProtocolError):
        encode_message(GlobalCommitRequest(xid="é" * 16384))  # 32768 bytes


def test_s4_string_may_exceed_int16() -> None:
    wire = encode_message(BranchRegisterRequest("x", BranchType.AT, "r", "k" * 40000))
    assert h("00009c40") in wire  # S4 length 40000


@pytest.mark.parametrize(
    "message",
    [
        GlobalBeginRequest(timeout=2**31),
        GlobalBeginRequest(timeout="1"),  # type: ignore[arg-type]
        BranchRegisterResponse(branch_id=2**63),
        UndoLogDeleteRequest(BranchType.AT, "r", 2**15),
        BranchCommitRequest("x", 1, 9, "r"),  # type: ignore[arg-type]
        BranchCommitRequest("x", 1, None, "r"),  # type: ignore[arg-type]
        GlobalLockQueryResponse(lockable=1),  # type: ignore[arg-type]
        GlobalCommitRequest(xid="\ud800"),
        GlobalCommitRequest(xid=5),  # type: ignore[arg-type]
        GlobalReportRequest(xid="x", global_status=21),  # type: ignore[arg-type]
        BranchReportResponse(result_code=2),  # type: ignore[arg-type]
        MergedWarpMessage(msgs=(GlobalCommitRequest("x"),), msg_ids=()),
        MergedWarpMessage(msgs=(MergeResultMessage(msgs=()),), msg_ids=(1,)),
        MergedWarpMessage(msgs=(object(),), msg_ids=(1,)),  # type: ignore[arg-type]
        MergedWarpMessage(msgs=(GlobalCommitRequest("x"),), msg_ids=(2**31,)),
        Message(),
    ],
)
def test_unencodable_messages_raise_protocol_error(message: Message) -> None:
    with pytest.raises(ProtocolError):
        encode_message(message)


def test_plain_int_enum_values_are_accepted() -> None:
    message = BranchCommitRequest("x", 1, 0, "r")  # type: ignore[arg-type]
    assert encode_message(message) == encode_message(BranchCommitRequest("x", 1, BranchType.AT, "r"))


def test_is_request() -> None:
    assert is_request(GlobalBeginRequest(1))
    assert is_request(BranchCommitRequest("x", 1, BranchType.AT, "r"))
    assert is_request(UndoLogDeleteRequest(BranchType.AT, "r", 7))
    assert is_request(MergedWarpMessage(msgs=(), msg_ids=()))
    assert not is_request(GlobalBeginResponse())
    assert not is_request(RegisterTMResponse(identified=True))
    assert not is_request(BranchCommitResponse("x", 1, BranchStatus.PHASE_TWO_COMMITTED))
    assert not is_request(BatchResultMessage(results=(), msg_ids=()))


# --- malformed bodies -----------------------------------------------------------------------------

MALFORMED: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("one_byte", h("00")),
    ("unknown_type_code", h("0013")),  # 19 is not a message
    ("heartbeat_type_code_has_no_body_form", h("0078")),  # 120
    ("negative_type_code", h("ffff")),
    ("trailing_byte", h("000e 01 00", "00")),
    ("truncated_field", h("000c 01 00 00000000")),  # branchId cut to 4 bytes
    ("truncated_string", h("0007 0005 6162")),  # xid claims 5 bytes, 2 follow
    ("negative_s2_length", h("0007 ffff 0000")),
    ("negative_s4_length", h("000b 0000 00 0000 ffffffff 00000000")),
    ("invalid_utf8", h("0007 0002 c328 0000")),
    ("utf8_encoded_surrogate", h("0007 0003 eda080 0000")),
    ("result_code_2", h("000e 02 00")),
    ("exception_code_24", h("000e 01 18")),
    ("branch_type_5", h("006f 05 0000 0007")),
    ("branch_status_15", h("0004 01 00 0000 0000000000000001 0f")),
    ("global_status_21", h("0008 01 00 15")),
    ("global_report_status_minus_2", h("0011 0000 0000 fe")),
    ("identified_2", h("0066 02 0000")),
    ("lockable_2", h("0016 01 00 0002")),
    ("lockable_256", h("0016 01 00 0100")),
    ("register_response_neither_v1_nor_v2", h("0066 01 01 0005 31")),
    ("container_length_too_small", h("003b 00000001 0000")),
    ("container_length_too_large", h("003b 00000003 0000")),
    ("container_negative_count", h("003b 00000002 ffff")),
    ("container_missing_msg_ids", h("003b 00000008 0001 000f 0000 0000")),
    ("container_nested", h("003c 0000000a 0001 003c 00000002 0000")),
    ("container_inner_unknown", h("003c 00000004 0001 0013")),
]


@pytest.mark.parametrize("wire", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_raise_protocol_error(wire: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_message(wire)

"""The TC's operations as the TM and RM layers use them: typed arguments in, values out, typed errors.

Every operation is described once, by the function that builds it (which role's connection, which message,
how to read the answer); :func:`_served` makes that one description the blocking method and its ``async``
twin (``begin`` and ``abegin``, ...), with the builder's parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from seata_py.exceptions import (
    GlobalTransactionNotActiveError,
    GlobalTransactionNotExistError,
    GlobalTransactionStatusInvalidError,
    LockConflictError,
    TransactionError,
)
from seata_py.protocol import (
    BranchRegisterRequest,
    BranchRegisterResponse,
    BranchReportRequest,
    BranchStatus,
    BranchType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalCommitRequest,
    GlobalLockQueryRequest,
    GlobalLockQueryResponse,
    GlobalReportRequest,
    GlobalRollbackRequest,
    GlobalStatus,
    GlobalStatusRequest,
    Message,
    ProtocolError,
    ResultCode,
    TransactionExceptionCode,
)
from seata_py.protocol.messages import (
    BranchReportResponse,
    GlobalCommitResponse,
    GlobalReportResponse,
    GlobalRollbackResponse,
    GlobalStatusResponse,
    ResultMessage,
)
from seata_py.rpc.client import RpcClient
from seata_py.rpc.connection import ClientRole
from seata_py.types.awaiting import bridged, wait

T = TypeVar("T")
P = ParamSpec("P")

_ERRORS: dict[TransactionExceptionCode, type[TransactionError]] = {
    TransactionExceptionCode.LOCK_KEY_CONFLICT: LockConflictError,
    TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST: LockConflictError,
    TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_EXIST: GlobalTransactionNotExistError,
    TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_ACTIVE: GlobalTransactionNotActiveError,
    TransactionExceptionCode.GLOBAL_TRANSACTION_STATUS_INVALID: GlobalTransactionStatusInvalidError,
}


def raise_for_result(response: Message, xid: str | None = None) -> None:
    """Turn a failed TC answer into the matching :class:`TransactionError` subclass."""
    if not isinstance(response, ResultMessage) or response.result_code is ResultCode.SUCCESS:
        return
    code = getattr(response, "exception_code", None)
    error = _ERRORS.get(code, TransactionError) if code is not None else TransactionError
    raise error(response.msg or f"TC answered {type(response).__name__} with Failed", code=code, xid=xid)


@dataclass(frozen=True)
class _Operation(Generic[T]):
    role: ClientRole
    message: Message
    xid: str | None
    expect: type[Message]
    read: Callable[[Any], T]


def _read(op: _Operation[T], response: Message) -> T:
    if not isinstance(response, op.expect):
        raise ProtocolError(f"TC answered {type(op.message).__name__} with {type(response).__name__}")
    raise_for_result(response, op.xid)
    return op.read(response)


# -- the operations ----------------------------------------------------------------------------------------


def _begin(name: str = "default", timeout_ms: int = 60000) -> _Operation[str]:
    """GlobalBegin; returns the XID (``ip:port:transactionId``)."""

    def read(resp: GlobalBeginResponse) -> str:
        if not resp.xid:
            raise TransactionError(
                "TC began a global transaction but returned no XID",
                code=TransactionExceptionCode.BEGIN_FAILED,
            )
        return resp.xid

    return _Operation(
        ClientRole.TM,
        GlobalBeginRequest(timeout=timeout_ms, transaction_name=name),
        None,
        GlobalBeginResponse,
        read,
    )


def _ending(
    request: type[GlobalCommitRequest | GlobalRollbackRequest | GlobalStatusRequest],
    expect: type[GlobalCommitResponse | GlobalRollbackResponse | GlobalStatusResponse],
) -> Callable[[str], _Operation[GlobalStatus]]:
    def build(xid: str) -> _Operation[GlobalStatus]:
        return _Operation(ClientRole.TM, request(xid=xid), xid, expect, lambda r: r.global_status)

    return build


_commit = _ending(GlobalCommitRequest, GlobalCommitResponse)
_rollback = _ending(GlobalRollbackRequest, GlobalRollbackResponse)
_status = _ending(GlobalStatusRequest, GlobalStatusResponse)


def _report(xid: str, status: GlobalStatus) -> _Operation[GlobalStatus]:
    return _Operation(
        ClientRole.TM,
        GlobalReportRequest(xid=xid, global_status=status),
        xid,
        GlobalReportResponse,
        lambda r: r.global_status,
    )


def _branch_register(
    xid: str,
    resource_id: str,
    lock_key: str | None,
    branch_type: BranchType = BranchType.AT,
    application_data: str | None = None,
) -> _Operation[int]:
    """BranchRegister; returns the branch id. A held row lock raises :class:`LockConflictError`."""
    message = BranchRegisterRequest(
        xid=xid,
        branch_type=branch_type,
        resource_id=resource_id,
        lock_key=lock_key,
        application_data=application_data,
    )
    return _Operation(ClientRole.RM, message, xid, BranchRegisterResponse, lambda r: r.branch_id)


def _branch_report(
    xid: str,
    branch_id: int,
    status: BranchStatus,
    resource_id: str,
    branch_type: BranchType = BranchType.AT,
    application_data: str | None = None,
) -> _Operation[None]:
    message = BranchReportRequest(
        xid=xid,
        branch_id=branch_id,
        status=status,
        resource_id=resource_id,
        application_data=application_data,
        branch_type=branch_type,
    )
    return _Operation(ClientRole.RM, message, xid, BranchReportResponse, lambda r: None)


def _lock_query(
    xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType = BranchType.AT
) -> _Operation[bool]:
    """GlobalLockQuery: True when no other global transaction holds any of the rows in ``lock_key``."""
    message = GlobalLockQueryRequest(
        xid=xid, branch_type=branch_type, resource_id=resource_id, lock_key=lock_key
    )
    return _Operation(ClientRole.RM, message, xid, GlobalLockQueryResponse, lambda r: r.lockable)


# -- serving them ------------------------------------------------------------------------------------------

_Blocking = Callable[Concatenate["TransactionCoordinator", P], T]
_Async = Callable[Concatenate["TransactionCoordinator", P], Coroutine[Any, Any, T]]


def _served(name: str, build: Callable[P, _Operation[T]]) -> tuple[_Blocking[P, T], _Async[P, T]]:
    """The methods ``name`` (blocking) and ``a<name>`` (awaitable) that run what ``build`` describes."""

    def blocking(self: TransactionCoordinator, *args: P.args, **kwargs: P.kwargs) -> T:
        if bridged():  # AT code serving an asyncio caller: its loop waits for the answer, not this thread
            return wait(awaitable(self, *args, **kwargs))
        op = build(*args, **kwargs)
        return _read(op, self.client.call(op.role, op.message, op.xid))

    async def awaitable(self: TransactionCoordinator, *args: P.args, **kwargs: P.kwargs) -> T:
        op = build(*args, **kwargs)
        return _read(op, await self.client.acall(op.role, op.message, op.xid))

    # What help() and IDEs show: the builder's parameters after self, under the public names.
    built = inspect.signature(build)
    itself = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for method, method_name in ((blocking, name), (awaitable, f"a{name}")):
        method.__name__ = method_name
        method.__qualname__ = f"TransactionCoordinator.{method_name}"
        method.__doc__ = build.__doc__
        method.__signature__ = built.replace(  # type: ignore[attr-defined]
            parameters=[itself, *built.parameters.values()],
            return_annotation=inspect.Signature.empty,
        )
    return blocking, awaitable


class TransactionCoordinator:
    def __init__(self, client: RpcClient) -> None:
        self.client = client

    # TM
    begin, abegin = _served("begin", _begin)
    commit, acommit = _served("commit", _commit)
    rollback, arollback = _served("rollback", _rollback)
    status, astatus = _served("status", _status)
    report, areport = _served("report", _report)
    # RM
    branch_register, abranch_register = _served("branch_register", _branch_register)
    branch_report, abranch_report = _served("branch_report", _branch_report)
    lock_query, alock_query = _served("lock_query", _lock_query)

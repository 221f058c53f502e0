"""The TC's operations as the TM and RM layers use them: typed arguments in, values out, typed errors.

Every operation is described once (which role's connection, which message, how to read the answer) and
served to blocking callers and to ``async`` callers alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
from seata_py.rpc.connection import Role

T = TypeVar("T")

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
    role: Role
    message: Message
    xid: str | None
    expect: type[Message]
    read: Callable[[Any], T]


class TransactionCoordinator:
    def __init__(self, client: RpcClient) -> None:
        self.client = client

    # -- plumbing ------------------------------------------------------------------------------------------

    def _run(self, op: _Operation[T]) -> T:
        return self._read(op, self.client.call(op.role, op.message, op.xid))

    async def _arun(self, op: _Operation[T]) -> T:
        return self._read(op, await self.client.acall(op.role, op.message, op.xid))

    @staticmethod
    def _read(op: _Operation[T], response: Message) -> T:
        if not isinstance(response, op.expect):
            raise ProtocolError(f"TC answered {type(op.message).__name__} with {type(response).__name__}")
        raise_for_result(response, op.xid)
        return op.read(response)

    # -- TM ------------------------------------------------------------------------------------------------

    @staticmethod
    def _begin(name: str, timeout_ms: int) -> _Operation[str]:
        def read(resp: GlobalBeginResponse) -> str:
            if not resp.xid:
                raise TransactionError(
                    "TC began a global transaction but returned no XID",
                    code=TransactionExceptionCode.BEGIN_FAILED,
                )
            return resp.xid

        return _Operation(
            Role.TM,
            GlobalBeginRequest(timeout=timeout_ms, transaction_name=name),
            None,
            GlobalBeginResponse,
            read,
        )

    @staticmethod
    def _end(
        request: type[GlobalCommitRequest | GlobalRollbackRequest | GlobalStatusRequest], xid: str
    ) -> _Operation[GlobalStatus]:

        expect = {
            GlobalCommitRequest: GlobalCommitResponse,
            GlobalRollbackRequest: GlobalRollbackResponse,
            GlobalStatusRequest: GlobalStatusResponse,
        }[request]
        return _Operation(Role.TM, request(xid=xid), xid, expect, lambda r: r.global_status)

    @staticmethod
    def _report(xid: str, status: GlobalStatus) -> _Operation[GlobalStatus]:

        return _Operation(
            Role.TM,
            GlobalReportRequest(xid=xid, global_status=status),
            xid,
            GlobalReportResponse,
            lambda r: r.global_status,
        )

    def begin(self, name: str = "default", timeout_ms: int = 60000) -> str:
        """GlobalBegin; returns the XID (``ip:port:transactionId``)."""
        return self._run(self._begin(name, timeout_ms))

    async def abegin(self, name: str = "default", timeout_ms: int = 60000) -> str:
        return await self._arun(self._begin(name, timeout_ms))

    def commit(self, xid: str) -> GlobalStatus:
        return self._run(self._end(GlobalCommitRequest, xid))

    async def acommit(self, xid: str) -> GlobalStatus:
        return await self._arun(self._end(GlobalCommitRequest, xid))

    def rollback(self, xid: str) -> GlobalStatus:
        return self._run(self._end(GlobalRollbackRequest, xid))

    async def arollback(self, xid: str) -> GlobalStatus:
        return await self._arun(self._end(GlobalRollbackRequest, xid))

    def status(self, xid: str) -> GlobalStatus:
        return self._run(self._end(GlobalStatusRequest, xid))

    async def astatus(self, xid: str) -> GlobalStatus:
        return await self._arun(self._end(GlobalStatusRequest, xid))

    def report(self, xid: str, status: GlobalStatus) -> GlobalStatus:
        return self._run(self._report(xid, status))

    async def areport(self, xid: str, status: GlobalStatus) -> GlobalStatus:
        return await self._arun(self._report(xid, status))

    # -- RM ------------------------------------------------------------------------------------------------

    @staticmethod
    def _branch_register(
        xid: str,
        resource_id: str,
        lock_key: str | None,
        branch_type: BranchType,
        application_data: str | None,
    ) -> _Operation[int]:
        message = BranchRegisterRequest(
            xid=xid,
            branch_type=branch_type,
            resource_id=resource_id,
            lock_key=lock_key,
            application_data=application_data,
        )
        return _Operation(Role.RM, message, xid, BranchRegisterResponse, lambda r: r.branch_id)

    @staticmethod
    def _branch_report(
        xid: str,
        branch_id: int,
        status: BranchStatus,
        resource_id: str,
        branch_type: BranchType,
        application_data: str | None,
    ) -> _Operation[None]:

        message = BranchReportRequest(
            xid=xid,
            branch_id=branch_id,
            status=status,
            resource_id=resource_id,
            application_data=application_data,
            branch_type=branch_type,
        )
        return _Operation(Role.RM, message, xid, BranchReportResponse, lambda r: None)

    @staticmethod
    def _lock_query(
        xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType
    ) -> _Operation[bool]:
        message = GlobalLockQueryRequest(
            xid=xid, branch_type=branch_type, resource_id=resource_id, lock_key=lock_key
        )
        return _Operation(Role.RM, message, xid, GlobalLockQueryResponse, lambda r: r.lockable)

    def branch_register(
        self,
        xid: str,
        resource_id: str,
        lock_key: str | None,
        branch_type: BranchType = BranchType.AT,
        application_data: str | None = None,
    ) -> int:
        """BranchRegister; returns the branch id. A held row lock raises :class:`LockConflictError`."""
        return self._run(self._branch_register(xid, resource_id, lock_key, branch_type, application_data))

    async def abranch_register(
        self,
        xid: str,
        resource_id: str,
        lock_key: str | None,
        branch_type: BranchType = BranchType.AT,
        application_data: str | None = None,
    ) -> int:
        return await self._arun(
            self._branch_register(xid, resource_id, lock_key, branch_type, application_data)
        )

    def branch_report(
        self,
        xid: str,
        branch_id: int,
        status: BranchStatus,
        resource_id: str,
        branch_type: BranchType = BranchType.AT,
        application_data: str | None = None,
    ) -> None:
        self._run(self._branch_report(xid, branch_id, status, resource_id, branch_type, application_data))

    async def abranch_report(
        self,
        xid: str,
        branch_id: int,
        status: BranchStatus,
        resource_id: str,
        branch_type: BranchType = BranchType.AT,
        application_data: str | None = None,
    ) -> None:
        await self._arun(
            self._branch_report(xid, branch_id, status, resource_id, branch_type, application_data)
        )

    def lock_query(
        self, xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType = BranchType.AT
    ) -> bool:
        """GlobalLockQuery: True when no other global transaction holds any of the rows in ``lock_key``."""
        return self._run(self._lock_query(xid, resource_id, lock_key, branch_type))

    async def alock_query(
        self, xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType = BranchType.AT
    ) -> bool:
        return await self._arun(self._lock_query(xid, resource_id, lock_key, branch_type))

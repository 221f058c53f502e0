"""From a client's request message to the coordinator and back to the response message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from seata_py.exceptions import NotRegisteredError as NotRegisteredError
from seata_py.exceptions import TransactionError
from seata_py.exceptions import UnexpectedMessageError as UnexpectedMessageError
from seata_py.protocol import FrameType, Message, ResultCode, TransactionExceptionCode
from seata_py.protocol import messages as m
from seata_py.tc.channels import Channel, ChannelRegistry, ClientChannel, ClientRole
from seata_py.tc.config import SERVER_PROTOCOL_VERSION
from seata_py.tc.decisions import Coordinator

log = logging.getLogger("seata_py.tc")


Handler = Callable[[ClientChannel, Any], Awaitable[Message]]


def expects_answer(frame_type: FrameType, message: Message) -> bool:
    """Sync requests are answered; so are registrations sent oneway (seata-go registers that way)."""
    return frame_type is FrameType.REQUEST_SYNC or isinstance(message, m.IdentifyRequest)


class Dispatcher:
    def __init__(self, coordinator: Coordinator, channels: ChannelRegistry) -> None:
        self._coordinator = coordinator
        self._channels = channels
        self._handlers: dict[type[Message], tuple[Handler, Callable[[Any, TransactionError], Message]]] = {
            m.GlobalBeginRequest: (self._begin, _failed_begin),
            m.GlobalCommitRequest: (self._commit, self._failed_end(m.GlobalCommitResponse)),
            m.GlobalRollbackRequest: (self._rollback, self._failed_end(m.GlobalRollbackResponse)),
            m.GlobalStatusRequest: (self._status, self._failed_end(m.GlobalStatusResponse)),
            m.GlobalReportRequest: (self._report, self._failed_end(m.GlobalReportResponse)),
            m.BranchRegisterRequest: (self._branch_register, _failed_register),
            m.BranchReportRequest: (self._branch_report, _failed_report),
            m.GlobalLockQueryRequest: (self._lock_query, _failed_lock_query),
        }

    async def answer(self, channel: Channel, message: Message) -> Message:
        """The response to one request as it came off the wire; merged requests are answered in order."""
        if isinstance(message, m.MergedWarpMessage):
            answers = [await self.handle(channel, inner) for inner in message.msgs]
            return m.MergeResultMessage(msgs=tuple(answers))
        return await self.handle(channel, message)

    def serves(self, message: Message) -> bool:
        return isinstance(message, m.IdentifyRequest) or type(message) in self._handlers

    async def handle(self, channel: Channel, message: Message) -> Message:
        if isinstance(message, m.RegisterTMRequest):
            client = self._channels.register(
                channel,
                ClientRole.TM,
                message.application_id,
                message.transaction_service_group,
                message.version,
            )
            log.info(
                "TM registered: %s (group %s, version %s)",
                client.client_id,
                client.tx_service_group,
                client.version,
            )
            return m.RegisterTMResponse(identified=True, version=SERVER_PROTOCOL_VERSION)
        if isinstance(message, m.RegisterRMRequest):
            client = self._channels.register(
                channel,
                ClientRole.RM,
                message.application_id,
                message.transaction_service_group,
                message.version,
                message.resource_ids,
            )
            resources = ", ".join(client.resource_ids) or "-"
            log.info("RM registered: %s, resources %s", client.client_id, resources)
            return m.RegisterRMResponse(identified=True, version=SERVER_PROTOCOL_VERSION)
        entry = self._handlers.get(type(message))
        if entry is None:
            raise UnexpectedMessageError(f"the TC does not serve {type(message).__name__}")
        registered = self._channels.get(channel)
        if registered is None:
            raise NotRegisteredError(f"{type(message).__name__} before RegisterTM/RegisterRM")
        handler, failure = entry
        try:
            return await handler(registered, message)
        except TransactionError as exc:
            return failure(message, exc)
        except Exception as exc:  # answered, logged, and the connection stays usable
            log.exception("%s failed xid=%s", type(message).__name__, getattr(message, "xid", None))
            return failure(
                message,
                TransactionError(f"{type(exc).__name__}: {exc}", code=TransactionExceptionCode.UNKNOWN),
            )

    # -- handlers ------------------------------------------------------------------------------------------

    async def _begin(self, client: ClientChannel, request: m.GlobalBeginRequest) -> Message:
        xid = self._coordinator.begin(client, request.transaction_name, request.timeout)
        return m.GlobalBeginResponse(xid=xid)

    async def _commit(self, client: ClientChannel, request: m.GlobalCommitRequest) -> Message:
        return m.GlobalCommitResponse(global_status=await self._coordinator.commit(request.xid or ""))

    async def _rollback(self, client: ClientChannel, request: m.GlobalRollbackRequest) -> Message:
        return m.GlobalRollbackResponse(global_status=await self._coordinator.rollback(request.xid or ""))

    async def _status(self, client: ClientChannel, request: m.GlobalStatusRequest) -> Message:
        return m.GlobalStatusResponse(global_status=self._coordinator.status(request.xid or ""))

    async def _report(self, client: ClientChannel, request: m.GlobalReportRequest) -> Message:
        status = self._coordinator.report(request.xid or "", request.global_status)
        return m.GlobalReportResponse(global_status=status)

    async def _branch_register(self, client: ClientChannel, request: m.BranchRegisterRequest) -> Message:
        branch_id = self._coordinator.branch_register(
            client,
            request.xid or "",
            request.branch_type,
            request.resource_id or "",
            request.lock_key,
            request.application_data,
        )
        return m.BranchRegisterResponse(branch_id=branch_id)

    async def _branch_report(self, client: ClientChannel, request: m.BranchReportRequest) -> Message:
        self._coordinator.branch_report(
            request.xid or "", request.branch_id, request.status, request.application_data
        )
        return m.BranchReportResponse()

    async def _lock_query(self, client: ClientChannel, request: m.GlobalLockQueryRequest) -> Message:
        lockable = self._coordinator.lock_query(
            request.xid, request.branch_type, request.resource_id or "", request.lock_key
        )
        return m.GlobalLockQueryResponse(lockable=lockable)

    # -- failure answers -----------------------------------------------------------------------------------

    def _failed_end(self, response: type[Any]) -> Callable[[Any, TransactionError], Message]:
        def build(request: Any, exc: TransactionError) -> Message:
            # As the real server does, a failed end request still tells the TM where the transaction is.
            return response(global_status=self._coordinator.status(request.xid or ""), **_failure_fields(exc))

        return build


def _failure_fields(exc: TransactionError) -> dict[str, Any]:
    return {
        "result_code": ResultCode.FAILED,
        "exception_code": exc.code if exc.code is not None else TransactionExceptionCode.UNKNOWN,
        "msg": exc.tc_message,
    }


def _failed_begin(request: Any, exc: TransactionError) -> Message:
    return m.GlobalBeginResponse(**_failure_fields(exc))


def _failed_register(request: Any, exc: TransactionError) -> Message:
    return m.BranchRegisterResponse(branch_id=0, **_failure_fields(exc))


def _failed_report(request: Any, exc: TransactionError) -> Message:
    return m.BranchReportResponse(**_failure_fields(exc))


def _failed_lock_query(request: Any, exc: TransactionError) -> Message:
    return m.GlobalLockQueryResponse(lockable=False, **_failure_fields(exc))

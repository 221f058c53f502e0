"""The RPC client: per TC address one TM and one RM connection, request routing, and server pushes.

``RpcConfig.transport`` picks the wire the connections run on (classic TCP frames or one gRPC stream per
connection, :mod:`seata_py.rpc.transport`); nothing here depends on which.

Everything network-facing runs on one background asyncio loop. Blocking callers use :meth:`RpcClient.call`,
async callers ``await`` :meth:`RpcClient.acall` from any event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import itertools
import logging
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar, runtime_checkable

from seata_py.exceptions import RpcTimeoutError, TCUnavailableError
from seata_py.protocol import (
    BranchCommitRequest,
    BranchRollbackRequest,
    BranchStatus,
    BranchType,
    FrameType,
    Message,
    ResultCode,
    UndoLogDeleteRequest,
)
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.connection import ClientRole, Push, TcConnection
from seata_py.rpc.loop import BackgroundLoop
from seata_py.rpc.phase_two import phase_two
from seata_py.rpc.request_ids import RequestIds
from seata_py.rpc.transports import transport_for
from seata_py.types.awaiting import bridged, wait

log = logging.getLogger("seata_py.rpc")

T = TypeVar("T")


@runtime_checkable
class BranchHandler(Protocol):
    """What the RM side does when the TC pushes phase 2 for a branch of one branch type.

    Methods may be plain functions (run on a worker thread, so they may block on a database) or coroutines
    (run on the I/O loop, so they must not block). Raising is answered as a retryable failure.
    """

    def branch_commit(
        self, request: BranchCommitRequest
    ) -> BranchStatus | Coroutine[Any, Any, BranchStatus]: ...

    def branch_rollback(
        self, request: BranchRollbackRequest
    ) -> BranchStatus | Coroutine[Any, Any, BranchStatus]: ...

    def undo_log_delete(self, request: UndoLogDeleteRequest) -> Coroutine[Any, Any, None] | None: ...


def xid_address(xid: str | None) -> str | None:
    """The ``ip:port`` of the TC that issued ``xid`` (XID = ``ip:port:transactionId``)."""
    if not xid:
        return None
    address, sep, tx_id = xid.rpartition(":")
    if not sep or not tx_id.isdigit() or ":" not in address:
        return None
    return address


class RpcClient:
    def __init__(self, config: RpcConfig) -> None:
        self.config = config
        self._addresses = config.addresses()
        self.transport = transport_for(config.transport)
        self._loop = BackgroundLoop()
        self._ids = RequestIds()
        self._connections: dict[tuple[ClientRole, str], TcConnection] = {}
        self._round_robin = itertools.count()
        self._resources: list[str] = []
        self._handlers: dict[BranchType, BranchHandler] = {}
        self._workers = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.handler_threads, thread_name_prefix="seata-py-phase2"
        )
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._loop.start()
        self._loop.run(self._start_connections())
        self._started = True

    async def _start_connections(self) -> None:
        for address in self._addresses:
            for role in (ClientRole.TM, ClientRole.RM):
                conn = TcConnection(
                    address,
                    role,
                    self.config,
                    self._ids.next,
                    self._handle_push,
                    self.resources,
                    transport=self.transport,
                )
                self._connections[(role, address)] = conn
                conn.start()

    def wait_ready(
        self, timeout: float = 10.0, roles: tuple[ClientRole, ...] = (ClientRole.TM, ClientRole.RM)
    ) -> bool:
        """Block until every connection of ``roles`` is registered (True) or ``timeout`` passes (False)."""

        async def wait() -> bool:
            conns = [c for (role, _), c in self._connections.items() if role in roles]
            results = await asyncio.gather(*(c.wait_ready(timeout) for c in conns))
            return all(results)

        return self._loop.run(wait())

    def close(self) -> None:
        if not self._started:
            return
        self._started = False

        async def close_all() -> None:
            await asyncio.gather(*(c.close() for c in self._connections.values()), return_exceptions=True)

        try:
            self._loop.run(close_all(), timeout=10)
        finally:
            self._loop.stop()
            self._workers.shutdown(wait=False, cancel_futures=True)
            self._connections.clear()

    def connections(self, role: ClientRole | None = None) -> list[TcConnection]:
        return [c for (r, _), c in self._connections.items() if role is None or r is role]

    # -- RM resources and handlers -------------------------------------------------------------------------

    def resources(self) -> list[str]:
        return list(self._resources)

    def set_branch_handler(self, branch_type: BranchType, handler: BranchHandler) -> None:
        self._handlers[branch_type] = handler

    def register_resource(self, resource_id: str) -> None:
        """Register ``resource_id`` with every TC now; reconnects register all known resources again."""
        if "," in resource_id:
            raise ValueError(f"a resource id cannot contain ',' (the TC splits on it): {resource_id!r}")
        if resource_id in self._resources:
            return
        self._resources.append(resource_id)
        if self._started:
            if bridged():
                wait(self._loop.run_async(self._register_resource(resource_id)))
            else:
                self._loop.run(self._register_resource(resource_id))

    async def _register_resource(self, resource_id: str) -> None:
        conns = [c for c in self.connections(ClientRole.RM) if c.ready]
        results = await asyncio.gather(
            *(c.register_resources([resource_id], self.config.register_timeout) for c in conns),
            return_exceptions=True,
        )
        for conn, result in zip(conns, results, strict=True):
            if isinstance(result, Exception):
                # The connection re-registers every resource when it comes back.
                log.warning(
                    "registering resource %s with TC %s failed: %s", resource_id, conn.address, result
                )

    # -- requests ------------------------------------------------------------------------------------------

    def call(
        self, role: ClientRole, message: Message, xid: str | None = None, timeout: float | None = None
    ) -> Message:
        """Blocking request from any thread but the I/O loop's."""
        limit = self._timeout(role, timeout) + self.config.connect_wait + 1.0
        try:
            return self._loop.run(self._request(role, message, xid, timeout), timeout=limit)
        except concurrent.futures.TimeoutError:
            raise RpcTimeoutError(f"{type(message).__name__} got no answer within {limit:.1f}s") from None

    async def acall(
        self, role: ClientRole, message: Message, xid: str | None = None, timeout: float | None = None
    ) -> Message:
        """Awaitable request from any event loop."""
        return await self._loop.run_async(self._request(role, message, xid, timeout))

    def _timeout(self, role: ClientRole, timeout: float | None) -> float:
        if timeout is not None:
            return timeout
        return self.config.tm_request_timeout if role is ClientRole.TM else self.config.rm_request_timeout

    async def _request(
        self, role: ClientRole, message: Message, xid: str | None, timeout: float | None
    ) -> Message:
        if not self._started:
            raise TCUnavailableError("the RPC client is not started")
        conn = await self._choose(role, xid)
        log.debug("-> %s %s xid=%s", conn.address, type(message).__name__, xid)
        return await conn.request(message, self._timeout(role, timeout))

    async def _choose(self, role: ClientRole, xid: str | None) -> TcConnection:
        """The TC that issued ``xid`` when it is one we know; otherwise the next ready TC in turn."""
        owner = xid_address(xid)
        if owner is not None and (role, owner) in self._connections:
            conn = self._connections[(role, owner)]
            if conn.ready or await conn.wait_ready(self.config.connect_wait):
                return conn
            raise TCUnavailableError(f"TC {owner}, which owns xid {xid}, is not reachable")
        candidates = self.connections(role)
        ready = [c for c in candidates if c.ready]
        if not ready:
            waits = [asyncio.ensure_future(c.wait_ready(self.config.connect_wait)) for c in candidates]
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            ready = [c for c in candidates if c.ready]
            if not ready:
                raise TCUnavailableError(
                    f"no TC reachable for {role.value} among {', '.join(self._addresses)} "
                    f"(waited {self.config.connect_wait:.1f}s)"
                )
        return ready[next(self._round_robin) % len(ready)]

    # -- server pushes -------------------------------------------------------------------------------------

    async def _handle_push(self, push: Push) -> None:
        frame = push.frame
        message = frame.message
        try:
            if isinstance(message, (BranchCommitRequest, BranchRollbackRequest)):
                response = await self._phase_two(message)
                if frame.frame_type is FrameType.REQUEST_SYNC:
                    try:
                        await push.connection.respond(frame, response)
                    except TCUnavailableError:
                        # closed meanwhile (shutdown, a dropped link): the TC gets no answer and redelivers
                        # the branch's phase 2, which is idempotent
                        log.info(
                            "%s for branch %s (xid=%s) done, but the connection to TC %s closed before the "
                            "answer; the TC will send it again",
                            type(message).__name__,
                            message.branch_id,
                            message.xid,
                            push.connection.address,
                        )
            elif isinstance(message, UndoLogDeleteRequest):
                handler = self._handlers.get(message.branch_type)
                if handler is not None:
                    await self._invoke(handler.undo_log_delete, message)
            else:
                log.warning(
                    "ignoring unexpected request %s from TC %s",
                    type(message).__name__,
                    push.connection.address,
                )
        except Exception:
            log.exception("handling %s from TC %s failed", type(message).__name__, push.connection.address)

    async def _phase_two(self, request: BranchCommitRequest | BranchRollbackRequest) -> Message:
        committing = isinstance(request, BranchCommitRequest)
        phase = phase_two(committing)
        handler = self._handlers.get(request.branch_type)
        retryable = phase.retryable
        result, msg = ResultCode.SUCCESS, None
        if handler is None:
            log.error(
                "no %s branch handler registered; answering retryable for branch %s xid=%s",
                request.branch_type.name,
                request.branch_id,
                request.xid,
            )
            status, result, msg = retryable, ResultCode.FAILED, "no branch handler for this branch type"
        else:
            method = handler.branch_commit if committing else handler.branch_rollback
            try:
                status = BranchStatus(await self._invoke(method, request))
            except Exception as exc:
                log.exception(
                    "phase-2 %s of branch %s failed xid=%s",
                    phase.action,
                    request.branch_id,
                    request.xid,
                )
                status, result, msg = retryable, ResultCode.FAILED, f"{type(exc).__name__}: {exc}"
        return phase.response(
            xid=request.xid, branch_id=request.branch_id, branch_status=status, result_code=result, msg=msg
        )

    async def _invoke(self, method: Any, request: Message) -> Any:
        if inspect.iscoroutinefunction(method):
            return await method(request)
        result = await asyncio.get_running_loop().run_in_executor(self._workers, method, request)
        if inspect.isawaitable(result):
            return await result
        return result

"""One connection to one TC in one role (TM or RM), kept alive and re-registered until closed.

Runs only on the background loop. The connection owns its link (a TCP socket or a gRPC stream, opened by the
:class:`~seata_py.rpc.transport.Transport` it was given), its registration, the requests waiting for answers
on it, and its heartbeat; server pushes are handed to the client through ``on_push``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from seata_py.exceptions import RegistrationError, RpcTimeoutError, SeataError, TCUnavailableError
from seata_py.protocol import (
    Frame,
    FrameType,
    Message,
    ProtocolError,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
)
from seata_py.rpc.config import RpcConfig
from seata_py.rpc.exchange import FrameEndpoint, pong, reply_to
from seata_py.rpc.idle import idle_tick
from seata_py.rpc.transport import ClientRole, Link, Transport
from seata_py.rpc.transports import transport_for

__all__ = ["ClientRole", "Push", "PushHandler", "TcConnection"]

log = logging.getLogger("seata_py.rpc")


@dataclass(frozen=True)
class Push:
    """A request the TC sent us (BranchCommit, BranchRollback, UndoLogDelete)."""

    connection: TcConnection
    frame: Frame


PushHandler = Callable[[Push], Coroutine[Any, Any, None]]


class TcConnection(FrameEndpoint):
    def __init__(
        self,
        address: str,
        role: ClientRole,
        config: RpcConfig,
        next_id: Callable[[], int],
        on_push: PushHandler,
        resource_ids: Callable[[], list[str]],
        transport: Transport | None = None,
    ) -> None:
        super().__init__()
        self.address = address
        self.role = role
        self._config = config
        self._next_id = next_id
        self._on_push = on_push
        self._resource_ids = resource_ids
        host, _, port = address.rpartition(":")
        self._host, self._port = host, int(port)
        self.transport = transport if transport is not None else transport_for(config.transport)
        self._link: Link | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._supervisor: asyncio.Task[None] | None = None
        self._last_read = 0.0
        self._last_write = 0.0
        self.connects = 0  # successful registrations, for observability and tests

    def __repr__(self) -> str:
        state = "ready" if self.ready else "not ready"
        return f"<TcConnection {self.transport.name} {self.role.value} {self.address} {state}>"

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> None:
        if self._supervisor is None:
            self._supervisor = asyncio.get_running_loop().create_task(
                self._supervise(), name=f"seata-py {self.role.value} {self.address}"
            )

    async def wait_ready(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        link = self._link
        self._drop(TCUnavailableError(f"connection to TC {self.address} closed"))
        if link is not None:
            await link.wait_closed()
        supervisor = self._supervisor
        if supervisor is None:
            return
        # asyncio.wait_for (3.10/3.11) can swallow a cancel that races with its result, so one cancel() may
        # not stop the supervisor: cancel until it is done.
        while not supervisor.done():
            supervisor.cancel()
            await asyncio.wait({supervisor}, timeout=0.1)
        if not supervisor.cancelled() and supervisor.exception() is not None:
            log.debug("TC %s supervisor ended with %r", self.address, supervisor.exception())

    # -- requests ------------------------------------------------------------------------------------------

    async def request(self, message: Message, timeout: float) -> Message:
        """Send a sync request and wait for the response with the same id."""
        if not self.ready:
            raise TCUnavailableError(f"connection {self.role.value} to TC {self.address} is not ready")
        return await self._request_raw(message, timeout)

    async def _request_raw(self, message: Message, timeout: float) -> Message:
        request_id = self._next_id()
        frame = Frame(FrameType.REQUEST_SYNC, request_id, message, codec=self.transport.codec)
        try:
            return await self._answers.request(request_id, self._write(frame), timeout)
        except asyncio.TimeoutError:
            raise RpcTimeoutError(
                f"no answer from TC {self.address} to {type(message).__name__} within {timeout:.1f}s"
            ) from None

    async def respond(self, request: Frame, message: Message) -> None:
        """Answer a server push with the same id, codec and compressor, as the TC expects."""
        await self._write(reply_to(request, message))

    async def register_resources(self, resource_ids: list[str], timeout: float) -> None:
        """Add resources to an already registered RM connection (the TC merges them)."""
        response = await self.request(self._rm_registration(resource_ids), timeout)
        self._check_registered(response)

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        backoff = self._config.reconnect_min_backoff
        while not self._closed:
            try:
                await self._connect_and_serve()
                backoff = self._config.reconnect_min_backoff
            except asyncio.CancelledError:
                raise
            except (OSError, asyncio.TimeoutError, ProtocolError, SeataError) as exc:
                log.warning("TC %s (%s) connection failed: %s", self.address, self.role.value, exc)
            except Exception:  # a bug must not end reconnection
                log.exception("TC %s (%s) connection crashed", self.address, self.role.value)
            if self._closed:
                break
            delay = backoff * (0.5 + random.random() / 2)
            log.info("reconnecting %s to TC %s in %.2fs", self.role.value, self.address, delay)
            await asyncio.sleep(delay)
            backoff = min(backoff * 2, self._config.reconnect_max_backoff)

    async def _connect_and_serve(self) -> None:
        try:
            link = await self.transport.open(self._host, self._port, self.role, self._config)
        except asyncio.TimeoutError:
            raise TCUnavailableError(
                f"connecting to TC {self.address} took longer than {self._config.connect_timeout:.1f}s"
            ) from None
        self._link = link
        self._last_read = self._last_write = time.monotonic()
        reader_task = asyncio.get_running_loop().create_task(self._read_loop(link))
        watchdog = asyncio.get_running_loop().create_task(self._watchdog())
        try:
            # Register first: the TC closes a channel whose first request is not a registration.
            announced = self._resource_ids() if self.role is ClientRole.RM else []
            registration = (
                self._tm_registration() if self.role is ClientRole.TM else self._rm_registration(announced)
            )
            response = await self._request_raw(registration, self._config.register_timeout)
            self._check_registered(response)
            if self._closed:
                return
            # a resource registered while a registration was on its way saw this connection not ready and
            # left it to us: without it the TC could not push that resource's phase 2 here
            while self.role is ClientRole.RM and (
                late := [r for r in self._resource_ids() if r not in announced]
            ):
                late_response = await self._request_raw(
                    self._rm_registration(late), self._config.register_timeout
                )
                self._check_registered(late_response)
                announced += late
            if self._closed:
                return
            self.connects += 1
            self._ready.set()
            log.info(
                "registered %s with TC %s over %s (server version %s)",
                self.role.value,
                self.address,
                self.transport.name,
                getattr(response, "version", None),
            )
            done, _ = await asyncio.wait({reader_task, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.cancelled():  # not by us: a link must turn its own cancellations into errors
                    raise TCUnavailableError(f"connection to TC {self.address} was cancelled")
                task.result()  # re-raise why the connection ended
            raise TCUnavailableError(f"connection to TC {self.address} ended")
        finally:
            self._ready.clear()
            reader_task.cancel()
            watchdog.cancel()
            await asyncio.gather(reader_task, watchdog, return_exceptions=True)
            self._drop(TCUnavailableError(f"connection to TC {self.address} lost"))
            # Shielded: a close() cancelling this task must not leave the link's resources behind.
            await asyncio.shield(link.wait_closed())

    def _drop(self, error: Exception) -> None:
        self._ready.clear()
        link, self._link = self._link, None
        if link is not None:
            link.abort()
        self._answers.fail_all(error)

    async def _read_loop(self, link: Link) -> None:
        try:
            while True:
                frame = await link.receive()
                self._last_read = time.monotonic()
                self._on_frame(frame)
        except Exception as exc:
            # Requests in flight (the registration included) learn at once, not at their timeout, and as a
            # typed error: for them the connection is gone, whatever broke it.
            error = exc
            if not isinstance(exc, SeataError):
                error = TCUnavailableError(f"connection to TC {self.address} lost: {exc}")
                error.__cause__ = exc
            self._drop(error)
            raise

    def _stray_answer(self, response: Frame) -> None:
        log.debug("TC %s answered unknown or expired request id %s", self.address, response.request_id)

    def _answer_ping(self, ping: Frame) -> None:
        asyncio.get_running_loop().create_task(self._pong(ping))

    def _serve(self, request: Frame) -> None:
        asyncio.get_running_loop().create_task(self._on_push(Push(self, request)))

    async def _pong(self, ping: Frame) -> None:
        try:
            await self._write(pong(ping, self.transport.codec))
        except (SeataError, ProtocolError) as exc:
            log.debug("answering a ping from TC %s failed: %s", self.address, exc)

    async def _watchdog(self) -> None:
        tick = idle_tick(self._config.heartbeat_interval)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self._last_read >= self._config.read_idle_timeout:
                raise TCUnavailableError(
                    f"nothing read from TC {self.address} for {now - self._last_read:.1f}s; "
                    "dropping the connection"
                )
            if now - self._last_write >= self._config.heartbeat_interval:
                await self._write(
                    Frame(FrameType.HEARTBEAT_REQUEST, self._next_id(), codec=self.transport.codec)
                )

    async def _write(self, frame: Frame) -> None:
        link = self._link
        if link is None:
            raise TCUnavailableError(f"connection to TC {self.address} is not open")
        await link.send(frame)
        self._last_write = time.monotonic()

    # -- registration --------------------------------------------------------------------------------------

    def _tm_registration(self) -> RegisterTMRequest:
        return RegisterTMRequest(
            version=self._config.client_version,
            application_id=self._config.application_id,
            transaction_service_group=self._config.tx_service_group,
        )

    def _rm_registration(self, resource_ids: list[str]) -> RegisterRMRequest:
        return RegisterRMRequest(
            version=self._config.client_version,
            application_id=self._config.application_id,
            transaction_service_group=self._config.tx_service_group,
            resource_ids=",".join(resource_ids) or None,
        )

    def _check_registered(self, response: Message) -> None:
        if not isinstance(response, (RegisterTMResponse, RegisterRMResponse)):
            raise ProtocolError(f"TC {self.address} answered registration with {type(response).__name__}")
        if not response.identified:
            raise RegistrationError(
                f"TC {self.address} refused {self.role.value} registration of application "
                f"{self._config.application_id!r}: {response.msg or 'not identified'}"
            )

"""One TCP connection to one TC in one role (TM or RM), kept alive and re-registered until closed.

Runs only on the background loop. The connection owns its socket, its registration, the requests waiting for
answers on it, and its heartbeat; server pushes are handed to the client through ``on_push``.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seata_py.exceptions import RegistrationError, RpcTimeoutError, TCUnavailableError
from seata_py.protocol import (
    Frame,
    FrameDecoder,
    FrameType,
    Message,
    ProtocolError,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
    encode_frame,
)
from seata_py.rpc.config import RpcConfig

log = logging.getLogger("seata_py.rpc")

_READ_CHUNK = 64 * 1024


class Role(enum.Enum):
    TM = "TM"
    RM = "RM"


@dataclass(frozen=True)
class Push:
    """A request the TC sent us (BranchCommit, BranchRollback, UndoLogDelete)."""

    connection: TcConnection
    frame: Frame


PushHandler = Callable[[Push], Awaitable[None]]


class TcConnection:
    def __init__(
        self,
        address: str,
        role: Role,
        config: RpcConfig,
        next_id: Callable[[], int],
        on_push: PushHandler,
        resource_ids: Callable[[], list[str]],
    ) -> None:
        self.address = address
        self.role = role
        self._config = config
        self._next_id = next_id
        self._on_push = on_push
        self._resource_ids = resource_ids
        host, _, port = address.rpartition(":")
        self._host, self._port = host, int(port)
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Message]] = {}
        self._ready = asyncio.Event()
        self._closed = False
        self._supervisor: asyncio.Task[None] | None = None
        self._last_read = 0.0
        self._last_write = 0.0
        self._write_lock = asyncio.Lock()
        self.connects = 0  # successful registrations, for observability and tests

    def __repr__(self) -> str:
        return f"<TcConnection {self.role.value} {self.address} {'ready' if self.ready else 'not ready'}>"

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
        self._drop(TCUnavailableError(f"connection to TC {self.address} closed"))
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
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._write(Frame(FrameType.REQUEST_SYNC, request_id, message))
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            raise RpcTimeoutError(
                f"no answer from TC {self.address} to {type(message).__name__} within {timeout:.1f}s"
            ) from None
        finally:
            self._pending.pop(request_id, None)

    async def respond(self, request: Frame, message: Message) -> None:
        """Answer a server push with the same id, codec and compressor, as the TC expects."""
        await self._write(
            Frame(
                FrameType.RESPONSE,
                request.request_id,
                message,
                codec=request.codec,
                compressor=request.compressor,
            )
        )

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
            except (OSError, ProtocolError, RegistrationError, RpcTimeoutError, TCUnavailableError) as exc:
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
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self._host, self._port), self._config.connect_timeout
        )
        self._writer = writer
        self._last_read = self._last_write = time.monotonic()
        reader_task = asyncio.get_running_loop().create_task(self._read_loop(reader))
        watchdog = asyncio.get_running_loop().create_task(self._watchdog())
        try:
            # Register first: the TC closes a channel whose first request is not a registration.
            registration = (
                self._tm_registration()
                if self.role is Role.TM
                else self._rm_registration(self._resource_ids())
            )
            response = await self._request_raw(registration, self._config.register_timeout)
            self._check_registered(response)
            if self._closed:
                return
            self.connects += 1
            self._ready.set()
            log.info(
                "registered %s with TC %s (server version %s)",
                self.role.value,
                self.address,
                getattr(response, "version", None),
            )
            done, _ = await asyncio.wait({reader_task, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raise why the connection ended
            raise TCUnavailableError(f"connection to TC {self.address} ended")
        finally:
            self._ready.clear()
            reader_task.cancel()
            watchdog.cancel()
            await asyncio.gather(reader_task, watchdog, return_exceptions=True)
            self._drop(TCUnavailableError(f"connection to TC {self.address} lost"))

    def _drop(self, error: Exception) -> None:
        self._ready.clear()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.transport.abort()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            await self._read_frames(reader)
        except Exception as exc:
            # Requests in flight (the registration included) learn at once, not at their timeout.
            self._drop(exc)
            raise

    async def _read_frames(self, reader: asyncio.StreamReader) -> None:
        decoder = FrameDecoder()
        while True:
            data = await reader.read(_READ_CHUNK)
            if not data:
                raise TCUnavailableError(f"TC {self.address} closed the connection")
            self._last_read = time.monotonic()
            try:
                frames = decoder.feed(data)
            except ProtocolError as exc:
                # A stream we cannot parse cannot be resynchronised: drop it (and all in flight), reconnect.
                raise ProtocolError(f"malformed data from TC {self.address}: {exc}") from exc
            for frame in frames:
                self._dispatch(frame)

    def _dispatch(self, frame: Frame) -> None:
        kind = frame.frame_type
        if kind is FrameType.RESPONSE:
            future = self._pending.get(frame.request_id)
            if future is not None and not future.done() and frame.message is not None:
                future.set_result(frame.message)
            else:
                log.debug("TC %s answered unknown or expired request id %s", self.address, frame.request_id)
        elif kind is FrameType.HEARTBEAT_RESPONSE:
            pass
        elif kind is FrameType.HEARTBEAT_REQUEST:
            asyncio.get_running_loop().create_task(
                self._write(Frame(FrameType.HEARTBEAT_RESPONSE, frame.request_id))
            )
        else:
            asyncio.get_running_loop().create_task(self._on_push(Push(self, frame)))

    async def _watchdog(self) -> None:
        tick = min(1.0, self._config.heartbeat_interval / 2)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self._last_read >= self._config.read_idle_timeout:
                raise TCUnavailableError(
                    f"nothing read from TC {self.address} for {now - self._last_read:.1f}s; "
                    "dropping the connection"
                )
            if now - self._last_write >= self._config.heartbeat_interval:
                await self._write(Frame(FrameType.HEARTBEAT_REQUEST, self._next_id()))

    async def _write(self, frame: Frame) -> None:
        writer = self._writer
        if writer is None:
            raise TCUnavailableError(f"connection to TC {self.address} is not open")
        data = encode_frame(frame)
        async with self._write_lock:
            writer.write(data)
            self._last_write = time.monotonic()
            await writer.drain()

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

"""The TC's end of one client's link, whatever the wire: the :class:`~seata_py.tc.channels.Channel` phase 2
is sent over.

What a classic connection (:mod:`seata_py.tc.server`) and a gRPC stream (:mod:`seata_py.tc.grpc_streams`)
do alike lives here: the client's address, pushing requests and waiting for their answers, answering pings,
serving each request in its own task (so a GlobalRollback waiting for phase-2 answers never stops the same
link from reading them: seata-go sends TM and RM traffic over one connection), and closing a link nothing
was read from for ``idle_timeout``. The frame exchange itself is the client's
(:class:`~seata_py.rpc.exchange.FrameEndpoint`).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from seata_py.protocol import Codec, Frame, FrameType, Message, ProtocolError
from seata_py.rpc.exchange import FrameEndpoint, reply_to
from seata_py.rpc.idle import until_read_idle
from seata_py.tc.channels import Channel
from seata_py.tc.config import TCConfig
from seata_py.tc.dispatch import Dispatcher, NotRegisteredError, UnexpectedMessageError, expects_answer
from seata_py.tc.errors import ChannelClosedError

log = logging.getLogger("seata_py.tc")


class EndpointHost(Protocol):
    """What a client's link needs from the TC (implemented by :class:`~seata_py.tc.server.TCServer`)."""

    config: TCConfig

    @property
    def dispatcher(self) -> Dispatcher: ...

    def next_request_id(self) -> int: ...

    def forget(self, channel: Channel) -> None: ...


class ClientEndpoint(FrameEndpoint):
    #: "tcp" or "grpc", as the client's ``transport.type`` names its wire
    transport: str
    #: the codec of the frames the TC starts on this wire (answers echo their request's)
    codec: Codec
    #: how log lines and errors name this kind of link, before the client's ``ip:port``
    kind: str

    def __init__(
        self, host: EndpointHost, peer: tuple[str, int], tasks: set[asyncio.Task[None]] | None = None
    ) -> None:
        super().__init__()
        self._host = host
        self._peer = peer
        self._requests: set[asyncio.Task[None]] = set()
        # ``tasks``: where the TC also tracks this link's tasks, to cancel them when it stops
        self._tracked = (self._requests,) if tasks is None else (self._requests, tasks)
        self._closed = False
        self._last_read = time.monotonic()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where}{' closed' if self._closed else ''}>"

    @property
    def peer(self) -> tuple[str, int]:
        return self._peer

    @property
    def where(self) -> str:
        return f"{self._peer[0]}:{self._peer[1]}"

    @property
    def closed(self) -> bool:
        return self._closed

    # -- what the other end sends --------------------------------------------------------------------------

    def _stray_answer(self, response: Frame) -> None:
        log.debug("%s answered unknown or expired request %d", self.where, response.request_id)

    def _serve(self, request: Frame) -> None:
        self._start(self._serve_request(request))

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        for tracked in self._tracked:
            tracked.add(task)
            task.add_done_callback(tracked.discard)

    async def _serve_request(self, frame: Frame) -> None:
        message = frame.message
        assert message is not None  # only heartbeats have no body
        try:
            response = await self._host.dispatcher.answer(self, message)
        except (NotRegisteredError, UnexpectedMessageError) as exc:
            log.warning("dropping the %s %s: %s", self.kind, self.where, exc)
            self._refuse(exc)
            return
        except Exception:  # a bug here ends this link, never the server
            log.exception("serving a request of %s failed; dropping its %s", self.where, self.kind)
            self._crashed("the TC failed serving a request")
            return
        if not expects_answer(frame.frame_type, message):
            return
        try:
            await self._send(reply_to(frame, self._representable(response)))
        except ChannelClosedError:
            log.info("%s went away before its %s answer", self.where, type(message).__name__)
        except (
            ProtocolError
        ):  # the answer cannot be written: fail the client's request now, not at its timeout
            log.exception("cannot encode the %s answer for %s", type(response).__name__, self.where)
            self._crashed(f"the TC cannot encode its {type(response).__name__}")

    async def _watch_idle(self, idle: float) -> None:
        quiet = await until_read_idle(idle, lambda: self._last_read)
        if not self._closed:
            log.info(
                "dropping the %s %s: nothing read for %.1fs (no heartbeats)", self.kind, self.where, quiet
            )
            self._idle(quiet)

    # -- what the TC sends (the Channel side) --------------------------------------------------------------

    async def request(self, message: Message, timeout: float) -> Message:
        self._check_open()
        request_id = self._host.next_request_id()
        frame = Frame(FrameType.REQUEST_SYNC, request_id, message, codec=self.codec)
        return await self._answers.request(request_id, self._send(frame), timeout)

    async def send_oneway(self, message: Message) -> None:
        await self._send(
            Frame(FrameType.REQUEST_ONEWAY, self._host.next_request_id(), message, codec=self.codec)
        )

    async def wait_requests(self) -> None:
        """Cancel the requests still being served, and wait until they are gone."""
        for task in list(self._requests):
            task.cancel()
        await asyncio.gather(*self._requests, return_exceptions=True)

    def _check_open(self) -> None:
        if self._closed:
            raise ChannelClosedError(f"{self.kind} {self.where} is closed")

    def _mark_closed(self) -> bool:
        """Close the bookkeeping once: False when it was closed already."""
        if self._closed:
            return False
        self._closed = True
        self._answers.fail_all(ChannelClosedError(f"{self.kind} {self.where} closed"))
        self._host.forget(self)
        return True

    def _representable(self, message: Message) -> Message:
        """``message`` as this wire can carry it (the gRPC side lacks some exception codes)."""
        return message

    @abc.abstractmethod
    async def _send(self, frame: Frame) -> None:
        """Write one frame; ChannelClosedError when the link is closed or breaks."""

    @abc.abstractmethod
    def _refuse(self, error: Exception) -> None:
        """End the link of a client that broke the protocol (a request before registering, or one the TC
        does not serve)."""

    @abc.abstractmethod
    def _crashed(self, reason: str) -> None:
        """End the link after a bug of the TC's own."""

    @abc.abstractmethod
    def _idle(self, quiet: float) -> None:
        """End the link nothing was read from for ``quiet`` seconds."""

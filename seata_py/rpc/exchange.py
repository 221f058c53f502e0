"""The request/answer exchange over one link, the same at either end of it.

The client's connection to a TC and the embedded TC's end of a client's connection or gRPC stream both send
requests that wait for the answer with their id, answer pings with the ping's id, and serve the requests
the other end sends; only how a frame is written and what serving means differ. :class:`FrameEndpoint`
is that common part; its subclasses are :class:`~seata_py.rpc.connection.TcConnection` and the TC's
:class:`~seata_py.tc.endpoint.ClientEndpoint`.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable

from seata_py.protocol import Codec, Frame, FrameType, Message


def reply_to(request: Frame, message: Message) -> Frame:
    """The answer to ``request``: its id, codec and compressor, as every Seata peer expects."""
    return Frame(
        FrameType.RESPONSE, request.request_id, message, codec=request.codec, compressor=request.compressor
    )


def pong(ping: Frame, codec: Codec) -> Frame:
    return Frame(FrameType.HEARTBEAT_RESPONSE, ping.request_id, codec=codec)


class PendingAnswers:
    """Requests sent on one link that wait for the answer with their id."""

    def __init__(self) -> None:
        self._futures: dict[int, asyncio.Future[Message]] = {}

    async def request(self, request_id: int, send: Awaitable[None], timeout: float) -> Message:
        """Await ``send`` (the write of request ``request_id``), then its answer; asyncio.TimeoutError when
        none came within ``timeout``. Registered before the write: an answer can never come too early."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._futures[request_id] = future
        try:
            await send
            # Shielded: a caller giving up must not cancel the future a late answer is matched against.
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            self._futures.pop(request_id, None)

    def resolve(self, response: Frame) -> bool:
        """Hand ``response`` to the request waiting for it; False when none waits (unknown or expired)."""
        future = self._futures.get(response.request_id)
        if future is None or future.done() or response.message is None:
            return False
        future.set_result(response.message)
        return True

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting request with ``error``; requests sent later wait afresh."""
        futures, self._futures = self._futures, {}
        for future in futures.values():
            if not future.done():
                future.set_exception(error)


class FrameEndpoint(abc.ABC):
    """One end of a link: where each frame read from it goes."""

    def __init__(self) -> None:
        self._answers = PendingAnswers()

    def _on_frame(self, frame: Frame) -> None:
        kind = frame.frame_type
        if kind is FrameType.RESPONSE:
            if not self._answers.resolve(frame):
                self._stray_answer(frame)
        elif kind is FrameType.HEARTBEAT_REQUEST:
            self._answer_ping(frame)
        elif kind is not FrameType.HEARTBEAT_RESPONSE:  # a ping's answer only shows the link is alive
            self._serve(frame)

    @abc.abstractmethod
    def _answer_ping(self, ping: Frame) -> None: ...

    @abc.abstractmethod
    def _serve(self, request: Frame) -> None:
        """Handle a request the other end sent (sync or oneway); must not block reading."""

    @abc.abstractmethod
    def _stray_answer(self, response: Frame) -> None:
        """A response nobody waits for (its request timed out, or it never was ours)."""

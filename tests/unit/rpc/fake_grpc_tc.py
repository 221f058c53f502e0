"""A scripted stand-in for a TC's gRPC side on loopback, for unit tests of the gRPC transport only.

A real ``grpc.aio`` server serving ``SeataService.sendRequest`` through the generated code; envelopes are
read and written with the protobuf mapping. Like the Seata server, a stream's handler never returns, so the
client never sees trailers or a status while the stream lives.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import grpc
from grpc import aio

from seata_py.protocol import (
    Codec,
    Frame,
    FrameType,
    GlobalBeginRequest,
    GlobalBeginResponse,
    GlobalCommitRequest,
    GlobalCommitResponse,
    GlobalRollbackRequest,
    GlobalRollbackResponse,
    GlobalStatus,
    GlobalStatusRequest,
    GlobalStatusResponse,
    Message,
    RegisterRMRequest,
    RegisterRMResponse,
    RegisterTMRequest,
    RegisterTMResponse,
)
from seata_py.protocol.messages import BranchRegisterRequest, BranchRegisterResponse
from seata_py.protocol.protobuf import envelope_to_frame, frame_to_envelope
from seata_py.protocol.protobuf.generated.seata_grpc_pb2 import GrpcMessageProto
from seata_py.protocol.protobuf.generated.seata_grpc_pb2_grpc import (
    SeataServiceServicer,
    add_SeataServiceServicer_to_server,
)
from seata_py.rpc.loop import BackgroundLoop

Answer = Callable[[Message], Message | None]


@dataclass
class Stream:
    """One ``sendRequest`` call as the server sees it (the Seata server's per-stream "channel")."""

    peer: str  # "ipv4:127.0.0.1:<client port>": one per HTTP/2 connection
    outbox: asyncio.Queue[GrpcMessageProto] = field(default_factory=asyncio.Queue)
    role: str | None = None
    frames: list[Frame] = field(default_factory=list)
    ended: bool = False


class FakeGrpcTC(SeataServiceServicer):
    def __init__(self, *, answer_pings: bool = True, identify: bool = True) -> None:
        self.answer_pings = answer_pings
        self.identify = identify
        self.answers: dict[type[Message], Answer] = {}
        self.received: list[Frame] = []
        self.streams: list[Stream] = []
        # sent on a stream right after its registration is answered (malformed-input tests)
        self.after_register: GrpcMessageProto | None = None
        self._tx_ids = itertools.count(1)
        self._branch_ids = itertools.count(100)
        self._push_ids = itertools.count(1000)
        self._responses: dict[int, asyncio.Future[Frame]] = {}
        self._loop = BackgroundLoop("fake-grpc-tc")
        self._server: aio.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    # -- lifecycle (from the test's thread) ------------------------------------------------------------------

    def start(self) -> FakeGrpcTC:
        self._loop.start()
        self._loop.run(self._serve())
        return self

    async def _serve(self) -> None:
        server = aio.server()
        add_SeataServiceServicer_to_server(self, server)
        self.port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        if not self.port:
            raise OSError("the fake gRPC TC could not bind its port")
        await server.start()
        self._server = server

    def stop(self) -> None:
        """Stop serving and cut open streams (a killed TC); :meth:`restart` serves again."""

        async def stop() -> None:
            if self._server is not None:
                await self._server.stop(grace=None)
                self._server = None

        self._loop.run(stop())

    def restart(self) -> None:
        """Serve again on the same port, forgetting every stream (the TC came back after a restart)."""
        self.streams.clear()
        self._loop.run(self._serve())

    def close(self) -> None:
        self.stop()
        self._loop.stop()

    # -- what the tests look at and do -----------------------------------------------------------------------

    def messages(self, kind: type[Message]) -> list[Message]:
        return [f.message for f in self.received if isinstance(f.message, kind)]

    def streams_of(self, role: str) -> list[Stream]:
        return [s for s in self.streams if s.role == role]

    def push(
        self, message: Message, frame_type: FrameType = FrameType.REQUEST_SYNC, timeout: float = 5
    ) -> Frame | None:
        """Send a request on the registered RM stream; the client's response frame for sync requests."""

        async def send() -> Frame | None:
            stream = next(s for s in self.streams if s.role == "RM" and not s.ended)
            request_id = next(self._push_ids)
            future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
            if frame_type is FrameType.REQUEST_SYNC:
                self._responses[request_id] = future
            stream.outbox.put_nowait(
                frame_to_envelope(Frame(frame_type, request_id, message, codec=Codec.GRPC))
            )
            if frame_type is not FrameType.REQUEST_SYNC:
                return None
            return await asyncio.wait_for(future, timeout)

        return self._loop.run(send())

    def send_raw(self, role: str, envelope: GrpcMessageProto) -> None:
        async def send() -> None:
            next(s for s in self.streams if s.role == role and not s.ended).outbox.put_nowait(envelope)

        self._loop.run(send())

    # -- the service -----------------------------------------------------------------------------------------

    async def sendRequest(  # the generated servicer's method name
        self, request_iterator: AsyncIterator[GrpcMessageProto], context: aio.ServicerContext
    ) -> AsyncIterator[GrpcMessageProto]:
        stream = Stream(peer=context.peer())
        self.streams.append(stream)
        reader = asyncio.get_running_loop().create_task(self._read(stream, request_iterator))
        getter: asyncio.Future[GrpcMessageProto] | None = None
        try:
            while True:  # like the Seata server: the response stream never ends, so no trailers are sent
                getter = asyncio.ensure_future(stream.outbox.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    return  # the client went away
                yield getter.result()
        finally:
            stream.ended = True
            reader.cancel()
            if getter is not None:
                getter.cancel()

    async def _read(self, stream: Stream, requests: AsyncIterator[GrpcMessageProto]) -> None:
        try:
            async for envelope in requests:
                frame = envelope_to_frame(envelope)
                stream.frames.append(frame)
                self.received.append(frame)
                self._on_frame(stream, frame)
        except (grpc.RpcError, asyncio.CancelledError):
            pass

    def _on_frame(self, stream: Stream, frame: Frame) -> None:
        if frame.frame_type is FrameType.HEARTBEAT_REQUEST:
            if self.answer_pings:
                self._send(stream, Frame(FrameType.HEARTBEAT_RESPONSE, frame.request_id, codec=Codec.GRPC))
            return
        if frame.frame_type is FrameType.RESPONSE:
            future = self._responses.pop(frame.request_id, None)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        message = frame.message
        assert message is not None
        reply = self._reply(stream, message)
        if reply is not None:
            self._send(stream, Frame(FrameType.RESPONSE, frame.request_id, reply, codec=Codec.GRPC))
        if isinstance(message, (RegisterTMRequest, RegisterRMRequest)) and self.after_register is not None:
            stream.outbox.put_nowait(self.after_register)

    def _send(self, stream: Stream, frame: Frame) -> None:
        stream.outbox.put_nowait(frame_to_envelope(frame))

    def _reply(self, stream: Stream, message: Message) -> Message | None:
        custom = self.answers.get(type(message))
        if custom is not None:
            return custom(message)
        if isinstance(message, RegisterTMRequest):
            stream.role = "TM"
            return RegisterTMResponse(identified=self.identify, version="2.3.0")
        if isinstance(message, RegisterRMRequest):
            stream.role = "RM"
            return RegisterRMResponse(identified=self.identify, version="2.3.0")
        if isinstance(message, GlobalBeginRequest):
            return GlobalBeginResponse(xid=f"127.0.0.1:{self.port}:{next(self._tx_ids)}")
        if isinstance(message, GlobalCommitRequest):
            return GlobalCommitResponse(global_status=GlobalStatus.COMMITTED)
        if isinstance(message, GlobalRollbackRequest):
            return GlobalRollbackResponse(global_status=GlobalStatus.ROLLBACKED)
        if isinstance(message, GlobalStatusRequest):
            return GlobalStatusResponse(global_status=GlobalStatus.BEGIN)
        if isinstance(message, BranchRegisterRequest):
            return BranchRegisterResponse(branch_id=next(self._branch_ids))
        return None

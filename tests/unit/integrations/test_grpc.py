"""gRPC interceptors against in-process servers (generic handlers, raw bytes: no proto compilation)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import pytest

from seata_py.integrations.grpc import (
    SeataAioServerInterceptor,
    SeataClientInterceptor,
    SeataServerInterceptor,
    aio_client_interceptors,
)
from seata_py.types.context import current_xid
from tests.unit.integrations.support import bound

XID = "10.0.0.5:8091:42"
SERVICE = "seata.test.Xid"


def _xid() -> bytes:
    return (current_xid() or "-").encode()


# -- sync server -----------------------------------------------------------------------------------------


def sync_handlers(calls: list[str]) -> grpc.GenericRpcHandler:
    def unary_unary(request: bytes, context: grpc.ServicerContext) -> bytes:
        calls.append("uu")
        return _xid()

    def unary_stream(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        calls.append("us")
        for _ in range(3):
            yield _xid()

    def stream_unary(requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
        calls.append("su")
        return b",".join(_xid() for _ in requests)

    def stream_stream(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
        calls.append("ss")
        for _ in requests:
            yield _xid()

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "UU": grpc.unary_unary_rpc_method_handler(unary_unary),
            "US": grpc.unary_stream_rpc_method_handler(unary_stream),
            "SU": grpc.stream_unary_rpc_method_handler(stream_unary),
            "SS": grpc.stream_stream_rpc_method_handler(stream_stream),
        },
    )


class SyncService:
    def __init__(self, interceptor: grpc.ServerInterceptor, workers: int = 4) -> None:
        self.calls: list[str] = []
        self.server = grpc.server(ThreadPoolExecutor(max_workers=workers), interceptors=[interceptor])
        self.server.add_generic_rpc_handlers((sync_handlers(self.calls),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.plain = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.channel = grpc.intercept_channel(self.plain, SeataClientInterceptor())

    def close(self) -> None:
        self.plain.close()
        self.server.stop(None)

    def call_all(self, channel: grpc.Channel | None = None, **kwargs: Any) -> dict[str, Any]:
        channel = channel or self.channel
        return {
            "uu": channel.unary_unary(f"/{SERVICE}/UU")(b"x", timeout=10, **kwargs),
            "us": list(channel.unary_stream(f"/{SERVICE}/US")(b"x", timeout=10, **kwargs)),
            "su": channel.stream_unary(f"/{SERVICE}/SU")(iter([b"a", b"b"]), timeout=10, **kwargs),
            "ss": list(channel.stream_stream(f"/{SERVICE}/SS")(iter([b"a", b"b"]), timeout=10, **kwargs)),
        }


@pytest.fixture
def service() -> Iterator[Callable[..., SyncService]]:
    made: list[SyncService] = []

    def make(**kwargs: Any) -> SyncService:
        workers = kwargs.pop("workers", 4)
        made.append(SyncService(SeataServerInterceptor(**kwargs), workers))
        return made[-1]

    yield make
    for svc in made:
        svc.close()


def expect(xid: bytes) -> dict[str, Any]:
    return {"uu": xid, "us": [xid] * 3, "su": xid + b"," + xid, "ss": [xid, xid]}


def test_all_four_kinds_carry_and_bind_the_xid(service: Callable[..., SyncService]) -> None:
    svc = service()
    with bound(XID):
        assert svc.call_all() == expect(XID.encode())
    assert svc.call_all() == expect(b"-")
    assert sorted(svc.calls) == sorted(["uu", "us", "su", "ss"] * 2)


def test_one_worker_thread_does_not_keep_the_xid(service: Callable[..., SyncService]) -> None:
    svc = service(workers=1)
    for _ in range(2):
        with bound(XID):
            assert svc.call_all() == expect(XID.encode())
        assert svc.call_all() == expect(b"-")


def test_explicit_metadata_wins(service: Callable[..., SyncService]) -> None:
    svc = service()
    with bound(XID):
        answer = svc.channel.unary_unary(f"/{SERVICE}/UU")(b"x", metadata=[("tx_xid", "10.0.0.5:8091:7")])
    assert answer == b"10.0.0.5:8091:7"


def test_untrusted_peer_is_not_bound(
    service: Callable[..., SyncService], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    svc = service(trusted_networks=["10.0.0.0/8"])
    with bound(XID):
        assert svc.call_all() == expect(b"-")
    assert "untrusted peer 127.0.0.1" in caplog.text


def test_trust_callable_sees_metadata(service: Callable[..., SyncService]) -> None:
    svc = service(trust=lambda peer, headers: peer == "127.0.0.1" and headers.get("x-caller") == "orders")
    call = svc.channel.unary_unary(f"/{SERVICE}/UU")
    with bound(XID):
        assert call(b"x") == b"-"
        assert call(b"x", metadata=[("x-caller", "orders")]) == XID.encode()


@pytest.mark.parametrize("method", ["UU", "US", "SU", "SS"])
def test_malformed_xid_from_trusted_peer_is_invalid_argument(
    service: Callable[..., SyncService], method: str
) -> None:
    svc = service()
    metadata = [("tx_xid", "10.0.0.5:8091:1e9")]
    with pytest.raises(grpc.RpcError) as caught:
        if method == "UU":
            svc.plain.unary_unary(f"/{SERVICE}/UU")(b"x", metadata=metadata, timeout=10)
        elif method == "US":
            list(svc.plain.unary_stream(f"/{SERVICE}/US")(b"x", metadata=metadata, timeout=10))
        elif method == "SU":
            svc.plain.stream_unary(f"/{SERVICE}/SU")(iter([b"a"]), metadata=metadata, timeout=10)
        else:
            list(svc.plain.stream_stream(f"/{SERVICE}/SS")(iter([b"a"]), metadata=metadata, timeout=10))
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "invalid metadata tx_xid" in caught.value.details()
    assert "transaction id '1e9'" in caught.value.details()
    assert svc.calls == []


def test_uppercase_key_is_accepted_where_the_transport_keeps_it() -> None:
    # real gRPC lowercases keys; a handler_call_details from another transport may not
    from seata_py.integrations.grpc import _xid_values

    assert _xid_values([("TX_XID", XID), ("other", "x")]) == [XID]
    assert _xid_values([("tx_xid", XID.encode())]) == [XID]
    assert _xid_values([("tx_xid", "  ")]) == []


# -- asyncio ---------------------------------------------------------------------------------------------


def aio_handlers(calls: list[str]) -> grpc.GenericRpcHandler:
    async def unary_unary(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        calls.append("uu")
        await asyncio.sleep(0.01)  # let other calls interleave
        return _xid()

    async def unary_stream(request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        calls.append("us")
        for _ in range(3):
            await asyncio.sleep(0)
            yield _xid()

    async def stream_unary(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> bytes:
        calls.append("su")
        return b",".join([_xid() async for _ in requests])

    async def stream_stream(
        requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[bytes]:
        calls.append("ss")
        async for _ in requests:
            yield _xid()

    async def writer_stream(request: bytes, context: grpc.aio.ServicerContext) -> None:
        calls.append("ws")  # the reader/writer API: a coroutine that writes
        await context.write(_xid())
        await context.write(_xid())

    def sync_unary(request: bytes, context: grpc.ServicerContext) -> bytes:
        calls.append("sync")  # a sync handler on an asyncio server runs in the thread pool
        return _xid()

    def sync_stream(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        calls.append("sync-stream")
        yield _xid()
        yield _xid()

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "UU": grpc.unary_unary_rpc_method_handler(unary_unary),
            "US": grpc.unary_stream_rpc_method_handler(unary_stream),
            "SU": grpc.stream_unary_rpc_method_handler(stream_unary),
            "SS": grpc.stream_stream_rpc_method_handler(stream_stream),
            "WS": grpc.unary_stream_rpc_method_handler(writer_stream),
            "SyncU": grpc.unary_unary_rpc_method_handler(sync_unary),
            "SyncS": grpc.unary_stream_rpc_method_handler(sync_stream),
        },
    )


async def _requests() -> AsyncIterator[bytes]:
    yield b"a"
    yield b"b"


async def aio_call_all(channel: grpc.aio.Channel, **kwargs: Any) -> dict[str, Any]:
    return {
        "uu": await channel.unary_unary(f"/{SERVICE}/UU")(b"x", timeout=10, **kwargs),
        "us": [r async for r in channel.unary_stream(f"/{SERVICE}/US")(b"x", timeout=10, **kwargs)],
        "su": await channel.stream_unary(f"/{SERVICE}/SU")(_requests(), timeout=10, **kwargs),
        "ss": [r async for r in channel.stream_stream(f"/{SERVICE}/SS")(_requests(), timeout=10, **kwargs)],
        "ws": [r async for r in channel.unary_stream(f"/{SERVICE}/WS")(b"x", timeout=10, **kwargs)],
        "sync": await channel.unary_unary(f"/{SERVICE}/SyncU")(b"x", timeout=10, **kwargs),
        "sync-stream": [
            r async for r in channel.unary_stream(f"/{SERVICE}/SyncS")(b"x", timeout=10, **kwargs)
        ],
    }


def aio_expect(xid: bytes) -> dict[str, Any]:
    return {**expect(xid), "ws": [xid, xid], "sync": xid, "sync-stream": [xid, xid]}


@dataclass
class AioEnv:
    channel: grpc.aio.Channel  # with the client interceptors
    plain: grpc.aio.Channel  # without
    calls: list[str]
    target: str


def run_aio(body: Callable[[AioEnv], Any], **policy: Any) -> Any:
    async def main() -> Any:
        calls: list[str] = []
        server = grpc.aio.server(
            migration_thread_pool=ThreadPoolExecutor(max_workers=2),
            interceptors=[SeataAioServerInterceptor(**policy)],
        )
        server.add_generic_rpc_handlers((aio_handlers(calls),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            target = f"127.0.0.1:{port}"
            async with (
                grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors()) as channel,
                grpc.aio.insecure_channel(target) as plain,
            ):
                return await body(AioEnv(channel, plain, calls, target))
        finally:
            await server.stop(None)

    return asyncio.run(main())


def test_aio_all_kinds_carry_and_bind_the_xid() -> None:
    async def body(env: AioEnv) -> Any:
        with bound(XID):
            inside = await aio_call_all(env.channel)
        return inside, await aio_call_all(env.channel), len(env.calls)

    inside, outside, count = run_aio(body)
    assert inside == aio_expect(XID.encode())
    assert outside == aio_expect(b"-")
    assert count == 14


def test_aio_concurrent_tasks_each_carry_their_own() -> None:
    async def one(channel: grpc.aio.Channel, index: int) -> bytes:
        if index % 3 == 0:
            return await channel.unary_unary(f"/{SERVICE}/UU")(b"x", timeout=10)
        with bound(f"10.0.0.5:8091:{index}"):
            return await channel.unary_unary(f"/{SERVICE}/UU")(b"x", timeout=10)

    async def body(env: AioEnv) -> Any:
        return await asyncio.gather(*(one(env.channel, i) for i in range(24)))

    results = run_aio(body)
    assert results == [b"-" if i % 3 == 0 else f"10.0.0.5:8091:{i}".encode() for i in range(24)]


def test_aio_untrusted_peer_is_not_bound() -> None:
    async def body(env: AioEnv) -> Any:
        with bound(XID):
            return await aio_call_all(env.channel)

    assert run_aio(body, trust=lambda peer, headers: False) == aio_expect(b"-")


@pytest.mark.parametrize("method", ["UU", "US", "WS", "SyncU", "SyncS"])
def test_aio_malformed_xid_is_invalid_argument(method: str) -> None:
    async def body(env: AioEnv) -> Any:
        metadata = grpc.aio.Metadata(("tx_xid", "10.0.0.5:70000:1"))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            if method in ("UU", "SyncU"):
                await env.plain.unary_unary(f"/{SERVICE}/{method}")(b"x", metadata=metadata, timeout=10)
            else:
                [
                    r
                    async for r in env.plain.unary_stream(f"/{SERVICE}/{method}")(
                        b"x", metadata=metadata, timeout=10
                    )
                ]
        return caught.value, list(env.calls)

    error, calls = run_aio(body)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "port 70000 is not in 1-65535" in error.details()
    assert calls == []


def test_aio_explicit_metadata_wins() -> None:
    async def body(env: AioEnv) -> Any:
        with bound(XID):
            return await env.channel.unary_unary(f"/{SERVICE}/UU")(
                b"x", metadata=grpc.aio.Metadata(("tx_xid", "10.0.0.5:8091:7")), timeout=10
            )

    assert run_aio(body) == b"10.0.0.5:8091:7"


def test_sync_client_to_aio_server() -> None:
    async def body(env: AioEnv) -> Any:
        def sync_call() -> bytes:
            with grpc.insecure_channel(env.target) as raw:
                intercepted = grpc.intercept_channel(raw, SeataClientInterceptor())
                with bound(XID):
                    return intercepted.unary_unary(f"/{SERVICE}/UU")(b"x", timeout=10)

        return await asyncio.get_running_loop().run_in_executor(None, sync_call)

    assert run_aio(body) == XID.encode()

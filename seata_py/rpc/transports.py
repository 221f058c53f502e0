"""Choosing the wire by ``RpcConfig.transport``: the one place that knows every transport."""

from __future__ import annotations

from seata_py.rpc.config import GRPC, TCP, TRANSPORT_NAMES
from seata_py.rpc.transport import Transport


def transport_for(name: str) -> Transport:
    """The transport ``RpcConfig.transport`` names. The gRPC stack is imported only when it is chosen."""
    if name == TCP:
        from seata_py.rpc.tcp_transport import TcpTransport

        return TcpTransport()
    if name == GRPC:
        from seata_py.rpc.grpc_transport import GrpcTransport

        return GrpcTransport()
    raise ValueError(f"unknown RPC transport {name!r}; expected one of {', '.join(TRANSPORT_NAMES)}")

"""The one interface between a TC connection's lifecycle and the wire it runs on.

:class:`~seata_py.rpc.connection.TcConnection` owns everything a role's connection does whatever the wire
(registration first, heartbeats on write-idle, read-idle detection, request ids and their waiting callers,
server pushes, reconnect with backoff). A :class:`Transport` only opens a :class:`Link` to one TC for one
role; a link moves whole :class:`~seata_py.protocol.Frame` objects both ways. Two transports exist, chosen
by name in :mod:`seata_py.rpc.transports`:

* ``"tcp"`` (:mod:`seata_py.rpc.tcp_transport`): the classic Seata RPC v1 frames over one TCP connection.
* ``"grpc"`` (:mod:`seata_py.rpc.grpc_transport`): ``GrpcMessageProto`` envelopes on one bidirectional
  ``sendRequest`` stream over its own HTTP/2 connection (Seata servers >= 2.3.0).

Links are opened and used only on the RPC client's background loop.
"""

from __future__ import annotations

from typing import Protocol

from seata_py.protocol import ClientRole, Codec, Frame
from seata_py.rpc.config import RpcConfig


class Link(Protocol):
    """One open wire to one TC for one role. Every failure is a :class:`~seata_py.exceptions.SeataError`
    or :class:`~seata_py.protocol.ProtocolError`; none of them ends the caller's task by cancelling it."""

    async def send(self, frame: Frame) -> None:
        """Write one frame. A frame the TC could not take fails before anything is written, and the link
        stays usable; a broken link raises :class:`~seata_py.exceptions.TCUnavailableError`."""
        ...

    async def receive(self) -> Frame:
        """The next frame from the TC. :class:`~seata_py.exceptions.TCUnavailableError` when the TC closed
        the link; :class:`~seata_py.protocol.ProtocolError` when it sent something unreadable (the link
        cannot be resynchronised and must be dropped)."""
        ...

    def abort(self) -> None:
        """Drop the link now (idempotent, never raises). Callers waiting in send/receive fail promptly."""
        ...

    async def wait_closed(self) -> None:
        """Return once the resources behind an aborted link are released."""
        ...


class Transport(Protocol):
    #: the name ``RpcConfig.transport`` selects this transport by
    name: str
    #: the codec of the frames this wire carries (responses to pushes echo the push's codec instead)
    codec: Codec

    async def open(self, host: str, port: int, role: ClientRole, config: RpcConfig) -> Link:
        """Connect to the TC at ``host:port`` for ``role``; raises OSError, TCUnavailableError or
        asyncio.TimeoutError (past ``config.connect_timeout``) when it cannot."""
        ...

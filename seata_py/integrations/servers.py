"""What the server integrations (WSGI, ASGI, gRPC sync and asyncio) share: one trust policy and one
decision on the XID values a request carries, so that every transport trusts, refuses and logs alike.

Each integration only finds the values, the peer and the headers in its own request object, and answers
a refusal in its own protocol (HTTP 400, gRPC ``INVALID_ARGUMENT``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar, Generic, TypeVar

from seata_py.integrations.xid import (
    XID_HEADER,
    InboundXid,
    Network,
    TrustCallable,
    XidTrust,
    log_rejection,
    resolve_inbound,
)

App = TypeVar("App")


class XidServer:
    """Builds the :class:`XidTrust` policy from its arguments and judges requests by it."""

    carrier: ClassVar[str]
    """The header or metadata key the XID arrives in, as log lines and refusals name it."""

    def __init__(
        self,
        trusted_networks: str | Iterable[str | Network] | None = None,
        trust: TrustCallable | None = None,
        trust_all: bool = False,
    ) -> None:
        self.policy = XidTrust(trusted_networks, trust, trust_all)

    def inbound(
        self, values: Sequence[str], peer: str | None, headers: Callable[[], Mapping[str, str]]
    ) -> InboundXid:
        """:func:`~seata_py.integrations.xid.resolve_inbound` by this policy; a refusal is logged here,
        so the caller only has to answer it."""
        inbound = resolve_inbound(values, peer, headers, self.policy, self.carrier)
        if inbound.rejection is not None:
            log_rejection(self.carrier, peer, inbound.rejection)
        return inbound


class XidMiddleware(XidServer, Generic[App]):
    """An HTTP middleware around ``app`` that reads the ``TX_XID`` header."""

    carrier = f"header {XID_HEADER}"

    def __init__(
        self,
        app: App,
        trusted_networks: str | Iterable[str | Network] | None = None,
        trust: TrustCallable | None = None,
        trust_all: bool = False,
    ) -> None:
        self.app = app
        super().__init__(trusted_networks, trust, trust_all)

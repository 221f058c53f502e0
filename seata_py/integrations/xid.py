"""Carrying the XID between services: names, validation, the inbound trust policy, binding.

Wire names (the same in Java's ``RootContext`` and in seata-go):

* HTTP: the client sends the header ``TX_XID``; servers read ``TX_XID``, then ``tx_xid``. HTTP header
  names are case-insensitive, so both spellings are the same header to every server.
* gRPC: metadata ``tx_xid`` (gRPC metadata keys must be lowercase); ``TX_XID`` is accepted where a
  transport keeps the case.

The XID is passed through unchanged. :func:`parse_xid` only checks it has Java's shape
``<ip-or-host>:<port>:<transaction id>`` (``XID.generateXID``: the TC's address as Java prints it, so an
IPv6 address appears bare, ``2001:db8:0:0:0:0:0:5:8091:42``, or bracketed when the TC was started with a
bracketed ``-h``; a host name when ``-h`` named one).

Why inbound XIDs are not trusted by default
-------------------------------------------
Binding an XID makes every write the request performs a branch of that global transaction: the TC then
holds row locks for it, and whoever owns the transaction decides whether those writes are committed or
undone. A caller that can put ``TX_XID`` on a request can therefore enlist this service's writes into a
transaction it controls, roll back work the service reported as done, or keep rows locked. So a server
only honours ``TX_XID`` from peers it trusts. By default that is the loopback networks (``127.0.0.0/8``,
``::1``): sidecars and services on the same host. Name your service network with ``trusted_networks``
(or the ``SEATA_TRUSTED_NETWORKS`` environment variable, comma-separated CIDRs), decide per request with a
``trust`` callable (for example from an mTLS identity your proxy forwards), or use ``trust_all=True``
when the network itself is closed. Behind a reverse proxy the peer is the proxy: make it strip
``TX_XID`` from outside requests, or judge the request with a ``trust`` callable.

Untrusted callers are not refused: the request runs without a global transaction and a WARNING names
the peer. A trusted caller that sends a malformed XID is refused (HTTP 400, gRPC INVALID_ARGUMENT),
because running its writes outside the transaction it meant would silently break its atomicity.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import unquote

from seata_py.exceptions import ConfigError, InvalidXidError
from seata_py.types.context import bind_xid, current_xid, reset_xid

log = logging.getLogger("seata_py.integrations")

XID_HEADER = "TX_XID"
"""HTTP request header the client sets."""
XID_HEADER_ALTERNATE = "tx_xid"
"""The second spelling servers read (seata-go reads it too); identical to ``TX_XID`` under HTTP rules."""
XID_METADATA_KEY = "tx_xid"
"""gRPC metadata key."""
XID_MAX_LENGTH = 128
"""The ``xid`` column of ``undo_log`` (and of the TC's DB store) is VARCHAR(128)."""

ENV_TRUSTED_NETWORKS = "SEATA_TRUSTED_NETWORKS"
DEFAULT_TRUSTED_NETWORKS: tuple[str, ...] = ("127.0.0.0/8", "::1/128")

_MAX_TRANSACTION_ID = 2**63 - 1  # a Java long; Seata's snowflake ids are never negative
_DIGITS = re.compile(r"[0-9]+")
_IPV4_LIKE = re.compile(r"[0-9.]+")
# RFC 1123 labels; "_" is allowed because container and compose service names use it and Java resolves them
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_SCOPE_ID = re.compile(r"[A-Za-z0-9_.-]+")

T = TypeVar("T")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TrustCallable = Callable[[str | None, Mapping[str, str]], bool]
"""``trust(peer, headers) -> bool``: ``peer`` is the caller's IP address as text (``"10.0.0.7"``,
``"::1"``), the transport's own description when it has no IP (``"unix:/run/app.sock"``), or None;
``headers`` has lowercase names (HTTP headers, or gRPC metadata)."""


# -- validation ------------------------------------------------------------------------------------------


def parse_xid(value: object) -> str:
    """Return ``value`` unchanged if it is a well-formed XID, else raise :class:`InvalidXidError`.

    Accepted: ``<host>:<port>:<transaction id>`` where host is an IPv4 address, an IPv6 address (bare, as
    Java prints it, or in brackets; an optional ``%scope``), or a host name; port 1-65535; the transaction
    id a non-negative 64-bit integer, both in Java's decimal form (no sign, no leading zeros). At most
    128 printable ASCII characters, no whitespace.
    """
    if not isinstance(value, str):
        raise InvalidXidError(value, f"expected a string, got {type(value).__name__}")
    if not value:
        raise InvalidXidError(value, "empty")
    if len(value) > XID_MAX_LENGTH:
        raise InvalidXidError(
            value, f"{len(value)} characters, more than the {XID_MAX_LENGTH} an XID may have"
        )
    for position, char in enumerate(value):
        if not char.isascii():
            raise InvalidXidError(value, f"non-ASCII character {char!r} at position {position}")
        if char.isspace() or not char.isprintable():
            raise InvalidXidError(value, f"whitespace or control character {char!r} at position {position}")
    address, sep, transaction_id = value.rpartition(":")
    host, sep2, port = address.rpartition(":")
    if not sep or not sep2:
        raise InvalidXidError(value, "expected <ip-or-host>:<port>:<transaction id>")
    _check_transaction_id(value, transaction_id)
    _check_port(value, port)
    _check_host(value, host)
    return value


def _check_transaction_id(xid: str, text: str) -> None:
    if not text:
        raise InvalidXidError(xid, "the transaction id after the last ':' is missing")
    if not _DIGITS.fullmatch(text):
        raise InvalidXidError(xid, f"transaction id {text!r} is not a non-negative decimal integer")
    if len(text) > 1 and text[0] == "0":
        raise InvalidXidError(xid, f"transaction id {text!r} has leading zeros (Java never writes them)")
    if int(text) > _MAX_TRANSACTION_ID:
        raise InvalidXidError(xid, f"transaction id {text} does not fit in a 64-bit signed integer")


def _check_port(xid: str, text: str) -> None:
    if not _DIGITS.fullmatch(text):
        raise InvalidXidError(xid, f"port {text!r} is not a decimal number")
    if (len(text) > 1 and text[0] == "0") or not 1 <= int(text) <= 65535:
        raise InvalidXidError(xid, f"port {text} is not in 1-65535")


def _check_host(xid: str, host: str) -> None:
    if not host:
        raise InvalidXidError(xid, "the host before the port is missing")
    if host.startswith("[") or host.endswith("]"):
        if not (host.startswith("[") and host.endswith("]") and _is_ipv6(host[1:-1])):
            raise InvalidXidError(xid, f"host {host!r} is not a bracketed IPv6 address")
        return
    if ":" in host:
        if not _is_ipv6(host):
            raise InvalidXidError(xid, f"host {host!r} is not an IPv6 address")
        return
    if _IPV4_LIKE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidXidError(xid, f"host {host!r} is not a valid IPv4 address") from None
        return
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise InvalidXidError(xid, f"host {host!r} is not an IP address or a valid host name")


def _is_ipv6(text: str) -> bool:
    address, _, scope = text.partition("%")
    if "%" in text and not _SCOPE_ID.fullmatch(scope):
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


# -- trust policy ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustDecision:
    trusted: bool
    reason: str


class XidTrust:
    """Which callers may bind an XID on this server (see the module docstring for why it is strict).

    * ``trust_all=True``: every caller (only for networks nobody else can reach).
    * ``trusted_networks``: CIDRs (strings, a comma-separated string, or ``ipaddress`` networks); the peer
      address must fall in one. An empty list trusts nobody.
    * ``trust``: ``trust(peer, headers) -> bool`` decides per request. Given alone, it decides alone;
      given with ``trusted_networks``, both must agree. An exception from it counts as "no".
    * none of them: ``SEATA_TRUSTED_NETWORKS`` if set (comma-separated CIDRs), else loopback only; the
      variable is read when the policy is built (when the middleware or interceptor is created).

    IPv4 peers reported as IPv4-mapped IPv6 addresses (``::ffff:10.0.0.7``, dual-stack sockets) are matched
    as IPv4. Peers without an IP address (Unix sockets) match no network.
    """

    def __init__(
        self,
        trusted_networks: str | Iterable[str | Network] | None = None,
        trust: TrustCallable | None = None,
        trust_all: bool = False,
    ) -> None:
        if trust_all and (trusted_networks is not None or trust is not None):
            raise ConfigError("trust_all=True cannot be combined with trusted_networks or trust")
        if trust is not None and not callable(trust):
            raise ConfigError(f"trust must be a callable (peer, headers) -> bool, got {type(trust).__name__}")
        self.trust_all = trust_all
        self.trust = trust
        self.networks: tuple[Network, ...] | None
        if trust_all:
            self.networks = None
        elif trusted_networks is not None:
            self.networks = parse_networks(trusted_networks, source="trusted_networks")
        elif trust is not None:
            self.networks = None
        else:
            self.networks = networks_from_env()

    def __repr__(self) -> str:
        if self.trust_all:
            return "XidTrust(trust_all=True)"
        shown = None if self.networks is None else [str(n) for n in self.networks]
        return f"XidTrust(trusted_networks={shown}, trust={self.trust!r})"

    def check(self, peer: str | None, headers: Mapping[str, str]) -> TrustDecision:
        if self.trust_all:
            return TrustDecision(True, "trust_all=True")
        if self.networks is not None:
            address = peer_ip(peer)
            if address is None:
                shown = "unknown" if peer is None else f"{peer!r}, not an IP address,"
                return TrustDecision(False, f"peer address {shown} matches no trusted network")
            if not any(address in network for network in self.networks):
                listed = ", ".join(str(n) for n in self.networks) or "none"
                return TrustDecision(False, f"peer {address} is outside the trusted networks ({listed})")
        if self.trust is not None:
            try:
                trusted = bool(self.trust(peer, headers))
            except Exception:
                log.exception(
                    "the XID trust callable %r raised; treating peer %s as untrusted", self.trust, peer
                )
                return TrustDecision(False, "the trust callable raised an exception")
            if not trusted:
                return TrustDecision(False, "the trust callable refused it")
            return TrustDecision(True, "accepted by the trust callable")
        return TrustDecision(True, "peer is in a trusted network")


def parse_networks(value: str | Iterable[str | Network], source: str) -> tuple[Network, ...]:
    entries: Iterable[str | Network] = value.split(",") if isinstance(value, str) else value
    networks: list[Network] = []
    for entry in entries:
        if isinstance(entry, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            networks.append(entry)
            continue
        if not isinstance(entry, str):
            raise ConfigError(f"{source}: expected CIDR strings, got {type(entry).__name__} {entry!r}")
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as exc:
            raise ConfigError(f"{source}: {text!r} is not a network in CIDR form ({exc})") from None
    return tuple(networks)


def networks_from_env() -> tuple[Network, ...]:
    """``SEATA_TRUSTED_NETWORKS`` when set and not blank, else the loopback networks."""
    value = os.environ.get(ENV_TRUSTED_NETWORKS, "")
    if value.strip():
        return parse_networks(value, source=ENV_TRUSTED_NETWORKS)
    return parse_networks(DEFAULT_TRUSTED_NETWORKS, source="default")


def peer_ip(peer: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in a peer description (``10.0.0.7``, ``[::1]``, ``fe80::1%eth0``), or None."""
    if not peer:
        return None
    text = peer[1:-1] if peer.startswith("[") and peer.endswith("]") else peer
    text = text.partition("%")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def grpc_peer_host(peer: str | None) -> str | None:
    """The address part of gRPC's ``context.peer()``: ``ipv4:10.0.0.7:5555`` -> ``10.0.0.7``,
    ``ipv6:[::1]:5555`` (also percent-encoded, ``ipv6:%5B::1%5D:5555``) -> ``::1``. Other transports
    (``unix:/path``) are returned as they are."""
    if not peer:
        return None
    scheme, sep, rest = peer.partition(":")
    if not sep or scheme not in ("ipv4", "ipv6"):
        return peer
    rest = unquote(rest)
    if rest.startswith("["):
        host, bracket, _ = rest[1:].partition("]")
        return host if bracket else peer
    host, sep, port = rest.rpartition(":")
    return host if sep and port.isdigit() else rest


# -- inbound ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundXid:
    """What a server does with a request's XID: bind ``xid`` (when set), refuse the request with
    ``rejection`` (when set), or neither (no XID, or an untrusted caller)."""

    xid: str | None = None
    rejection: InvalidXidError | None = None


def split_values(values: Iterable[str]) -> list[str]:
    """Header values as servers deliver them: repeated headers may arrive joined with commas. Blank
    values count as absent, as in Java (``StringUtils.isNotBlank``)."""
    parts = [part.strip() for value in values for part in value.split(",")]
    return [part for part in parts if part]


def resolve_inbound(
    values: Sequence[str],
    peer: str | None,
    headers: Callable[[], Mapping[str, str]],
    policy: XidTrust,
    carrier: str,
) -> InboundXid:
    """Decide on the XID values a request carries. ``headers`` is only called when the trust policy needs
    it; ``carrier`` names the header or metadata key in messages."""
    if not values:
        return InboundXid()
    decision = policy.check(peer, headers() if policy.trust is not None else {})
    if not decision.trusted:
        log.warning(
            "ignoring %s %s from untrusted peer %s: %s; the request runs without a global transaction",
            carrier,
            _shown(values[0]),
            peer if peer is not None else "(unknown)",
            decision.reason,
        )
        return InboundXid()
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        return InboundXid(
            rejection=InvalidXidError(distinct, f"{carrier} carries {len(distinct)} different XIDs")
        )
    try:
        return InboundXid(xid=parse_xid(distinct[0]))
    except InvalidXidError as exc:
        return InboundXid(rejection=exc)


def log_rejection(carrier: str, peer: str | None, rejection: InvalidXidError) -> None:
    log.warning(
        "refusing request from %s: malformed %s: %s",
        peer if peer is not None else "(unknown)",
        carrier,
        rejection,
    )


def rejection_body(rejection: InvalidXidError) -> bytes:
    """The JSON body of an HTTP 400 for a malformed ``TX_XID``."""
    document = {
        "error": "invalid_xid",
        "header": XID_HEADER,
        "reason": rejection.reason,
        "message": str(rejection),
    }
    return json.dumps(document).encode()


@contextmanager
def propagated_xid(xid: str | None) -> Iterator[None]:
    """Bind ``xid`` for the block if no XID is bound yet, and restore the previous state afterwards.

    If the code inside changed the bound XID and did not restore it, that is logged (Java does the same);
    the binding is restored either way, so nothing leaks into the next request on this thread or task.
    """
    if xid is None:
        yield
        return
    existing = current_xid()
    if existing is not None:
        if existing != xid:
            log.warning(
                "request carries xid=%s but xid=%s is already bound here; keeping the bound one",
                xid,
                existing,
            )
        yield
        return
    token = bind_xid(xid)
    try:
        yield
    finally:
        now = current_xid()
        if now != xid:
            log.warning("the XID changed during the request from %s to %s; restoring", xid, now)
        reset_xid(token)


def bound_iteration(iterator: Iterator[T], xid: str) -> Iterator[T]:
    """Advance ``iterator`` with ``xid`` bound during each step only, never across a ``yield``: a streamed
    response body runs in the server's thread, between other work."""
    while True:
        with propagated_xid(xid):
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 140 else repr(value[:140]) + "..."


# -- outbound --------------------------------------------------------------------------------------------


def inject_xid(headers: MutableMapping[str, str], xid: str | None = None) -> bool:
    """Set ``TX_XID`` to ``xid`` (default: the XID bound now) unless the headers already carry one.

    Returns True when it set the header. For clients without a dedicated integration.
    """
    xid = current_xid() if xid is None else xid
    if xid is None or has_header(headers, XID_HEADER):
        return False
    headers[XID_HEADER] = xid
    return True


def has_header(headers: Mapping[str, object], name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key in headers)

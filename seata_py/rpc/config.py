"""Settings of the RPC client, with Seata's defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from seata_py._version import __version__

# What RegisterTM/RM claim: the server switches features on the client's version, so claim the Seata release
# whose codecs we implement (classic v1 frames, SEATA codec, no merged messages), not our own version.
PROTOCOL_CLIENT_VERSION = "2.0.0"

# The two wires, by the names transport.type gives them; the embedded TC tells its channels apart by them too.
TCP = "tcp"
GRPC = "grpc"
TRANSPORT_NAMES = (TCP, GRPC)


@dataclass
class RpcConfig:
    application_id: str
    tx_service_group: str = "default_tx_group"
    # service.vgroupMapping.<group> = <cluster>; service.<cluster>.grouplist = host:port[,host:port]
    vgroup_mapping: dict[str, str] = field(default_factory=dict)
    grouplists: dict[str, list[str]] = field(default_factory=lambda: {"default": ["127.0.0.1:8091"]})
    client_version: str = PROTOCOL_CLIENT_VERSION
    tm_request_timeout: float = 30.0  # transport.rpcTmRequestTimeout
    rm_request_timeout: float = 15.0  # transport.rpcRmRequestTimeout
    register_timeout: float = 10.0
    connect_timeout: float = 5.0
    # how long a request waits for a (re)connecting TC before TCUnavailableError
    connect_wait: float = 5.0
    heartbeat_interval: float = 5.0  # ping after this much write-idle
    read_idle_timeout: float = 15.0  # the server closes classic channels after 15 s read-idle too
    reconnect_min_backoff: float = 0.2
    reconnect_max_backoff: float = 5.0
    handler_threads: int = 4
    # transport.type: "tcp" (classic Seata RPC v1 frames) or "grpc" (one gRPC stream per role; servers >= 2.3)
    transport: str = "tcp"

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORT_NAMES:
            raise ValueError(
                f"unknown RPC transport {self.transport!r}; expected one of {', '.join(TRANSPORT_NAMES)}"
            )

    @property
    def cluster(self) -> str:
        return self.vgroup_mapping.get(self.tx_service_group, "default")

    def addresses(self) -> list[str]:
        """The TC addresses for this client's transaction service group, Seata-style."""
        cluster = self.cluster
        found = self.grouplists.get(cluster)
        if not found:
            raise ValueError(
                f"no grouplist for cluster {cluster!r} (tx_service_group "
                f"{self.tx_service_group!r} maps to it); set service.{cluster}.grouplist"
            )
        return [normalise_address(a) for a in found]


def normalise_address(address: str) -> str:
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"TC address must be host:port, got {address!r}")
    return f"{host}:{int(port)}"


def parse_grouplist(text: str) -> list[str]:
    """``"h1:8091,h2:8091"`` (also ``;``-separated, as some Seata configs write it) → list of addresses."""
    return [normalise_address(part) for part in text.replace(";", ",").split(",") if part.strip()]


def client_version() -> str:
    return __version__

"""Settings of the embedded TC, with the real server's defaults (seata-protocol.md §7 and §7.1)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from seata_py.exceptions import ConfigError

MEMORY_STORE = ":memory:"
DEFAULT_PORT = 8091
# What RegisterTM/RM responses claim. Clients switch features on the server version, so claim the release
# whose semantics this TC follows, not seata-py's own version.
SERVER_PROTOCOL_VERSION = "2.0.0"


@dataclass(frozen=True)
class TCConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0 picks a free port
    # The ip part of every XID; clients route by it, so it must be an address they can reach.
    advertise_host: str | None = None
    store: str = MEMORY_STORE  # ":memory:" or the path of a SQLite file
    status_port: int | None = None  # HTTP JSON status view; None = off, 0 = any free port
    rpc_timeout: float = 15.0  # transport.rpcTcRequestTimeout: wait for an RM's phase-2 answer
    retry_period: float = 1.0  # server.recovery.*RetryPeriod: phase-2 retries
    timeout_check_period: float = 1.0  # server.recovery.timeoutRetryPeriod
    undo_log_delete_delay: float = 180.0  # first UndoLogDelete push after start
    undo_log_delete_period: float = 86400.0  # server.undo.logDeletePeriod
    undo_log_save_days: int = 7  # server.undo.logSaveDays
    idle_timeout: float = 15.0  # close a connection or gRPC stream this long without reads (0 = never)

    def __post_init__(self) -> None:
        for name in (
            "rpc_timeout",
            "retry_period",
            "timeout_check_period",
            "undo_log_delete_delay",
            "undo_log_delete_period",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"TC setting {name} must be positive, got {getattr(self, name)!r}")
        if self.idle_timeout < 0:
            raise ConfigError(f"TC setting idle_timeout cannot be negative, got {self.idle_timeout!r}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"TC port must be 0..65535, got {self.port}")
        if self.status_port is not None and not 0 <= self.status_port <= 65535:
            raise ConfigError(f"TC status port must be 0..65535, got {self.status_port}")
        if not 0 <= self.undo_log_save_days <= 32767:
            raise ConfigError(f"undo_log_save_days must fit an int16, got {self.undo_log_save_days}")

    @property
    def xid_host(self) -> str:
        if self.advertise_host:
            return self.advertise_host
        return "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host

    def with_overrides(self, **overrides: Any) -> TCConfig:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(
                f"unknown TC setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(self, **overrides)

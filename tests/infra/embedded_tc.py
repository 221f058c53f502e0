"""seata-py's own embedded TC for the tests: ``seata-py tc`` as a child process with a SQLite store in the
test work dir, behind the same interface as :class:`tests.infra.seata_server.SeataServer`.

The TC serves classic and gRPC clients on one port; ``transport`` says which of the two the tests' clients
use with this instance.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seata_py.exceptions import SeataError
from seata_py.tc import TCProcess, spawn

from .common import ServiceUnavailable


@dataclass
class EmbeddedTCServer:
    process: TCProcess
    origin: str
    transport: str = "tcp"  # RpcConfig.transport / SEATA_TRANSPORT_TYPE of the clients the tests make

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def port(self) -> int:
        return self.process.port

    @property
    def address(self) -> str:
        return self.process.address

    @property
    def restartable(self) -> bool:
        return True

    @property
    def status_url(self) -> str | None:
        return self.process.status_url

    def kill(self) -> None:
        """SIGKILL the TC process (no graceful shutdown), as a crash would."""
        self.process.kill()

    def start_again(self) -> None:
        """Same port, same SQLite store: unfinished transactions are resumed."""
        self.process.start_again()

    def log_tail(self, lines: int = 80) -> str:
        return self.process.log_tail(lines)

    def stop(self) -> None:
        self.process.stop()


def provide(workdir: Path, transport: str = "tcp", **settings: Any) -> EmbeddedTCServer:
    """A fresh embedded TC in its own directory under ``workdir``, for clients of ``transport`` ("tcp" or
    "grpc"); ``settings`` are TCConfig overrides."""
    workdir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="embedded-tc-", dir=workdir))
    try:
        process = spawn(
            host="127.0.0.1",
            port=0,
            store=home / "tc.db",
            status_port=0,
            log_path=home / "tc.log",
            **settings,
        )
    except (SeataError, OSError) as exc:
        raise ServiceUnavailable(f"the embedded TC (seata-py tc) did not start: {exc}") from exc
    clients = "gRPC clients" if transport == "grpc" else "classic clients"
    return EmbeddedTCServer(
        process,
        origin=f"embedded seata-py TC (subprocess, SQLite store {home / 'tc.db'}) on port {process.port}, "
        f"{clients}",
        transport=transport,
    )

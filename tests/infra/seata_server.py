"""The real Apache Seata TC for the tests: $SEATA_PY_TEST_TC, an apache/seata-server container, or
io.seata:seata-server:2.0.0 from Maven Central run as a plain Java process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import (
    ServiceUnavailable,
    apt_install,
    cache_dir,
    copy_maven_dependencies,
    docker_available,
    file_lock,
    free_port,
    tail,
    wait_for_port,
)

ENV_ADDR = "SEATA_PY_TEST_TC"
SERVER_VERSION = "2.0.0"
CONTAINER_IMAGE = "apache/seata-server:2.3.0"
POM = Path(__file__).with_name("seata-server") / "pom.xml"
MAIN_CLASS = "io.seata.server.ServerApplication"


@dataclass
class SeataServer:
    host: str
    port: int
    origin: str
    _process: SeataProcess | None = field(default=None, repr=False)
    _stop: Any = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def restartable(self) -> bool:
        return self._process is not None

    @property
    def transport(self) -> str:
        """The client transport the tests use with it: classic frames (Seata 2.0.0 has no gRPC)."""
        return "tcp"

    def kill(self) -> None:
        """SIGKILL the TC process (no graceful shutdown), as a crash would."""
        self._require_process().kill()

    def start_again(self) -> None:
        self._require_process().start()

    def log_tail(self, lines: int = 80) -> str:
        return self._process.log_tail(lines) if self._process else "(log not available for this TC)"

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
        if self._stop is not None:
            self._stop()
            self._stop = None

    def _require_process(self) -> SeataProcess:
        if self._process is None:
            raise RuntimeError(f"the TC ({self.origin}) is not a process this suite owns")
        return self._process


def seata_server_classpath() -> Path:
    """Resolve the server's jars once into the cache; Maven's own repository caches the downloads."""
    lib = cache_dir() / f"seata-server-{SERVER_VERSION}" / "lib"
    marker = lib.parent / "resolved.ok"
    with file_lock("seata-server-maven"):
        if marker.exists() and (lib / f"seata-server-{SERVER_VERSION}.jar").exists():
            return lib
        _ensure_java_and_maven()
        shutil.rmtree(lib, ignore_errors=True)
        lib.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(POM, lib.parent / "pom.xml")
        copy_maven_dependencies(
            lib.parent / "pom.xml",
            lib,
            f"io.seata:seata-server:{SERVER_VERSION}",
            "-DexcludeGroupIds=org.apache.logging.log4j,log4j",
        )
        jar = lib / f"seata-server-{SERVER_VERSION}.jar"
        with zipfile.ZipFile(jar) as zf:
            names = set(zf.namelist())
        if "io/seata/server/ServerApplication.class" not in names or "application.yml" not in names:
            raise ServiceUnavailable(f"{jar} is not the thin server jar this recipe expects")
        bad = [
            p.name
            for p in lib.iterdir()
            if p.name.startswith(("slf4j-log4j12", "slf4j-reload4j", "log4j-slf4j"))
        ]
        if bad:
            raise ServiceUnavailable(f"conflicting logging bindings on the server classpath: {bad}")
        marker.write_text("ok\n")
        return lib


def _ensure_java_and_maven() -> None:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        apt_install("openjdk-17-jre-headless", "maven")


class SeataProcess:
    """One server in its own directory (fresh sessionStore), restartable on the same ports."""

    def __init__(self, lib: Path, workdir: Path) -> None:
        self.lib = lib
        self.dir = Path(tempfile.mkdtemp(prefix="seata-server-", dir=workdir))
        self.port = free_port()
        self.console_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.stdout = self.dir / "stdout.log"

    def start(self, timeout: float = 120) -> None:
        with open(self.stdout, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    "java",
                    "-Xms128m",
                    "-Xmx512m",
                    "-XX:+UseSerialGC",
                    f"-Dlog.home={self.dir / 'logs'}",
                    f"-Dserver.port={self.console_port}",
                    "-Dseata.security.ignore.urls=/**",
                    "-cp",
                    f"{self.lib}/*",
                    MAIN_CLASS,
                    "-p",
                    str(self.port),
                    "-m",
                    "file",
                ],
                cwd=self.dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc = self.proc
        if not wait_for_port("127.0.0.1", self.port, timeout, alive=lambda: proc.poll() is None):
            log = self.log_tail()
            self.stop()
            raise ServiceUnavailable(
                f"Seata server did not open port {self.port} within {timeout}s; log:\n{log}"
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 80) -> str:
        return tail(self.stdout, lines)


def _container() -> SeataServer:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    container = (
        DockerContainer(CONTAINER_IMAGE)
        .with_env("SEATA_PORT", "8091")
        .with_env("STORE_MODE", "file")
        .with_exposed_ports(8091)
    )
    container.start()
    wait_for_logs(container, r"Server started, service listen port: 8091", timeout=180)
    return SeataServer(
        host=container.get_container_host_ip(),
        port=int(container.get_exposed_port(8091)),
        origin=f"testcontainers {CONTAINER_IMAGE}",
        _stop=container.stop,
    )


def provide(workdir: Path) -> SeataServer:
    addr = os.environ.get(ENV_ADDR)
    if addr:
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise ServiceUnavailable(f"{ENV_ADDR} must be host:port, got {addr!r}")
        return SeataServer(host=host, port=int(port), origin=f"{ENV_ADDR}={addr}")
    if docker_available():
        return _container()
    workdir.mkdir(parents=True, exist_ok=True)
    process = SeataProcess(seata_server_classpath(), workdir)
    process.start()
    return SeataServer(
        host="127.0.0.1",
        port=process.port,
        origin=f"io.seata:seata-server:{SERVER_VERSION} on port {process.port}",
        _process=process,
    )

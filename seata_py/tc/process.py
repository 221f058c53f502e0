"""The TC as a child process (``seata-py tc``), for tests that must kill it like a crash would."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seata_py.exceptions import TCStartError as TCStartError
from seata_py.tc.config import MEMORY_STORE, TCConfig

# The line TCServer.start logs once it accepts connections.
READY_LINE = re.compile(
    r"TC ready on (?P<host>\S+):(?P<port>\d+) \(XIDs \S+, store .*, status (?P<status>\S+)\)"
)
_STATUS_PORT = re.compile(r":(\d+)/status$")


@dataclass(eq=False)
class TCProcess:
    """A running (or stopped) ``seata-py tc`` child. ``start_again()`` reuses its ports and store."""

    bind_host: str
    port: int
    store: str
    status_port: int | None
    advertise_host: str | None
    log_path: Path
    _settings: Mapping[str, Any]
    _python: str
    _env: Mapping[str, str] | None
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # Copies: the caller's mappings may change after the child is described.
        self._settings = dict(self._settings)
        self._env = dict(self._env) if self._env is not None else None

    # -- where it is ---------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The host clients connect to (and XIDs name)."""
        return TCConfig(host=self.bind_host, advertise_host=self.advertise_host).xid_host

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def status_url(self) -> str | None:
        return None if self.status_port is None else f"http://{self.host}:{self.status_port}/status"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def command(self) -> list[str]:
        args = [self._python, "-m", "seata_py.cli", "tc", "--host", self.bind_host, "--port", str(self.port)]
        args += ["--store", self.store]
        if self.status_port is not None:
            args += ["--status-port", str(self.status_port)]
        if self.advertise_host:
            args += ["--advertise-host", self.advertise_host]
        for name, value in self._settings.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        return args

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            raise TCStartError(f"the TC process {self.pid} is still running")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log_file:
            self._proc = subprocess.Popen(
                self.command(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env,
                start_new_session=True,  # a kill reaches only the TC, never the test runner's group
            )
        ready = self._wait_ready(offset, timeout)
        self.port = int(ready.group("port"))
        status = _STATUS_PORT.search(ready.group("status"))
        if status is not None:
            self.status_port = int(status.group(1))

    def _wait_ready(self, offset: int, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log_path, "rb") as fh:
                fh.seek(offset)
                found = READY_LINE.search(fh.read().decode("utf-8", "replace"))
            if found is not None:
                return found
            if not self.running:
                raise TCStartError(f"the TC process exited before it was ready; log:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise TCStartError(
                    f"the TC process was not ready within {timeout:.0f}s; log:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def start_again(self, timeout: float = 30.0) -> None:
        """Start on the same port, status port and store (after kill() or stop())."""
        self.start(timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final writes, as a crash would end it."""
        self._signal(signal.SIGKILL, wait=10.0)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it has not stopped within ``timeout``."""
        if not self._signal(signal.SIGTERM, wait=timeout):
            self.kill()

    def _signal(self, sig: signal.Signals, wait: float) -> bool:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return True
        with contextlib.suppress(ProcessLookupError):  # it may have exited a moment ago
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        return True

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        return "\n".join(text.splitlines()[-lines:])


def _child_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """The child imports this very seata_py, whatever is installed (or not) in its environment."""
    child = dict(os.environ if env is None else env)
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in child.get("PYTHONPATH", "").split(os.pathsep) if p]
    child["PYTHONPATH"] = os.pathsep.join([package_root, *[p for p in paths if p != package_root]])
    return child


def spawn(
    host: str = "127.0.0.1",
    port: int = 0,
    store: str | os.PathLike[str] = MEMORY_STORE,
    *,
    status_port: int | None = None,
    advertise_host: str | None = None,
    log_path: str | os.PathLike[str] | None = None,
    ready_timeout: float = 30.0,
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    **settings: Any,
) -> TCProcess:
    """Start ``seata-py tc`` as a child process and wait until it accepts connections.

    ``settings`` are :class:`~seata_py.tc.config.TCConfig` names (``retry_period=0.2``, ``rpc_timeout=3``,
    ...), passed as command-line options. The log (stdout and stderr) goes to ``log_path``, by default a
    new temporary file.
    """
    TCConfig().with_overrides(**settings)  # unknown or invalid settings fail here, not in the child
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix="seata-py-tc-", suffix=".log")
        os.close(handle)
        log_path = name
    process = TCProcess(
        host,
        port,
        os.fspath(store),
        status_port,
        advertise_host,
        Path(log_path),
        settings,
        python,
        _child_env(env),
    )
    process.start(ready_timeout)
    return process

"""Helpers shared by the service starters: ports, waiting, installs, and the CI failure policy."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    """A real service the tests need could not be provided; the message says what was tried."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def cache_dir() -> Path:
    """Downloads that survive between runs (Maven jars, etc.)."""
    base = os.environ.get("SEATA_PY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "seata-py"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool] | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.2)
    return False


def docker_available() -> bool:
    """True only when a Docker engine answers; a bare docker client (as on CI) is not enough."""
    if os.environ.get("SEATA_PY_NO_DOCKER"):
        return False
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def file_lock(name: str) -> Iterator[None]:
    """Serialises installs and downloads between concurrent test processes."""
    path = cache_dir() / f"{name}.lock"
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def copy_maven_dependencies(pom: Path, out: Path, what: str, *options: str) -> None:
    """``mvn dependency:copy-dependencies`` of a pom's runtime classpath into ``out`` (Maven's own repository
    caches the downloads); ``what`` names the artifact in the error when it cannot be resolved."""
    proc = subprocess.run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(pom),
            *options,
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={out}",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if proc.returncode != 0:
        raise ServiceUnavailable(
            f"mvn could not resolve {what}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        )


def apt_install(*packages: str) -> None:
    """Install Debian packages (root only); raises ServiceUnavailable with apt's output on failure."""
    if os.geteuid() != 0:
        raise ServiceUnavailable(
            f"{' '.join(packages)} not installed and not root: install them or set the env var"
        )
    if shutil.which("apt-get") is None:
        raise ServiceUnavailable(f"{' '.join(packages)} not installed and apt-get is not available")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with file_lock("apt"):
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
            if proc.returncode != 0:
                raise ServiceUnavailable(
                    f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
                )


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"

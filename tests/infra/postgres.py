"""A PostgreSQL server for the tests: $SEATA_PY_TEST_POSTGRES, a postgres:15 container, or a private cluster.

The private cluster is the last resort for machines without Docker: it lives in its own data directory under
the test workdir, listens on a free port of 127.0.0.1 only and is removed when the session ends, so it never
touches a system instance. PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from .common import ServiceUnavailable, apt_install, docker_available, free_port, tail, wait_for_port

ENV_URL = "SEATA_PY_TEST_POSTGRES"
IMAGE = "postgres:15"
USER = "seata"
PASSWORD = "seata"
# Every cluster has this database; administration and connections without a database name go there.
ADMIN_DATABASE = "postgres"
# Test-only settings: many pooled connections, and no durability (the cluster is thrown away).
SERVER_SETTINGS = ("max_connections=300", "fsync=off", "synchronous_commit=off", "full_page_writes=off")
READY_TIMEOUT = 30.0


def _conninfo_value(value: str) -> str:
    """libpq keyword values need single quotes (with backslash escapes) when empty or holding space/quotes."""
    if value and not any(c in value for c in " '\\\t\n"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_identifier(name: str) -> str:
    """A PostgreSQL identifier in double quotes, so names keep their case and cannot break the statement."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    origin: str  # how it was provided, for messages
    _stop: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self._netloc()}"

    def _netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def jdbc_url(self, database: str) -> str:
        """What a Java client (the cross-language tests) is given for ``database``."""
        return f"jdbc:postgresql://{self._netloc()}/{database}"

    def connect_kwargs(self, database: str | None = None) -> dict[str, Any]:
        """``psycopg.connect(**kwargs)``; without a database it is ``postgres`` (libpq's default, the user's
        name, does not exist in a fresh cluster)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": database or ADMIN_DATABASE,
        }

    def conninfo(self, database: str | None = None) -> str:
        """The same connection as ``connect_kwargs`` as a libpq keyword string (``host=... dbname=...``)."""
        return " ".join(f"{k}={_conninfo_value(str(v))}" for k, v in self.connect_kwargs(database).items())

    def admin_execute(self, *statements: str) -> None:
        """Runs statements in autocommit on ``postgres``: CREATE/DROP DATABASE cannot run in a transaction."""
        import psycopg

        with psycopg.connect(**self.connect_kwargs(ADMIN_DATABASE), autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    def create_database(self, name: str) -> str:
        """A fresh, empty database; FORCE ends connections a previous run left open to the old one."""
        ident = quote_identifier(name)
        self.admin_execute(f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)", f"CREATE DATABASE {ident}")
        return name

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def from_url(url: str) -> PostgresServer:
    """A server someone else runs; a database in the URL's path is ignored (tests create their own)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ServiceUnavailable(f"{ENV_URL} must look like postgresql://user:pass@host:port, got {url!r}")
    return PostgresServer(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=unquote(parsed.username or "postgres"),
        password=unquote(parsed.password or ""),
        origin=f"{ENV_URL}={parsed.hostname}:{parsed.port}",
    )


def _wait_until_usable(server: PostgresServer, timeout: float = READY_TIMEOUT) -> str:
    """The port being open is not enough (the server may still be starting up, or reject our password):
    returns ``SELECT version()`` once psycopg, as the tests will use it, gets an answer."""
    try:
        import psycopg
    except ImportError as exc:
        raise ServiceUnavailable(f"psycopg is not installed ({exc}); pip install 'psycopg[binary]'") from exc
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(**server.connect_kwargs(), connect_timeout=5) as conn:
                row = conn.execute("SELECT version()").fetchone()
                return str(row[0]) if row else "?"
        except psycopg.Error as exc:
            if time.monotonic() >= deadline:
                raise ServiceUnavailable(
                    f"{server.origin}: psycopg could not connect within {timeout:.0f}s: {exc}"
                ) from exc
            time.sleep(0.3)


def _container() -> PostgresServer:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community namespace
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(IMAGE, username=USER, password=PASSWORD, dbname="seata_test", driver=None)
    # The image's entrypoint passes arguments starting with "-" to postgres.
    container.with_command(" ".join(f"-c {setting}" for setting in SERVER_SETTINGS))
    container.start()
    server = PostgresServer(
        host=container.get_container_host_ip(),
        port=int(container.get_exposed_port(5432)),
        user=USER,
        password=PASSWORD,
        origin=f"testcontainers {IMAGE}",
        _stop=container.stop,
    )
    try:
        _wait_until_usable(server)
    except ServiceUnavailable:
        container.stop()
        raise
    return server


def _version_key(initdb: str) -> tuple[int, ...]:
    name = Path(initdb).parent.parent.name  # /usr/lib/postgresql/<version>/bin/initdb
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


def _bindir() -> Path:
    """The newest Debian-packaged PostgreSQL's bin directory (not on PATH), installed if there is none."""
    pattern = "/usr/lib/postgresql/*/bin/initdb"
    found = glob.glob(pattern)
    if not found:
        apt_install("postgresql")
        found = glob.glob(pattern)
        if not found:
            raise ServiceUnavailable(f"postgresql installed but nothing matches {pattern}")
    return Path(max(found, key=_version_key)).parent


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the ``postgres`` user when we are root (the server refuses root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceUnavailable(
            "running as root and there is no 'postgres' system user for the server to run as "
            "(the Debian postgresql package creates it; or: useradd --system --no-create-home postgres)"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c"]  # the command follows as one shell string


def _run(prefix: list[str], cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    full = [*prefix, shlex.join(cmd)] if prefix[:1] == ["su"] else [*prefix, *cmd]
    # cwd: a directory the postgres user can enter (root's own cwd may be closed to it)
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}".strip()


def _native(workdir: Path) -> PostgresServer:
    """Start a private cluster: own data directory, socket directory and port, user seata/seata."""
    bindir = _bindir()
    prefix = _as_postgres()
    workdir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="postgres-", dir=workdir))
    datadir, log, pwfile = base / "data", base / "server.log", base / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    pwfile.chmod(0o600)
    if os.geteuid() == 0:
        # the postgres user must be able to reach its data dir through workdir
        for parent in (workdir, *workdir.parents):
            if parent.stat().st_mode & 0o001 == 0:
                parent.chmod(parent.stat().st_mode | 0o711)
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    # A unix socket path is limited to ~107 bytes; without one the server still listens on TCP, which is
    # all the tests use.
    socket_dir = str(base) if len(str(base)) < 90 else ""
    pg_ctl = str(bindir / "pg_ctl")

    def stop() -> None:
        if (datadir / "postmaster.pid").exists():
            proc = _run(prefix, [pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"], base, 60)
            if proc.returncode != 0:
                # pg_ctl could not stop it: end the postmaster we started, by its pid
                with contextlib.suppress(OSError, ValueError, IndexError):
                    pid = int((datadir / "postmaster.pid").read_text().split()[0])
                    os.kill(pid, signal.SIGQUIT)
        shutil.rmtree(base, ignore_errors=True)

    def initdb(locale: str) -> list[str]:
        return [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "-A",
            "scram-sha-256",
            "--encoding=UTF8",
            f"--locale={locale}",
            "--no-sync",  # a throwaway cluster: no need to wait for the disk
        ]

    try:
        init = _run(prefix, initdb("C.UTF-8"), base, 300)
        if init.returncode != 0:  # a system without the C.UTF-8 locale
            shutil.rmtree(datadir, ignore_errors=True)
            init = _run(prefix, initdb("C"), base, 300)
        if init.returncode != 0:
            raise ServiceUnavailable(f"initdb failed:\n{_output(init)}")
        pwfile.unlink()

        for _attempt in range(3):  # the free port may be taken by someone else before the server binds it
            port = free_port()
            options = [f"-p {port}", f"-k {shlex.quote(socket_dir)}", "-c listen_addresses=127.0.0.1"]
            options += [f"-c {setting}" for setting in SERVER_SETTINGS]
            start = _run(
                prefix,
                [
                    pg_ctl,
                    "-D",
                    str(datadir),
                    "-l",
                    str(log),
                    "-o",
                    " ".join(options),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                base,
                120,
            )
            if start.returncode == 0 or "already in use" not in tail(log):
                break
        if start.returncode != 0:
            raise ServiceUnavailable(f"pg_ctl start failed:\n{_output(start)}\nserver log:\n{tail(log)}")
        if not wait_for_port("127.0.0.1", port, timeout=READY_TIMEOUT):
            raise ServiceUnavailable(f"private PostgreSQL did not open port {port}; server log:\n{tail(log)}")
        server = PostgresServer(
            host="127.0.0.1",
            port=port,
            user=USER,
            password=PASSWORD,
            origin=f"private PostgreSQL ({bindir.parent.name}) on port {port}",
            _stop=stop,
        )
        try:
            _wait_until_usable(server)
        except ServiceUnavailable as exc:
            raise ServiceUnavailable(f"{exc}\nserver log:\n{tail(log)}") from exc
    except BaseException:
        stop()
        raise
    return server


def provide(workdir: Path) -> PostgresServer:
    url = os.environ.get(ENV_URL)
    if url:
        server = from_url(url)
        _wait_until_usable(server)
        return server
    if docker_available():
        return _container()
    return _native(workdir)

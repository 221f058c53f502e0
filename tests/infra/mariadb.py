"""A MariaDB/MySQL server for the tests: $SEATA_PY_TEST_MYSQL, a mysql:8 container, or a private MariaDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .common import ServiceUnavailable, apt_install, docker_available, free_port, tail, wait_for_port

ENV_URL = "SEATA_PY_TEST_MYSQL"


@dataclass
class MySQLServer:
    host: str
    port: int
    user: str
    password: str
    origin: str  # how it was provided, for messages
    _stop: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}"

    def connect_kwargs(self, database: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "charset": "utf8mb4",
        }
        if database:
            kwargs["database"] = database
        return kwargs

    def admin_execute(self, *statements: str) -> None:
        import pymysql

        conn = pymysql.connect(**self.connect_kwargs(), autocommit=True)
        try:
            with conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        finally:
            conn.close()

    def create_database(self, name: str) -> str:
        self.admin_execute(
            f"DROP DATABASE IF EXISTS `{name}`",
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        )
        return name

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def from_url(url: str) -> MySQLServer:
    parsed = urlparse(url)
    if parsed.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
        raise ServiceUnavailable(f"{ENV_URL} must look like mysql://user:pass@host:port, got {url!r}")
    return MySQLServer(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 3306,
        user=unquote(parsed.username or "root"),
        password=unquote(parsed.password or ""),
        origin=f"{ENV_URL}={parsed.hostname}:{parsed.port}",
    )


def _container() -> MySQLServer:
    from testcontainers.mysql import MySqlContainer

    container = MySqlContainer(
        "mysql:8.0.36", username="seata", password="seata", dbname="seata_test", root_password="root"
    )
    container.start()
    host = container.get_container_host_ip()
    port = int(container.get_exposed_port(3306))
    return MySQLServer(
        host=host,
        port=port,
        user="root",
        password="root",
        origin="testcontainers mysql:8.0.36",
        _stop=container.stop,
    )


def _ensure_mariadb_installed() -> None:
    if shutil.which("mariadbd") and shutil.which("mariadb-install-db"):
        return
    apt_install("mariadb-server", "mariadb-client")
    if not shutil.which("mariadbd"):
        raise ServiceUnavailable("mariadb-server installed but mariadbd is not on PATH")


def _native(workdir: Path) -> MySQLServer:
    """Start a private MariaDB: own datadir, socket and port, so it never touches a system instance."""
    _ensure_mariadb_installed()
    workdir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="mariadb-", dir=workdir))
    datadir, sock, log = base / "data", base / "mysqld.sock", base / "error.log"
    run_as = ["--user=mysql"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        # mariadbd drops to the mysql user, which must be able to reach its data dir through workdir
        for parent in (workdir, *workdir.parents):
            if parent.stat().st_mode & 0o001 == 0:
                parent.chmod(parent.stat().st_mode | 0o711)
        shutil.chown(base, "mysql", "mysql")
    init = subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            *run_as,
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if init.returncode != 0:
        raise ServiceUnavailable(f"mariadb-install-db failed:\n{init.stdout[-2000:]}\n{init.stderr[-2000:]}")
    port = free_port()
    proc = subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--log-error={log}",
            f"--pid-file={base / 'mysqld.pid'}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=128M",
            "--max-connections=500",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_bin",
            *run_as,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(base, ignore_errors=True)

    if not wait_for_port("127.0.0.1", port, timeout=60, alive=lambda: proc.poll() is None):
        stop_log = tail(log)
        stop()
        raise ServiceUnavailable(f"private MariaDB did not open port {port}; error log:\n{stop_log}")
    deadline = time.monotonic() + 30
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    # root authenticates by unix socket only; TCP clients get their own user.
    grant = subprocess.run(
        [
            "mariadb",
            "--no-defaults",
            f"--socket={sock}",
            "-uroot",
            "-e",
            "CREATE USER 'seata'@'%' IDENTIFIED BY 'seata'; "
            "GRANT ALL ON *.* TO 'seata'@'%' WITH GRANT OPTION;",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if grant.returncode != 0:
        stop()
        raise ServiceUnavailable(f"could not create the test user: {grant.stderr}")
    return MySQLServer(
        host="127.0.0.1",
        port=port,
        user="seata",
        password="seata",
        origin=f"private MariaDB on port {port}",
        _stop=stop,
    )


def provide(workdir: Path) -> MySQLServer:
    url = os.environ.get(ENV_URL)
    if url:
        return from_url(url)
    if docker_available():
        return _container()
    return _native(workdir)

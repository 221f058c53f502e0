"""The real Seata Java client for the cross-language tests: a small agent (tests/interop/java) on pipes.

Each client line is resolved once from Maven Central into the cache and compiled once per source change:

* ``2.0``: ``io.seata:seata-all:2.0.0`` (undo JSON classes under ``io.seata``),
* ``2.x``: ``org.apache.seata:seata-all:2.5.0`` (undo JSON classes under ``org.apache.seata``),

both with MySQL Connector/J 8.0.33 (the default driver); ``2.x-cj5`` and ``2.x-mariadb`` are the Apache line
with MySQL Connector/J 5.1.49 and MariaDB Connector/J 3.5.1, the drivers ``undo.java_driver`` names.
``PG_LINES`` are both Seata lines with pgjdbc (org.postgresql:postgresql 42.7.14) for PostgreSQL.
The agent's source names the 2.0 packages; for the Apache line it is compiled from a copy with the import
prefix swapped, the only difference between the two APIs it uses.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import ServiceUnavailable, apt_install, cache_dir, copy_maven_dependencies, file_lock, tail
from .pipe_agent import AgentError, PipeAgent

__all__ = [
    "DRIVER_LINES",
    "LINES",
    "PG_LINES",
    "AgentError",
    "ClientLine",
    "JavaAgent",
    "classpath",
    "compiled",
]

JAVA_DIR = Path(__file__).resolve().parent.parent / "interop" / "java"
POM = JAVA_DIR / "pom.xml"
SOURCE = JAVA_DIR / "src" / "seatapy" / "interop" / "Agent.java"
LOGBACK = JAVA_DIR / "src" / "logback.xml"
MAIN_CLASS = "seatapy.interop.Agent"


@dataclass(frozen=True)
class ClientLine:
    name: str  # test id
    profile: str  # Maven profile of the Seata client in tests/interop/java/pom.xml
    version: str
    package: str  # Java package prefix of Seata's classes, also the undo JSON class prefix
    driver: str = "connector-j-8"  # driver profile, named as seata-py's undo.java_driver setting
    jdbc_scheme: str = "mysql"  # jdbc:<scheme>:// in the resourceId

    @property
    def undo_class_prefix(self) -> str:
        return self.package

    @property
    def profiles(self) -> str:
        return f"{self.profile},{self.driver}"


_SEATA_20 = ("seata-2.0", "io.seata:seata-all:2.0.0", "io.seata")
_APACHE = ("seata-2.x", "org.apache.seata:seata-all:2.5.0", "org.apache.seata")
LINES = {
    "2.0": ClientLine("2.0", *_SEATA_20),
    "2.x": ClientLine("2.x", *_APACHE),
}
DRIVER_LINES = {
    **LINES,
    "2.x-cj5": ClientLine("2.x-cj5", *_APACHE, driver="connector-j-5"),
    "2.x-mariadb": ClientLine("2.x-mariadb", *_APACHE, driver="mariadb-connector-j", jdbc_scheme="mariadb"),
}
# The same two Seata lines on PostgreSQL through pgjdbc.
PG_LINES = {
    "2.0-pg": ClientLine("2.0-pg", *_SEATA_20, driver="pgjdbc", jdbc_scheme="postgresql"),
    "2.x-pg": ClientLine("2.x-pg", *_APACHE, driver="pgjdbc", jdbc_scheme="postgresql"),
}


def _ensure_java_and_maven() -> None:
    missing = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
    if missing:
        apt_install("openjdk-17-jdk-headless", "maven")


def _digest(*paths: Path, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def classpath(line: ClientLine) -> Path:
    """The line's runtime jars, resolved once (Maven's own repository caches the downloads)."""
    lib = cache_dir() / "java-client" / f"lib-{line.name}-{_digest(POM, extra=line.profiles)}"
    marker = lib / ".resolved"
    with file_lock("java-client-maven"):
        if marker.exists():
            return lib
        _ensure_java_and_maven()
        shutil.rmtree(lib, ignore_errors=True)
        copy_maven_dependencies(POM, lib, f"the Java client {line.version}", "-P", line.profiles)
        marker.write_text(line.version + "\n")
        return lib


def compiled(line: ClientLine) -> Path:
    """The agent compiled against the line's jars; rebuilt only when its source or the pom changes."""
    lib = classpath(line)
    out = (
        cache_dir()
        / "java-client"
        / f"agent-{line.name}-{_digest(SOURCE, LOGBACK, POM, extra=line.profiles)}"
    )
    marker = out / ".compiled"
    with file_lock("java-client-javac"):
        if marker.exists():
            return out
        shutil.rmtree(out, ignore_errors=True)
        src = out / "src"
        src.mkdir(parents=True)
        text = SOURCE.read_text()
        if line.package != "io.seata":
            text = text.replace("import io.seata.", f"import {line.package}.")
        (src / "Agent.java").write_text(text)
        proc = subprocess.run(
            ["javac", "-encoding", "UTF-8", "-d", str(out), "-cp", f"{lib}/*", str(src / "Agent.java")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            raise ServiceUnavailable(f"javac failed for the {line.name} agent:\n{proc.stderr[-4000:]}")
        shutil.copy(LOGBACK, out / "logback.xml")
        marker.write_text("ok\n")
        return out


class JavaAgent(PipeAgent):
    """One JVM running the Seata Java client as TM and AT RM."""

    kind = "Java agent"

    def __init__(
        self,
        line: ClientLine,
        tc_address: str,
        workdir: Path,
        application: str = "java-agent",
        group: str = "default_tx_group",
        properties: dict[str, str] | None = None,
    ) -> None:
        super().__init__(workdir, application)
        self.line = line
        self.tc_address = tc_address
        self.group = group
        self.properties = dict(properties or {})
        self.log = self.dir / f"{application}.log"

    def command(self) -> tuple[list[str], dict[str, str] | None]:
        classes, lib = compiled(self.line), classpath(self.line)
        props = {
            "agent.application": self.application,
            "agent.group": self.group,
            "agent.log": str(self.log),
            # No registry.conf on the classpath: name the file-based config and registry, then give the
            # group mapping and TC address as properties (the file config reads system properties first).
            "config.type": "file",
            "registry.type": "file",
            "config.file.name": "file.conf",
            f"service.vgroupMapping.{self.group}": "default",
            "service.default.grouplist": self.tc_address,
            # Fail lock conflicts within a second instead of Java's default 10 ms x 30.
            "client.rm.lock.retryInterval": "20",
            "client.rm.lock.retryTimes": "25",
            "client.tm.commitRetryCount": "1",
            "client.tm.rollbackRetryCount": "1",
            "user.timezone": os.environ.get("TZ") or "UTC",
            **self.properties,
        }
        return [
            "java",
            "-Xms64m",
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            *(f"-D{k}={v}" for k, v in props.items()),
            "-cp",
            f"{classes}:{lib}/*",
            MAIN_CLASS,
        ], None

    def datasource(self, name: str, jdbc_url: str, user: str, password: str) -> str:
        answer = self.request("datasource", name=name, url=jdbc_url, user=user, password=password)
        return str(answer["resource_id"])

    def undo_rows(self, ds: str, xid: str) -> list[dict[str, Any]]:
        return list(self.request("undo_rows", ds=ds, xid=xid)["rows"])

    def inspect(self, ds: str, xid: str) -> list[dict[str, Any]]:
        """Java's parser and Java's rollback validation on every undo row of ``xid``, as it is now."""
        return list(self.request("inspect", ds=ds, xid=xid)["branches"])

    def decode(self, rollback_info: str, serializer: str = "jackson") -> dict[str, Any]:
        """Java's parser on an undo row's text: every field's class and value, and Java's own re-encoding."""
        return self.request("decode", text=rollback_info, serializer=serializer)

    def diagnostics(self) -> str:
        return f"{super().diagnostics()}\n--- agent log:\n{tail(self.log, 60)}"

"""Client settings with Seata's defaults, from keyword arguments, ``SEATA_*`` environment variables and YAML.

Precedence: explicit keyword arguments, then the environment, then the file, then the defaults. The file
mirrors the ``seata:`` block of a Spring Boot service, so a Java service's ``application.yml`` is shared::

    seata:
      application-id: order-svc
      tx-service-group: default_tx_group
      service:
        vgroup-mapping: {default_tx_group: default}
        grouplist: {default: "127.0.0.1:8091"}
      client:
        rm: {lock: {retry-interval: 10, retry-times: 30}}
        tm: {default-global-transaction-timeout: 60000}
        undo: {log-table: undo_log, compress: {enable: true, type: zip, threshold: 64k}}
      transport: {rpc-tm-request-timeout: 30000}

Each setting has one dotted path (``client.rm.lock.retry-interval``); its environment variable is that path in
upper case with ``.`` and ``-`` turned into ``_`` behind ``SEATA_`` (``SEATA_CLIENT_RM_LOCK_RETRY_INTERVAL``).
A typo must not silently fall back to a default, so unknown keys in keyword arguments or in the file raise
:class:`ConfigError`; unknown ``SEATA_*`` variables are logged (the environment is shared with other tools;
``SEATA_PY_*`` is left alone). Settings only Java has (registry, config centre, serialization...) are accepted
when their value is what seata-py does anyway, and rejected otherwise.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from seata_py.exceptions import ConfigError
from seata_py.rpc.config import RpcConfig, normalise_address, parse_grouplist
from seata_py.types.retry import LockRetry as LockRetry

log = logging.getLogger("seata_py.config")

ENV_PREFIX = "SEATA_"
ENV_CONFIG_FILE = "SEATA_CONFIG_FILE"
ENV_GROUPLIST = "SEATA_GROUPLIST"  # shortcut: the grouplist of the cluster the tx service group maps to
_ENV_IGNORED_PREFIXES = ("SEATA_PY_",)


@dataclass
class UndoSettings:
    log_table: str = "undo_log"  # client.undo.logTable
    # Java >= 2.1 (org.apache.seata) by default; "io.seata" when the Java services sharing the undo_log
    # run <= 2.0.
    class_prefix: str = "org.apache.seata"
    compress: bool = True  # client.undo.compress.enable
    compress_type: str = "ZIP"  # client.undo.compress.type
    compress_threshold: int = 64 * 1024  # client.undo.compress.threshold
    data_validation: bool = True  # client.undo.dataValidation
    only_care_update_columns: bool = True  # client.undo.onlyCareUpdateColumns
    # The JDBC driver of the Java services sharing the undo_log; it decides DATETIME's Java class
    # (seata_py.databases.mysql.values.JavaDriver): connector-j-8 (8.0.23+), connector-j-5,
    # mariadb-connector-j.
    java_driver: str = "connector-j-8"

    @property
    def legacy_java_line(self) -> bool:
        """The Java services run the io.seata client line (<= 2.0), which orders image columns its own way."""
        return self.class_prefix.rstrip(".") == "io.seata"


@dataclass
class SeataConfig:
    application_id: str = "seata-py"
    tx_service_group: str = "default_tx_group"
    vgroup_mapping: dict[str, str] = field(default_factory=dict)
    grouplists: dict[str, list[str]] = field(default_factory=lambda: {"default": ["127.0.0.1:8091"]})
    # service.disableGlobalTransaction: global transaction blocks run their code without a TC
    disable_global_transaction: bool = False
    lock_retry: LockRetry = field(default_factory=LockRetry)
    undo: UndoSettings = field(default_factory=UndoSettings)
    default_timeout_ms: int = 60000  # client.tm.defaultGlobalTransactionTimeout
    commit_retry_count: int = 5  # client.tm.commitRetryCount
    rollback_retry_count: int = 5  # client.tm.rollbackRetryCount
    report_success: bool = False  # client.rm.reportSuccessEnable
    report_retry_count: int = 5  # client.rm.reportRetryCount
    async_commit_interval: float = 1.0  # how often committed branches' undo rows are deleted
    # Java sends {"autoCommit":false} with BranchRegister for user transactions (a fail-fast hint). Off by
    # default: the 2.0.0 server keeps the other rows of such a request locked forever when one row conflicts
    # (verified, see tests/integration/test_tc_rpc.py).
    send_autocommit_hint: bool = False
    table_meta_ttl: float = 60.0  # client.rm.tableMetaCheckerInterval: cached table descriptions are re-read
    # Zone for DATETIME/DATE values written as epoch millis; Java uses its JVM default zone.
    time_zone: str | None = None
    transport: str = "tcp"  # transport.type: "tcp" (classic Seata RPC) or "grpc" (servers >= 2.3)
    rpc_overrides: dict[str, Any] = field(default_factory=dict)
    # where each setting that is not a default came from ("kwargs", "env:NAME", "file:PATH"), for diagnostics
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def zone(self) -> tzinfo | None:
        return ZoneInfo(self.time_zone) if self.time_zone else None

    def rpc_config(self) -> RpcConfig:
        return RpcConfig(
            application_id=self.application_id,
            tx_service_group=self.tx_service_group,
            vgroup_mapping=dict(self.vgroup_mapping),
            grouplists={k: list(v) for k, v in self.grouplists.items()},
            transport=self.transport,
            **self.rpc_overrides,
        )

    @property
    def cluster(self) -> str:
        return self.vgroup_mapping.get(self.tx_service_group, "default")


# -- value conversion ----------------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected a boolean, got {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {value!r}") from None


def _ms_to_seconds(value: Any) -> float:
    return _to_float(value) / 1000.0


_SIZE = re.compile(r"\s*(\d+)\s*([kKmMgG]?)[bB]?\s*")


def _to_size(value: Any) -> int:
    """Java writes sizes like ``64k``; plain numbers are bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.fullmatch(str(value))
    if not match:
        raise ValueError(f"expected a size such as 65536 or 64k, got {value!r}")
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]


def _to_str(value: Any) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {value!r}")


def _to_compress_type(value: Any) -> str:
    text = _to_str(value).upper()
    if text not in {"ZIP", "GZIP", "NONE"}:
        raise ValueError(f"expected ZIP, GZIP or NONE, got {value!r}")
    return text


JAVA_DRIVERS = ("connector-j-8", "connector-j-5", "mariadb-connector-j")


def _to_java_driver(value: Any) -> str:
    text = _to_str(value).lower()
    if text not in JAVA_DRIVERS:
        raise ValueError(f"expected one of {', '.join(JAVA_DRIVERS)}, got {value!r}")
    return text


def _to_transport(value: Any) -> str:
    text = _to_str(value).lower()
    if text not in {"tcp", "grpc"}:
        raise ValueError(f"expected tcp or grpc, got {value!r}")
    return text


def _to_grouplist(value: Any) -> list[str]:
    if isinstance(value, str):
        return parse_grouplist(value)
    if isinstance(value, (list, tuple)):
        return [normalise_address(str(v)) for v in value]
    raise ValueError(f"expected 'host:port[,host:port]' or a list, got {value!r}")


def _to_zone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = _to_str(value)
    ZoneInfo(text)  # an unknown zone fails here, at configuration time, not at the first DATETIME
    return text


# -- the key table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    path: str  # Seata's dotted kebab-case path under ``seata:``
    target: str  # attribute path on SeataConfig; "rpc.<name>" is an RpcConfig override
    convert: Callable[[Any], Any]

    @property
    def env(self) -> str:
        return ENV_PREFIX + re.sub(r"[.\-]", "_", self.path).upper()


_KEYS = [
    _Key("application-id", "application_id", _to_str),
    _Key("tx-service-group", "tx_service_group", _to_str),
    _Key("service.disable-global-transaction", "disable_global_transaction", _to_bool),
    _Key("client.rm.lock.retry-interval", "lock_retry.interval_ms", _to_int),
    _Key("client.rm.lock.retry-times", "lock_retry.times", _to_int),
    _Key("client.rm.report-success-enable", "report_success", _to_bool),
    _Key("client.rm.report-retry-count", "report_retry_count", _to_int),
    _Key("client.rm.table-meta-checker-interval", "table_meta_ttl", _ms_to_seconds),
    _Key("client.tm.default-global-transaction-timeout", "default_timeout_ms", _to_int),
    _Key("client.tm.commit-retry-count", "commit_retry_count", _to_int),
    _Key("client.tm.rollback-retry-count", "rollback_retry_count", _to_int),
    _Key("client.undo.log-table", "undo.log_table", _to_str),
    _Key("client.undo.data-validation", "undo.data_validation", _to_bool),
    _Key("client.undo.only-care-update-columns", "undo.only_care_update_columns", _to_bool),
    _Key("client.undo.compress.enable", "undo.compress", _to_bool),
    _Key("client.undo.compress.type", "undo.compress_type", _to_compress_type),
    _Key("client.undo.compress.threshold", "undo.compress_threshold", _to_size),
    _Key("transport.type", "transport", _to_transport),
    _Key("transport.rpc-tm-request-timeout", "rpc.tm_request_timeout", _ms_to_seconds),
    _Key("transport.rpc-rm-request-timeout", "rpc.rm_request_timeout", _ms_to_seconds),
    # settings Java does not have, under ``seata.py``
    _Key("py.undo-class-prefix", "undo.class_prefix", _to_str),
    _Key("py.undo-java-driver", "undo.java_driver", _to_java_driver),
    _Key("py.time-zone", "time_zone", _to_zone),
    _Key("py.send-autocommit-hint", "send_autocommit_hint", _to_bool),
    _Key("py.async-commit-interval", "async_commit_interval", _ms_to_seconds),
    _Key("py.heartbeat-interval", "rpc.heartbeat_interval", _ms_to_seconds),
    _Key("py.connect-timeout", "rpc.connect_timeout", _ms_to_seconds),
]
_BY_PATH = {key.path: key for key in _KEYS}
_BY_ENV = {key.env: key for key in _KEYS}

# Keys a Java service's file carries that seata-py has no use for: accepted when the value is what
# seata-py does anyway.
_JAVA_ONLY: dict[str, Callable[[Any], bool]] = {
    "enabled": lambda v: _to_bool(v),
    "enable-auto-data-source-proxy": lambda v: True,
    "data-source-proxy-mode": lambda v: str(v).upper() == "AT",
    "use-jdk-proxy": lambda v: True,
    "registry.type": lambda v: str(v).lower() == "file",
    "config.type": lambda v: str(v).lower() == "file",
    "transport.serialization": lambda v: str(v).lower() == "seata",
    "transport.compressor": lambda v: str(v).lower() == "none",
    "transport.heartbeat": lambda v: _to_bool(v),
    "transport.server": lambda v: True,
    "client.undo.log-serialization": lambda v: str(v).lower() == "jackson",
    "client.rm.sql-parser-type": lambda v: True,
    "client.rm.async-commit-buffer-limit": lambda v: True,
    "client.rm.table-meta-check-enable": lambda v: True,
    "client.rm.lock.retry-policy-branch-rollback-on-conflict": lambda v: True,
    "client.tm.degrade-check": lambda v: not _to_bool(v),
}
_JAVA_ONLY_PREFIXES = (
    "registry.file.",
    "config.file.",
    "transport.thread-factory.",
    "transport.shutdown.",
    "log.",
)

# Python keyword names: the top-level fields plus the nested groups, which take a dict or their dataclass.
_NESTED: dict[str, type] = {"lock_retry": LockRetry, "undo": UndoSettings}
_KWARG_ALIASES = {"rpc": "rpc_overrides"}
_RPC_FROM_CONFIG = {"application_id", "tx_service_group", "vgroup_mapping", "grouplists", "transport"}


def _expand_dotted(node: Mapping[str, Any]) -> dict[str, Any]:
    """``{"seata.client.rm": {...}}`` (valid Spring YAML) → nested mappings, merged with nested spellings."""
    result: dict[str, Any] = {}
    for key, value in node.items():
        head, *rest = str(key).split(".")
        if isinstance(value, Mapping):
            value = _expand_dotted(value)
        for part in reversed(rest):
            value = {part: value}
        existing = result.get(head)
        if isinstance(existing, dict) and isinstance(value, Mapping):
            result[head] = _merge(existing, value)
        else:
            result[head] = value
    return result


def _merge(left: dict[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(left)
    for key, value in right.items():
        if isinstance(merged.get(key), dict) and isinstance(value, Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _norm(segment: str) -> str:
    """``vgroupMapping`` / ``vgroup_mapping`` / ``vgroup-mapping`` → ``vgroup-mapping``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", segment).lower().replace("_", "-")


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Builder:
    """Applies settings source by source, recording where each came from."""

    def __init__(self) -> None:
        self.config = SeataConfig()

    def set(self, target: str, value: Any, source: str) -> None:
        if target.startswith("rpc."):
            self.config.rpc_overrides[target[4:]] = value
        elif "." in target:
            group, name = target.split(".", 1)
            setattr(getattr(self.config, group), name, value)
        else:
            setattr(self.config, target, value)
        self.config.sources[target] = source

    def set_key(self, key: _Key, value: Any, source: str) -> None:
        # files and env speak Seata's milliseconds; Python keywords use the field's own unit (seconds)
        convert = _to_float if source == "kwargs" and key.convert is _ms_to_seconds else key.convert
        try:
            converted = convert(value)
        except (ValueError, KeyError, OSError) as exc:
            where = key.target if source == "kwargs" else f"seata.{key.path}"
            raise ConfigError(f"{source}: {where}: {exc}") from None
        self.set(key.target, converted, source)

    def set_grouplist(self, cluster: str, value: Any, source: str) -> None:
        try:
            self.config.grouplists[cluster] = _to_grouplist(value)
        except ValueError as exc:
            raise ConfigError(f"{source}: grouplist of cluster {cluster!r}: {exc}") from None
        self.config.sources[f"grouplists.{cluster}"] = source

    def set_mapping(self, group: str, cluster: Any, source: str) -> None:
        self.config.vgroup_mapping[group] = _to_str(cluster)
        self.config.sources[f"vgroup_mapping.{group}"] = source

    # -- file ----------------------------------------------------------------------------------------------

    def apply_file(self, path: str | os.PathLike[str]) -> None:
        import yaml

        source = f"file:{path}"
        try:
            document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
        if document is None:
            return
        if not isinstance(document, Mapping):
            raise ConfigError(f"config file {path} must have a top-level 'seata:' mapping")
        document = _expand_dotted(document)
        if "seata" not in document:
            raise ConfigError(
                f"config file {path} has no top-level 'seata:' block (keys: {sorted(document)})"
            )
        if not isinstance(document["seata"], (Mapping, type(None))):
            raise ConfigError(f"config file {path} must have a top-level 'seata:' mapping")
        unknown: list[str] = []
        others = sorted(set(document) - {"seata"})
        if others:
            log.info("config file %s: ignoring top-level keys %s (only 'seata:' is read)", path, others)
        self._walk(document.get("seata") or {}, "", (), source, unknown)
        if unknown:
            raise ConfigError(
                f"config file {path}: unknown seata keys: "
                + "; ".join(f"seata.{k}{_suggest(k, list(_BY_PATH))}" for k in unknown)
            )

    def _walk(
        self, node: Mapping[str, Any], prefix: str, raw: tuple[str, ...], source: str, unknown: list[str]
    ) -> None:
        for raw_key, value in node.items():
            path = f"{prefix}{_norm(str(raw_key))}"
            if value is None and path not in _BY_PATH and path not in _JAVA_ONLY:
                continue  # an empty section (``tm:`` with nothing under it)
            if path == "service.vgroup-mapping" and isinstance(value, Mapping):
                for group, cluster in value.items():
                    self.set_mapping(str(group), cluster, source)
            elif path == "service.grouplist" and isinstance(value, Mapping):
                for cluster, addresses in value.items():
                    self.set_grouplist(str(cluster), addresses, source)
            elif (
                path.startswith("service.")
                and path.endswith(".grouplist")
                and path.count(".") == 2
                and not isinstance(value, Mapping)
            ):
                # properties style: service.<cluster>.grouplist; the cluster name keeps its spelling
                self.set_grouplist(raw[-1] if raw else path.split(".")[1], value, source)
            elif path in _BY_PATH:
                self.set_key(_BY_PATH[path], value, source)
            elif path in _JAVA_ONLY:
                self._java_only(path, value, source)
            elif path.startswith(_JAVA_ONLY_PREFIXES):
                log.debug("%s: seata.%s has no meaning for seata-py; ignored", source, path)
            elif isinstance(value, Mapping):
                self._walk(value, path + ".", (*raw, str(raw_key)), source, unknown)
            else:
                unknown.append(path)

    @staticmethod
    def _java_only(path: str, value: Any, source: str) -> None:
        try:
            acceptable = _JAVA_ONLY[path](value)
        except ValueError:
            acceptable = False
        if not acceptable:
            raise ConfigError(f"{source}: seata.{path}={value!r} is not supported by seata-py")
        log.debug("%s: seata.%s only matters to Java; ignored", source, path)

    # -- environment ---------------------------------------------------------------------------------------

    def apply_env(self, environ: Mapping[str, str]) -> None:
        for name, value in sorted(environ.items()):
            if not name.startswith(ENV_PREFIX):
                continue
            if name not in _BY_ENV and name.startswith(_ENV_IGNORED_PREFIXES):
                continue  # tooling variables (SEATA_PY_CACHE...), not settings
            source = f"env:{name}"
            if name in (ENV_CONFIG_FILE, ENV_GROUPLIST):
                continue  # handled by build_config: the file comes first, the shortcut after the mappings
            if name in _BY_ENV:
                self.set_key(_BY_ENV[name], value, source)
            elif name.startswith("SEATA_SERVICE_VGROUP_MAPPING_"):
                self.set_mapping(name.removeprefix("SEATA_SERVICE_VGROUP_MAPPING_").lower(), value, source)
            elif name.startswith("SEATA_SERVICE_GROUPLIST_"):
                self.set_grouplist(name.removeprefix("SEATA_SERVICE_GROUPLIST_").lower(), value, source)
            else:
                log.warning("unknown environment variable %s ignored%s", name, _suggest(name, list(_BY_ENV)))

    # -- keyword arguments ---------------------------------------------------------------------------------

    def apply_kwargs(self, kwargs: Mapping[str, Any]) -> None:
        top = {f.name for f in fields(SeataConfig)} - {"sources"}
        for raw_name, value in kwargs.items():
            name = _KWARG_ALIASES.get(raw_name, raw_name)
            if name in _NESTED:
                self._apply_nested(name, value)
            elif name == "grouplists":
                for cluster, addresses in dict(value).items():
                    self.set_grouplist(cluster, addresses, "kwargs")
            elif name == "vgroup_mapping":
                for group, cluster in dict(value).items():
                    self.set_mapping(group, cluster, "kwargs")
            elif name == "rpc_overrides":
                self._apply_rpc(value)
            elif name in top:
                key = next((k for k in _KEYS if k.target == name), None)
                if key is not None:
                    self.set_key(key, value, "kwargs")
                else:
                    self.set(name, value, "kwargs")
            else:
                raise ConfigError(
                    f"unknown setting {raw_name!r}{_suggest(raw_name, sorted(top | set(_KWARG_ALIASES)))}"
                )

    def _apply_nested(self, group: str, value: Any) -> None:
        cls = _NESTED[group]
        if isinstance(value, cls):
            # only what differs from the defaults, checked like a dict: other sources keep the rest
            default = cls()
            value = {
                f.name: getattr(value, f.name)
                for f in fields(cls)
                if getattr(value, f.name) != getattr(default, f.name)
            }
        if not isinstance(value, Mapping):
            raise ConfigError(f"setting {group!r} takes a dict or {cls.__name__}, got {value!r}")
        names = [f.name for f in fields(cls)]
        for sub, sub_value in value.items():
            if sub not in names:
                raise ConfigError(f"unknown setting {group}.{sub}{_suggest(sub, names)}")
            key = next((k for k in _KEYS if k.target == f"{group}.{sub}"), None)
            if key is not None:
                self.set_key(key, sub_value, "kwargs")
            else:
                self.set(f"{group}.{sub}", sub_value, "kwargs")

    def _apply_rpc(self, value: Any) -> None:
        names = [f.name for f in fields(RpcConfig)]
        for sub, sub_value in dict(value).items():
            if sub not in names or sub in _RPC_FROM_CONFIG:
                raise ConfigError(f"unknown rpc setting {sub!r}{_suggest(sub, names)}")
            self.set(f"rpc.{sub}", sub_value, "kwargs")


def build_config(
    application_id: str | None = None,
    tx_service_group: str | None = None,
    grouplist: str | list[str] | None = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> SeataConfig:
    """Settings from ``kwargs`` over ``SEATA_*`` environment variables over the YAML file over the defaults.

    The file is ``config_file`` or ``$SEATA_CONFIG_FILE``. ``grouplist`` (or ``$SEATA_GROUPLIST``) sets the TC
    addresses of the cluster that ``tx_service_group`` maps to.
    """
    env = os.environ if environ is None else environ
    builder = _Builder()
    file = config_file or env.get(ENV_CONFIG_FILE)
    if file:
        builder.apply_file(file)
    builder.apply_env(env)
    explicit = dict(kwargs)
    if application_id is not None:
        explicit["application_id"] = application_id
    if tx_service_group is not None:
        explicit["tx_service_group"] = tx_service_group
    builder.apply_kwargs(explicit)
    config = builder.config
    if grouplist is not None:
        builder.set_grouplist(config.cluster, grouplist, "kwargs")
    elif env.get(ENV_GROUPLIST) and config.sources.get(f"grouplists.{config.cluster}") != "kwargs":
        builder.set_grouplist(config.cluster, env[ENV_GROUPLIST], f"env:{ENV_GROUPLIST}")
    if config.cluster not in config.grouplists:
        raise ConfigError(
            f"tx service group {config.tx_service_group!r} maps to cluster {config.cluster!r}, which has no "
            f"grouplist; set service.grouplist.{config.cluster} (or pass grouplist=...)"
        )
    return config

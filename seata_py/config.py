"""Client settings with Seata's defaults. Keys mirror Java Seata's (client.rm.*, client.undo.*, ...)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from seata_py.rpc.config import RpcConfig, parse_grouplist


@dataclass
class LockRetry:
    interval_ms: int = 10  # client.rm.lock.retryInterval
    times: int = 30  # client.rm.lock.retryTimes


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


@dataclass
class SeataConfig:
    application_id: str = "seata-py"
    tx_service_group: str = "default_tx_group"
    vgroup_mapping: dict[str, str] = field(default_factory=dict)
    grouplists: dict[str, list[str]] = field(default_factory=lambda: {"default": ["127.0.0.1:8091"]})
    lock_retry: LockRetry = field(default_factory=LockRetry)
    undo: UndoSettings = field(default_factory=UndoSettings)
    default_timeout_ms: int = 60000  # client.tm.defaultGlobalTransactionTimeout
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
    rpc_overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def zone(self) -> tzinfo | None:
        return ZoneInfo(self.time_zone) if self.time_zone else None

    def rpc_config(self) -> RpcConfig:
        return RpcConfig(
            application_id=self.application_id,
            tx_service_group=self.tx_service_group,
            vgroup_mapping=dict(self.vgroup_mapping),
            grouplists={k: list(v) for k, v in self.grouplists.items()},
            **self.rpc_overrides,
        )


def build_config(
    application_id: str | None = None,
    tx_service_group: str | None = None,
    grouplist: str | list[str] | None = None,
    **kwargs: Any,
) -> SeataConfig:
    """Config from keyword arguments, falling back to SEATA_* environment variables, then defaults."""
    config = SeataConfig()
    config.application_id = application_id or os.environ.get("SEATA_APPLICATION_ID") or config.application_id
    config.tx_service_group = (
        tx_service_group or os.environ.get("SEATA_TX_SERVICE_GROUP") or config.tx_service_group
    )
    grouplist = grouplist or os.environ.get("SEATA_GROUPLIST")
    if grouplist:
        addresses = parse_grouplist(grouplist) if isinstance(grouplist, str) else list(grouplist)
        config.grouplists[config.vgroup_mapping.get(config.tx_service_group, "default")] = addresses
    nested = {"lock_retry": config.lock_retry, "undo": config.undo}
    top = {f.name for f in fields(SeataConfig)}
    for key, value in kwargs.items():
        if key in nested and isinstance(value, dict):
            for sub_key, sub_value in value.items():
                if not hasattr(nested[key], sub_key):
                    raise TypeError(f"unknown setting {key}.{sub_key}")
                setattr(nested[key], sub_key, sub_value)
        elif key in top:
            setattr(config, key, value)
        else:
            raise TypeError(f"unknown setting {key!r}")
    return config

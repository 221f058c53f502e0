from __future__ import annotations

import logging
from pathlib import Path

import pytest

from seata_py.config import LockRetry, build_config
from seata_py.exceptions import ConfigError

SPRING_FILE = """
seata:
  enabled: true
  application-id: order-svc
  tx-service-group: my_group
  data-source-proxy-mode: AT
  service:
    vgroup-mapping:
      my_group: east
    grouplist:
      east: "10.0.0.1:8091,10.0.0.2:8091"
    disable-global-transaction: false
  client:
    rm:
      lock:
        retry-interval: 25
        retry-times: 7
      report-success-enable: true
      report-retry-count: 3
      table-meta-checker-interval: 30000
    tm:
      commit-retry-count: 2
      rollback-retry-count: 4
      default-global-transaction-timeout: 12000
    undo:
      log-table: my_undo
      data-validation: false
      only-care-update-columns: false
      log-serialization: jackson
      compress:
        enable: true
        type: gzip
        threshold: 8k
  transport:
    type: TCP
    serialization: seata
    rpc-tm-request-timeout: 5000
    rpc-rm-request-timeout: 7000
  registry:
    type: file
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seata.yml"
    path.write_text(text)
    return path


def test_defaults_are_seatas() -> None:
    config = build_config(environ={})
    assert config.application_id == "seata-py"
    assert config.tx_service_group == "default_tx_group"
    assert config.rpc_config().addresses() == ["127.0.0.1:8091"]
    assert config.lock_retry == LockRetry(10, 30)
    assert (config.commit_retry_count, config.rollback_retry_count, config.default_timeout_ms) == (
        5,
        5,
        60000,
    )
    assert config.undo.compress_threshold == 64 * 1024
    assert config.sources == {}


def test_spring_style_file_maps_every_key(tmp_path: Path) -> None:
    config = build_config(config_file=write(tmp_path, SPRING_FILE), environ={})
    assert config.application_id == "order-svc"
    assert config.rpc_config().addresses() == ["10.0.0.1:8091", "10.0.0.2:8091"]
    assert config.lock_retry == LockRetry(25, 7)
    assert config.report_success is True and config.report_retry_count == 3
    assert config.table_meta_ttl == 30.0
    assert (config.commit_retry_count, config.rollback_retry_count, config.default_timeout_ms) == (
        2,
        4,
        12000,
    )
    assert config.undo.log_table == "my_undo"
    assert config.undo.data_validation is False and config.undo.only_care_update_columns is False
    assert (config.undo.compress_type, config.undo.compress_threshold) == ("GZIP", 8192)
    rpc = config.rpc_config()
    assert (rpc.tm_request_timeout, rpc.rm_request_timeout) == (5.0, 7.0)
    assert config.sources["lock_retry.times"].startswith("file:")


def test_properties_style_keys_are_understood(tmp_path: Path) -> None:
    text = """
seata:
  txServiceGroup: g1
  service:
    vgroupMapping: {g1: c1}
    c1:
      grouplist: "127.0.0.1:9999"
  client:
    rm:
      lock: {retryTimes: 3}
"""
    config = build_config(config_file=write(tmp_path, text), environ={})
    assert config.rpc_config().addresses() == ["127.0.0.1:9999"]
    assert config.lock_retry.times == 3


def test_kwargs_beat_env_beat_file(tmp_path: Path) -> None:
    path = write(tmp_path, SPRING_FILE)
    env = {
        "SEATA_APPLICATION_ID": "from-env",
        "SEATA_CLIENT_RM_LOCK_RETRY_TIMES": "11",
        "SEATA_CLIENT_TM_COMMIT_RETRY_COUNT": "9",
        "SEATA_GROUPLIST": "10.9.9.9:8091",
    }
    config = build_config(
        config_file=path, environ=env, application_id="from-kwargs", lock_retry={"times": 1}
    )
    assert config.application_id == "from-kwargs"
    assert config.lock_retry.times == 1
    assert config.lock_retry.interval_ms == 25  # the file's, untouched by the partial kwarg
    assert config.commit_retry_count == 9
    assert config.rpc_config().addresses() == ["10.9.9.9:8091"]  # env over the file's grouplist
    assert config.sources["commit_retry_count"] == "env:SEATA_CLIENT_TM_COMMIT_RETRY_COUNT"


def test_explicit_grouplist_beats_env_shortcut() -> None:
    config = build_config(grouplist="1.1.1.1:1", environ={"SEATA_GROUPLIST": "2.2.2.2:2"})
    assert config.rpc_config().addresses() == ["1.1.1.1:1"]


def test_config_file_from_env(tmp_path: Path) -> None:
    path = write(tmp_path, SPRING_FILE)
    config = build_config(environ={"SEATA_CONFIG_FILE": str(path)})
    assert config.application_id == "order-svc"


def test_unknown_file_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "seata:\n  client:\n    rm:\n      lock:\n        retry-tims: 3\n")
    with pytest.raises(ConfigError, match=r"seata\.client\.rm\.lock\.retry-tims.*did you mean") as info:
        build_config(config_file=path, environ={})
    assert str(path) in str(info.value)


def test_unknown_kwarg_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"lock_retyr.*did you mean 'lock_retry'"):
        build_config(environ={}, lock_retyr={"times": 1})
    with pytest.raises(ConfigError, match=r"lock_retry\.tims"):
        build_config(environ={}, lock_retry={"tims": 1})
    with pytest.raises(ConfigError, match="unknown rpc setting"):
        build_config(environ={}, rpc={"application_id": "x"})


def test_unknown_env_is_reported_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="seata_py.config"):
        config = build_config(environ={"SEATA_CLIENT_RM_LOCK_RETRY_TIMEZ": "3", "SEATA_PY_CACHE": "/x"})
    assert config.lock_retry.times == 30
    messages = [r.getMessage() for r in caplog.records]
    assert any("SEATA_CLIENT_RM_LOCK_RETRY_TIMEZ" in m and "RETRY_TIMES" in m for m in messages)
    assert not any("SEATA_PY_CACHE" in m for m in messages)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("seata:\n  registry:\n    type: nacos\n", "registry.type"),
        ("seata:\n  transport:\n    serialization: protobuf\n", "transport.serialization"),
        ("seata:\n  client:\n    rm:\n      lock:\n        retry-times: many\n", "expected an integer"),
        ("seata:\n  client:\n    undo:\n      compress:\n        type: lz4\n", "ZIP, GZIP or NONE"),
        ("seata:\n  transport:\n    type: udp\n", "tcp or grpc"),
        ("seata:\n  py:\n    time-zone: Mars/Olympus\n", "time-zone"),
        ("- a list\n", "top-level 'seata:'"),
        ("seata: [\n", "not valid YAML"),
    ],
)
def test_bad_file_values_are_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        build_config(config_file=write(tmp_path, text), environ={})


def test_bad_env_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"SEATA_CLIENT_UNDO_DATA_VALIDATION.*boolean"):
        build_config(environ={"SEATA_CLIENT_UNDO_DATA_VALIDATION": "maybe"})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        build_config(config_file=tmp_path / "nope.yml", environ={})


def test_group_mapped_to_cluster_without_grouplist() -> None:
    with pytest.raises(ConfigError, match="cluster 'west'"):
        build_config(environ={}, vgroup_mapping={"default_tx_group": "west"})


def test_env_mappings_and_grouplists() -> None:
    config = build_config(
        environ={
            "SEATA_TX_SERVICE_GROUP": "g",
            "SEATA_SERVICE_VGROUP_MAPPING_G": "c",
            "SEATA_SERVICE_GROUPLIST_C": "3.3.3.3:3",
            "SEATA_TRANSPORT_RPC_TM_REQUEST_TIMEOUT": "1500",
        }
    )
    assert config.rpc_config().addresses() == ["3.3.3.3:3"]
    assert config.rpc_config().tm_request_timeout == 1.5


def test_kwarg_units_are_pythonic() -> None:
    config = build_config(
        environ={}, table_meta_ttl=5, async_commit_interval=0.25, undo={"compress_threshold": "1k"}
    )
    assert (config.table_meta_ttl, config.async_commit_interval, config.undo.compress_threshold) == (
        5.0,
        0.25,
        1024,
    )


def test_transport_reaches_the_rpc_layer() -> None:
    assert build_config(environ={}).rpc_config().transport == "tcp"
    assert build_config(environ={"SEATA_TRANSPORT_TYPE": "GRPC"}).rpc_config().transport == "grpc"
    assert build_config(environ={}, transport="grpc").rpc_config().transport == "grpc"


def test_seata_py_settings_from_env() -> None:
    config = build_config(
        environ={"SEATA_PY_TIME_ZONE": "Asia/Shanghai", "SEATA_PY_UNDO_CLASS_PREFIX": "io.seata"}
    )
    assert config.time_zone == "Asia/Shanghai"
    assert config.undo.class_prefix == "io.seata"


def test_dotted_spring_keys_null_sections_and_cluster_spelling(tmp_path: Path) -> None:
    text = """
seata.client.rm.lock.retry-times: 3
seata:
  tx-service-group: g
  client:
    tm:
  service:
    vgroup-mapping:
      g: eastDC
    eastDC:
      grouplist: "1.2.3.4:8091"
"""
    config = build_config(config_file=write(tmp_path, text), environ={})
    assert config.lock_retry.times == 3
    assert config.rpc_config().addresses() == ["1.2.3.4:8091"]


def test_file_without_a_seata_block_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no top-level 'seata:' block"):
        build_config(config_file=write(tmp_path, "Seata:\n  application-id: x\n"), environ={})


def test_rpc_transport_kwarg_is_refused_and_dataclass_kwargs_are_partial() -> None:
    with pytest.raises(ConfigError, match="unknown rpc setting 'transport'"):
        build_config(environ={}, rpc={"transport": "grpc"})
    config = build_config(
        environ={"SEATA_CLIENT_RM_LOCK_RETRY_INTERVAL": "50"}, lock_retry=LockRetry(times=5)
    )
    assert config.lock_retry == LockRetry(interval_ms=50, times=5)
    with pytest.raises(ConfigError, match="expected an integer"):
        build_config(environ={}, lock_retry=LockRetry(times="many"))  # type: ignore[arg-type]

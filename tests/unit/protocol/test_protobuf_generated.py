"""The committed generated modules: up to date with proto/*.proto, importable without warnings, and usable.

Staleness is checked twice:

* always: the descriptors embedded in the committed modules equal what protoc compiles from proto/ today
  (independent of the protoc/grpcio-tools version, so a .proto edit without regeneration always fails);
* byte for byte against ``python scripts/gen_proto.py --out`` when the installed grpcio-tools is the one that
  produced the committed modules (another version writes different boilerplate; the test then skips).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2

from seata_py.protocol.protobuf import METHOD_PATH
from seata_py.protocol.protobuf.generated import seata_grpc_pb2, seata_grpc_pb2_grpc

ROOT = Path(__file__).resolve().parents[3]
PROTO_DIR = ROOT / "proto"
GENERATED_DIR = ROOT / "seata_py" / "protocol" / "protobuf" / "generated"
GENERATED_PACKAGE = "seata_py.protocol.protobuf.generated"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "scripts" / "gen_proto.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_proto = _load_generator()


def _without_json_names(file: descriptor_pb2.FileDescriptorProto) -> descriptor_pb2.FileDescriptorProto:
    # protoc fills json_name in descriptor sets but not in the descriptors it embeds into Python code.
    def strip(message: descriptor_pb2.DescriptorProto) -> None:
        for field in message.field:
            field.ClearField("json_name")
        for nested in message.nested_type:
            strip(nested)

    copy = descriptor_pb2.FileDescriptorProto()
    copy.CopyFrom(file)
    for message in copy.message_type:
        strip(message)
    return copy


def _compile(proto_dir: Path, out: Path) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    names = sorted(path.name for path in proto_dir.glob("*.proto"))
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_dir}", f"--descriptor_set_out={out}", *names],
        check=True,
        cwd=proto_dir,
    )
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return {file.name: _without_json_names(file) for file in files}


def _committed_descriptors() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    descriptors = {}
    for path in sorted(GENERATED_DIR.glob("*_pb2.py")):
        module = importlib.import_module(f"{GENERATED_PACKAGE}.{path.stem}")
        file = descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)
        descriptors[file.name] = _without_json_names(file)
    return descriptors


def test_committed_descriptors_match_the_proto_sources(tmp_path: Path) -> None:
    fresh = _compile(PROTO_DIR, tmp_path / "set.pb")
    committed = _committed_descriptors()
    assert sorted(committed) == sorted(fresh), "a .proto file was added or removed without regenerating"
    for name, descriptor in fresh.items():
        assert committed[name] == descriptor, f"{name} changed: run python scripts/gen_proto.py"


def test_the_descriptor_check_notices_a_changed_field_number(tmp_path: Path) -> None:
    changed_dir = tmp_path / "proto"
    shutil.copytree(PROTO_DIR, changed_dir)
    grpc_proto = changed_dir / "seata_grpc.proto"
    grpc_proto.write_text(grpc_proto.read_text().replace("bytes body = 4;", "bytes body = 5;"))
    changed = _compile(changed_dir, tmp_path / "set.pb")
    assert changed["seata_grpc.proto"] != _committed_descriptors()["seata_grpc.proto"]


def _generator_versions(directory: Path) -> tuple[str | None, str | None]:
    protobuf = re.search(
        r"^# Protobuf Python Version: (\S+)", (directory / "seata_grpc_pb2.py").read_text(), re.M
    )
    grpc = re.search(
        r"^GRPC_GENERATED_VERSION = '([^']+)'", (directory / "seata_grpc_pb2_grpc.py").read_text(), re.M
    )
    return (protobuf.group(1) if protobuf else None, grpc.group(1) if grpc else None)


def test_committed_modules_equal_a_fresh_generation(tmp_path: Path) -> None:
    fresh_dir = tmp_path / "generated"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_proto.py"), "--out", str(fresh_dir)], check=True
    )
    diffs = gen_proto.differences(GENERATED_DIR, fresh_dir)
    if diffs and _generator_versions(GENERATED_DIR) != _generator_versions(fresh_dir):
        pytest.skip(
            f"installed generator {_generator_versions(fresh_dir)} differs from the committed modules' "
            f"{_generator_versions(GENERATED_DIR)}; the descriptor comparison still ran"
        )
    assert diffs == [], "stale generated modules: run python scripts/gen_proto.py"


def test_differences_reports_changed_missing_and_extra_files(tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    left.mkdir()
    right.mkdir()
    (left / "a_pb2.py").write_text("x = 1\n")
    (right / "a_pb2.py").write_text("x = 2\n")
    (left / "b_pb2_grpc.py").write_text("")
    (right / "c_pb2_grpc.py").write_text("")
    (right / "__init__.py").write_text("not generated, ignored")
    assert gen_proto.differences(left, right) == ["b_pb2_grpc.py", "c_pb2_grpc.py", "a_pb2.py"]


def test_generated_imports_are_package_relative() -> None:
    for path in GENERATED_DIR.iterdir():
        if gen_proto.is_generated(path):
            text = path.read_text()
            assert not re.search(r"^import seata_\w+_pb2", text, re.M), path.name
    assert "from . import seata_enums_pb2" in (GENERATED_DIR / "seata_messages_pb2.py").read_text()


def test_generated_modules_import_without_any_warning() -> None:
    # A fresh interpreter, so a version-check warning cannot have been emitted (and swallowed) earlier.
    code = (
        "import warnings; warnings.simplefilter('error');"
        f"import {GENERATED_PACKAGE}.seata_messages_pb2, {GENERATED_PACKAGE}.seata_grpc_pb2_grpc"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_stub_calls_the_documented_path_as_a_bidirectional_stream() -> None:
    calls: list[tuple[str, str]] = []

    class RecordingChannel:
        def __getattr__(self, kind: str) -> Callable[..., None]:  # any grpc.Channel factory
            def factory(path: str, **_: object) -> None:
                calls.append((kind, path))

            return factory

    seata_grpc_pb2_grpc.SeataServiceStub(RecordingChannel())
    assert calls == [("stream_stream", "/org.apache.seata.protocol.protobuf.SeataService/sendRequest")]
    assert calls[0][1] == METHOD_PATH
    method = seata_grpc_pb2.DESCRIPTOR.services_by_name["SeataService"].methods_by_name["sendRequest"]
    assert method.client_streaming and method.server_streaming

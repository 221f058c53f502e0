#!/usr/bin/env python3
"""Generate the Python protobuf/gRPC modules of seata_py from proto/*.proto.

    python scripts/gen_proto.py                 # regenerate seata_py/protocol/protobuf/generated/
    python scripts/gen_proto.py --out DIR       # generate into DIR instead (used by the staleness test)
    python scripts/gen_proto.py --check         # exit 1 if the committed modules differ from a fresh run

Needs grpcio-tools (the `test` extra). For every proto/NAME.proto it writes NAME_pb2.py, and NAME_pb2_grpc.py
for the files that define a service. No .pyi stubs: nothing here runs a type checker over the generated
modules, and the code that uses them is typed against google.protobuf's Message base class.

Why a post-processing step: the .proto files import each other by bare file name (`import
"seata_enums.proto";`), as upstream Seata's do, so that the files compile on their own with any protoc and
any `-I proto`. protoc turns such an import into a top-level Python import (`import seata_enums_pb2 as ...`),
which only works when the output directory itself is on sys.path. The generated modules live inside the
package `seata_py.protocol.protobuf.generated`, so this script rewrites exactly those imports into relative
ones (`from . import seata_enums_pb2 as ...`) and fails if an import of a sibling module is left in another
form. Nothing else in the generated text is changed apart from one comment line naming this script.

The protobuf runtime checks the version of the code generator: the generated modules need a protobuf
runtime at least as new as the "Protobuf Python Version" written in their header, and the *_pb2_grpc module
a grpcio at least as new as its GRPC_GENERATED_VERSION.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
PACKAGE_DIR = ROOT / "seata_py" / "protocol" / "protobuf" / "generated"

# Output files owned by this script; anything else in the package directory (__init__.py, ruff.toml) is
# hand-written and left alone.
GENERATED_SUFFIXES = ("_pb2.py", "_pb2_grpc.py")
MARKER = "# Regenerate with: python scripts/gen_proto.py (do not edit by hand)\n"

_SERVICE = re.compile(r"^\s*service\s+\w+", re.MULTILINE)


def proto_files() -> list[Path]:
    files = sorted(PROTO_DIR.glob("*.proto"))
    if not files:
        raise SystemExit(f"no .proto files in {PROTO_DIR}")
    return files


def is_generated(path: Path) -> bool:
    return path.name.endswith(GENERATED_SUFFIXES)


def _protoc(args: list[str]) -> None:
    # `python -m grpc_tools.protoc` adds the bundled well-known types (google/protobuf/any.proto) to the
    # include path by itself, unlike calling grpc_tools.protoc.main() directly.
    cmd = [sys.executable, "-m", "grpc_tools.protoc", f"--proto_path={PROTO_DIR}", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"protoc failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")


def _make_imports_relative(path: Path, siblings: set[str]) -> None:
    text = path.read_text(encoding="utf-8")

    def relative(match: re.Match[str]) -> str:
        module, alias = match.group(1), match.group(2)
        if module not in siblings:
            return match.group(0)
        return f"from . import {module} as {alias}"

    text = re.sub(r"^import (\w+) as (\w+)$", relative, text, flags=re.MULTILINE)
    for module in siblings:
        # Any other spelling (`from seata_enums_pb2 import X`, a bare `import seata_enums_pb2`) would break
        # inside the package; fail loudly so a protoc upgrade that changes its output is noticed.
        if re.search(rf"^\s*(import {module}\b|from {module}\b)", text, flags=re.MULTILINE):
            raise SystemExit(f"{path.name}: unhandled absolute import of {module}")
    # The marker goes first, except that a coding declaration must stay on the first line.
    at = text.index("\n") + 1 if text.startswith("# -*- coding") else 0
    path.write_text(text[:at] + MARKER + text[at:], encoding="utf-8")


def generate(out_dir: Path) -> list[Path]:
    """Write the generated modules into ``out_dir``; return their paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = proto_files()
    names = [str(f.relative_to(PROTO_DIR)) for f in files]
    _protoc([f"--python_out={out_dir}", *names])
    with_service = [str(f.relative_to(PROTO_DIR)) for f in files if _SERVICE.search(f.read_text("utf-8"))]
    if with_service:
        _protoc([f"--grpc_python_out={out_dir}", *with_service])

    siblings = {f"{f.stem}_pb2" for f in files}
    outputs = sorted(p for p in out_dir.iterdir() if is_generated(p))
    for path in outputs:
        _make_imports_relative(path, siblings)
    return outputs


def _replace_package_modules() -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        PACKAGE_DIR.mkdir(parents=True, exist_ok=True)
        # Stale outputs of a removed .proto file must not survive a regeneration.
        for old in PACKAGE_DIR.iterdir():
            if is_generated(old):
                old.unlink()
        written = []
        for path in fresh:
            target = PACKAGE_DIR / path.name
            target.write_bytes(path.read_bytes())
            written.append(target)
    return written


def differences(committed_dir: Path, fresh_dir: Path) -> list[str]:
    """Names of generated files that are missing, extra or different between the two directories."""
    committed = {p.name for p in committed_dir.iterdir() if is_generated(p)}
    fresh = {p.name for p in fresh_dir.iterdir() if is_generated(p)}
    diffs = sorted(committed ^ fresh)
    for name in sorted(committed & fresh):
        if not filecmp.cmp(committed_dir / name, fresh_dir / name, shallow=False):
            diffs.append(name)
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--out", type=Path, help="generate into this directory instead of the package")
    group.add_argument("--check", action="store_true", help="compare a fresh run with the committed modules")
    args = parser.parse_args(argv)

    if args.out is not None:
        for path in generate(args.out):
            print(path)
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            diffs = differences(PACKAGE_DIR, Path(tmp))
        if diffs:
            print("stale generated modules (run python scripts/gen_proto.py):", ", ".join(diffs))
            return 1
        print("generated modules are up to date")
        return 0
    for path in _replace_package_modules():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which seata_py modules two flows pass through, measured by running them (no servers needed).

1. a statement: ``cursor.execute(UPDATE ...)`` and ``conn.commit()`` on a wrapped SQLite connection inside a
   global transaction, until its undo row is written;
2. a rollback: the BranchRollback the embedded TC pushes, from the resource manager's handler to the
   restored rows.

It prints, per flow, the modules entered (in first-entered order), how many packages they span, and the
module pairs where a lower layer called a higher one, by how (see :func:`kind_of_call_up`). Used to keep
the house's paths short:

    python scripts/trace_flows.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PACKAGE = ROOT / "seata_py"

# the layers, bottom first, as docs/architecture.md draws them
LAYERS = [
    ("exceptions", "log_context", "_version", "types"),
    ("protocol",),
    ("rpc",),
    ("tm", "rm", "config"),
    ("sql",),
    ("undo",),
    ("datasource",),
    ("databases",),
    ("runtime", "integrations", "tc", "cli"),
]


def module_of(filename: str) -> str | None:
    path = Path(filename)
    try:
        rel = path.resolve().relative_to(PACKAGE)
    except ValueError:
        return None
    if "generated" in rel.parts:
        return None
    return "/".join(rel.parts)


def layer_of(module: str) -> int:
    top = module.split("/")[0].removesuffix(".py")
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise KeyError(module)


def kind_of_call_up(frame: FrameType) -> str:
    """How a lower layer reached a higher one: a method of an object handed down to it (a dialect, a
    cursor, a resource: an interface), a function handed down (a callback), or a module function it
    imported (an import that runs up: the one kind the house must not have)."""
    if "self" in frame.f_locals:
        return "object"
    if "<locals>" in frame.f_code.co_qualname or frame.f_code.co_name == "<lambda>":
        return "callback"
    return "import"


class Recorder:
    """Collects the modules a flow enters, in one thread, while ``active`` says the flow is running."""

    def __init__(self, active: Callable[[FrameType], bool]) -> None:
        self.active = active
        self.modules: list[str] = []
        self.up: dict[str, set[tuple[str, str]]] = {"object": set(), "callback": set(), "import": set()}

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or not self.active(frame):
            return
        module = module_of(frame.f_code.co_filename)
        if module is None:
            return
        if module not in self.modules:
            self.modules.append(module)
        caller = frame.f_back
        caller_module = module_of(caller.f_code.co_filename) if caller is not None else None
        if caller_module and caller_module != module and layer_of(caller_module) < layer_of(module):
            self.up[kind_of_call_up(frame)].add((caller_module, module))

    def report(self, title: str) -> None:
        packages = sorted({m.split("/")[0] for m in self.modules})
        up = ", ".join(f"{len(pairs)} {kind}" for kind, pairs in self.up.items())
        print(f"{title}: {len(self.modules)} modules in {len(packages)} packages; lower -> higher: {up}")
        for module in self.modules:
            print(f"    {module}")
        for kind, pairs in self.up.items():
            for caller, callee in sorted(pairs):
                print(f"    up by {kind}: {caller} -> {callee}")


def main() -> int:
    import seata_py
    from seata_py.databases import undo_log_ddl
    from seata_py.tc import EmbeddedTC

    with tempfile.TemporaryDirectory() as tmp, EmbeddedTC(port=0, store=":memory:") as tc:
        db = Path(tmp) / "flows.db"
        setup = sqlite3.connect(db)
        setup.executescript(undo_log_ddl("sqlite"))
        setup.execute("CREATE TABLE stock (sku TEXT PRIMARY KEY, count INTEGER NOT NULL)")
        setup.execute("INSERT INTO stock VALUES ('A', 10)")
        setup.commit()
        seata_py.init(application_id="flows", grouplist=tc.address)
        try:
            conn = seata_py.connect_sqlite(str(db))
            # warm the caches (parse, table metadata) so the flow is the steady-state one
            with seata_py.global_transaction(name="warm"):
                conn.execute("UPDATE stock SET count = count - 1 WHERE sku = ?", ("A",))
                conn.commit()

            main_thread = threading.get_ident()
            statement = Recorder(lambda frame: threading.get_ident() == main_thread)
            rollback = Recorder(lambda frame: True)
            # the handler the RPC client calls for every AT branch push: profile the thread while it runs
            handler = seata_py.runtime.runtime().rm
            plain_rollback = handler.branch_rollback

            def profiled_rollback(request: Any) -> Any:
                sys.setprofile(rollback)
                try:
                    return plain_rollback(request)
                finally:
                    sys.setprofile(None)

            handler.branch_rollback = profiled_rollback  # type: ignore[method-assign]
            try:
                with seata_py.global_transaction(name="flows"):
                    cursor = conn.cursor()
                    sys.setprofile(statement)
                    try:
                        cursor.execute("UPDATE stock SET count = count - 1 WHERE sku = ?", ("A",))
                        conn.commit()
                    finally:
                        sys.setprofile(None)
                    raise RuntimeError("roll it back")
            except RuntimeError:
                pass
            restored = sqlite3.connect(db).execute("SELECT count FROM stock").fetchone()[0]
        finally:
            seata_py.shutdown()
    statement.report("statement (execute + commit, until its undo row)")
    rollback.report("rollback (BranchRollback push, until the rows are restored)")
    print(f"restored count: {restored} (9 expected)")
    return 0 if restored == 9 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``seata-py`` command."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from seata_py._version import __version__


def _database_names() -> tuple[str, ...]:
    from seata_py.databases import PACKAGES

    return tuple(PACKAGES)


def _ddl(args: argparse.Namespace) -> int:
    from seata_py.databases import undo_log_ddl

    sys.stdout.write(undo_log_ddl(args.dialect, args.table))
    return 0


def _tc(args: argparse.Namespace) -> int:
    if args.tc_command == "status":
        return _tc_status(args)
    import logging

    from seata_py.exceptions import ConfigError
    from seata_py.tc.config import TCConfig
    from seata_py.tc.runner import run_foreground

    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # An option left out (None) keeps TCConfig's default: no status port, no advertised host, ...
    names = (*_TC_ADDRESS_OPTIONS, *_TC_SETTINGS)
    settings = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    try:
        config = TCConfig().with_overrides(**settings)
    except ConfigError as exc:
        sys.stderr.write(f"seata-py tc: {exc}\n")
        return 2
    return run_foreground(config)


def _tc_status(args: argparse.Namespace) -> int:
    import json

    from seata_py.tc.status_view import StatusUnavailableError, fetch_status, format_status

    try:
        data = fetch_status(args.url)
    except StatusUnavailableError as exc:
        sys.stderr.write(f"seata-py tc status: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if args.json else format_status(data))
    return 0


# TCConfig fields that say where the TC listens and what it stores, offered as their own options below
_TC_ADDRESS_OPTIONS = ("host", "port", "store", "status_port", "advertise_host")

# TCConfig settings offered as --name options: (type, help)
_TC_SETTINGS: dict[str, tuple[type, str]] = {
    "rpc_timeout": (float, "seconds to wait for an RM's phase-2 answer (default 15)"),
    "retry_period": (float, "seconds between phase-2 retries (default 1)"),
    "timeout_check_period": (float, "seconds between checks for timed-out transactions (default 1)"),
    "undo_log_delete_delay": (float, "seconds before the first UndoLogDelete push (default 180)"),
    "undo_log_delete_period": (float, "seconds between UndoLogDelete pushes (default 86400)"),
    "undo_log_save_days": (int, "undo_log rows older than this many days are purged (default 7)"),
    "idle_timeout": (float, "close connections and gRPC streams silent this long, 0 = never (default 15)"),
}


def _add_tc_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from seata_py.tc.config import DEFAULT_PORT

    tc = commands.add_parser(
        "tc",
        help="run the embedded transaction coordinator (development and tests; production uses Seata's)",
        description="Run a Seata transaction coordinator in the foreground until SIGTERM/SIGINT, with the "
        "real server's AT semantics; it logs to stderr. One port serves both client transports, as Seata "
        "2.3+ does: the classic Seata protocol (client transport.type tcp, the default) and gRPC "
        "(transport.type grpc, e.g. SEATA_TRANSPORT_TYPE=grpc for seata-py; one sendRequest stream per "
        "TM/RM, protobuf codec 40), told apart by each connection's first bytes. XIDs name this port for "
        "both, and a client is known by its own ip:port either way, so classic and gRPC clients can share "
        "a global transaction.",
    )
    tc.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    tc.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port for classic and gRPC clients alike (default {DEFAULT_PORT}, 0 = any)",
    )
    tc.add_argument(
        "--store",
        default="seata-tc.db",
        help="SQLite file for sessions, branches and locks (default ./seata-tc.db), or :memory:",
    )
    tc.add_argument("--status-port", type=int, help="serve GET /status (JSON) on this port (0 = any)")
    tc.add_argument("--advertise-host", help="host named in XIDs (default: --host, or 127.0.0.1 for 0.0.0.0)")
    for name, (kind, text) in _TC_SETTINGS.items():
        tc.add_argument(f"--{name.replace('_', '-')}", type=kind, help=text)
    tc.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    tc.set_defaults(func=_tc, tc_command=None)
    actions = tc.add_subparsers(dest="tc_command", metavar="ACTION")
    status = actions.add_parser("status", help="print the status view of a running TC")
    status.add_argument("--url", required=True, help="the TC's status endpoint, e.g. http://127.0.0.1:7091")
    status.add_argument("--json", action="store_true", help="print the raw JSON")


DEMO_SCRIPT = Path("examples") / "order_stock" / "demo.py"


def _demo_script() -> Path | None:
    """The demo lives with the examples of a source checkout, next to the package directory."""
    for base in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (base / DEMO_SCRIPT).is_file():
            return base / DEMO_SCRIPT
    return None


def _demo(args: argparse.Namespace) -> int:
    script = _demo_script()
    if script is None:
        sys.stderr.write(
            f"seata-py demo: {DEMO_SCRIPT} not found; run it from a clone of the seata-py repository\n"
        )
        return 2
    # a process of its own: the demo starts a TC and four services and must not share this interpreter's state
    # and it must import this very seata_py, installed or not
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return subprocess.call([sys.executable, str(script), *args.demo_args], cwd=script.parent, env=env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seata-py", description="Apache Seata AT mode for Python.")
    parser.add_argument("--version", action="version", version=f"seata-py {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ddl = commands.add_parser("ddl", help="print the undo_log table DDL (MySQL/MariaDB or SQLite)")
    ddl.add_argument("--dialect", choices=_database_names(), default="mysql", help="database kind")
    ddl.add_argument("--table", default="undo_log", help="undo log table name (client.undo.logTable)")
    ddl.set_defaults(func=_ddl)
    _add_tc_parser(commands)
    demo = commands.add_parser(
        "demo",
        help=(
            "run the order/stock demo (embedded TC + SQLite; --tc/--mysql/--postgres for real servers, "
            "--async for FastAPI services)"
        ),
        add_help=False,
    )
    demo.add_argument("demo_args", nargs=argparse.REMAINDER, help="options of examples/order_stock/demo.py")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:  # everything after "demo" belongs to the demo script, --help included
        return _demo(argparse.Namespace(demo_args=argv[1:]))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())

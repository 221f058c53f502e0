"""The ``seata-py`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from seata_py._version import __version__


def _ddl(args: argparse.Namespace) -> int:
    from seata_py.undo.ddl import mysql_undo_log_ddl

    sys.stdout.write(mysql_undo_log_ddl(args.table))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seata-py", description="Apache Seata AT mode for Python.")
    parser.add_argument("--version", action="version", version=f"seata-py {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ddl = commands.add_parser("ddl", help="print the undo_log table DDL (MySQL/MariaDB)")
    ddl.add_argument("--table", default="undo_log", help="undo log table name (client.undo.logTable)")
    ddl.set_defaults(func=_ddl)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())

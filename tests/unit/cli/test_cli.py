from __future__ import annotations

import subprocess
import sys

import pytest

from seata_py import __version__
from seata_py.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"seata-py {__version__}"


def test_ddl_prints_the_undo_log_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ddl"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("CREATE TABLE IF NOT EXISTS `undo_log`")
    for column in (
        "branch_id",
        "xid",
        "context",
        "rollback_info",
        "log_status",
        "log_created",
        "log_modified",
    ):
        assert f"`{column}`" in out
    assert "UNIQUE KEY `ux_undo_log` (`xid`, `branch_id`)" in out


def test_ddl_table_name_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ddl", "--table", "my_undo"]) == 0
    assert "`my_undo`" in capsys.readouterr().out
    with pytest.raises(ValueError, match="plain table name"):
        main(["ddl", "--table", "x`; DROP TABLE y"])


def test_console_script_entry_point_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "seata_py.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_ddl_for_sqlite_creates_a_usable_table(capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    assert main(["ddl", "--dialect", "sqlite"]) == 0
    ddl = capsys.readouterr().out
    conn = sqlite3.connect(":memory:")
    conn.executescript(ddl)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(undo_log)")]
    assert columns[:5] == ["branch_id", "xid", "context", "rollback_info", "log_status"]


def test_demo_forwards_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    # --help is the demo script's own, not seata-py's: everything after "demo" belongs to the script
    assert main(["demo", "--help"]) == 0

"""mysqlclient for the tests: part of the test extra, built against the C client library, which
``scripts/test.sh`` installs first where it is missing. In CI its absence is a failure, not a skip."""

from __future__ import annotations

import pytest

from tests.infra.common import in_ci

try:
    import MySQLdb
except ImportError as exc:  # pragma: no cover - only where the extra could not be built
    if in_ci():
        raise
    pytest.skip(
        f"mysqlclient is not installed ({exc}); `bash scripts/test.sh` builds it", allow_module_level=True
    )

__all__ = ["MySQLdb"]

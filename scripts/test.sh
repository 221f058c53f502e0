#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the Python package with its test extra, then runs pytest.
# pytest's session fixtures start what the integration tests need (tests/infra): MariaDB (Debian packages, or
# testcontainers mysql:8 where Docker runs, or $SEATA_PY_TEST_MYSQL) and the Seata server (Maven Central
# io.seata:seata-server:2.0.0, or testcontainers apache/seata-server, or $SEATA_PY_TEST_TC).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not integration"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install --disable-pip-version-check -q -e '.[test]'
exec "$PYTHON" -m pytest "$@"

#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the Python package with its test extra, then runs pytest.
# pytest's session fixtures start what the integration tests need (tests/infra): MariaDB (Debian packages, or
# testcontainers mysql:8 where Docker runs, or $SEATA_PY_TEST_MYSQL), PostgreSQL (likewise) and the Seata
# server (Maven Central io.seata:seata-server:2.0.0, or testcontainers apache/seata-server, or $SEATA_PY_TEST_TC).
# mysqlclient has no Linux wheels: its build needs the C client library, installed here from Debian packages
# where missing. Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not integration"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
in_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; *) return 1 ;; esac }

"$PYTHON" -m pip install --disable-pip-version-check -q -e '.[test]'

if ! "$PYTHON" -c 'import MySQLdb' 2>/dev/null; then
    if ! pkg-config --exists mysqlclient 2>/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "[test.sh] installing the MySQL C client library to build mysqlclient" >&2
        (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            default-libmysqlclient-dev pkg-config build-essential) >/tmp/seata-py-apt.log 2>&1 ||
            { tail -20 /tmp/seata-py-apt.log >&2; in_ci && exit 1; }
    fi
    if ! "$PYTHON" -m pip install --disable-pip-version-check -q -e '.[mysqlclient]'; then
        if in_ci; then
            echo "[test.sh] mysqlclient could not be built" >&2
            exit 1
        fi
        echo "[test.sh] mysqlclient could not be built: its tests will be skipped (they say why)" >&2
    fi
fi
exec "$PYTHON" -m pytest "$@"

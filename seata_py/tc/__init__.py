"""An embedded Seata transaction coordinator (TC) for development, tests and the demo.

It has the real server's AT semantics, so seata-py (and Java or Go clients) can run global transactions
without Java or Docker. Production keeps the Apache Seata server. One port serves both client transports,
as Seata 2.3+ does: classic Seata frames and gRPC (one ``sendRequest`` stream per TM/RM), told apart by a
connection's first bytes (:mod:`seata_py.tc.preface`, :mod:`seata_py.tc.grpc_streams`).

* ``EmbeddedTC(...)``: in this process, on a background thread (``with EmbeddedTC() as tc: ...``).
* ``spawn(...)``: as a ``seata-py tc`` child process that can be killed and started again.
* ``seata-py tc --host --port --store [--status-port]`` on the command line.
"""

from __future__ import annotations

from seata_py.tc.config import TCConfig
from seata_py.tc.embedded import EmbeddedTC
from seata_py.tc.process import TCProcess, TCStartError, spawn

__all__ = ["EmbeddedTC", "TCConfig", "TCProcess", "TCStartError", "spawn"]

"""An embedded Seata transaction coordinator (TC) for development, tests and the demo.

It speaks the classic Seata protocol with the real server's AT semantics, so seata-py (and Java or Go
clients) can run global transactions without Java or Docker. Production keeps the Apache Seata server.

* ``EmbeddedTC(...)``: in this process, on a background thread (``with EmbeddedTC() as tc: ...``).
* ``spawn(...)``: as a ``seata-py tc`` child process that can be killed and started again.
* ``seata-py tc --host --port --store [--status-port]`` on the command line.
"""

from __future__ import annotations

from seata_py.tc.config import TCConfig
from seata_py.tc.embedded import EmbeddedTC
from seata_py.tc.process import TCProcess, TCStartError, spawn

__all__ = ["EmbeddedTC", "TCConfig", "TCProcess", "TCStartError", "spawn"]

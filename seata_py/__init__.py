"""seata-py: Apache Seata AT mode for Python.

import seata_py
seata_py.init(application_id="order-svc", tx_service_group="default_tx_group", grouplist="127.0.0.1:8091")
conn = seata_py.connect(host=..., port=..., user=..., password=..., database=...)
with seata_py.global_transaction(name="purchase", timeout_ms=60000) as tx:
    ...  # statements + conn.commit(); an exception rolls the global transaction back and is re-raised
seata_py.shutdown()
"""

from seata_py._version import __version__
from seata_py.exceptions import (
    GlobalTransactionNotActiveError,
    GlobalTransactionNotExistError,
    GlobalTransactionStatusInvalidError,
    LockConflictError,
    RegistrationError,
    RpcTimeoutError,
    SeataError,
    TCUnavailableError,
    TransactionError,
    UnsupportedSQLError,
)
from seata_py.runtime import NotInitializedError, connect, init, shutdown, wrap
from seata_py.tm.context import current_xid
from seata_py.tm.transaction import GlobalTransaction, global_transaction

__all__ = [
    "GlobalTransaction",
    "GlobalTransactionNotActiveError",
    "GlobalTransactionNotExistError",
    "GlobalTransactionStatusInvalidError",
    "LockConflictError",
    "NotInitializedError",
    "RegistrationError",
    "RpcTimeoutError",
    "SeataError",
    "TCUnavailableError",
    "TransactionError",
    "UnsupportedSQLError",
    "__version__",
    "connect",
    "current_xid",
    "global_transaction",
    "init",
    "shutdown",
    "wrap",
]

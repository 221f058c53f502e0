"""seata-py: Apache Seata AT mode for Python.

import seata_py
seata_py.init(application_id="order-svc", tx_service_group="default_tx_group", grouplist="127.0.0.1:8091")
conn = seata_py.connect(host=..., port=..., user=..., password=..., database=...)
with seata_py.global_transaction(name="purchase", timeout_ms=60000) as tx:
    ...  # statements + conn.commit(); an exception rolls the global transaction back and is re-raised

@seata_py.global_transactional(propagation=seata_py.Propagation.REQUIRES_NEW, no_rollback_for=[KeyError])
async def place_order(...): ...
seata_py.shutdown()
"""

from seata_py._version import __version__
from seata_py.exceptions import (
    ConfigError,
    GlobalTransactionNotActiveError,
    GlobalTransactionNotExistError,
    GlobalTransactionStatusInvalidError,
    InvalidXidError,
    LockConflictError,
    PropagationError,
    RegistrationError,
    RpcTimeoutError,
    SeataError,
    TCUnavailableError,
    TransactionError,
    TransactionStateError,
    TransactionTimeoutError,
    UnsupportedSQLError,
)
from seata_py.rpc.errors import MessageTooLargeError
from seata_py.runtime import (
    NotInitializedError,
    connect,
    connect_mysqlclient,
    connect_postgresql,
    connect_sqlite,
    init,
    shutdown,
    wrap,
    wrap_mysqlclient,
    wrap_sqlite,
)
from seata_py.tm.api import global_transaction, global_transactional
from seata_py.tm.global_lock import global_lock
from seata_py.tm.propagation import Propagation
from seata_py.tm.transaction import GlobalTransaction, Role, SuspendedTransaction
from seata_py.types.context import current_xid

__all__ = [
    "ConfigError",
    "GlobalTransaction",
    "GlobalTransactionNotActiveError",
    "GlobalTransactionNotExistError",
    "GlobalTransactionStatusInvalidError",
    "InvalidXidError",
    "LockConflictError",
    "MessageTooLargeError",
    "NotInitializedError",
    "Propagation",
    "PropagationError",
    "RegistrationError",
    "Role",
    "RpcTimeoutError",
    "SeataError",
    "SuspendedTransaction",
    "TCUnavailableError",
    "TransactionError",
    "TransactionStateError",
    "TransactionTimeoutError",
    "UnsupportedSQLError",
    "__version__",
    "connect",
    "connect_mysqlclient",
    "connect_postgresql",
    "connect_sqlite",
    "current_xid",
    "global_lock",
    "global_transaction",
    "global_transactional",
    "init",
    "shutdown",
    "wrap",
    "wrap_mysqlclient",
    "wrap_sqlite",
]

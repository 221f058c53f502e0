"""seata-py: Apache Seata AT mode for Python."""

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
)

__all__ = [
    "GlobalTransactionNotActiveError",
    "GlobalTransactionNotExistError",
    "GlobalTransactionStatusInvalidError",
    "LockConflictError",
    "RegistrationError",
    "RpcTimeoutError",
    "SeataError",
    "TCUnavailableError",
    "TransactionError",
    "__version__",
]

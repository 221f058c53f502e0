"""Where SQL-layer errors used to live; they are defined in :mod:`seata_py.exceptions`."""

from __future__ import annotations

from seata_py.exceptions import SQLitePlaceholderError as SQLitePlaceholderError
from seata_py.exceptions import SQLPlaceholderError as SQLPlaceholderError
from seata_py.exceptions import TableMetaError as TableMetaError

"""Where the embedded TC's errors used to live; they are defined in :mod:`seata_py.exceptions`."""

from __future__ import annotations

from seata_py.exceptions import ChannelClosedError as ChannelClosedError
from seata_py.exceptions import MalformedLockKeyError as MalformedLockKeyError
from seata_py.exceptions import TCStoreError as TCStoreError

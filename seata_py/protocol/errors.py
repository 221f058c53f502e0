"""The single exception type of the protocol layer."""

from __future__ import annotations

__all__ = ["ProtocolError"]


class ProtocolError(Exception):
    """Raised for any input that does not follow the Seata wire protocol.

    Decoding never lets another exception type escape for bad bytes, so the RPC layer can treat
    this as "the peer is broken or speaks something else" and close the connection. Encoding a value
    that cannot be represented on the wire (a string too long for its length prefix, an integer out
    of its field's range, ...) raises it too, so a bug is caught before bytes leave the process.
    """

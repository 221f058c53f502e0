"""Errors only a transport raises (the ones every layer shares live in :mod:`seata_py.exceptions`)."""

from __future__ import annotations

from seata_py.exceptions import SeataError


class MessageTooLargeError(SeataError):
    """A message is larger than the TC can receive over this transport; it was not sent.

    Raised before anything is written, so the connection stays usable. Over gRPC the Seata server reads
    each message from one HTTP/2 DATA frame, which caps a message near 16 KiB; large lock keys or resource
    lists need the classic ``tcp`` transport (8 MiB frames).
    """

    def __init__(self, message_type: str, size: int, limit: int, transport: str) -> None:
        self.message_type = message_type
        self.size = size
        self.limit = limit
        self.transport = transport
        super().__init__(
            f"{message_type} would be {size} bytes on the {transport} transport, over the TC's limit of "
            f"{limit} bytes per message; it was not sent (use transport.type=tcp for messages this large)"
        )

"""Pure (I/O-free) implementation of the classic Seata RPC v1 protocol with the SEATA codec.

:mod:`.frame` handles framing, :mod:`.seata_codec` message bodies, :mod:`.messages` the message
objects and :mod:`.enums` the protocol constants. All malformed input raises :class:`ProtocolError`.

The package re-exports what each of those modules exports, so every name is listed once, in its module.
"""

from __future__ import annotations

from . import enums, errors, frame, messages
from .enums import *  # noqa: F403
from .errors import *  # noqa: F403
from .frame import *  # noqa: F403
from .messages import *  # noqa: F403
from .seata_codec import decode_message, encode_message

__all__ = [
    *enums.__all__,
    *errors.__all__,
    *frame.__all__,
    *messages.__all__,
    "decode_message",
    "encode_message",
]

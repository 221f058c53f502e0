"""The optional header map between the fixed frame header and the body (doc §1.1).

Layout: repeated ``key, value``, each an int16 length followed by UTF-8 bytes; length -1 is null and
0 the empty string (unlike body strings, the two differ here).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from .errors import ProtocolError
from .primitives import INT16_MAX, utf8_decode, utf8_encode

__all__ = ["decode_head_map", "encode_head_map"]

_I16 = struct.Struct(">h")


def _encode_string(out: bytearray, text: str | None) -> None:
    if text is None:
        out += _I16.pack(-1)
        return
    data = utf8_encode(text)
    if len(data) > INT16_MAX:
        raise ProtocolError(f"head map string of {len(data)} bytes does not fit an int16 length")
    out += _I16.pack(len(data))
    out += data


def encode_head_map(head_map: Mapping[str, str | None]) -> bytes:
    out = bytearray()
    for key, value in head_map.items():
        if not isinstance(key, str):
            raise ProtocolError(f"head map key must be str, got {key!r}")
        _encode_string(out, key)
        _encode_string(out, value)
    return bytes(out)


def decode_head_map(data: bytes) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    pos = 0

    def read_string() -> str | None:
        nonlocal pos
        if len(data) - pos < 2:
            raise ProtocolError("truncated head map string length")
        (length,) = _I16.unpack_from(data, pos)
        pos += 2
        if length == -1:
            return None
        if length < 0:
            raise ProtocolError(f"invalid head map string length {length}")
        if len(data) - pos < length:
            raise ProtocolError("truncated head map string")
        text = utf8_decode(data[pos : pos + length])
        pos += length
        return text

    while pos < len(data):
        key = read_string()
        if key is None:
            raise ProtocolError("null head map key")
        if key in result:
            # A well-behaved writer serializes a map and cannot repeat a key.
            raise ProtocolError(f"duplicate head map key {key!r}")
        result[key] = read_string()
    return result

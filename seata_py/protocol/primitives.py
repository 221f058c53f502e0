"""Big-endian primitives of the SEATA codec (doc §2.1) with strict bounds checking.

Reading never trusts a length field: every read checks the remaining input first, so malformed
bytes surface as :class:`ProtocolError` and never as ``struct.error`` or ``IndexError``.
"""

from __future__ import annotations

import struct

from .errors import ProtocolError

__all__ = [
    "INT16_MAX",
    "INT16_MIN",
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "ByteReader",
    "ByteWriter",
    "utf8_decode",
    "utf8_encode",
]

INT16_MIN = -(2**15)
INT16_MAX = 2**15 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_I8 = struct.Struct(">b")
_U8 = struct.Struct(">B")
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")


def utf8_encode(text: str) -> bytes:
    if not isinstance(text, str):
        raise ProtocolError(f"expected str, got {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates have no UTF-8 form
        raise ProtocolError(f"string is not encodable as UTF-8: {exc}") from exc


def utf8_decode(data: bytes | memoryview) -> str:
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"invalid UTF-8: {exc}") from exc


def _check_int(value: int, low: int, high: int, what: str) -> int:
    # bool is an int subclass; accepting it for a numeric field would hide a caller bug.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{what} expects int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ProtocolError(f"{what} value {value} out of range [{low}, {high}]")
    return value


class ByteWriter:
    """Appends big-endian fields to a growing buffer."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def getvalue(self) -> bytes:
        return bytes(self._buf)

    def __len__(self) -> int:
        return len(self._buf)

    def write_raw(self, data: bytes) -> None:
        self._buf += data

    def write_u8(self, value: int) -> None:
        self._buf += _U8.pack(_check_int(value, 0, 255, "u8"))

    def write_i8(self, value: int) -> None:
        self._buf += _I8.pack(_check_int(value, -128, 127, "i8"))

    def write_i16(self, value: int) -> None:
        self._buf += _I16.pack(_check_int(value, INT16_MIN, INT16_MAX, "i16"))

    def write_i32(self, value: int) -> None:
        self._buf += _I32.pack(_check_int(value, INT32_MIN, INT32_MAX, "i32"))

    def write_i64(self, value: int) -> None:
        self._buf += _I64.pack(_check_int(value, INT64_MIN, INT64_MAX, "i64"))

    def write_s2(self, text: str | None) -> None:
        """int16 length + UTF-8; None and "" are both length 0, as Java writes them."""
        self._write_string(text, _I16, INT16_MAX, "int16")

    def write_s4(self, text: str | None) -> None:
        """int32 length + UTF-8; None and "" are both length 0."""
        self._write_string(text, _I32, INT32_MAX, "int32")

    def _write_string(self, text: str | None, length: struct.Struct, limit: int, width: str) -> None:
        data = b"" if text is None else utf8_encode(text)
        if len(data) > limit:
            # Java would silently cast the length to a negative number and corrupt the body.
            raise ProtocolError(f"string of {len(data)} UTF-8 bytes does not fit an {width} length")
        self._buf += length.pack(len(data))
        self._buf += data


class ByteReader:
    """Consumes big-endian fields from an immutable byte sequence."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = memoryview(data)
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def expect_end(self, what: str) -> None:
        if self.remaining:
            raise ProtocolError(f"{self.remaining} trailing byte(s) after {what}")

    def _take(self, size: int) -> memoryview:
        if size > self.remaining:
            raise ProtocolError(f"truncated input: need {size} byte(s), have {self.remaining}")
        start = self._pos
        self._pos += size
        return self._data[start : self._pos]

    def peek(self, size: int) -> bytes | None:
        """The next ``size`` bytes without consuming them, or None if fewer remain."""
        if size > self.remaining:
            return None
        return bytes(self._data[self._pos : self._pos + size])

    def read_raw(self, size: int) -> bytes:
        return bytes(self._take(size))

    def read_u8(self) -> int:
        return int(_U8.unpack(self._take(1))[0])

    def read_i8(self) -> int:
        return int(_I8.unpack(self._take(1))[0])

    def read_i16(self) -> int:
        return int(_I16.unpack(self._take(2))[0])

    def read_i32(self) -> int:
        return int(_I32.unpack(self._take(4))[0])

    def read_i64(self) -> int:
        return int(_I64.unpack(self._take(8))[0])

    def read_s2(self) -> str | None:
        return self._read_string(self.read_i16())

    def read_s4(self) -> str | None:
        return self._read_string(self.read_i32())

    def _read_string(self, length: int) -> str | None:
        # Java readers map length <= 0 to null, but no Java writer emits a negative length except
        # by overflowing a too-long string, whose bytes then follow anyway: reject it as corrupt.
        if length < 0:
            raise ProtocolError(f"negative string length {length}")
        if length == 0:
            return None
        return utf8_decode(self._take(length))

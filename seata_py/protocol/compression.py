"""Body compression named by frame byte 11 (doc §1.4). Only NONE and GZIP are implemented."""

from __future__ import annotations

import gzip
import zlib

from .enums import Compressor
from .errors import ProtocolError

__all__ = ["MAX_DECOMPRESSED_LEN", "compress", "decompress"]

# The 8 MiB frame limit applies to compressed bytes, so without a cap of its own a small frame could
# expand into gigabytes. Real bodies are far smaller (applicationData is capped at 64000 by the TC).
MAX_DECOMPRESSED_LEN = 64 * 1024 * 1024

# zlib's window-bits value that requires and strips a gzip header and trailer.
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def compress(compressor: Compressor, data: bytes) -> bytes:
    if compressor == Compressor.NONE:
        return data
    if compressor == Compressor.GZIP:
        # mtime=0 keeps the output a pure function of the input.
        return gzip.compress(data, mtime=0)
    raise ProtocolError(f"compressor {compressor!r} is not supported")


def decompress(compressor: Compressor, data: bytes) -> bytes:
    if compressor == Compressor.NONE:
        return data
    if compressor == Compressor.GZIP:
        return _gunzip(data, MAX_DECOMPRESSED_LEN)
    raise ProtocolError(f"compressor {compressor!r} is not supported")


def _gunzip(data: bytes, limit: int) -> bytes:
    # Java's GZIPInputStream reads concatenated gzip members, so loop over members too.
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(_GZIP_WBITS)
        try:
            # Asking for one byte more than allowed is how an oversized body is detected.
            out += inflater.decompress(rest, limit - len(out) + 1)
        except zlib.error as exc:
            raise ProtocolError(f"invalid gzip body: {exc}") from exc
        if len(out) > limit:
            raise ProtocolError(f"gzip body expands beyond {limit} bytes")
        if not inflater.eof:
            raise ProtocolError("truncated gzip body")
        rest = inflater.unused_data
        if not rest:
            return bytes(out)

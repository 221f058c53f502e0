"""``rollback_info`` compression, named as Java Seata's ``CompressorType`` enum names it in the row context.

Formats match Java's compressors: ZIP is a real zip archive whose single entry is named ``zip`` (Java reads
every entry and concatenates them), GZIP is a gzip stream, DEFLATER a zlib stream, BZIP2 a bzip2 stream.
SEVENZ, LZ4 and ZSTD need libraries outside the standard library and are refused with a clear error
(ZSTD works on Python 3.14+, whose standard library has it).

Decompression stops at :data:`MAX_DECOMPRESSED_SIZE` so that a corrupt or hostile row cannot exhaust memory.
"""

from __future__ import annotations

import bz2
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from seata_py.undo.errors import UndoLogFormatError

MAX_DECOMPRESSED_SIZE = 256 * 1024 * 1024
_CHUNK = 1024 * 1024

# Every CompressorType Java knows, so that an unsupported one is told apart from a typo.
KNOWN_COMPRESSORS = ("NONE", "GZIP", "ZIP", "SEVENZ", "BZIP2", "LZ4", "DEFLATER", "ZSTD")

# A fixed entry timestamp keeps our archives byte-for-byte reproducible; Java ignores it on read.
_ZIP_ENTRY = zipfile.ZipInfo("zip", date_time=(1980, 1, 1, 0, 0, 0))
_ZIP_ENTRY.compress_type = zipfile.ZIP_DEFLATED

try:  # Python 3.14+
    from compression import zstd as _zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the Python version
    _zstd = None


def normalize_compressor(name: str) -> str:
    """The enum name for ``name`` (Java matches it ignoring case); unknown names raise UndoLogFormatError."""
    upper = name.strip().upper()
    if upper not in KNOWN_COMPRESSORS:
        raise UndoLogFormatError(
            f"unknown compressorType {name!r}; Seata knows {', '.join(KNOWN_COMPRESSORS)}"
        )
    return upper


def supported_compressors() -> tuple[str, ...]:
    return tuple(name for name in KNOWN_COMPRESSORS if name in _compressors())


def compress(data: bytes, compressor: str) -> bytes:
    name = normalize_compressor(compressor)
    return _codec(name)[0](bytes(data))


def decompress(data: bytes, compressor: str, max_size: int = MAX_DECOMPRESSED_SIZE) -> bytes:
    """Undo :func:`compress` (or Java's compressor of the same name); at most ``max_size`` bytes result."""
    name = normalize_compressor(compressor)
    expand = _codec(name)[1]
    try:
        return expand(bytes(data), max_size)
    except UndoLogFormatError:
        raise
    except (OSError, EOFError, ValueError, zlib.error, zipfile.BadZipFile, struct.error) as exc:
        raise UndoLogFormatError(f"rollback_info is not valid {name} data: {exc}") from exc
    except (RuntimeError, NotImplementedError) as exc:
        # zipfile's answers to encrypted entries and compression methods it does not implement.
        raise UndoLogFormatError(f"rollback_info is not valid {name} data: {exc}") from exc


_Codec = tuple[Callable[[bytes], bytes], Callable[[bytes, int], bytes]]


def _codec(name: str) -> _Codec:
    codec = _compressors().get(name)
    if codec is None:
        raise UndoLogFormatError(
            f"compressorType {name} is not supported by seata-py "
            f"(supported: {', '.join(supported_compressors())})"
        )
    return codec


def _compressors() -> dict[str, _Codec]:
    codecs: dict[str, _Codec] = {
        "NONE": (lambda data: data, _copy),
        "ZIP": (_zip, _unzip),
        "GZIP": (
            _gzip,
            lambda data, limit: _streams(data, limit, lambda: zlib.decompressobj(31), b"\x1f\x8b"),
        ),
        "DEFLATER": (zlib.compress, lambda data, limit: _streams(data, limit, zlib.decompressobj, None)),
        "BZIP2": (bz2.compress, lambda data, limit: _streams(data, limit, bz2.BZ2Decompressor, b"BZh")),
    }
    if _zstd is not None:  # pragma: no cover - depends on the Python version
        zstd: Any = _zstd
        codecs["ZSTD"] = (
            zstd.compress,
            lambda data, limit: _streams(data, limit, zstd.ZstdDecompressor, b"\x28\xb5\x2f\xfd"),
        )
    return codecs


def _copy(data: bytes, limit: int) -> bytes:
    _check_size(len(data), limit)
    return data


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_ZIP_ENTRY, data)
    return buffer.getvalue()


def _unzip(data: bytes, limit: int) -> bytes:
    out = bytearray()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            # The declared size can lie; count what is actually inflated.
            with archive.open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    _check_size(len(out), limit)
    return bytes(out)


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=31)
    return compressor.compress(data) + compressor.flush()


def _streams(data: bytes, limit: int, new: Callable[[], Any], next_magic: bytes | None) -> bytes:
    """Inflate one stream, then further concatenated streams when the rest starts with ``next_magic``.

    Java's GZIPInputStream and commons-compress' bzip2 reader both continue into a following stream.
    """
    out = bytearray()
    rest = data
    while True:
        decompressor = new()
        pending = rest
        while not decompressor.eof:
            chunk = decompressor.decompress(pending, _CHUNK)
            pending = _unconsumed(decompressor)
            out += chunk
            _check_size(len(out), limit)
            if not (decompressor.eof or chunk or pending) and _needs_input(decompressor):
                raise UndoLogFormatError("compressed rollback_info is truncated")
        rest = decompressor.unused_data
        if next_magic is None or not rest.startswith(next_magic):
            return bytes(out)


def _unconsumed(decompressor: Any) -> bytes:
    # zlib keeps input it has not read yet in unconsumed_tail; bz2/zstd buffer it internally.
    return getattr(decompressor, "unconsumed_tail", b"")


def _needs_input(decompressor: Any) -> bool:
    return bool(getattr(decompressor, "needs_input", True))


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UndoLogFormatError(f"decompressed rollback_info exceeds {limit} bytes")

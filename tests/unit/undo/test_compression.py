"""rollback_info compression by CompressorType name, in the formats Java's compressors use."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seata_py.undo.compression import (
    KNOWN_COMPRESSORS,
    compress,
    decompress,
    normalize_compressor,
    supported_compressors,
)
from seata_py.undo.errors import UndoLogFormatError

SUPPORTED = ["NONE", "ZIP", "GZIP", "DEFLATER", "BZIP2"]
PAYLOAD = b'{"@class":"org.apache.seata.rm.datasource.undo.BranchUndoLog"}' * 500


@pytest.mark.parametrize("name", SUPPORTED)
def test_round_trip(name: str) -> None:
    assert decompress(compress(PAYLOAD, name), name) == PAYLOAD
    assert decompress(compress(b"", name), name) == b""


@pytest.mark.parametrize("name", ["zip", "Zip", "gzip", "deflater", "bzip2", "none", " ZIP "])
def test_names_ignore_case(name: str) -> None:
    assert decompress(compress(PAYLOAD, name), name.upper().strip()) == PAYLOAD


def test_zip_is_an_archive_with_one_deflated_entry_named_zip() -> None:
    with zipfile.ZipFile(io.BytesIO(compress(PAYLOAD, "ZIP"))) as archive:
        (entry,) = archive.infolist()
        assert entry.filename == "zip"
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(entry) == PAYLOAD
    assert compress(PAYLOAD, "ZIP") == compress(PAYLOAD, "ZIP")  # reproducible bytes


def test_zip_entries_are_concatenated() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zip", b"first-")
        archive.writestr("more", b"second", compress_type=zipfile.ZIP_STORED)
    assert decompress(buffer.getvalue(), "ZIP") == b"first-second"


def test_formats_are_the_standard_ones() -> None:
    assert gzip.decompress(compress(PAYLOAD, "GZIP")) == PAYLOAD
    assert zlib.decompress(compress(PAYLOAD, "DEFLATER")) == PAYLOAD
    assert bz2.decompress(compress(PAYLOAD, "BZIP2")) == PAYLOAD
    assert decompress(gzip.compress(PAYLOAD), "GZIP") == PAYLOAD
    assert decompress(zlib.compress(PAYLOAD, 9), "DEFLATER") == PAYLOAD
    assert decompress(bz2.compress(PAYLOAD), "BZIP2") == PAYLOAD


def test_concatenated_streams_are_read_like_java() -> None:
    assert decompress(gzip.compress(b"ab") + gzip.compress(b"cd"), "GZIP") == b"abcd"
    assert decompress(bz2.compress(b"ab") + bz2.compress(b"cd"), "BZIP2") == b"abcd"


@pytest.mark.parametrize("name", ["SEVENZ", "LZ4", "sevenz", "lz4"])
def test_unsupported_compressors_are_named(name: str) -> None:
    with pytest.raises(UndoLogFormatError, match=name.upper()):
        decompress(b"data", name)
    with pytest.raises(UndoLogFormatError, match=name.upper()):
        compress(b"data", name)


def test_zstd_only_with_a_standard_library_module() -> None:
    if "ZSTD" in supported_compressors():
        assert decompress(compress(PAYLOAD, "ZSTD"), "ZSTD") == PAYLOAD
    else:
        with pytest.raises(UndoLogFormatError, match="ZSTD"):
            decompress(b"data", "ZSTD")


def test_unknown_name() -> None:
    with pytest.raises(UndoLogFormatError, match="unknown compressorType 'RAR'"):
        decompress(b"data", "RAR")
    assert normalize_compressor("deflater") == "DEFLATER"
    assert set(KNOWN_COMPRESSORS) == {"NONE", "GZIP", "ZIP", "SEVENZ", "BZIP2", "LZ4", "DEFLATER", "ZSTD"}


@pytest.mark.parametrize("name", ["ZIP", "GZIP", "DEFLATER", "BZIP2"])
def test_truncated_data_raises(name: str) -> None:
    data = compress(PAYLOAD * 10, name)
    with pytest.raises(UndoLogFormatError):
        decompress(data[: len(data) // 2], name)


@pytest.mark.parametrize("name", ["ZIP", "GZIP", "DEFLATER", "BZIP2", "NONE"])
def test_size_is_bounded(name: str) -> None:
    bomb = compress(b"\x00" * 5_000_000, name)
    with pytest.raises(UndoLogFormatError, match="exceeds 1000000 bytes"):
        decompress(bomb, name, max_size=1_000_000)
    assert len(decompress(bomb, name, max_size=5_000_000)) == 5_000_000


def test_encrypted_zip_entry_is_a_format_error() -> None:
    data = bytearray(compress(PAYLOAD, "ZIP"))
    # Set the "encrypted" flag bit in the local and central headers.
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(signature)
        offset = at + (6 if signature == b"PK\x03\x04" else 8)
        data[offset] |= 1
    with pytest.raises(UndoLogFormatError):
        decompress(bytes(data), "ZIP")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SUPPORTED[1:]), st.binary(max_size=200))
def test_garbage_only_raises_format_error(name: str, data: bytes) -> None:
    with contextlib.suppress(UndoLogFormatError):
        decompress(data, name)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SUPPORTED[1:]), st.data())
def test_corrupted_streams_only_raise_format_error(name: str, data: st.DataObject) -> None:
    packed = bytearray(compress(PAYLOAD[:300], name))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(packed) - 1))
        packed[at] = data.draw(st.integers(0, 255))
    with contextlib.suppress(UndoLogFormatError):
        decompress(bytes(packed), name)

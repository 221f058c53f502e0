"""The vocabulary of the protobuf table (:mod:`.table`): field kinds, fields and the nested "abstract" parts.

Java flattens its class hierarchy into protobuf by nesting: a concrete message holds its ``Abstract*`` base
as field 1, which holds its own base the same way, down to ``AbstractMessageProto``. A :class:`Part`
describes one of those protobuf messages: its class, its base part, and the model fields it holds itself.

Encoding a value names the *model* field in errors and decoding names the *protobuf* field, because that is
what the caller holds in each direction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message as ProtoMessage

from ..errors import ProtocolError
from ..primitives import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, utf8_encode

__all__ = ["BOOL", "INT16", "INT32", "INT64", "TEXT", "Batch", "Field", "Kind", "Part", "fields"]


class Kind(Protocol):
    """How one model value becomes one protobuf value and back; :class:`.enum_maps.EnumMap` is one too."""

    def to_proto(self, value: object, field: str) -> Any: ...

    def from_proto(self, value: Any, field: str) -> Any: ...


@dataclass(frozen=True)
class _Scalar:
    to_proto: Callable[[object, str], Any]
    from_proto: Callable[[Any, str], Any]


def _text(value: object, field: str) -> str:
    # proto3 has no null string; "" is read back as None, the same convention as the SEATA codec.
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"{field} expects str, got {type(value).__name__}")
    utf8_encode(value)  # lone surrogates have no UTF-8 form and protobuf would reject them
    return value


def _text_or_none(value: str, field: str) -> str | None:
    return value or None


def _integer(low: int, high: int) -> _Scalar:
    # Checked on reading too: saveDays is an int32 on the wire but an int16 in the model (Java would
    # truncate silently); for the other widths the proto type already guarantees the range.
    def check(value: object, field: str) -> int:
        # bool is an int subclass; accepting it for a numeric field would hide a caller bug.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{field} expects int, got {type(value).__name__}")
        if not low <= value <= high:
            raise ProtocolError(f"{field} {value} is outside [{low}, {high}]")
        return value

    return _Scalar(check, check)


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{field} expects bool, got {value!r}")
    return value


TEXT = _Scalar(_text, _text_or_none)
INT16 = _integer(INT16_MIN, INT16_MAX)
INT32 = _integer(INT32_MIN, INT32_MAX)
INT64 = _integer(INT64_MIN, INT64_MAX)
BOOL = _Scalar(_bool, _bool)


@dataclass(frozen=True)
class Field:
    """A model field (``model``) and the protobuf field holding it (``proto``).

    ``required`` marks a field the model lets be None but protobuf cannot carry as None; encoding such a
    message fails before anything else is looked at.
    """

    model: str
    kind: Kind
    proto: str
    required: bool = False


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name)


def fields(**kinds: Kind) -> tuple[Field, ...]:
    """Fields whose protobuf name is the lowerCamelCase of the model name, as upstream names nearly all."""
    return tuple(Field(name, kind, _camel(name)) for name, kind in kinds.items())


@dataclass(frozen=True)
class Batch:
    """The repeated ``Any`` elements of a container and, where it has them, the request ids beside them.

    Each pair is (model field, protobuf field).
    """

    items: tuple[str, str]
    ids: tuple[str, str] | None = None


@dataclass(frozen=True)
class Part:
    """One protobuf message of the table: its own fields and the base part nested as its field 1.

    ``type_code`` names the field that carries the model's TYPE_CODE (only ``AbstractMessageProto`` has one);
    Java fills it and never reads it, so it is written and not read.
    """

    proto: type[ProtoMessage]
    base: Part | None = None
    own: tuple[Field, ...] = ()
    type_code: str | None = None
    batch: Batch | None = None
    base_field: str = field(init=False, default="")

    def __post_init__(self) -> None:
        # A misspelt name would otherwise only fail when the message is first sent; fail at import instead.
        descriptor = self.proto.DESCRIPTOR
        names = [f.proto for f in self.own]
        names += [self.type_code] if self.type_code else []
        if self.batch is not None:
            names += [pair[1] for pair in (self.batch.items, self.batch.ids) if pair is not None]
        unknown = [name for name in names if name not in descriptor.fields_by_name]
        if unknown:
            raise ValueError(f"{descriptor.name} has no field(s) {unknown}")
        if self.base is not None:
            holder: FieldDescriptor | None = descriptor.fields_by_number.get(1)
            if holder is None or holder.message_type is not self.base.proto.DESCRIPTOR:
                raise ValueError(
                    f"{descriptor.name} does not hold {self.base.proto.DESCRIPTOR.name} as field 1"
                )
            object.__setattr__(self, "base_field", holder.name)

    def walk(self) -> Iterator[Field]:
        """The fields of this part and its bases, innermost base first: the order they are checked in."""
        if self.base is not None:
            yield from self.base.walk()
        yield from self.own

"""The protobuf table covers the message model: every message type, every model field, every proto field."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import pytest

from seata_py.protocol import messages
from seata_py.protocol.enums import MessageType
from seata_py.protocol.messages import MESSAGE_TYPES, Message
from seata_py.protocol.protobuf.fields import TEXT, Part, fields
from seata_py.protocol.protobuf.generated import seata_messages_pb2 as pb
from seata_py.protocol.protobuf.table import TABLE

# Proto fields no model field maps to (written empty, ignored when read), as (message, field).
UNMAPPED_PROTO_FIELDS = {("AbstractIdentifyResponseProto", "extraData")}


def _uncovered(types: tuple[type[Message], ...]) -> list[str]:
    return sorted(cls.__name__ for cls in types if cls not in TABLE)


def _model_fields(part: Part) -> set[str]:
    names = {field.model for field in part.walk()}
    if part.batch is not None:
        names |= {pair[0] for pair in (part.batch.items, part.batch.ids) if pair is not None}
    return names


def _proto_fields(part: Part) -> set[tuple[str, str]]:
    """The (message, field) pairs the part and its bases fill, nested bases included."""
    names = {(part.proto.DESCRIPTOR.name, field.proto) for field in part.own}
    if part.type_code is not None:
        names.add((part.proto.DESCRIPTOR.name, part.type_code))
    if part.batch is not None:
        names |= {
            (part.proto.DESCRIPTOR.name, pair[1]) for pair in (part.batch.items, part.batch.ids) if pair
        }
    if part.base is not None:
        names.add((part.proto.DESCRIPTOR.name, part.base_field))
        names |= _proto_fields(part.base)
    return names


def test_the_registry_holds_every_message_class_of_the_model() -> None:
    defined = {
        obj
        for obj in vars(messages).values()
        if isinstance(obj, type) and issubclass(obj, Message) and "TYPE_CODE" in vars(obj)
    }
    assert set(MESSAGE_TYPES) == defined
    assert len(MESSAGE_TYPES) == 28


def test_every_message_type_is_in_the_table() -> None:
    # The gRPC transport carries every message as protobuf (codec 40 or 2), so none may be missing.
    assert _uncovered(MESSAGE_TYPES) == []
    assert set(TABLE) == set(MESSAGE_TYPES)


def test_a_message_type_missing_from_the_table_is_reported() -> None:
    @dataclass(frozen=True)
    class HeartbeatLike(Message):
        TYPE_CODE: ClassVar[MessageType] = MessageType.HEARTBEAT_MSG
        IS_REQUEST: ClassVar[bool] = True

    assert _uncovered((*MESSAGE_TYPES, HeartbeatLike)) == ["HeartbeatLike"]


@pytest.mark.parametrize("cls", MESSAGE_TYPES, ids=lambda cls: cls.__name__)
def test_every_model_field_is_mapped_exactly_once(cls: type[Message]) -> None:
    part = TABLE[cls]
    mapped = [field.model for field in part.walk()]
    assert len(mapped) == len(set(mapped))
    assert _model_fields(part) == {field.name for field in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", MESSAGE_TYPES, ids=lambda cls: cls.__name__)
def test_every_proto_field_is_filled_or_known_to_be_unmapped(cls: type[Message]) -> None:
    part = TABLE[cls]
    filled = _proto_fields(part)
    every: set[tuple[str, str]] = set()
    pending = [part.proto.DESCRIPTOR]
    while pending:
        descriptor = pending.pop()
        for field in descriptor.fields:
            every.add((descriptor.name, field.name))
            if field.message_type is not None and field.number == 1:  # the nested base
                pending.append(field.message_type)
    assert every - filled - UNMAPPED_PROTO_FIELDS == set()
    assert filled <= every


def test_a_misspelt_proto_field_fails_when_the_table_is_built() -> None:
    with pytest.raises(ValueError, match="no field"):
        Part(pb.GlobalBeginResponseProto, own=fields(xid=TEXT, extra=TEXT))
    with pytest.raises(ValueError, match="as field 1"):
        Part(pb.GlobalBeginResponseProto, Part(pb.AbstractMessageProto, type_code="messageType"))

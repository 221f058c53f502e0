# Regenerate with: python scripts/gen_proto.py (do not edit by hand)
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GrpcMessageProto(_message.Message):
    __slots__ = ("id", "messageType", "headMap", "body")
    class HeadMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    HEADMAP_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    id: int
    messageType: int
    headMap: _containers.ScalarMap[str, str]
    body: bytes
    def __init__(self, id: _Optional[int] = ..., messageType: _Optional[int] = ..., headMap: _Optional[_Mapping[str, str]] = ..., body: _Optional[bytes] = ...) -> None: ...

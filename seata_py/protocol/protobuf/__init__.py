"""Seata's protobuf messages and the gRPC envelope (doc §3 and §5).

``generated`` holds the protoc output for ``proto/*.proto``.
"""

"""Modules generated from proto/*.proto by ``python scripts/gen_proto.py``; never edit them by hand.

They need protobuf at least as new as the "Protobuf Python Version" in their headers (a runtime check raises
otherwise) and grpcio at least as new as ``GRPC_GENERATED_VERSION`` in ``seata_grpc_pb2_grpc``.
"""

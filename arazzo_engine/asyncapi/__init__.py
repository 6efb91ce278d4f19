"""The parts of an AsyncAPI description an Arazzo 1.1 workflow names: operations and channels.

Steps that send or receive messages are validated against these; this version does not run them
(they need a message broker).
"""

from arazzo_engine.asyncapi._index import (
    SUPPORTED,
    AsyncChannel,
    AsyncIndex,
    AsyncMessage,
    AsyncOperation,
    asyncapi_version,
    channel_pointer,
    is_supported,
)

__all__ = [
    "SUPPORTED",
    "AsyncChannel",
    "AsyncIndex",
    "AsyncMessage",
    "AsyncOperation",
    "asyncapi_version",
    "channel_pointer",
    "is_supported",
]

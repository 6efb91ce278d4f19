"""JSON payloads that keep the order of object members.

Temporal's default JSON converter sorts keys. Order is meaning here: a workflow's outputs, a
step's outputs and request headers are reported (and sent) in the order the document gives, so a
run on Temporal must print what a local run prints. Clients and workers of arazzo-engine both use
this converter; it reads payloads written by the default one unchanged.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

__all__ = ["DATA_CONVERTER", "with_converter"]


class _OrderedJSON(JSONPlainPayloadConverter):
    def to_payload(self, value: Any) -> Payload | None:
        return Payload(
            metadata={"encoding": self.encoding.encode()},
            data=json.dumps(value, cls=self._encoder, separators=(",", ":"),
                            ensure_ascii=False).encode("utf-8"),
        )


class OrderedPayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(*(
            _OrderedJSON() if isinstance(converter, JSONPlainPayloadConverter) else converter
            for converter in DefaultPayloadConverter.default_encoding_payload_converters))


DATA_CONVERTER = dataclasses.replace(DataConverter.default,
                                     payload_converter_class=OrderedPayloadConverter)


def with_converter(client: Client) -> Client:
    """``client`` itself when it already uses ``DATA_CONVERTER``, else a copy that does."""
    if client.data_converter.payload_converter_class is OrderedPayloadConverter:
        return client
    config = client.config()
    config["data_converter"] = DATA_CONVERTER
    return Client(**config)

"""An event's payload: the JSON the outbox stores for a frozen dataclass event (core.outbox), built
without dataclasses.asdict's deep copies; Decimal, datetime and UUID become plain strings."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

_LEAVES = (str, int, float, bool, type(None))
_LEAF_TYPES = frozenset(_LEAVES)  # exact types (a subclass, a str enum, goes through _plain)
# What json.dumps(..., cls=DjangoJSONEncoder) builds on every call, built once: it turns Decimal,
# datetime and UUID into plain strings.
_ENCODER = DjangoJSONEncoder()


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for any other class), looked up once per class."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _plain(value: Any) -> Any:
    """dataclasses.asdict without its deep copies (events are frozen and hold plain values): nested
    events, lists, tuples and dicts become JSON-ready containers; leaves are left to the encoder."""
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, type):
        return value
    names = _field_names(type(value))  # type: ignore[arg-type]  # classes are hashable; the stubs say otherwise
    if names is not None:
        # Leaves kept without a call: a reservation's StockReserved made a dozen calls (issue 23).
        return {name: v if type(v) in _LEAF_TYPES else _plain(v) for name in names for v in (getattr(value, name),)}
    if isinstance(value, list | tuple):
        return [v if type(v) in _LEAF_TYPES else _plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def payload_json(event: Any) -> str:
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        raise TypeError("events are dataclasses")
    return _ENCODER.encode(_plain(event))


def payload(event: Any) -> dict[str, Any]:
    return json.loads(payload_json(event))

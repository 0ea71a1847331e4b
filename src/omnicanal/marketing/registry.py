"""What domains above marketing plug into it: extra segment rule fields (feedback's survey answers).

A `RuleSource` names a field, its kind ("list": any_of/none_of over codes; "number": gte/lte), a label
for the console's builder, and a function giving the value per customer for a batch of ids (one or a
few queries per batch; a customer left out has no value: a list rule sees nothing, a number rule
matches no bound). Feedback registers e.g. `survey.nps` in its AppConfig.ready():

    from omnicanal.marketing import registry
    registry.register_rule(registry.RuleSource(field="survey.nps", kind="number", label=_("NPS answer"),
                                               values=feedback_queries.nps_by_customer))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_]{0,40}$")  # "<owner>.<name>": never a built-in's
KINDS = ("list", "number")


@dataclass(frozen=True)
class RuleSource:
    field: str
    kind: str
    label: str | Promise  # a (lazy) string in the reader's language
    values: Callable[[list[str]], dict[str, frozenset[str] | Decimal]]


_sources: dict[str, RuleSource] = {}


def register_rule(source: RuleSource) -> None:
    if not FIELD_NAME.match(source.field) or source.kind not in KINDS:
        raise ValueError(f"bad segment rule source {source.field!r} ({source.kind!r})")
    _sources[source.field] = source
    from omnicanal.core import labels

    labels.register("marketing.segment_field", {source.field: source.label})  # the builder's list reads it


def unregister_rule(field: str) -> None:
    _sources.pop(field, None)


def rule_sources() -> dict[str, RuleSource]:
    return dict(_sources)

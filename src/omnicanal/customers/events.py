"""Facts of the customers domain, past tense. Topics read "customers.<ClassName>".

Payloads carry ids and kinds, never identity values: events may leave for other systems, and an
erased person must not linger in them.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CustomerCreated:
    customer_id: str
    channel: str
    identity_kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdentityAttached:
    customer_id: str
    kind: str
    channel: str
    verified: bool


@dataclass(frozen=True)
class CustomersMerged:
    survivor_id: str
    merged_id: str


@dataclass(frozen=True)
class MergeSuggested:
    suggestion_id: str
    customer_a: str
    customer_b: str
    score: int


@dataclass(frozen=True)
class ConsentGranted:
    customer_id: str
    channel: str
    purpose: str
    source: str


@dataclass(frozen=True)
class ConsentWithdrawn:
    customer_id: str
    channel: str
    purpose: str
    source: str


@dataclass(frozen=True)
class CustomerErased:
    customer_id: str

"""The conversations domain's extension points, for domains above it.

The inbox's satisfaction question (services/csat.py) is one of the times a customer is asked for
their opinion, and the voice-of-the-customer domain (feedback) keeps one budget across all of them
(its fatigue governor). Conversations may not import feedback, so feedback registers a gate here:

    from omnicanal.conversations import registry

    @registry.csat_gate
    def claim(*, customer_id: str, conversation_id: str) -> bool: ...

The gate runs inside do_ask_csat's transaction, before the question is written: True means "ask,
and it is counted" (the gate writes it down in the same transaction), False "not now". Without a
gate, the CSAT is asked as before.
"""

from __future__ import annotations

from collections.abc import Callable

CsatGate = Callable[..., bool]

_csat_gates: dict[str, CsatGate] = {}


def csat_gate(func: CsatGate) -> CsatGate:
    _csat_gates[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def may_ask_csat(*, customer_id: str, conversation_id: str) -> bool:
    """Every registered gate agrees (each one that says yes has counted it)."""
    return all(gate(customer_id=customer_id, conversation_id=conversation_id) for gate in _csat_gates.values())

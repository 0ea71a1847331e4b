"""Tunable rules of the conversations domain, read from settings.OMNICANAL or the environment."""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings


def _setting(name: str, default: float) -> float:
    value = settings.OMNICANAL.get(name) if isinstance(getattr(settings, "OMNICANAL", None), dict) else None
    if value is None:
        value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def reopen_window() -> dt.timedelta:
    """A message within this time of resolution reopens the conversation; later, a new one starts."""
    return dt.timedelta(hours=_setting("CONVERSATION_REOPEN_HOURS", 72))


def csat_answer_window() -> dt.timedelta:
    """How long a bare 1–5 after the satisfaction question counts as its answer."""
    return dt.timedelta(hours=_setting("CSAT_ANSWER_HOURS", 72))


def online_window() -> dt.timedelta:
    """An agent seen in the console within this time counts as online (web chat offers email otherwise)."""
    return dt.timedelta(minutes=_setting("AGENT_ONLINE_MINUTES", 5))


def sla_at_risk_window() -> dt.timedelta:
    return dt.timedelta(minutes=_setting("SLA_AT_RISK_MINUTES", 30))


def inbound_queued() -> bool:
    """Whether webhooks' messages take the two-step path (kept by the request, stored by the worker:
    services/accept.py). INBOUND_QUEUE "on", "off", or "auto" (the default): on when the channel
    layer is shared (Redis), since the worker then reaches every console with its push; with the
    in-memory layer (one process, `omnicanal serve` without Redis) the webhook stores the message
    itself and the push leaves from the web process that holds the consoles."""
    value = settings.OMNICANAL.get("INBOUND_QUEUE") if isinstance(getattr(settings, "OMNICANAL", None), dict) else None
    value = str(value or os.environ.get("INBOUND_QUEUE") or "auto").lower()
    if value in ("on", "1", "true"):
        return True
    if value in ("off", "0", "false"):
        return False
    from omnicanal.conversations import push

    return push.shared_layer()

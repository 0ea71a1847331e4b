"""The customer's one timeline: what happened to them in every channel, appended by every domain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers.models import Customer, TimelineEvent
from omnicanal.customers.services.common import customer_of

TYPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,39}$")
CHANNEL = re.compile(r"^[a-z0-9_]{0,20}$")


def do_append_timeline(
    *, customer_id: str, type: str, channel: str, summary: str, ref: str = "", at: datetime | None = None,  # noqa: A002
    data: dict | None = None,
) -> TimelineEvent:
    """Append one event (an alias id lands on the survivor). `type` like "order.placed"."""
    if not isinstance(type, str) or not TYPE.match(type):
        raise ValidationFailed.on("type", _("must be a short dotted name such as order.placed"))
    if not isinstance(channel, str) or not CHANNEL.match(channel or ""):
        raise ValidationFailed.on("channel", _("must be a channel name (lower-case letters, digits, _)"))
    customer = customer_of(customer_id=customer_id)
    return TimelineEvent.objects.create(
        customer=customer, at=at or clock.now(), type=type, channel=channel or "",
        summary=(summary or "")[:500], ref=(ref or "")[:100], data=data or {},
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One event to append (do_append_timelines); `customer` when the caller holds the survivor."""

    customer_id: str
    type: str
    channel: str
    summary: str
    ref: str = ""
    at: datetime | None = None
    data: dict = field(default_factory=dict)
    customer: Customer | None = None


def do_append_timelines(entries: list[TimelineEntry]) -> list[TimelineEvent]:
    """Append many events with one INSERT (the batched form: a drain of many events, an import),
    checked as do_append_timeline checks each; a bad one raises and nothing is appended."""
    rows = []
    for entry in entries:
        if not isinstance(entry.type, str) or not TYPE.match(entry.type):
            raise ValidationFailed.on("type", _("must be a short dotted name such as order.placed"))
        if not isinstance(entry.channel, str) or not CHANNEL.match(entry.channel or ""):
            raise ValidationFailed.on("channel", _("must be a channel name (lower-case letters, digits, _)"))
        customer = customer_of(customer=entry.customer, customer_id=entry.customer_id)
        rows.append(TimelineEvent(customer=customer, at=entry.at or clock.now(), type=entry.type,
                                  channel=entry.channel or "", summary=(entry.summary or "")[:500],
                                  ref=(entry.ref or "")[:100], data=entry.data or {}))
    return TimelineEvent.objects.bulk_create(rows, batch_size=500)

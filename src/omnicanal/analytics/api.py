"""Analytics' API (../shared/API.md, "Analytics"): parse and check the filters, call one query, answer.
Managers (and admins) read every location; store staff only their own stores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from omnicanal.analytics import kpis, queries, roles
from omnicanal.analytics.totals import Filters
from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.core.auth import Principal, require_role
from omnicanal.core.errors import FieldError, Forbidden, ValidationFailed
from omnicanal.inventory import queries as inventory

router = Router(tags=["analytics"])

MAX_SPAN = dt.timedelta(days=366)
DEFAULT_SPAN = dt.timedelta(days=30)


class KpiQuery(Schema):
    start: dt.datetime | None = Field(None, alias="from", description="ISO 8601 with offset; default: `to` − 30 days")
    end: dt.datetime | None = Field(None, alias="to", description="ISO 8601 with offset (excluded); default: the "
                                                                  "end of today, UTC")
    channel: str | None = Field(None, max_length=30, description="a sales channel (web, pos…) or a messaging one")
    location: str | None = Field(None, max_length=32, description="the location that fulfils or hands over")


class PeriodOut(Schema):
    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")
    kpis: dict[str, Any]


class KpisOut(PeriodOut):
    channel: str | None
    locations: list[str] | None
    source: str  # where the additive KPIs came from: day or hour (the rollups), raw
    previous: PeriodOut


class StepOut(Schema):
    at: dt.datetime
    channel: str
    kind: str
    ref: str
    switch: bool


class JourneyOut(Schema):
    customer_id: str
    steps: list[StepOut]
    channel_switches: int


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValidationFailed.on(name, _("give the time with its UTC offset (ISO 8601)"))
    return value.astimezone(dt.UTC) if value is not None else None


def _period(query: KpiQuery) -> tuple[dt.datetime, dt.datetime]:
    start, end = _aware(query.start, "from"), _aware(query.end, "to")
    if end is None:
        today = clock.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = today + dt.timedelta(days=1)
    start = start if start is not None else end - DEFAULT_SPAN
    if start >= end:
        raise ValidationFailed.on("to", _("must be later than from"))
    if end - start > MAX_SPAN:
        raise ValidationFailed.on("to", _("a period spans at most 366 days"))
    return start, end


def checked_channel(code: str | None) -> str | None:
    if code is not None and code not in kpis.MESSAGING_CHANNELS and not catalog.channel_exists(code):
        raise ValidationFailed.on("channel", _("no channel %(code)s") % {"code": code})
    return code


def scoped_locations(principal: Principal, code: str | None) -> frozenset[str] | None:
    """The filter's locations: the one asked for (if the credential may see it), else a store
    clerk's own stores, else every location (None)."""
    if code is not None:
        if inventory.location_info(code) is None:
            raise ValidationFailed(detail=_("no location %(code)s") % {"code": code},
                                   errors=[FieldError("location", _("no location %(code)s") % {"code": code})])
        if not principal.may_act_on(code):
            raise Forbidden(detail=_("This credential may not read location %(code)s.") % {"code": code})
        return frozenset({code})
    if principal.role in roles.STORE_SCOPED or principal.locations is not None:
        return frozenset(principal.locations or ())
    return None


@router.get("/analytics/kpis", response=KpisOut, by_alias=True,
            summary="Cross-channel KPIs of a period, with the previous period beside them")
def get_kpis(request, query: Query[KpiQuery]):
    """Every KPI of docs/analytics.md for orders placed (and cancellations, returns, conversations) in
    [from, to), filtered by channel and location; `previous` holds the same KPIs for the period of the
    same length just before. Rates are fractions 0–1, durations minutes, money `{amount, currency}`.
    Store staff see their own stores only."""
    principal = require_role(request, *roles.KPIS)
    start, end = _period(query)
    filters = Filters(start=start, end=end, channel=checked_channel(query.channel),
                      locations=scoped_locations(principal, query.location))
    now, before = queries.report(filters), queries.report(filters.previous())
    return {"from": start, "to": end, "kpis": now.kpis, "channel": filters.channel,
            "locations": sorted(filters.locations) if filters.locations is not None else None,
            "source": now.source,
            "previous": {"from": before.filters.start, "to": before.filters.end, "kpis": before.kpis}}


@router.get("/customers/{customer_id}/journey", response=JourneyOut,
            summary="The customer's touchpoints across channels, oldest first, channel switches marked")
def get_journey(request, customer_id: str):
    """Conversations (the first message on each channel), carts, orders, pickups, returns and reviews of
    the customer, oldest first; `switch` marks a step on another channel than the one before and
    `channel_switches` counts them. A merged id answers the survivor."""
    require_role(request, *roles.JOURNEY)
    found = queries.journey(customer_id)
    return {"customer_id": found.customer_id, "channel_switches": found.channel_switches,
            "steps": [{"at": s.at, "channel": s.channel, "kind": s.kind, "ref": s.ref, "switch": s.switch}
                      for s in found.steps]}

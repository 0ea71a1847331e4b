"""The weekly summary by email (docs/analytics.md, "The weekly summary"): every Monday from 08:00 in
the business's time zone, each staff member who opted in (core User.weekly_summary, "My
preferences") gets the last seven days' main KPIs beside the seven before, from the same report the
dashboard reads (store staff: their own stores), in their language, with a link to the dashboard.
One email per person and week: the WeeklySummarySent row is written in the transaction that queues
the email (channels.staff_mail sends it after the commit)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from omnicanal.analytics import dashboard, queries
from omnicanal.analytics.dashboard import FRACTION, Card
from omnicanal.analytics.models import WeeklySummarySent
from omnicanal.analytics.totals import Filters
from omnicanal.analytics.views import show
from omnicanal.channels.staff_mail import send_staff_email
from omnicanal.core import clock
from omnicanal.core import queries as core
from omnicanal.core.local_time import business_zone_name

SEND_FROM = dt.time(8, 0)  # Monday, the business's time
# The dashboard's cards the summary carries, in this order.
KPIS = ("orders", "revenue", "average_order_value", "bopis_share", "cross_channel_orders", "returns_rate",
        "first_response_minutes_p50")


@dataclass(frozen=True)
class Week:
    monday: dt.date  # the Monday the summary is sent on (the business's date)
    filters: Filters  # the seven days before it, [Monday − 7 days, Monday) local, in UTC


def due_week(now: dt.datetime) -> Week | None:
    """The week to send now: on a Monday from 08:00 to midnight in the business's zone (a worker down
    at 08:00 catches up later that day), else None."""
    zone = zoneinfo.ZoneInfo(business_zone_name())
    local = now.astimezone(zone)
    if local.weekday() != 0 or local.time() < SEND_FROM:
        return None
    monday = local.date()
    end = dt.datetime.combine(monday, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    start = dt.datetime.combine(monday - dt.timedelta(days=7), dt.time(), tzinfo=zone).astimezone(dt.UTC)
    return Week(monday=monday, filters=Filters(start=start, end=end))


def _change(card: Card) -> str:
    change = card.change
    if change is None:
        return "—"
    sign = "+" if change >= 0 else "−"
    if card.unit == FRACTION:
        return _("%(sign)s%(n).1f pts") % {"sign": sign, "n": abs(change) * 100}
    return f"{sign}{abs(change) * 100:.1f} %"


def _rows(filters: Filters) -> list[dict[str, str]]:
    cards = {card.name: card for card in dashboard.cards(queries.report(filters), queries.report(filters.previous()))}
    return [{"label": str(cards[name].label), "value": show(cards[name].value, cards[name].unit),
             "previous": show(cards[name].previous, cards[name].unit), "change": _change(cards[name])}
            for name in KPIS]


def _dashboard_link(week: Week) -> str:
    # Whole UTC days on the dashboard: the same seven dates, near enough to the local week.
    last = week.monday - dt.timedelta(days=1)
    query = urlencode({"from": (last - dt.timedelta(days=6)).isoformat(), "to": last.isoformat()})
    return f"{settings.OMNICANAL.get('PUBLIC_URL', '')}{reverse('analytics:home')}?{query}"


def render(reader: core.SummaryReader, week: Week) -> tuple[str, str, str]:
    """Subject, text and HTML of a reader's summary, in their language."""
    scoped = frozenset(reader.locations) if reader.role == "store_staff" else None
    filters = Filters(start=week.filters.start, end=week.filters.end, locations=scoped)
    with translation.override(reader.language or settings.LANGUAGE_CODE):
        first = week.monday - dt.timedelta(days=7)
        context = {
            "business": settings.OMNICANAL["BUSINESS_NAME"], "rows": _rows(filters),
            "first": first.strftime("%d-%m-%Y"), "last": (week.monday - dt.timedelta(days=1)).strftime("%d-%m-%Y"),
            "stores": ", ".join(sorted(scoped)) if scoped is not None else "", "link": _dashboard_link(week),
        }
        subject = _("%(business)s: your weekly summary, %(first)s to %(last)s") % context
        text = render_to_string("analytics/weekly_summary.txt", context)
        html = render_to_string("analytics/weekly_summary.html", context)
    return subject, text, html


def _send_one(reader: core.SummaryReader, week: Week) -> bool:
    try:
        with transaction.atomic():
            WeeklySummarySent.objects.create(user_id=reader.user_id, week=week.monday, sent_at=clock.now())
            subject, text, html = render(reader, week)
            send_staff_email(to=reader.email, subject=subject, text=text, html=html)
    except IntegrityError:  # already sent this week (another run got there first)
        return False
    return True


def do_send_weekly_summaries(now: dt.datetime | None = None) -> int:
    """Send the due week's summary to every opted-in reader who has not had it; how many were sent."""
    week = due_week(now or clock.now())
    if week is None:
        return 0
    done = set(WeeklySummarySent.objects.filter(week=week.monday).values_list("user_id", flat=True))
    return sum(_send_one(reader, week) for reader in core.weekly_summary_readers() if reader.user_id not in done)

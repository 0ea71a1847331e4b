"""Inventory's figures on /metrics (core/metrics.py): reservations by outcome, the oversell guard's
trips, and the reservations active now (read at scrape time, the same on every node)."""

from omnicanal.core import metrics
from omnicanal.inventory.models import Reservation, ReservationStatus

RESERVATIONS = metrics.counter(
    "inventory_reservations", "Reservation attempts by outcome: reserved, short (not enough stock), duplicate.",
    ["outcome"])
# A trip is a reservation the guard stopped from promising units that are not there: the allocation
# found a line short ("allocation"), or PostgreSQL's one-call reservation found the stock moved
# under it and the check constraint or its re-read refused it ("database"; it is then retried under
# locks, where it may still succeed).
OVERSELL_GUARD_TRIPS = metrics.counter(
    "inventory_oversell_guard_trips", "Reservations stopped from promising units that are not there.", ["guard"])


@metrics.gauge_at_scrape("inventory_reservations_active", "Reservations holding stock now.")
def _active():
    return [((), Reservation.objects.filter(status=ReservationStatus.ACTIVE).count())]

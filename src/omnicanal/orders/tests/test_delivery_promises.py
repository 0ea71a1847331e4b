"""The shop's delivery promise dates come from the order book's own PROMISE_DAYS."""

import datetime as dt

from omnicanal.orders import queries
from omnicanal.orders.services import PROMISE_DAYS


def test_promise_dates_are_placement_plus_the_methods_days_in_the_business_time_zone(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "TIME_ZONE": "America/Santiago"}
    # 23:30 on 14 January in Santiago is already the 15th in UTC: the dates count from the local day.
    at = dt.datetime(2026, 1, 15, 2, 30, tzinfo=dt.UTC)
    promises = {p.method: p for p in queries.delivery_promises(at=at)}
    assert promises["ship"].days == PROMISE_DAYS["ship"]
    assert promises["ship"].by == dt.date(2026, 1, 14) + dt.timedelta(days=PROMISE_DAYS["ship"])
    assert set(promises) == {"ship", "pickup_point", "ship_to_store"}
    assert queries.delivery_promises(methods=("pickup", "teleport"), at=at)[0].by == dt.date(2026, 1, 14)
    assert len(queries.delivery_promises(methods=("pickup", "teleport"), at=at)) == 1

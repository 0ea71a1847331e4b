"""ANALYTICS_DATABASE_URL: analytics' reads go through the `analytics` alias (a read replica), its
rollup writes stay on `default`. Under pytest the alias mirrors the test database (web/settings.py):
committed data (a transactional test), so both connections see the same rows, and the test asserts
which connection ran each statement."""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from omnicanal.analytics import drill, queries, replica
from omnicanal.analytics.tests.conftest import DAY, Shop, make_stocked_world
from omnicanal.analytics.totals import Filters

H = dt.timedelta(hours=1)
DAY_FILTER = Filters(start=DAY, end=DAY + dt.timedelta(days=1))


def _sql(captured) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


def test_without_the_replica_everything_reads_default(db):
    with replica.reads() as alias:
        assert alias == "default"
    assert not replica.configured()


@pytest.mark.django_db(transaction=True, databases=["default", replica.ALIAS])
def test_reports_drill_downs_and_journeys_read_the_replica_and_rollups_are_written_on_default(
        settings, django_capture_on_commit_callbacks):
    from omnicanal.orders.tests.conftest import make_customer

    settings.ANALYTICS_READ_REPLICA = True
    make_stocked_world()
    ana, shop = make_customer(), Shop(django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections[replica.ALIAS]) as secondary:
        shop.place(ana, at=DAY + 10 * H, method="pickup", location="SCL")
    assert "INSERT INTO \"analytics_rollupcell\"" in _sql(primary)
    assert secondary.captured_queries == []  # the handlers wrote (and read) the primary only

    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections[replica.ALIAS]) as secondary:
        report = queries.report(DAY_FILTER)
        rows = drill.table("orders", DAY_FILTER).rows
        steps = queries.journey(ana).steps
    assert report.kpis["orders"] == 1 and len(rows) == 1 and [s.kind for s in steps] == ["order"]
    read = _sql(secondary)
    assert "analytics_rollupcell" in read and "orders_order" in read and "conversations_conversation" in read
    assert primary.captured_queries == []  # nothing of it on the primary

"""Cancellation causes reach analytics as orders' codes, never as the words a person typed: the
rollups keep `cause:<code>`, the facts carry no reason, an erasure leaves nothing of the person in
the rollups (not even after a rebuild), the dashboard shows the codes in words (es, en), and the
data migration folds the rollups' former worded causes into codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from omnicanal.analytics import queries, services
from omnicanal.analytics.models import CountedOrder, RollupCell
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters
from omnicanal.core.services import do_create_staff_user
from omnicanal.orders import queries as orders

H = dt.timedelta(hours=1)
WORDS = "Zyxwvu Canary llamó desde Pasaje Qwxzvb 4321"
PERIOD = {"from": "2026-03-02", "to": "2026-03-02"}


def _rollups_text() -> str:
    cells = RollupCell.objects.values_list("channel", "location", "metric")
    counted = CountedOrder.objects.values_list("order_id", "channel", "location", "added")
    return repr([*cells, *counted]).lower()


def _causes_in_rollups() -> set[str]:
    return set(RollupCell.objects.filter(metric__startswith="cause:").values_list("metric", flat=True))


def test_the_rollups_keep_the_cause_s_code_and_never_the_words(shop, ana):
    picked = shop.place(ana, at=DAY + 8 * H)
    worded = shop.place(ana, at=DAY + 8 * H)
    shop.cancel(picked, at=DAY + 9 * H, reason=WORDS, cause="out_of_stock")
    shop.cancel(worded, at=DAY + 10 * H, reason=WORDS)

    assert _causes_in_rollups() == {"cause:out_of_stock", "cause:other"}
    assert "zyxwvu" not in _rollups_text()
    assert queries.report(Filters(start=DAY, end=DAY + 24 * H)).kpis["cancellations_by_cause"] == {
        "other": 1, "out_of_stock": 1}


def test_the_order_facts_analytics_reads_carry_the_code_not_the_reason(shop, ana):
    order_id = shop.place(ana, at=DAY + 8 * H)
    shop.cancel(order_id, at=DAY + 9 * H, reason=WORDS, cause="customer_request")

    fact = orders.order_fact(order_id)

    assert fact.cancel_cause == "customer_request"
    assert "cancel_reason" not in {f.name for f in dataclasses.fields(fact)}
    assert "zyxwvu" not in repr(fact).lower()


def test_after_erasure_the_rollups_and_their_rebuild_hold_nothing_of_the_person(shop, ana):
    from omnicanal.customers.services import do_erase_customer

    order_id = shop.place(ana, at=DAY + 8 * H)
    shop.cancel(order_id, at=DAY + 9 * H, reason=WORDS)
    before = _causes_in_rollups()

    shop._run(DAY + 10 * H, lambda: do_erase_customer(customer=ana))
    assert "zyxwvu" not in _rollups_text() and "qwxzvb" not in _rollups_text()
    # the order kept its code when its words went: a rebuild counts the same cause
    shop._run(DAY + 11 * H, services.do_rebuild_rollups)

    assert before == _causes_in_rollups() == {"cause:other"}
    assert "zyxwvu" not in _rollups_text()


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("en", ["Customer asked", "Not given"], ["customer_request"]),
    ("es", ["El cliente lo pidió", "Sin indicar"], ["customer_request", "Customer asked"]),
])
def test_the_dashboard_and_its_drill_down_name_the_causes_in_the_reader_s_language(
        client, shop, ana, language, shown, not_shown):
    for hour, cause in ((9, "customer_request"), (10, "")):
        shop.cancel(shop.place(ana, at=DAY + 8 * H), at=DAY + hour * H, reason="", cause=cause)
    user = do_create_staff_user(username=f"manager-{language}", password="secret-pass", role="manager")
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)

    dashboard = client.get("/console/analytics/", PERIOD).content.decode()
    drill = client.get("/console/analytics/drill/cancellations/", PERIOD).content.decode()

    table = dashboard[dashboard.index('data-testid="table-cancellations"'):]
    for page in (table, drill):
        assert all(words in page for words in shown), page[:2000]
        assert not any(raw in page for raw in not_shown)


@pytest.mark.django_db(transaction=True)
def test_the_migration_folds_worded_causes_into_codes():
    executor = MigrationExecutor(connection)
    executor.migrate([("analytics", "0005_conversation_rollups")])
    old = executor.loader.project_state([("analytics", "0005_conversation_rollups")]).apps
    cell = old.get_model("analytics", "RollupCell")
    at = dict(grain="day", bucket=DAY, channel="web", location="SCL")
    for metric, value in (("cause:customer_request", 2), ("cause:Ana llamó, no lo quiere", 1),
                          ("cause:payment failed", 1), ("cause:Cancelado en Mercado Libre", 3),
                          ("cause:Cancelled on Mercado Libre", 1), ("cause:unspecified", 1), ("cause:no_stock", 2),
                          ("orders", 9)):
        cell.objects.create(metric=metric, value=Decimal(value), **at)
    cell.objects.create(metric="cause:Ana llamó, no lo quiere", value=Decimal(1), **{**at, "grain": "hour"})

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    day = dict(RollupCell.objects.filter(grain="day").values_list("metric", "value"))
    assert day == {"cause:customer_request": 2, "cause:other": 3, "cause:payment_failed": 1,
                   "cause:marketplace": 4, "cause:unspecified": 1, "orders": 9}
    assert dict(RollupCell.objects.filter(grain="hour").values_list("metric", "value")) == {"cause:other": 1}


def test_the_orders_migration_gives_former_cancellations_the_code_of_their_reason(shop, ana):
    from omnicanal.orders.models import Order

    backfill = importlib.import_module("omnicanal.orders.migrations.0004_cancel_cause").causes_from_reasons
    reasons = {"payment failed": "payment_failed", "Cancelado en Mercado Libre": "marketplace",
               "Ana ya no lo quiere": "other", "customer_request": "customer_request", "": ""}
    ids = {}
    for reason in reasons:
        ids[reason] = shop.place(ana, at=DAY + 8 * H)
        shop.cancel(ids[reason], at=DAY + 9 * H, reason=reason)
    Order.objects.filter(public_id__in=ids.values()).update(cancel_cause="")  # as before the migration

    from django.apps import apps
    backfill(apps, None)

    assert {reason: Order.objects.get(public_id=ids[reason]).cancel_cause for reason in reasons} == reasons

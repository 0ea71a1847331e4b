"""The category page's "available for pickup today at <store>" filter (issue 15).

The promise (docs/storefront.md, "Speed"): the filter is as fresh as the page's own read of the stock.
Inventory's rule runs inside the search's statement (no copy of the store's SKUs is kept anywhere), so
the freshness bound is zero: the first page asked after a unit is held or sold no longer lists it, and
no other store's stock ever counts.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import clock
from omnicanal.inventory import services as inventory
from omnicanal.inventory.models import Location
from omnicanal.inventory.services import ReserveLine

from .browse_data import WEDNESDAY_AFTERNOON, make_shop

pytestmark = pytest.mark.django_db

CHISPA = "Zapatilla Niño Chispa"  # CHI-34: one unit at Providencia
CERRO = "Zapatilla Trail Cerro"  # CER-42: one unit at Centro, none at Providencia


@pytest.fixture
def shop(db):
    make_shop()


def listed_at(client, store: str, **params) -> str:
    with clock.frozen(WEDNESDAY_AFTERNOON):
        response = client.get("/c/running/", {"pickup": store, **params})
    assert response.status_code == 200
    return response.content.decode()


def hold(reference: str, sku: str, store: str) -> None:
    with transaction.atomic():
        inventory.do_reserve(reference=reference, channel="web", lines=[ReserveLine(sku, 1, store)], locations=[store])


def test_a_unit_held_for_a_cart_leaves_the_filter_on_the_next_page_and_comes_back_when_released(client, shop):
    assert CHISPA in listed_at(client, "PROV")
    hold("cart_1", "CHI-34", "PROV")  # its only free unit there
    assert CHISPA not in listed_at(client, "PROV")
    with transaction.atomic():
        inventory.do_release(reference="cart_1")
    assert CHISPA in listed_at(client, "PROV")


def test_a_unit_sold_leaves_the_filter_on_the_next_page(client, shop):
    assert CHISPA in listed_at(client, "PROV")
    hold("ord_1", "CHI-34", "PROV")
    with transaction.atomic():
        inventory.do_commit(reference="ord_1")  # handed over: on hand 0
    assert CHISPA not in listed_at(client, "PROV")


def test_an_adjustment_to_zero_and_a_safety_stock_raised_over_it_both_count_at_once(client, shop):
    prov = Location.objects.get(code="PROV")
    with transaction.atomic():
        inventory.do_adjust_stock(location=prov, sku="CHI-34", delta=-1, reason="damaged")
    assert CHISPA not in listed_at(client, "PROV")
    inventory.do_receive_stock(location=prov, lines=[("CHI-34", 1)])
    assert CHISPA in listed_at(client, "PROV")
    with transaction.atomic():  # the web keeps one unit back for walk-ins there: none left to promise
        inventory.do_link_channel(location=prov, channel="web", ships=True, pickup=True, safety_stock=1)
    assert CHISPA not in listed_at(client, "PROV")


def test_another_stores_stock_never_counts(client, shop):
    page = listed_at(client, "PROV")
    assert CERRO not in page  # Centro has it, Providencia does not
    inventory.do_receive_stock(location=Location.objects.get(code="WH"), lines=[("CER-42", 9)])
    assert CERRO not in listed_at(client, "PROV")
    hold("cart_2", "CER-42", "CENTRO")  # Centro's only unit held: Centro no longer lists it either
    assert CERRO not in listed_at(client, "CENTRO")
    assert CHISPA in listed_at(client, "PROV")  # a hold at Centro takes nothing from Providencia


def test_the_filter_combines_with_facets_sorting_and_pages(client, shop):
    inventory.do_receive_stock(location=Location.objects.get(code="PROV"), lines=[("CER-42", 2)])
    page = listed_at(client, "PROV", sort="price_desc")
    assert page.index(CERRO) < page.index(CHISPA)
    page = listed_at(client, "PROV", size="42")
    assert CERRO in page and CHISPA not in page
    assert CHISPA not in listed_at(client, "PROV", size="32")  # Chispa 32 is at Centro only


# --- the store's place (row, hours, holidays) is memoized per process; its stock and "today" are not ---

THURSDAY_MORNING = dt.datetime(2026, 1, 15, 13, 30, tzinfo=dt.UTC)  # 10:30 in Santiago: open again


def page_and_sql(client, store: str, at: dt.datetime = WEDNESDAY_AFTERNOON) -> tuple[str, str]:
    """(the page, every statement it ran, in one text)."""
    with clock.frozen(at), CaptureQueriesContext(connection) as queries:
        response = client.get("/c/running/", {"pickup": store})
    assert response.status_code == 200
    return response.content.decode(), "\n".join(q["sql"] for q in queries.captured_queries)


def test_the_store_is_read_once_while_its_stock_is_read_on_every_page(client, shop):
    listed_at(client, "PROV")  # the first page reads the store and its holidays
    page, sql = page_and_sql(client, "PROV")
    assert CHISPA in page
    assert "inventory_stocklevel" in sql  # the stock: live, inside the page's statement
    assert 'inventory_location"' not in sql and "inventory_locationholiday" not in sql


def test_a_holiday_set_for_today_empties_the_filter_on_the_next_page_and_removing_it_restores_it(client, shop):
    prov = Location.objects.get(code="PROV")
    assert CHISPA in listed_at(client, "PROV")  # the store's place is now held by this process
    inventory.do_set_holiday(location=prov, date=dt.date(2026, 1, 14), name="Feriado")
    assert CHISPA not in listed_at(client, "PROV")
    inventory.do_remove_holiday(location=prov, date=dt.date(2026, 1, 14))
    assert CHISPA in listed_at(client, "PROV")


def test_the_day_ends_at_the_stores_closing_time_in_its_own_zone_with_nothing_written_in_between(client, shop):
    assert CHISPA in page_and_sql(client, "PROV", at=WEDNESDAY_AFTERNOON)[0]
    before_closing = dt.datetime(2026, 1, 14, 22, 59, tzinfo=dt.UTC)  # 19:59 in Santiago (closes 20:00)
    assert CHISPA in page_and_sql(client, "PROV", at=before_closing)[0]
    after_closing = dt.datetime(2026, 1, 14, 23, 1, tzinfo=dt.UTC)  # 20:01 there, the same UTC date
    assert CHISPA not in page_and_sql(client, "PROV", at=after_closing)[0]
    assert CHISPA in page_and_sql(client, "PROV", at=THURSDAY_MORNING)[0]


def test_a_store_no_longer_a_pickup_point_filters_nothing_on_the_next_page(client, shop):
    assert CERRO not in listed_at(client, "PROV")
    with transaction.atomic():
        inventory.do_link_channel(location=Location.objects.get(code="PROV"), channel="web", ships=True, pickup=False)
    assert CERRO in listed_at(client, "PROV")  # an unknown pickup store filters nothing

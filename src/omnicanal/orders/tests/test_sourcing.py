"""Sourcing: one location with every line, nearest; splits only when worth it; drop-ship."""

import pytest

from omnicanal.orders.tests.helpers import VALPO, place

pytestmark = pytest.mark.django_db


def test_the_nearest_location_with_every_line_ships(api, customer_id):
    # Valparaíso is nearest to a Valparaíso address but lacks the sock; the SHOE-42 is only there
    order = place(api, lines=[("SHOE-42", 1)], address=VALPO, customer_id=customer_id).json()
    assert [f["location"] for f in order["fulfillments"]] == ["VAP"]
    assert "nearest" in order["fulfillments"][0]["reason"]
    order = place(api, lines=[("SOCK-1", 1)], address=VALPO, customer_id=customer_id).json()
    assert order["fulfillments"][0]["location"] in ("SCL", "WH")


def test_a_split_happens_only_when_needed_and_each_part_is_worth_it(api, customer_id):
    # SHOE-42 is only in Valparaíso, SHOE-41 only in the warehouse: two parts worth 50.000 each
    order = place(api, lines=[("SHOE-42", 1), ("SHOE-41", 1)], customer_id=customer_id).json()
    assert sorted(f["location"] for f in order["fulfillments"]) == ["VAP", "WH"]
    assert all("Split" in f["reason"] for f in order["fulfillments"])
    assert len(order["sourcing"]) == 2


def test_a_split_with_a_part_worth_too_little_is_refused(api, customer_id):
    # one sock (5.000) would travel alone from the warehouse: not worth a second parcel
    r = place(api, lines=[("SHOE-42", 1), ("SHOE-41", 1), ("SOCK-1", 1)], customer_id=customer_id)
    assert r.status_code == 201  # the sock joins the warehouse's part
    r = place(api, lines=[("SHOE-42", 1), ("SOCK-1", 1)], customer_id=customer_id)
    assert r.status_code == 409 and r.json()["type"] == "/problems/insufficient-stock"


def test_drop_ship_lines_go_to_the_supplier(api, customer_id):
    order = place(api, lines=[("TENT-1", 1), ("SHOE-41", 1)], customer_id=customer_id).json()
    methods = {f["location"]: f["method"] for f in order["fulfillments"]}
    assert methods == {"SUP": "drop_ship", "WH": "ship"}


def test_the_marketplace_ships_only_from_the_warehouse(api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], channel="marketplace", customer_id=customer_id,
                  address={"line1": "x", "city": "Santiago", "country": "CL"}).json()
    assert order["fulfillments"][0]["location"] == "WH"


def test_the_endless_aisle_a_pos_order_for_delivery_ships_from_the_warehouse(api, issue_key, world):
    # given a clerk in Santiago without the SHOE-41, which the warehouse holds
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    r = place(clerk, lines=[("SHOE-41", 1)], channel="mpos", payments=[{"method": "card"}])
    assert r.status_code == 201, r.json()
    (f,) = r.json()["fulfillments"]
    assert f["location"] == "WH" and f["method"] == "ship"
    # and card on the mPOS is card-present, captured at once
    assert r.json()["payments"][0]["method"] == "card_present" and r.json()["payments"][0]["status"] == "captured"

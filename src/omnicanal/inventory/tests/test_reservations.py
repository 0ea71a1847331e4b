from datetime import timedelta

import pytest

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientStock, InvalidTransition, ValidationFailed
from omnicanal.core.models import OutboxEvent
from omnicanal.inventory import services, tasks
from omnicanal.inventory.models import Reservation, StockLevel, StockMovement

from .conftest import receive, reserve

pytestmark = pytest.mark.django_db


def level(location, sku):
    row = StockLevel.objects.get(location__code=location, variant__sku=sku)
    return row.on_hand, row.reserved


def test_a_reservation_holds_every_line_or_nothing_and_names_the_short_lines(chain):
    receive(chain["WH"], **{"SHOE-40": 3, "SHOE-41": 1})
    with pytest.raises(InsufficientStock) as caught:
        reserve("ord_1", ("SHOE-40", 2), ("SHOE-41", 2))
    assert caught.value.status == 409 and caught.value.slug == "insufficient-stock"
    assert caught.value.extra["lines"] == [{"sku": "SHOE-41", "location": None, "requested": 2, "available": 1}]
    # nothing was held, not even the line that fitted
    assert level("WH", "SHOE-40") == (3, 0)
    assert not Reservation.objects.exists()


def test_a_shortage_is_told_in_the_readers_language(chain):
    from django.utils import translation

    receive(chain["WH"], **{"SHOE-40": 1})
    for language, words in (("es", "No se pueden prometer todas las líneas; no se reservó nada."),
                            ("en", "Not every line can be promised; nothing was reserved.")):
        with translation.override(language), pytest.raises(InsufficientStock) as caught:
            reserve(f"ord_{language}", ("SHOE-40", 2))
        assert caught.value.detail == words


def test_two_lines_of_one_sku_are_checked_against_the_same_stock(chain):
    # given 3 units and a cart with the same shoe on two lines (2 + 2)
    receive(chain["WH"], **{"SHOE-40": 3})
    # then the cart asks for 4 against 3, not 2 against 3 twice
    with pytest.raises(InsufficientStock) as caught:
        reserve("cart_1", ("SHOE-40", 2), ("SHOE-40", 2))
    assert caught.value.extra["lines"][0]["requested"] == 4
    assert level("WH", "SHOE-40") == (3, 0)
    held = reserve("cart_2", ("SHOE-40", 1), ("SHOE-40", 2))
    assert [line.quantity for line in held.lines.all()] == [3]


def test_a_line_spans_locations_in_the_sourcing_order_and_keeps_safety_stock(chain):
    # given 2 at the warehouse and 3 at each store, where the web keeps one unit for walk-ins
    receive(chain["WH"], **{"SHOE-40": 2})
    receive(chain["SCL"], **{"SHOE-40": 3})
    receive(chain["VAP"], **{"SHOE-40": 3})
    # when sourcing names the warehouse first, then Santiago, then Valparaíso
    held = reserve("ord_1", ("SHOE-40", 5), locations=["WH", "SCL", "VAP"])
    # then the line is split: 2 + 2 (one stays for walk-ins) + 1
    got = {line.stock.location.code: line.quantity for line in held.lines.select_related("stock__location")}
    assert got == {"WH": 2, "SCL": 2, "VAP": 1}
    # and the 6th unit the web could promise is the last one; the walk-in units are never promised
    reserve("ord_2", ("SHOE-40", 1), locations=["WH", "SCL", "VAP"])
    with pytest.raises(InsufficientStock):
        reserve("ord_3", ("SHOE-40", 1), locations=["WH", "SCL", "VAP"])
    # the store's own POS may still sell them (no safety stock on that channel)
    reserve("pos_1", ("SHOE-40", 1, "SCL"), channel="pos")


def test_without_sourcing_the_channel_s_shipping_locations_are_used_by_priority(chain):
    receive(chain["SCL"], **{"SHOE-40": 3})  # stores have priority 50 for the web
    receive(chain["WH"], **{"SHOE-40": 3})
    held = reserve("ord_1", ("SHOE-40", 2))
    assert [line.stock.location.code for line in held.lines.all()] == ["SCL"]


def test_a_pinned_line_is_held_only_at_its_location(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    with pytest.raises(InsufficientStock) as caught:
        reserve("ord_1", ("SHOE-40", 1, "VAP"))
    assert caught.value.extra["lines"][0]["location"] == "VAP"


def test_one_active_reservation_per_reference(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    reserve("ord_1", ("SHOE-40", 1))
    with pytest.raises(Conflict):
        reserve("ord_1", ("SHOE-40", 1))
    assert level("WH", "SHOE-40") == (5, 1)


def test_an_unknown_sku_or_channel_is_a_validation_problem(chain):
    with pytest.raises(ValidationFailed):
        reserve("ord_1", ("NOPE", 1))
    with pytest.raises(ValidationFailed):
        reserve("ord_1", ("SHOE-40", 1), channel="fax")
    with pytest.raises(ValidationFailed):
        reserve("ord_1", ("SHOE-40", 0))


def test_release_gives_the_units_back_and_is_idempotent(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    reserve("ord_1", ("SHOE-40", 2))
    services.do_release(reference="ord_1")
    assert level("WH", "SHOE-40") == (5, 0)
    assert services.do_release(reference="ord_1").status == "released"
    assert level("WH", "SHOE-40") == (5, 0)
    with pytest.raises(InvalidTransition):
        services.do_commit(reference="ord_1")


def test_commit_on_fulfilment_drops_on_hand_and_reserved_as_a_sale(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    reserve("ord_1", ("SHOE-40", 2))
    services.do_commit(reference="ord_1")
    assert level("WH", "SHOE-40") == (3, 0)
    sale = StockMovement.objects.get(kind="sale")
    assert (sale.quantity, sale.on_hand_after, sale.reference) == (-2, 3, "ord_1")
    assert services.do_commit(reference="ord_1").status == "committed"  # a retry is harmless
    with pytest.raises(InvalidTransition):
        services.do_release(reference="ord_1")
    topics = set(OutboxEvent.objects.values_list("topic", flat=True))
    assert {"inventory.StockReserved", "inventory.ReservationCommitted", "inventory.StockChanged"} <= topics


def test_a_split_order_commits_per_location(chain):
    receive(chain["WH"], **{"SHOE-40": 1})
    receive(chain["DS"], **{"SHOE-40": 1})
    reserve("ord_1", ("SHOE-40", 2), locations=["WH", "DS"])
    assert services.do_commit(reference="ord_1", location="WH").status == "active"
    assert level("WH", "SHOE-40") == (0, 0) and level("DS", "SHOE-40") == (1, 1)
    assert services.do_commit(reference="ord_1", location="DS").status == "committed"


def test_expired_reservations_are_released_by_the_periodic_task(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    reserve("cart_1", ("SHOE-40", 2), expires_in=timedelta(minutes=15))
    reserve("ord_2", ("SHOE-40", 1), expires_in=None)
    assert tasks.release_expired_reservations.call_local() == 0
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        assert tasks.release_expired_reservations.call_local() == 1
    assert Reservation.objects.get(reference="cart_1").status == "expired"
    assert level("WH", "SHOE-40") == (5, 1)


def test_reservations_over_the_api(api, chain):
    receive(chain["WH"], **{"SHOE-40": 2})
    body = {"reference": "ord_9", "channel": "web", "lines": [{"sku": "SHOE-40", "quantity": 2}]}
    created = api.post("/reservations", body)
    assert created.status_code == 201, created.content
    rsv = created.json()
    assert rsv["id"].startswith("rsv_") and rsv["lines"] == [
        {"sku": "SHOE-40", "location": "WH", "quantity": 2, "state": "held"}]
    short = api.post("/reservations", {**body, "reference": "ord_10"})
    assert short.status_code == 409 and short.json()["type"].endswith("insufficient-stock")
    assert short.json()["lines"][0]["sku"] == "SHOE-40"
    committed = api.post(f"/reservations/{rsv['id']}/commit")
    assert committed.json()["status"] == "committed"
    assert api.post(f"/reservations/{rsv['id']}/release").status_code == 409


def _race(monkeypatch, thief):
    """Let `thief` reserve right after do_reserve decided where each line comes from (its unlocked
    read, or the plan that needs no read) and before it writes, as a concurrent order would."""
    from omnicanal.inventory import queries

    state = {"done": False}

    def first_time():
        if not state["done"]:
            state["done"] = True
            thief()

    real_read, real_plan = queries.reserve_candidates, services.reservations._one_place_each

    def stale_read(**kwargs):
        rows = real_read(**kwargs)
        first_time()
        return rows

    def planned(*args):
        plan = real_plan(*args)
        if plan is not None:
            first_time()
        return plan

    monkeypatch.setattr(queries, "reserve_candidates", stale_read)
    monkeypatch.setattr(services.reservations, "_one_place_each", planned)


def test_a_reservation_that_loses_the_race_is_allocated_again_on_the_locked_rows(chain, monkeypatch):
    # given 2 units at the warehouse and 2 at the dark store, and a rival taking the warehouse's two
    receive(chain["WH"], **{"SHOE-40": 2})
    receive(chain["DS"], **{"SHOE-40": 2})
    _race(monkeypatch, lambda: services.do_reserve(reference="rival", channel="web",
                                                  lines=[services.ReserveLine("SHOE-40", 2, "WH")]))
    # when an order for 2 read the warehouse as free just before the rival took it
    held = reserve("ord_1", ("SHOE-40", 2), locations=["WH", "DS"])
    # then it is held at the dark store instead, and nothing is oversold
    assert [(line.stock.location.code, line.quantity) for line in held.lines.all()] == [("DS", 2)]
    assert level("WH", "SHOE-40") == (2, 2) and level("DS", "SHOE-40") == (2, 2)
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 2


def test_a_reservation_that_loses_the_race_for_the_last_units_is_refused(chain, monkeypatch):
    receive(chain["WH"], **{"SHOE-40": 2})
    _race(monkeypatch, lambda: services.do_reserve(reference="rival", channel="web",
                                                  lines=[services.ReserveLine("SHOE-40", 1, "WH")]))
    with pytest.raises(InsufficientStock) as caught:
        reserve("ord_1", ("SHOE-40", 2), locations=["WH"])
    assert caught.value.extra["lines"] == [{"sku": "SHOE-40", "location": None, "requested": 2, "available": 1}]
    # (the rival ran inside the refused transaction here, so it rolled back with it)
    assert level("WH", "SHOE-40") == (2, 0)
    assert not Reservation.objects.exists()

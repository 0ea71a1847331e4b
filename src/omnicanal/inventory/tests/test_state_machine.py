"""Every invariant of the stock holds after every step of any sequence of receipts, reservations,
releases, expiries, commits, counts, adjustments and transfers (hypothesis, bounded)."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientStock
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import (
    LineState,
    Location,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    StockMovement,
    TransferLine,
    TransferStatus,
)
from omnicanal.inventory.services import ReserveLine

from .conftest import make_catalog

SKUS = ["SM-1", "SM-2"]
CODES = ["A", "B", "C"]
START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
EXTERNAL = ("receipt", "return", "adjustment", "count", "sale")


class StockMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        make_catalog(skus=SKUS)
        for code in CODES:
            services.do_create_location(
                code=code, name=code, kind="store", capabilities=["ship", "pickup"],
                channels=[{"channel": "web", "ships": True, "pickup": True, "safety_stock": 1 if code == "B" else 0}],
            )
        self.now = START
        self.counter = 0
        self.active: list[str] = []
        self.in_transit: list[str] = []

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def _call(self, func, **kwargs):
        """As a caller: each operation in its own (nested) transaction, at the machine's time."""
        with clock.frozen(self.now), transaction.atomic():
            return func(**kwargs)

    def _location(self, code):
        return Location.objects.get(code=code)

    def _free(self, sku):
        """What the web may promise of a SKU, by the model's own arithmetic."""
        total = 0
        for row in StockLevel.objects.filter(variant__sku=sku).select_related("location"):
            safety = 1 if row.location.code == "B" else 0
            total += max(0, row.on_hand - row.reserved - safety)
        return total

    @rule(code=st.sampled_from(CODES), sku=st.sampled_from(SKUS), quantity=st.integers(1, 6))
    def receipt(self, code, sku, quantity):
        self._call(services.do_receive_stock, location=self._location(code), lines=[(sku, quantity)])

    @rule(lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=3),
          ttl=st.sampled_from([None, 5, 30]))
    def reserve(self, lines, ttl):
        wanted: dict[str, int] = {}
        for sku, q in lines:
            wanted[sku] = wanted.get(sku, 0) + q
        fits = all(q <= self._free(sku) for sku, q in wanted.items())
        self.counter += 1
        reference = f"ord_{self.counter}"
        try:
            self._call(services.do_reserve, reference=reference, channel="web",
                       lines=[ReserveLine(sku, q) for sku, q in lines],
                       expires_in=dt.timedelta(minutes=ttl) if ttl else None)
        except InsufficientStock:
            assert not fits, "refused although the stock was there"
            return
        assert fits, "reserved more than could be promised"
        self.active.append(reference)

    @precondition(lambda self: self.active)
    @rule(data=st.data())
    def release(self, data):
        reference = data.draw(st.sampled_from(self.active))
        self._call(services.do_release, reference=reference)
        self.active.remove(reference)

    @precondition(lambda self: self.active)
    @rule(data=st.data())
    def commit(self, data):
        reference = data.draw(st.sampled_from(self.active))
        status = Reservation.objects.filter(reference=reference).order_by("-id").values_list("status", flat=True)[0]
        if status == ReservationStatus.EXPIRED:
            self.active.remove(reference)
            return
        self._call(services.do_commit, reference=reference)
        self.active.remove(reference)

    @rule(minutes=st.integers(1, 40))
    def time_passes(self, minutes):
        self.now += dt.timedelta(minutes=minutes)
        with clock.frozen(self.now):
            services.do_expire_reservations()
        still = set(Reservation.objects.filter(reference__in=self.active, status="active").values_list("reference", flat=True))
        self.active = [r for r in self.active if r in still]

    @rule(code=st.sampled_from(CODES), sku=st.sampled_from(SKUS), counted=st.integers(0, 8))
    def count(self, code, sku, counted):
        try:
            self._call(services.do_count, location=self._location(code), lines=[(sku, counted)])
        except Conflict:
            reserved = StockLevel.objects.get(location__code=code, variant__sku=sku).reserved
            assert counted < reserved

    @rule(code=st.sampled_from(CODES), sku=st.sampled_from(SKUS), delta=st.integers(-3, 3).filter(bool))
    def adjust(self, code, sku, delta):
        try:
            self._call(services.do_adjust_stock, location=self._location(code), sku=sku, delta=delta, reason="prueba")
        except InsufficientStock:
            row = StockLevel.objects.filter(location__code=code, variant__sku=sku).values("on_hand", "reserved").first()
            row = row or {"on_hand": 0, "reserved": 0}
            assert row["on_hand"] + delta < row["reserved"]

    @rule(origin=st.sampled_from(CODES), destination=st.sampled_from(CODES), sku=st.sampled_from(SKUS),
          quantity=st.integers(1, 4))
    def ship_transfer(self, origin, destination, sku, quantity):
        if origin == destination:
            return
        transfer = self._call(services.do_request_transfer, origin=self._location(origin),
                              destination=self._location(destination), lines=[(sku, quantity)])
        try:
            self._call(services.do_ship_transfer, transfer_id=transfer.id)
        except InsufficientStock:
            self._call(services.do_cancel_transfer, transfer_id=transfer.id)
            return
        self.in_transit.append(transfer.id)

    @precondition(lambda self: self.in_transit)
    @rule(data=st.data(), lost=st.integers(0, 1))
    def receive_transfer(self, data, lost):
        transfer_id = data.draw(st.sampled_from(self.in_transit))
        line = TransferLine.objects.select_related("variant").get(transfer__public_id=transfer_id)
        self._call(services.do_receive_transfer, transfer_id=transfer_id,
                   received={line.variant.sku: max(0, line.quantity - lost)})
        self.in_transit.remove(transfer_id)

    # --- invariants, checked after every step ---------------------------------------------------------

    @invariant()
    def reserved_never_exceeds_on_hand(self):
        for on_hand, reserved in StockLevel.objects.values_list("on_hand", "reserved"):
            assert 0 <= reserved <= on_hand

    @invariant()
    def on_hand_is_the_sum_of_the_ledger(self):
        sums = dict(StockMovement.objects.values("stock_id").annotate(n=Sum("quantity")).values_list("stock_id", "n"))
        for pk, on_hand in StockLevel.objects.values_list("pk", "on_hand"):
            assert on_hand == (sums.get(pk) or 0)

    @invariant()
    def reserved_is_what_live_reservations_hold(self):
        held = dict(ReservationLine.objects.filter(state=LineState.HELD).values("stock_id")
                    .annotate(n=Sum("quantity")).values_list("stock_id", "n"))
        for pk, reserved in StockLevel.objects.values_list("pk", "reserved"):
            assert reserved == (held.get(pk) or 0)
        assert not ReservationLine.objects.filter(state=LineState.HELD).exclude(
            reservation__status=ReservationStatus.ACTIVE).exists()

    @invariant()
    def every_unit_is_somewhere_or_accounted_for(self):
        on_hand = StockLevel.objects.aggregate(n=Sum("on_hand"))["n"] or 0
        external = StockMovement.objects.filter(kind__in=EXTERNAL).aggregate(n=Sum("quantity"))["n"] or 0
        lost = sum(line.quantity - line.received for line in TransferLine.objects.filter(
            transfer__status=TransferStatus.RECEIVED))
        assert on_hand + queries.in_transit() == external - lost


@pytest.mark.django_db
def test_every_stock_invariant_holds_after_every_step():
    run_state_machine_as_test(
        StockMachine,
        settings=settings(max_examples=12, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )

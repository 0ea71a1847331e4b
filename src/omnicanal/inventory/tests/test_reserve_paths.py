"""The two ways a reservation is written: the one-call hot path (PostgreSQL) and the path under
locks it falls back to when the stock moved between its read and its lock (and SQLite's only path).
Each must hold the same promises: all or nothing, the same lines, the same event."""

import pytest
from django.db import connection, transaction

from omnicanal.core import clock, outbox
from omnicanal.core.errors import Conflict, InsufficientStock
from omnicanal.core.models import OutboxEvent
from omnicanal.inventory import locks, queries, services
from omnicanal.inventory.models import Reservation, ReservationLine, StockLevel
from omnicanal.inventory.services import ReserveLine

from .conftest import make_catalog, make_locations, receive, reserve


def level(location, sku):
    row = StockLevel.objects.get(location__code=location, variant__sku=sku)
    return row.on_hand, row.reserved


def _stale_read(monkeypatch, extra_free: int):
    """The candidates read as another process saw them a moment ago: `extra_free` more units free
    at every location than there really are (someone reserved them since)."""
    real = queries.reserve_candidates

    def stale(**kw):
        return [(*r[:4], max(r[4] - extra_free, 0), *r[5:]) for r in real(**kw)]

    monkeypatch.setattr(queries, "reserve_candidates", stale)
    return _spy(monkeypatch)


def _spy(monkeypatch) -> list[str]:
    """What the one-call path did, call by call (PostgreSQL only: SQLite never takes it)."""
    outcomes: list[str] = []
    real = locks.reserve_at_once

    def spy(**kw):
        try:
            made = real(**kw)
        except locks.GaveWay:
            outcomes.append("gave way")
            raise
        outcomes.append("written" if made[0] else "duplicate")
        return made

    monkeypatch.setattr(locks, "reserve_at_once", spy)
    return outcomes


def _took_the_hot_path(outcomes, *expected):
    assert outcomes == (list(expected) if connection.vendor == "postgresql" else [])


@pytest.mark.django_db
def test_stock_taken_between_the_read_and_the_lock_is_allocated_again_under_the_locks(chain, monkeypatch):
    # given 2 at the warehouse and 2 at the dark store, of which 2 at the warehouse are already held
    receive(chain["WH"], **{"SHOE-40": 2})
    receive(chain["DS"], **{"SHOE-40": 2})
    reserve("ord_0", ("SHOE-40", 2), locations=["WH"])
    # when a reservation allocates on a read that still shows the warehouse units free
    outcomes = _stale_read(monkeypatch, extra_free=2)
    held = reserve("ord_1", ("SHOE-40", 2), locations=["WH", "DS"])
    _took_the_hot_path(outcomes, "gave way")
    # then it is made again on the locked values: from the dark store, nothing oversold
    got = {line.stock.location.code: line.quantity for line in held.lines.select_related("stock__location")}
    assert got == {"DS": 2}
    assert level("WH", "SHOE-40") == (2, 2) and level("DS", "SHOE-40") == (2, 2)
    event = OutboxEvent.objects.filter(topic="inventory.StockReserved").order_by("-pk").first()
    assert event.payload["lines"] == [{"location": "DS", "sku": "SHOE-40", "quantity": 2, "on_hand": None, "reserved": None}]
    assert Reservation.objects.count() == 2 and ReservationLine.objects.count() == 2


@pytest.mark.django_db
def test_a_stale_read_never_oversells_and_leaves_nothing_when_the_stock_is_gone(chain, monkeypatch):
    receive(chain["WH"], **{"SHOE-40": 1})
    reserve("ord_0", ("SHOE-40", 1), locations=["WH"])
    outcomes = _stale_read(monkeypatch, extra_free=1)
    with pytest.raises(InsufficientStock) as caught:
        reserve("ord_1", ("SHOE-40", 1), locations=["WH"])
    _took_the_hot_path(outcomes, "gave way")
    assert caught.value.extra["lines"] == [{"sku": "SHOE-40", "location": None, "requested": 1, "available": 0}]
    assert level("WH", "SHOE-40") == (1, 1)
    assert list(Reservation.objects.values_list("reference", flat=True)) == ["ord_0"]
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 1


@pytest.mark.django_db
def test_a_caller_s_transaction_stays_usable_after_the_hot_path_gave_way(chain, monkeypatch):
    # The hot path gives way without raising (no savepoint around it): the caller's own earlier
    # writes survive and the caller can go on.
    receive(chain["WH"], **{"SHOE-40": 2})
    reserve("ord_0", ("SHOE-40", 1), locations=["WH"])
    outcomes = _stale_read(monkeypatch, extra_free=1)
    with transaction.atomic():
        first = services.do_reserve(reference="ord_1", channel="web", lines=[ReserveLine("SHOE-40", 1)],
                                    locations=["WH"])
        with pytest.raises(InsufficientStock):
            services.do_reserve(reference="ord_2", channel="web", lines=[ReserveLine("SHOE-40", 1)],
                                locations=["WH"])
        assert Reservation.objects.filter(public_id=first.id).exists()
    _took_the_hot_path(outcomes, "written", "gave way")
    assert level("WH", "SHOE-40") == (2, 2)


@pytest.mark.django_db
def test_the_event_says_what_was_held_in_emit_s_format(chain, django_capture_on_commit_callbacks):
    receive(chain["WH"], **{"SHOE-40": 1, "SHOE-41": 2})
    receive(chain["DS"], **{"SHOE-40": 2})
    with django_capture_on_commit_callbacks(execute=True):
        held = reserve("ord_1", ("SHOE-40", 2), ("SHOE-41", 1), locations=["WH", "DS"])
    event = OutboxEvent.objects.get(topic="inventory.StockReserved")
    assert event.payload == {
        "reservation_id": held.public_id, "reference": "ord_1", "channel": "web",
        "expires_at": held.expires_at.isoformat(),
        "lines": [{"location": code, "sku": sku, "quantity": 1, "on_hand": None, "reserved": None}
                  for code, sku in (("WH", "SHOE-40"), ("DS", "SHOE-40"), ("WH", "SHOE-41"))],
    }
    # Dispatched after the commit as emit()'s events are: whichever domains subscribe to it (other
    # apps may, e.g. marketplaces' stock push, batched in the worker: immediate in tests) each ran
    # once, and the event is done.
    subscribers = sorted(r.name for r in outbox.handlers_for(event.topic))
    assert event.status == "done" and sorted(event.done_handlers) == subscribers and event.attempts == 0


@pytest.fixture
def chain_committed(transactional_db):
    with transaction.atomic():
        make_catalog()
        return make_locations()


@pytest.mark.django_db(transaction=True)
def test_called_in_autocommit_a_reservation_is_a_transaction_of_its_own(chain_committed, monkeypatch):
    outcomes = _spy(monkeypatch)
    with transaction.atomic():
        receive(chain_committed["WH"], **{"SHOE-40": 3})
    assert connection.get_autocommit() and not connection.in_atomic_block

    def bare(ref, quantity):
        return services.do_reserve(reference=ref, channel="web", lines=[ReserveLine("SHOE-40", quantity)],
                                   locations=["WH"], expires_in=None)

    held = bare("ord_1", 2)
    assert Reservation.objects.get(public_id=held.id).reference == "ord_1" and level("WH", "SHOE-40") == (3, 2)
    # a second active reservation for the reference, or more than is left: refused, nothing written
    with pytest.raises(Conflict):
        bare("ord_1", 1)
    with pytest.raises(InsufficientStock):
        bare("ord_2", 2)
    assert level("WH", "SHOE-40") == (3, 2)
    _took_the_hot_path(outcomes, "written", "duplicate", "gave way")
    assert Reservation.objects.count() == 1 and ReservationLine.objects.count() == 1
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 1


def _plain_dsn() -> dict:
    """The test database's connection parameters for a psycopg connection outside Django's."""
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("prepare_threshold", None)
    return dsn


def _buy_behind_a_rival(rival_sql: str, rival_params: list, *, lines, locations,
                        first: ReserveLine | None = None) -> tuple[dict, str | None]:
    """A rival transaction runs `rival_sql` and stays open; a buyer reserves in a thread of its own
    until it waits for a lock; then the rival commits. Returns what the buyer got and the wait event
    (PostgreSQL's pg_stat_activity) it queued on. With `first`, the buyer works inside a transaction
    of its own: it reserves `first` (reference ord_first), then the lines, then commits."""
    import threading
    import time

    import psycopg
    from django.db import connections

    dsn = _plain_dsn()
    rival = psycopg.connect(**dsn)
    watcher = psycopg.connect(**dsn, autocommit=True)
    rival.execute(rival_sql, rival_params)
    result: dict = {}

    def buy():
        try:
            result["made"] = services.do_reserve(reference="ord_late", channel="web", lines=lines, locations=locations)
        except InsufficientStock as refused:
            result["refused"] = refused

    def buyer():
        try:
            if first is None:
                buy()
                return
            with transaction.atomic():
                services.do_reserve(reference="ord_first", channel="web", lines=[first], locations=locations)
                buy()
        finally:
            connections.close_all()

    thread = threading.Thread(target=buyer)
    thread.start()
    deadline = time.monotonic() + 10
    waited_on = None
    while waited_on is None and time.monotonic() < deadline:
        # This database's backends only: another xdist worker's test on the same server may be
        # waiting on a lock of its own (an advisory one) at that moment.
        row = watcher.execute("SELECT wait_event FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND datname = current_database() AND pid <> %s",
                              [rival.info.backend_pid]).fetchone()
        waited_on = row[0] if row else None
        time.sleep(0.01)
    rival.commit()
    rival.close()
    watcher.close()
    thread.join(timeout=30)
    return result, waited_on


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_taken_while_the_statement_waited_for_its_lock_gives_way_and_nothing_is_written(chain_committed,
                                                                                              monkeypatch):
    """The call read one free unit and wrote its rows, then waited for the row's lock; a rival
    holds the row's lock and commits taking that unit; the call's UPDATE then finds the newest row
    short, the function deletes what it wrote and answers "gave way" (it never raises, so no savepoint
    is needed around it), and the reservation falls back and is refused."""
    with transaction.atomic():
        receive(chain_committed["WH"], **{"SHOE-40": 1})
    stock_id = StockLevel.objects.get(location__code="WH", variant__sku="SHOE-40").pk
    outcomes = _spy(monkeypatch)
    result, waited_on = _buy_behind_a_rival(
        "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s", [stock_id],
        lines=[ReserveLine("SHOE-40", 1)], locations=["WH"])
    assert waited_on == "transactionid", f"the buyer never waited for the rival's row lock: {result}"
    assert "refused" in result
    assert outcomes == ["gave way"]
    assert level("WH", "SHOE-40") == (1, 1)
    assert not Reservation.objects.filter(reference="ord_late").exists()
    assert not ReservationLine.objects.exists()
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("skus", [["SHOE-40"], ["SHOE-40", "SHOE-41"]], ids=["one row", "rows in key order"])
def test_inside_a_caller_s_transaction_a_row_taken_while_waiting_gives_way_and_the_caller_goes_on(chain_committed,
                                                                                                 monkeypatch, skus):
    """The same race inside a caller's transaction, with no savepoint around the call: the caller's
    earlier reservation survives, this one is refused, nothing of it is written, nothing oversold."""
    with transaction.atomic():
        receive(chain_committed["WH"], **{sku: 1 for sku in skus}, **{"SHOE-42": 1})
    stock_id = StockLevel.objects.get(location__code="WH", variant__sku="SHOE-40").pk
    outcomes = _spy(monkeypatch)
    result, waited_on = _buy_behind_a_rival(
        "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s", [stock_id],
        lines=[ReserveLine(sku, 1) for sku in skus], locations=["WH"], first=ReserveLine("SHOE-42", 1))
    assert waited_on == "transactionid", f"the buyer never waited for the rival's row lock: {result}"
    assert "refused" in result
    assert outcomes == ["written", "gave way"]
    assert level("WH", "SHOE-40") == (1, 1) and level("WH", "SHOE-42") == (1, 1)
    assert Reservation.objects.filter(reference="ord_first").exists()
    assert not Reservation.objects.filter(reference="ord_late").exists()
    assert ReservationLine.objects.count() == 1
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_inside_a_caller_s_transaction_the_hot_path_takes_no_savepoint(chain, monkeypatch):
    """One round trip for the call: a savepoint would add two, one of them under the hot row's lock."""
    from django.test.utils import CaptureQueriesContext

    receive(chain["WH"], **{"SHOE-40": 2})
    outcomes = _spy(monkeypatch)
    with transaction.atomic(), CaptureQueriesContext(connection) as sent:
        services.do_reserve(reference="ord_1", channel="web", lines=[ReserveLine("SHOE-40", 1)], locations=["WH"])
    assert outcomes == ["written"]
    assert not [q["sql"] for q in sent.captured_queries if "SAVEPOINT" in q["sql"].upper()]


_AHEAD = ("WITH q AS (SELECT pg_advisory_xact_lock(%s, %s)) "
          "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s AND (SELECT count(*) FROM q) = 1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("skus", [["SHOE-40"], ["SHOE-40", "SHOE-41"]], ids=["one row", "rows in key order"])
def test_reservations_of_a_row_queue_on_its_advisory_lock_and_start_from_the_row_as_left(chain_committed,
                                                                                         monkeypatch, skus):
    """Hot-path reservations of a stock row wait for each other on the row's queue (an advisory lock
    held to commit), not on the row lock: once the one ahead commits, the next one's UPDATE starts
    from the row as that one left it (here one unit of two is left, so it is written)."""
    with transaction.atomic():
        receive(chain_committed["WH"], **{sku: 2 for sku in skus})
    stock_id = StockLevel.objects.get(location__code="WH", variant__sku="SHOE-40").pk
    outcomes = _spy(monkeypatch)
    result, waited_on = _buy_behind_a_rival(_AHEAD, [*locks.queue_key(stock_id), stock_id],
                                            lines=[ReserveLine(sku, 1) for sku in skus], locations=["WH"])
    assert waited_on == "advisory", result
    assert "made" in result and outcomes == ["written"]
    assert level("WH", "SHOE-40") == (2, 2)
    assert ReservationLine.objects.filter(reservation__reference="ord_late").count() == len(skus)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reservation_queued_behind_one_that_took_the_last_unit_gives_way_and_is_refused(chain_committed,
                                                                                          monkeypatch):
    with transaction.atomic():
        receive(chain_committed["WH"], **{"SHOE-40": 1})
    stock_id = StockLevel.objects.get(location__code="WH", variant__sku="SHOE-40").pk
    outcomes = _spy(monkeypatch)
    result, waited_on = _buy_behind_a_rival(_AHEAD, [*locks.queue_key(stock_id), stock_id],
                                            lines=[ReserveLine("SHOE-40", 1)], locations=["WH"])
    assert waited_on == "advisory", result
    assert "refused" in result and outcomes == ["gave way"]
    assert level("WH", "SHOE-40") == (1, 1)
    assert not Reservation.objects.filter(reference="ord_late").exists()
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_expiry_index_serves_the_expiry_task_and_leaves_out_reservations_that_never_expire(chain):
    """An order's reservation has no expiry (held until fulfilled or released) and is never written
    into the expiry index; the task's query (active, expires_at past) is still served by it."""
    with transaction.atomic():  # rolled back with the test, index included
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            # On an empty table the planner may as well walk the other partial index on active rows.
            cursor.execute("DROP INDEX one_active_reservation_per_reference")
        due = Reservation.objects.filter(status="active", expires_at__lte=clock.now()).order_by("expires_at", "pk")
        assert "reservation_due" in due.explain()
        assert "reservation_due" not in Reservation.objects.filter(status="active", expires_at=None).explain()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_reservation_leaves_its_channel_row_unlocked(chain_committed):
    """Every reservation of a channel names the same row ('web'). A foreign key would share-lock it
    for the life of each reservation's transaction, and PostgreSQL writes a new MultiXact each time
    the set of lockers of a row changes: a hot spot shared by every SKU. Reservation.channel has no
    database constraint for that reason; here a reservation still open leaves the row free."""
    import psycopg

    with transaction.atomic():
        receive(chain_committed["WH"], **{"SHOE-40": 2})
    dsn = _plain_dsn()
    with psycopg.connect(**dsn) as other, transaction.atomic():
        made = services.do_reserve(reference="ord_open", channel="web", lines=[ReserveLine("SHOE-40", 1)],
                                   locations=["WH"])
        assert made.id.startswith("rsv_")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a deferred foreign key would check (and lock) now
        # FOR UPDATE conflicts with the FOR KEY SHARE a foreign-key check takes: NOWAIT fails at once if held.
        assert other.execute("SELECT code FROM catalog_channel WHERE code = 'web' FOR UPDATE NOWAIT").fetchone()
        other.rollback()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_tables_a_reservation_writes_have_no_foreign_key_checks_at_its_commit():
    """Django's foreign keys are checked at the COMMIT (deferred): on a reservation's lines they cost
    two queries and two row locks (one on the hot stock row) per reservation, while the hot row's lock
    is held. The rows the reservation function writes therefore carry no foreign-key constraint (their
    parents are never deleted; stock_problems() reports an orphan line)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
                       "('inventory_reservation'::regclass, 'inventory_reservationline'::regclass, "
                       "'core_outboxevent'::regclass)")
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_a_reservation_line_whose_parent_is_missing_is_a_stock_problem(chain):
    receive(chain["WH"], **{"SHOE-40": 2})
    reserve("ord_orphan", ("SHOE-40", 1), locations=["WH"])
    assert queries.stock_problems() == []
    line = ReservationLine.objects.get(reservation__reference="ord_orphan")
    ReservationLine.objects.filter(pk=line.pk).update(stock_id=10**9)  # no constraint refuses it any more
    ReservationLine.objects.create(reservation_id=10**9, stock_id=line.stock_id, quantity=1, state="released")

    problems = queries.stock_problems()

    assert sum("its reservation or stock row is missing" in p for p in problems) == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_checks_of_a_reservations_rows_are_in_the_form_cheap_to_check():
    """PostgreSQL parses every CHECK of a table again for each INSERT: a reservation's rows keep one
    CHECK per rule, the "known value" ones against one constant array (migration 0011)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid IN "
                       "('inventory_reservation'::regclass, 'inventory_reservationline'::regclass) ORDER BY conname")
        checks = dict(cursor.fetchall())
    assert set(checks) == {"reservation_status_known", "reservation_line_positive", "reservation_line_state_known"}
    assert "ARRAY[" not in checks["reservation_status_known"] + checks["reservation_line_state_known"]


@pytest.mark.django_db
def test_a_reservation_row_with_an_unknown_status_or_state_or_no_units_is_refused(chain):
    from django.db import IntegrityError

    from omnicanal.inventory.models import LineState, ReservationStatus

    receive(chain["WH"], **{"SHOE-40": 2})
    made = reserve("ord_checks", ("SHOE-40", 1), locations=["WH"])
    line = ReservationLine.objects.get(reservation__reference="ord_checks")
    for model, pk, change in ((Reservation, made.pk, {"status": "lost"}), (ReservationLine, line.pk, {"state": "lost"}),
                              (ReservationLine, line.pk, {"quantity": 0})):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(**change)
    for status in ReservationStatus.values:
        with transaction.atomic():
            Reservation.objects.filter(pk=made.pk).update(status=status)
            transaction.set_rollback(True)
    for state in LineState.values:
        with transaction.atomic():
            ReservationLine.objects.filter(pk=line.pk).update(state=state)
            transaction.set_rollback(True)

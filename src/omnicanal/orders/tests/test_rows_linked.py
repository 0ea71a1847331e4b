"""core.rows.insert_linked: an order, its lines, fulfilments, their lines and payments in ONE statement
on PostgreSQL (a CTE per batch, the foreign keys read from the earlier CTE), batch by batch elsewhere;
what is stored is what bulk_create stores, and the instances get their keys (issue 23)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnicanal.core import rows
from omnicanal.orders.models import Fulfillment, FulfillmentLine, Order, OrderLine, Payment

AT = dt.datetime(2026, 12, 7, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _graph(n: int):
    order = Order(public_id=f"ord_linked{n}", channel="web", delivery_method="ship", address={"city": "Santiago"},
                  contact={"name": "Ána"}, currency="CLP", subtotal=Decimal(79980), total=Decimal(83970),
                  shipping=Decimal(3990), tax_lines=[{"name": "IVA"}], placed_at=AT,
                  sourcing=[{"fulfillment": f"ful_a{n}"}])
    lines = [OrderLine(order=order, sku=sku, title=f"Producto {sku}", quantity=q, unit_price=Decimal(39990),
                       total=Decimal(39990 * q)) for sku, q in (("A", 1), ("B", 2), ("C", 1))]
    fulfillments = [Fulfillment(public_id=f"ful_{x}{n}", order=order, location=x.upper(), method="ship",
                                status="pending", reservation_ref=order.public_id, created_at=AT, updated_at=AT,
                                history=[{"status": "pending"}]) for x in ("a", "b")]
    flines = [FulfillmentLine(fulfillment=fulfillments[0], order_line=lines[0], sku="A", quantity=1),
              FulfillmentLine(fulfillment=fulfillments[0], order_line=lines[2], sku="C", quantity=1),
              FulfillmentLine(fulfillment=fulfillments[1], order_line=lines[1], sku="B", quantity=2)]
    payments = [Payment(public_id=f"pay_linked{n}", order=order, method="card", provider="testpay",
                        status="pending", amount=Decimal(83970), created_at=AT, updated_at=AT)]
    return order, lines, fulfillments, flines, payments


def _stored(order_pk):
    """Every row of the order, keys replaced by their place (the two graphs differ only in their keys)."""
    order = Order.objects.filter(pk=order_pk).values().get()
    lines = list(OrderLine.objects.filter(order_id=order_pk).order_by("pk").values())
    fuls = list(Fulfillment.objects.filter(order_id=order_pk).order_by("pk").values())
    line_at = {row["id"]: i for i, row in enumerate(lines)}
    ful_at = {row["id"]: i for i, row in enumerate(fuls)}
    flines = [(ful_at[r["fulfillment_id"]], line_at[r["order_line_id"]], r["sku"], r["quantity"]) for r in
              FulfillmentLine.objects.filter(fulfillment__order_id=order_pk).order_by("pk").values()]
    strip = ("id", "order_id", "public_id", "reservation_ref", "sourcing")
    pays = list(Payment.objects.filter(order_id=order_pk).order_by("pk").values())
    return ({k: v for k, v in order.items() if k not in strip},
            [{k: v for k, v in r.items() if k not in strip} for r in lines],
            [{k: v for k, v in r.items() if k not in strip} for r in fuls], flines,
            [{k: v for k, v in r.items() if k not in strip + ("provider_ref",)} for r in pays])


def test_insert_linked_stores_what_batch_by_batch_inserts_store_and_links_the_keys(db):
    # given the same order graph, written in one call and batch by batch (core.rows.insert, bulk_create's values)
    order, lines, fulfillments, flines, payments = _graph(1)
    rows.insert_linked([order], lines, fulfillments, flines, payments)
    theirs = _graph(2)
    rows.insert([theirs[0]])
    for batch in theirs[1:]:
        rows.insert(batch)
    # then every row holds the same values, each fulfilment line pointing at its own fulfilment and line
    assert _stored(order.pk) == _stored(theirs[0].pk)
    assert [(f.fulfillment_id, f.order_line_id) for f in flines] == [
        (fulfillments[0].pk, lines[0].pk), (fulfillments[0].pk, lines[2].pk), (fulfillments[1].pk, lines[1].pk)]
    # and the instances have their keys and their foreign key columns, as after a save
    every = [order, *lines, *fulfillments, *flines, *payments]
    assert all(o.pk is not None and not o._state.adding for o in every)
    assert {line.order_id for line in lines} == {f.order_id for f in fulfillments} == {payments[0].order_id} == {order.pk}
    assert FulfillmentLine.objects.filter(fulfillment__order=order).count() == 3


@pytest.mark.postgres
def test_insert_linked_is_one_prepared_statement_on_postgresql(db, monkeypatch):
    # given an order graph of five tables, and the statements core.libpq runs counted
    from omnicanal.core.libpq import HotStatement

    sent = []
    run_encoded = HotStatement.run_encoded
    monkeypatch.setattr(HotStatement, "run_encoded", lambda self, *a, **k: sent.append(self.sql) or run_encoded(self, *a, **k))
    graph = _graph(3)
    # when it is written
    with CaptureQueriesContext(connection) as captured:
        rows.insert_linked([graph[0]], *graph[1:])
    # then it took one statement, prepared and sent with its parameters as text (none through psycopg)
    assert len(sent) == 1 and sent[0].startswith(b"WITH c0 AS (INSERT INTO")
    assert captured.captured_queries == []


@pytest.mark.postgres
def test_a_large_graph_goes_through_psycopg_unprepared_and_stores_the_same(db):
    # given an order of twenty lines (beyond the shapes kept prepared), and the same written batch by batch
    def big(n):
        order = _graph(n)[0]
        lines = [OrderLine(order=order, sku=f"S{i}", title="Z", quantity=1, unit_price=Decimal(1), total=Decimal(1))
                 for i in range(20)]
        return order, lines
    order, lines = big(30)
    theirs = big(31)
    # when it is written in one call
    with CaptureQueriesContext(connection) as captured:
        rows.insert_linked([order], lines)
    rows.insert([theirs[0]])
    rows.insert(theirs[1])
    # then one statement went through psycopg, and the rows are the same
    assert len(captured.captured_queries) == 1
    assert _stored(order.pk)[:2] == _stored(theirs[0].pk)[:2]


@pytest.mark.postgres
def test_a_prepared_insert_that_breaks_a_constraint_raises_djangos_integrity_error(db):
    # given an order already stored
    from django.db import IntegrityError, transaction

    rows.insert_linked([_graph(40)[0]])
    # when another with the same public id is written in one call
    again = _graph(40)
    # then Django's IntegrityError is raised, as the ORM raises it, and nothing more is stored
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_linked([again[0]], again[1])
    assert Order.objects.filter(public_id="ord_linked40").count() == 1


def test_insert_linked_takes_a_saved_parent_and_skips_empty_batches(db):
    # given an order already stored, and new lines of it
    order = _graph(4)[0]
    rows.insert([order])
    lines = [OrderLine(order=order, sku="Z", title="Z", quantity=1, unit_price=Decimal(1), total=Decimal(1))]
    # when they are written with an empty batch beside them
    rows.insert_linked(lines, [])
    # then the line belongs to the stored order
    assert OrderLine.objects.get(pk=lines[0].pk).order_id == order.pk


def test_insert_linked_refuses_an_unsaved_parent_it_does_not_write(db):
    # given a line whose order is neither stored nor among the batches
    order = _graph(5)[0]
    line = OrderLine(order=order, sku="Z", title="Z", quantity=1, unit_price=Decimal(1), total=Decimal(1))
    # then writing it alone is refused, as a save would refuse it, and nothing is stored
    with pytest.raises(ValueError):
        rows.insert_linked([line])
    assert not OrderLine.objects.filter(sku="Z").exists()


class _Undo(Exception):
    pass


@pytest.mark.postgres
def test_insert_linked_leaves_core_libpq_statements_prepared_across_rollbacks(db):
    # given a hot statement prepared on the connection (core.libpq)
    from django.db import transaction

    from omnicanal.core.libpq import HotStatement

    probe = HotStatement("omnicanal_test_rows_probe", "SELECT %(n)s::int + 1")
    assert probe.run({"n": 1}) == [("2",)]
    # when the same order graph's shape is written more often than psycopg's prepare threshold, each rolled back
    for n in range(8):
        with pytest.raises(_Undo), transaction.atomic():
            graph = _graph(10 + n)
            rows.insert_linked([graph[0]], *graph[1:])
            raise _Undo
    # then the hot statement still runs inside a transaction (psycopg sent no DEALLOCATE ALL)
    with transaction.atomic():
        assert probe.run({"n": 2}) == [("3",)]

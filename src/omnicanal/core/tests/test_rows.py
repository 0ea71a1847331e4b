"""core.rows.insert writes what bulk_create writes, with SQL composed once per shape (issue 23)."""

import datetime as dt

from omnicanal.core import rows
from omnicanal.core.models import OutboxEvent

AT = dt.datetime(2026, 12, 7, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _event(n):
    return OutboxEvent(topic=f"tests.Row{n}", payload={"n": n, "nested": [1, "á", None]}, created_at=AT,
                       request_id=f"req-{n}")


def _stored(pks):
    return [{k: v for k, v in row.items() if k != "id"}
            for row in OutboxEvent.objects.filter(pk__in=pks).order_by("pk").values()]


def test_insert_stores_the_rows_bulk_create_stores_and_sets_their_keys(db):
    # given the same new events, written both ways
    ours = rows.insert([_event(1), _event(2)])
    theirs = OutboxEvent.objects.bulk_create([_event(1), _event(2)])
    # then every column holds the same values, defaults included, and the instances have their keys
    assert _stored([o.pk for o in ours]) == _stored([o.pk for o in theirs])
    assert all(o.pk is not None and not o._state.adding for o in ours)
    assert [o.topic for o in OutboxEvent.objects.filter(pk__in=[o.pk for o in ours]).order_by("pk")] == [
        "tests.Row1", "tests.Row2"]


def test_insert_hands_what_it_does_not_write_to_bulk_create(db):
    # given an instance whose key is already chosen
    chosen = _event(3)
    chosen.pk = 987654
    # when it is inserted
    rows.insert([chosen])
    # then it is written as bulk_create writes it, under that key
    assert OutboxEvent.objects.get(pk=987654).topic == "tests.Row3"


def test_insert_of_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows.insert([]) == []

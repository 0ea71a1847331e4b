from django.db import transaction

from omnicanal.customers import queries
from omnicanal.customers.models import Customer, Identity, TimelineEvent
from omnicanal.customers.services import do_identify_many


def test_a_batch_has_the_outcome_of_calling_identify_for_each_in_turn(customer):
    requests = [
        {"channel": "web", "identities": [{"kind": "email", "value": "new1@example.cl"}], "traits": {"name": "Uno"}},
        {"channel": "pos", "identities": [{"kind": "phone", "value": "9 8765 4321"}]},  # returning
        {"channel": "web", "identities": [{"kind": "email", "value": "new2@example.cl"}]},
        {"channel": "app", "identities": [{"kind": "email", "value": "NEW1@example.cl"},  # depends on the first
                                         {"kind": "app_device", "value": "dev-1"}]},
        {"channel": "whatsapp", "identities": [{"kind": "whatsapp", "value": "56987654321"}]},  # attaches
    ]
    with transaction.atomic():
        results = do_identify_many(requests=requests)
    assert [r.created for r in results] == [True, False, True, False, False]
    assert results[1].customer_id == results[4].customer_id == customer.public_id
    assert results[3].customer_id == results[0].customer_id
    assert Customer.objects.count() == 3
    assert queries.find_by_identity("app_device", "dev-1").public_id == results[0].customer_id
    assert Identity.objects.filter(kind="whatsapp", customer=customer).exists()
    assert TimelineEvent.objects.filter(type="customer.created").count() == 3


def test_an_empty_batch_is_empty(db):
    assert do_identify_many(requests=[]) == []


def test_the_new_customers_identities_and_entries_are_written_together_and_a_conflict_goes_one_by_one(db, monkeypatch):
    from django.db import IntegrityError, connection
    from django.test.utils import CaptureQueriesContext

    from omnicanal.core.testing import hot_statements
    from omnicanal.customers.services import identify

    requests = [{"channel": "whatsapp", "identities": [{"kind": "whatsapp", "value": f"5698765430{n}"}]}
                for n in range(3)]
    # given three new senders, identified in one call
    hot = hot_statements(monkeypatch)  # a few rows go as a prepared statement (core.rows)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        results = do_identify_many(requests=requests)
    # then each is a customer holding its identity and its "created" entry, all in one INSERT on PostgreSQL
    assert [r.created for r in results] == [True, True, True]
    for result, request in zip(results, requests, strict=True):
        identity = Identity.objects.get(kind="whatsapp", value=f"+{request['identities'][0]['value']}")
        assert identity.customer.public_id == result.customer_id
        assert TimelineEvent.objects.filter(customer=identity.customer, type="customer.created").count() == 1
    inserts = [s for s in [q["sql"] for q in captured.captured_queries] + hot if "INSERT INTO" in s and "customers_" in s]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)

    # and when a concurrent writer takes an identifier meanwhile, the batch's rows go and each is identified alone
    real = identify.core_rows.insert_linked
    calls = []

    def conflict(*batches):
        calls.append(len(batches))
        if len(calls) == 1:
            real(*batches)
            raise IntegrityError("taken meanwhile")
        return real(*batches)

    monkeypatch.setattr(identify.core_rows, "insert_linked", conflict)
    more = [{"channel": "whatsapp", "identities": [{"kind": "whatsapp", "value": f"5698765431{n}"}]} for n in range(2)]
    with transaction.atomic():
        again = do_identify_many(requests=more)
    assert [r.created for r in again] == [True, True]
    assert Customer.objects.count() == 5 and TimelineEvent.objects.filter(type="customer.created").count() == 5

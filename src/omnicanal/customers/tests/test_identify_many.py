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

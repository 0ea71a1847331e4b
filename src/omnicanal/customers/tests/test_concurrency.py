"""Concurrency promises on PostgreSQL, across processes."""

import pytest

from omnicanal.core.testing import run_in_processes
from omnicanal.customers.models import Customer, Identity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def identify_email(email: str) -> str:
    from django.db import transaction

    from omnicanal.customers.services import do_identify

    with transaction.atomic():
        return do_identify(channel="web", identities=[{"kind": "email", "value": email}]).customer_id


def identify_pair(email: str, phone: str) -> str:
    from django.db import transaction

    from omnicanal.customers.services import do_identify

    with transaction.atomic():
        return do_identify(channel="app", identities=[{"kind": "email", "value": email, "verified": True},
                                                      {"kind": "phone", "value": phone, "verified": True}]).customer_id


def test_simultaneous_identify_calls_with_the_same_new_email_make_one_customer():
    results = run_in_processes(f"{__name__}:identify_email", [("NEW@example.cl",), ("new@example.cl",),
                                                              (" New@Example.cl",), ("new@example.cl",)])
    assert len(set(results)) == 1
    assert Customer.objects.count() == 1 and Identity.objects.count() == 1


def test_simultaneous_merging_calls_end_in_one_customer():
    from django.db import transaction

    from omnicanal.customers.services import do_identify

    with transaction.atomic():
        do_identify(channel="web", identities=[{"kind": "email", "value": "a@example.cl", "verified": True}])
        do_identify(channel="pos", identities=[{"kind": "phone", "value": "+56976543210", "verified": True}])
    results = run_in_processes(f"{__name__}:identify_pair", [("a@example.cl", "+56976543210")] * 3)
    assert len(set(results)) == 1
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1

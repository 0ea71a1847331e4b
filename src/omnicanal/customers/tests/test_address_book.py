"""The address book: entries per customer, one default that is also the profile address; merge moves
it, export lists it, erasure removes it."""

import pytest
from django.db import transaction

from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.customers import queries, services
from omnicanal.customers.models import SavedAddress

HOME = {"label": "Casa", "line1": "Av. Apoquindo 4500", "city": "Las Condes", "country": "cl"}
WORK = {"label": "Oficina", "line1": "Huérfanos 1160", "line2": "piso 3", "city": "Santiago"}


def add(customer_id, address, **kw):
    with transaction.atomic():
        return services.do_add_address(customer_id=customer_id, address=address, **kw)


def test_the_first_address_is_the_default_and_the_profile_address(customer):
    home = add(customer.public_id, HOME)
    add(customer.public_id, WORK)

    book = queries.address_book(customer.public_id)

    assert [(a.label, a.is_default, a.country) for a in book] == [("Casa", True, "CL"), ("Oficina", False, "CL")]
    assert queries.customer_summary(customer.public_id).address.line1 == "Av. Apoquindo 4500"
    assert queries.book_address(customer.public_id, home.public_id).city == "Las Condes"


def test_choosing_another_default_moves_the_profile_address_and_deleting_it_promotes_the_oldest(customer):
    home = add(customer.public_id, HOME)
    work = add(customer.public_id, WORK)

    with transaction.atomic():
        services.do_set_default_address(customer_id=customer.public_id, address_id=work.public_id)
    assert queries.customer_summary(customer.public_id).address.line1 == "Huérfanos 1160"

    with transaction.atomic():
        services.do_delete_address(customer_id=customer.public_id, address_id=work.public_id)
    assert [(a.id, a.is_default) for a in queries.address_book(customer.public_id)] == [(home.public_id, True)]
    assert queries.customer_summary(customer.public_id).address.line1 == "Av. Apoquindo 4500"

    with transaction.atomic():
        services.do_delete_address(customer_id=customer.public_id, address_id=home.public_id)
    assert queries.customer_summary(customer.public_id).address is None


def test_bad_input_names_each_field_and_writes_nothing(customer):
    with pytest.raises(ValidationFailed) as caught:
        add(customer.public_id, {"line1": " ", "city": "", "country": "Chile", "label": "x" * 61})

    assert {e.field for e in caught.value.errors} == {"line1", "city", "country", "label"}
    assert not SavedAddress.objects.exists()


def test_another_customers_address_is_not_found(customer, identify):
    other = identify("web", ("email", "otro@example.cl", True), name="Otro").customer
    theirs = add(other.public_id, HOME)

    with pytest.raises(NotFound):
        queries.book_address(customer.public_id, theirs.public_id)
    with pytest.raises(NotFound), transaction.atomic():
        services.do_update_address(customer_id=customer.public_id, address_id=theirs.public_id, address=WORK)
    with pytest.raises(NotFound), transaction.atomic():
        services.do_delete_address(customer_id=customer.public_id, address_id=theirs.public_id)
    assert queries.book_address(other.public_id, theirs.public_id).line1 == HOME["line1"]


def test_editing_the_profile_address_updates_the_default_entry(customer):
    add(customer.public_id, HOME)

    with transaction.atomic():
        services.do_update_profile(customer_id=customer.public_id, address={"line1": "Los Leones 123", "city": "Providencia"})

    [entry] = queries.address_book(customer.public_id)
    assert (entry.line1, entry.city, entry.is_default) == ("Los Leones 123", "Providencia", True)


def test_a_merge_brings_the_other_book_along_and_keeps_one_default(customer, identify):
    other = identify("web", ("email", "otra@example.cl", True), name="Ana R.").customer
    add(customer.public_id, HOME)
    add(other.public_id, WORK)

    with transaction.atomic():
        services.do_merge_customers(survivor=customer.public_id, other=other.public_id)

    book = queries.address_book(customer.public_id)
    assert sorted(a.label for a in book) == ["Casa", "Oficina"]
    assert [a.label for a in book if a.is_default] == ["Casa"]


def test_export_lists_the_book_and_erasure_removes_it(customer):
    add(customer.public_id, HOME)
    add(customer.public_id, WORK)

    with transaction.atomic():
        exported = services.do_export_customer(customer=customer.public_id)
    assert [a["line1"] for a in exported["addresses"]] == ["Av. Apoquindo 4500", "Huérfanos 1160"]

    with transaction.atomic():
        services.do_erase_customer(customer=customer.public_id)
    assert not SavedAddress.objects.exists()
    assert queries.customer_summary(customer.public_id).address is None


def test_the_migration_makes_each_profile_address_the_default_entry(customer):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("omnicanal.customers.migrations.0002_address_book")
    with transaction.atomic():
        services.do_update_profile(customer_id=customer.public_id, address={"line1": "Los Leones 123", "city": "Providencia"})
    SavedAddress.objects.all().delete()  # as before the book existed

    migration.profile_addresses_into_the_book(apps, None)

    [entry] = queries.address_book(customer.public_id)
    assert (entry.line1, entry.city, entry.country, entry.is_default, entry.recipient) == (
        "Los Leones 123", "Providencia", "CL", True, "Ana Rojas")

"""The seam customers offers other domains and the storefront: frozen summaries, never the model row."""

import dataclasses

import pytest
from django.db import models, transaction

from omnicanal.core.errors import NotFound
from omnicanal.customers import queries
from omnicanal.customers.queries import CustomerSummary, IdentityInfo, PostalAddress
from omnicanal.customers.services import (
    IdentifiedCustomer,
    do_attach_identity,
    do_erase_customer,
    do_identify,
    do_identify_many,
    do_merge_customers,
    do_update_preferences,
    do_update_profile,
)


def test_a_summary_holds_what_an_account_page_shows(customer):
    # given Ana with a verified email, a phone, a language, preferred channels and an address
    with transaction.atomic():
        do_update_preferences(customer_id=customer.public_id, language="es",
                              preferred_channels={"transactional": "whatsapp", "marketing": "email"})
        do_update_profile(customer_id=customer.public_id, address={
            "line1": "Av. Apoquindo 4500", "line2": "Depto 12", "city": "Las Condes", "region": "RM",
            "postal_code": "7550000", "country": "CL"})
    # when another domain asks for her
    ana = queries.customer_summary(customer.public_id)
    # then it gets a frozen summary with her contact points, preferences and address
    assert type(ana) is CustomerSummary
    assert (ana.id, ana.name, ana.first_name) == (customer.public_id, "Ana Rojas", "Ana")
    assert (ana.email, ana.phone, ana.language) == ("ana.rojas@example.cl", "+56987654321", "es")
    assert ana.preferred_channel == "whatsapp" and ana.preferred_for("marketing") == "email"
    assert ana.address == PostalAddress(line1="Av. Apoquindo 4500", line2="Depto 12", city="Las Condes", region="RM",
                                        postal_code="7550000", country="CL")
    assert ana.created_at == customer.created_at and not ana.anonymous and not ana.erased
    with pytest.raises(dataclasses.FrozenInstanceError):
        ana.name = "x"  # type: ignore[misc]


def test_an_unknown_id_is_not_found_and_a_merged_id_answers_the_survivor(identify, customer):
    # given a second profile merged into Ana
    other = identify("whatsapp", ("whatsapp", "+56976543210")).customer
    with transaction.atomic():
        do_merge_customers(survivor=customer, other=other)
    # then the merged id answers Ana; her best phone is now the WhatsApp number the channel verified,
    # before her own unverified phone
    assert queries.customer_summary(other.public_id).id == customer.public_id
    assert queries.customer_summary(other.public_id).phone == "+56976543210"
    with pytest.raises(NotFound):
        queries.customer_summary("cus_00000000000000000000000000")
    # and the batch read keys each asked id, leaving unknown ones out
    many = queries.customer_summaries([customer.public_id, other.public_id, "cus_00000000000000000000000000", ""])
    assert set(many) == {customer.public_id, other.public_id}
    assert many[other.public_id] == many[customer.public_id]


def test_the_verified_email_comes_before_a_more_recent_unverified_one(identify):
    # given a verified email seen first, then an unverified one seen later
    first = identify("web", ("email", "old@example.cl", True), name="Pedro Soto").customer
    identify("web", ("email", "old@example.cl", True), ("email", "new@example.cl"))
    # then the verified address is the one to write to
    assert queries.customer_summary(first.public_id).email == "old@example.cl"


def test_an_anonymous_visitor_and_an_erased_customer_say_so(identify, customer):
    visitor = identify("webchat", ("webchat", "visitor-123")).customer
    summary = queries.customer_summary(visitor.public_id)
    assert summary.anonymous and summary.name == "" and summary.email is None and summary.address is None
    with transaction.atomic():
        do_erase_customer(customer=customer, reason="request")
    erased = queries.customer_summary(customer.public_id)
    assert erased.erased and erased.name == "" and erased.email is None


def test_summary_by_identity_takes_any_format(customer):
    assert queries.summary_by_identity("phone", "9 8765 4321").id == customer.public_id
    assert queries.summary_by_identity("email", "nobody@example.cl") is None


def test_identities_of_are_frozen_values(customer):
    found = queries.identities_of(customer.public_id)
    assert IdentityInfo(kind="email", value="ana.rojas@example.cl", verified=True) in found
    assert IdentityInfo(kind="phone", value="+56987654321", verified=False) in found


def test_customer_ids_leave_merged_profiles_out(identify, customer):
    other = identify("whatsapp", ("whatsapp", "+56976543210")).customer
    third = identify("web", ("email", "third@example.cl")).customer
    with transaction.atomic():
        do_merge_customers(survivor=customer, other=other)
    assert queries.customer_ids(limit=10) == [customer.public_id, third.public_id]
    assert queries.customer_ids(limit=1, newest_first=True) == [third.public_id]


def test_identities_by_id_reads_many_customers_at_once(identify, customer):
    other = identify("web", ("email", "third@example.cl")).customer
    found = queries.identities_by_id([customer.public_id, other.public_id, "cus_00000000000000000000000000"])
    assert set(found) == {customer.public_id, other.public_id}
    assert found[other.public_id] == [IdentityInfo(kind="email", value="third@example.cl", verified=False)]
    assert [i.kind for i in found[customer.public_id]] == ["email", "phone"]


def _frozen_without_rows(value) -> None:
    assert dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen
    for f in dataclasses.fields(value):
        held = getattr(value, f.name)
        assert not isinstance(held, models.Model), f"{type(value).__name__}.{f.name} is a model row"
        if dataclasses.is_dataclass(held):
            _frozen_without_rows(held)


def test_identify_hands_other_domains_frozen_results_never_the_model_row(db):
    # when a channel (another domain) resolves a new sender, a returning one, and a receipt's email
    with transaction.atomic():
        first = do_identify(channel="whatsapp", identities=[{"kind": "whatsapp", "value": "+56987654321"}],
                            traits={"name": "Ana Rojas", "language": "es"})
        again = do_identify(channel="whatsapp", identities=[{"kind": "whatsapp", "value": "+56987654321"}])
        batch = do_identify_many(requests=[{"channel": "web", "identities": [{"kind": "email", "value": "b@example.cl"}]}])
        given = do_attach_identity(customer_id=first.customer_id, value="ana@example.cl", channel="pos", source="receipt")
    # then each answer is a frozen dataclass holding no model row, the customer as an IdentifiedCustomer
    for result in (first, again, *batch, given):
        _frozen_without_rows(result)
        assert type(result.customer) is IdentifiedCustomer
    assert first.created and not again.created and again.customer == first.customer
    assert (first.customer.id, first.customer.name, first.customer.language) == (first.customer_id, "Ana Rojas", "es")
    assert not first.customer.anonymous and not first.customer.erased
    assert (given.customer_id, given.outcome) == (first.customer_id, "attached")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.customer.language = "en"  # type: ignore[misc]

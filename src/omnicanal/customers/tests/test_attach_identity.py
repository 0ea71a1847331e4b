"""do_attach_identity: an email given for a receipt at the counter joins the right profile, never
moves away from its owner, and an invalid one writes nothing."""

import pytest
from django.db import transaction
from django.utils import translation

from omnicanal.core.errors import ValidationFailed
from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.customers import queries
from omnicanal.customers.models import Customer, Identity, MergeSuggestion, TimelineEvent
from omnicanal.customers.services import do_attach_identity


def attach(customer_id, value, **kw):
    with transaction.atomic():
        return do_attach_identity(customer_id=customer_id, value=value, channel="pos", source="receipt",
                                  field_name="receipt_email", **kw)


@pytest.fixture
def buyer(identify):
    """Known at the counter by phone only."""
    return identify("pos", ("phone", "+56998765432"), name="Bruno Díaz").customer


def test_an_unowned_address_is_attached_unverified_to_the_identified_buyer(buyer):
    result = attach(buyer.public_id, "  Bruno.Diaz@Example.CL ")
    assert (result.customer_id, result.outcome, result.value) == (buyer.public_id, "attached", "bruno.diaz@example.cl")
    identity = Identity.objects.get(kind="email")
    assert (identity.customer_id, identity.value, identity.verified, identity.source_channel) == (
        buyer.pk, "bruno.diaz@example.cl", False, "pos")
    assert TimelineEvent.objects.filter(customer=buyer, type="identity.attached").exists()
    assert OutboxEvent.objects.filter(topic="customers.IdentityAttached", payload__customer_id=buyer.public_id).exists()
    entry = AuditEntry.objects.get(action="customer.attach_identity")
    assert entry.target_id == buyer.public_id and "bruno" not in str(entry.after)  # ids only, no personal data
    assert queries.reachable_on(buyer.public_id, "email") == "bruno.diaz@example.cl"


def test_the_buyers_own_address_changes_nothing(customer):
    result = attach(customer.public_id, "ANA.ROJAS@example.cl")
    assert result.outcome == "already_theirs" and result.customer_id == customer.public_id
    assert Identity.objects.filter(kind="email").count() == 1 and not MergeSuggestion.objects.exists()
    assert not AuditEntry.objects.filter(action="customer.attach_identity").exists()


def test_another_customers_address_is_not_moved_and_staff_get_a_suggestion(customer, buyer):
    result = attach(buyer.public_id, "ana.rojas@example.cl")
    # the receipt still belongs to the buyer; the address stays with its owner
    assert result.outcome == "owned_by_another" and result.customer_id == buyer.public_id
    identity = Identity.objects.get(kind="email")
    assert identity.customer_id == customer.pk and identity.verified
    assert not Identity.objects.filter(customer=buyer, kind="email").exists()
    suggestion = MergeSuggestion.objects.get()
    assert result.suggestion_id == suggestion.public_id and suggestion.status == "open"
    assert {suggestion.customer_a_id, suggestion.customer_b_id} == {customer.pk, buyer.pk}
    assert suggestion.reasons[0]["code"] == "identity_given_by_other"
    with translation.override("es"):
        assert "para una boleta" in queries.suggestion_reason_labels(suggestion)[0]  # staff read why
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0  # both profiles stay as they are
    # asked again (the next sale): the same suggestion, nothing more
    again = attach(buyer.public_id, "ana.rojas@example.cl")
    assert again.suggestion_id == suggestion.public_id and MergeSuggestion.objects.count() == 1


def test_an_anonymous_sale_finds_the_addresss_owner(customer):
    result = attach(None, "Ana.Rojas@Example.cl")
    assert (result.outcome, result.customer_id) == ("found_owner", customer.public_id)
    assert Customer.objects.count() == 1


def test_an_anonymous_sale_with_a_new_address_creates_its_customer(db):
    result = attach("", "nuevo@example.cl")
    assert result.outcome == "created"
    identity = Identity.objects.get()
    assert identity.customer.public_id == result.customer_id and not identity.verified
    assert (identity.kind, identity.value, identity.source_channel) == ("email", "nuevo@example.cl", "pos")
    assert not result.customer.anonymous
    assert OutboxEvent.objects.filter(topic="customers.CustomerCreated").count() == 1


@pytest.mark.parametrize("value", ["not-an-email", "ana@", "", "x" * 250 + "@example.cl"])
def test_an_invalid_address_is_a_422_on_the_field_and_writes_nothing(buyer, value):
    before = (Customer.objects.count(), Identity.objects.count(), TimelineEvent.objects.count(),
              OutboxEvent.objects.count(), MergeSuggestion.objects.count())
    for customer_id in (buyer.public_id, None):
        with pytest.raises(ValidationFailed) as caught:
            attach(customer_id, value)
        assert caught.value.status == 422 and [e.field for e in caught.value.errors] == ["receipt_email"]
    assert (Customer.objects.count(), Identity.objects.count(), TimelineEvent.objects.count(),
            OutboxEvent.objects.count(), MergeSuggestion.objects.count()) == before


def test_a_merged_buyer_gets_the_address_on_the_survivor(identify, buyer):
    from omnicanal.customers.services import do_merge_customers

    other = identify("pos", ("loyalty_card", "7001"), name="Bruno Díaz").customer
    with transaction.atomic():
        do_merge_customers(survivor=buyer, other=other, reason="console")
    result = attach(other.public_id, "bruno@example.cl")
    assert result.outcome == "attached" and result.customer_id == buyer.public_id
    assert Identity.objects.get(kind="email").customer_id == buyer.pk

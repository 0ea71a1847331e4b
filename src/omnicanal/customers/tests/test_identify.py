import pytest
from django.db import transaction

from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import queries
from omnicanal.customers.models import Customer, Identity, MergeSuggestion


def test_unknown_identities_make_a_new_customer(identify):
    # given nothing known, when a WhatsApp number writes
    result = identify("whatsapp", ("whatsapp", "56987654321"))
    # then one customer holds it, normalized and verified by the channel itself
    assert result.created and result.merged_ids == ()
    identity = Identity.objects.get()
    assert (identity.kind, identity.value, identity.verified, identity.source_channel) == (
        "whatsapp", "+56987654321", True, "whatsapp")


def test_one_phone_in_three_formats_is_one_customer(identify):
    first = identify("pos", ("phone", "9 8765 4321"))
    second = identify("web", ("phone", "+56987654321"))
    third = identify("sms", ("phone", "56 9 8765-4321"))
    assert first.customer_id == second.customer_id == third.customer_id
    assert not second.created and not third.created
    assert Customer.objects.count() == 1


def test_a_whatsapp_id_finds_the_customer_known_by_phone(identify):
    shop = identify("web", ("phone", "9 8765 4321"), name="Ana")
    chat = identify("whatsapp", ("whatsapp", "56987654321"))
    assert chat.customer_id == shop.customer_id
    assert sorted(Identity.objects.values_list("kind", flat=True)) == ["phone", "whatsapp"]


def test_one_match_attaches_the_new_identities(identify, customer):
    result = identify("pos", ("email", "ANA.ROJAS@example.cl"), ("loyalty_card", " 7001234 "))
    assert result.customer_id == customer.public_id and not result.created
    assert set(customer.identities.values_list("kind", "value")) == {
        ("email", "ana.rojas@example.cl"), ("phone", "+56987654321"), ("loyalty_card", "7001234")}


def test_an_anonymous_visitor_joins_the_known_customer_when_they_give_their_email_in_chat(identify, customer):
    # given an anonymous web chat visitor with a history of their own
    visitor = identify("webchat", ("webchat", "wc-123")).customer
    # when they give their email in the chat (unverified)
    result = identify("webchat", ("webchat", "wc-123"), ("email", "ana.rojas@example.cl"))
    # then the visitor becomes the known customer
    assert result.customer_id == customer.public_id
    assert result.merged_ids == (visitor.public_id,)
    assert queries.resolve_id(visitor.public_id) == customer.public_id


def test_two_known_customers_linked_only_by_unverified_evidence_go_to_staff(identify):
    a = identify("web", ("email", "a@example.cl"), name="A").customer
    b = identify("pos", ("phone", "+56976543210"), name="B").customer
    result = identify("web", ("email", "a@example.cl"), ("phone", "+56976543210"))
    assert result.merged_ids == ()
    assert len(result.suggestion_ids) == 1
    assert Customer.objects.filter(merged_into__isnull=True).count() == 2
    pair = MergeSuggestion.objects.get()
    assert {pair.customer_a_id, pair.customer_b_id} == {a.pk, b.pk}


def test_verified_evidence_without_conflict_merges_automatically(identify):
    a = identify("web", ("email", "a@example.cl", True), name="A").customer
    b = identify("whatsapp", ("whatsapp", "+56976543210"), name="B").customer
    result = identify("app", ("email", "a@example.cl", True), ("whatsapp", "+56976543210", True))
    assert result.customer_id == a.public_id
    assert result.merged_ids == (b.public_id,)


def test_two_different_verified_emails_never_auto_merge(identify):
    a = identify("web", ("email", "a@example.cl", True), name="A").customer
    b = identify("web", ("email", "b@example.cl", True), ("phone", "+56976543210", True), name="B").customer
    # the phone of B and the email of A, both verified, arrive together
    result = identify("app", ("email", "a@example.cl", True), ("phone", "+56976543210", True))
    assert result.merged_ids == ()
    assert result.suggestion_ids
    assert queries.resolve_id(b.public_id) == b.public_id and queries.resolve_id(a.public_id) == a.public_id


def test_bad_identities_name_the_field(identify):
    with pytest.raises(ValidationFailed) as caught:
        identify("web", ("email", "ok@example.cl"), ("phone", "12"), ("fax", "1"))
    fields = {e.field for e in caught.value.errors}
    assert fields == {"identities.1.value", "identities.2.kind"}


def test_traits_fill_but_never_overwrite(identify, customer):
    identify("web", ("email", "ana.rojas@example.cl"), name="Otra Persona", language="en")
    customer.refresh_from_db()
    assert customer.name == "Ana Rojas"
    assert customer.language == "en"


def test_last_seen_moves_at_most_once_a_minute(identify, customer):
    from datetime import timedelta

    from omnicanal.core import clock

    row = customer.identities.get(kind="phone")
    later = clock.now() + timedelta(minutes=5)
    with clock.frozen(later):
        identify("pos", ("phone", "987654321"))
    row.refresh_from_db()
    assert row.last_seen_at == later


def test_a_retry_after_losing_the_race_finds_the_winner(db):
    # given the winner's identity is committed when the loser inserts, the loser resolves again
    from omnicanal.customers.services import identify as module

    calls = {"n": 0}
    real_lookup = module._lookup

    def blind_once(claims):
        calls["n"] += 1
        return {} if calls["n"] == 1 else real_lookup(claims)

    with transaction.atomic():
        winner = module.do_identify(channel="web", identities=[{"kind": "email", "value": "x@example.cl"}])
    module._lookup = blind_once
    try:
        with transaction.atomic():
            loser = module.do_identify(channel="web", identities=[{"kind": "email", "value": "x@example.cl"}])
    finally:
        module._lookup = real_lookup
    assert loser.customer_id == winner.customer_id and not loser.created
    assert Customer.objects.count() == 1

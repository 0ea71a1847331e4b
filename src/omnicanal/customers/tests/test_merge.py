from datetime import timedelta

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, NotFound
from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.customers import queries, registry
from omnicanal.customers.models import Consent, MergeRecord, MergeSuggestion, SuggestionStatus
from omnicanal.customers.services import (
    do_append_timeline,
    do_erase_customer,
    do_grant_consent,
    do_merge_customers,
    do_suggest_merge,
    do_update_preferences,
    do_withdraw_consent,
)


def merge(a, b):
    with transaction.atomic():
        return do_merge_customers(survivor=a, other=b)


def test_the_survivor_keeps_everything_and_the_merged_id_is_an_alias(identify):
    a = identify("web", ("email", "a@example.cl"), name="Ana Rojas").customer
    b = identify("whatsapp", ("whatsapp", "+56976543210")).customer
    with transaction.atomic():
        do_append_timeline(customer_id=b.public_id, type="message.in", channel="whatsapp", summary="Hola")
        do_update_preferences(customer=b, language="en", contact_from="09:00", contact_to="18:00",
                              preferred_channels={"transactional": "whatsapp"})
    survivor = merge(a, b)
    assert survivor.pk == a.pk
    assert {i.kind for i in survivor.identities.all()} == {"email", "whatsapp"}
    assert survivor.language == "en" and survivor.preferred_channels == {"transactional": "whatsapp"}
    assert queries.get_customer(b.public_id).pk == a.pk
    assert {t.type for t in queries.timeline(b.public_id)} >= {"message.in", "customer.merged"}
    record = MergeRecord.objects.get()
    assert record.moved["identities"][0]["kind"] == "whatsapp" and record.moved["timeline"] == 2
    entry = AuditEntry.objects.get(action="customer.merge")
    assert entry.target_id == a.public_id and entry.before == {"merged_id": b.public_id}
    assert OutboxEvent.objects.filter(topic="customers.CustomersMerged", payload__merged_id=b.public_id).exists()


def test_merging_into_itself_changes_nothing(customer):
    assert merge(customer, customer.public_id).pk == customer.pk
    assert not MergeRecord.objects.exists() and not AuditEntry.objects.filter(action="customer.merge").exists()


def test_an_alias_of_an_alias_resolves_in_one_hop(identify):
    a, b, c = (identify("web", ("email", f"{x}@example.cl")).customer for x in "abc")
    merge(b, c)
    merge(a, b)
    c.refresh_from_db()
    assert c.merged_into_id == a.pk
    assert queries.resolve_id(c.public_id) == a.public_id


def test_consents_conflict_the_latest_will_wins_and_the_other_is_recorded(identify):
    a = identify("web", ("email", "a@example.cl")).customer
    b = identify("web", ("email", "b@example.cl")).customer
    now = clock.now()
    with transaction.atomic():
        do_grant_consent(customer=a, channel="email", purpose="marketing", source="web", at=now - timedelta(days=9))
        do_withdraw_consent(customer=b, channel="email", purpose="marketing", source="email:unsubscribe", at=now)
        do_grant_consent(customer=b, channel="sms", purpose="surveys", source="pos", at=now)
    survivor = merge(a, b)
    kept = {(c.channel, c.purpose): c.granted for c in Consent.objects.filter(customer=survivor)}
    assert kept == {("email", "marketing"): False, ("sms", "surveys"): True}
    assert MergeRecord.objects.get().moved["consents_superseded"][0]["source"] == "web"


def test_other_domains_move_their_rows_through_merge_hooks(identify):
    seen = []

    def hook(*, survivor_id, merged_id):
        seen.append((survivor_id, merged_id))

    registry.on_merge(hook)
    try:
        a = identify("web", ("email", "a@example.cl")).customer
        b = identify("web", ("email", "b@example.cl")).customer
        merge(a, b)
        merge(a, b)
    finally:
        registry._merge_hooks.pop(registry._name(hook))
    assert seen == [(a.public_id, b.public_id)]


def test_suggestions_follow_the_survivor_and_the_merged_pair_closes(identify):
    a, b, c = (identify("web", ("email", f"{x}@example.cl"), name=x).customer for x in "abc")
    with transaction.atomic():
        ab = do_suggest_merge(customer=a, other=b, score=80, reasons=[])
        bc = do_suggest_merge(customer=b, other=c, score=80, reasons=[])
    merge(a, b)
    ab.refresh_from_db()
    bc.refresh_from_db()
    assert ab.status == SuggestionStatus.OBSOLETE
    assert (bc.customer_a_id, bc.customer_b_id) == (a.pk, c.pk) and bc.status == SuggestionStatus.OPEN
    assert MergeSuggestion.objects.filter(status="open").count() == 1


def test_erased_customers_cannot_be_merged_and_unknown_ids_are_not_found(identify):
    a = identify("web", ("email", "a@example.cl")).customer
    b = identify("web", ("email", "b@example.cl")).customer
    with transaction.atomic():
        do_erase_customer(customer=b)
    with pytest.raises(Conflict):
        merge(a, b)
    with pytest.raises(NotFound):
        merge(a, "cus_unknown")

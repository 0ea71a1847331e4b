import datetime as dt

from django.db import transaction

from omnicanal.core.models import OutboxEvent
from omnicanal.customers.queries import may_contact, reachable_on
from omnicanal.customers.services import (
    consent_keyword,
    do_grant_consent,
    do_update_preferences,
    do_withdraw_consent,
)


def test_marketing_needs_an_explicit_grant_on_that_channel(customer):
    cid = customer.public_id
    assert not may_contact(cid, "whatsapp", "marketing")
    with transaction.atomic():
        do_grant_consent(customer_id=cid, channel="whatsapp", purpose="marketing", source="web", proof="checkbox")
    assert may_contact(cid, "whatsapp", "marketing")
    assert not may_contact(cid, "email", "marketing")
    assert not may_contact(cid, "whatsapp", "surveys")


def test_transactional_messages_go_unless_withdrawn(customer):
    assert may_contact(customer.public_id, "email", "transactional")
    with transaction.atomic():
        do_withdraw_consent(customer=customer, channel="email", purpose="transactional", source="console")
    assert not may_contact(customer.public_id, "email", "transactional")


def test_stop_by_sms_withdraws_marketing_consent_at_once(customer):
    # given a customer who accepted marketing by SMS
    with transaction.atomic():
        do_grant_consent(customer=customer, channel="sms", purpose="marketing", source="pos")
    # when they answer STOP (the SMS channel recognises the keyword and calls the service)
    assert consent_keyword(" STOP ") == "withdraw" and consent_keyword("Baja") == "withdraw"
    assert consent_keyword("hola") is None and consent_keyword("START") == "grant"
    with transaction.atomic():
        consent = do_withdraw_consent(customer=customer, channel="sms", purpose="marketing", source="sms:STOP",
                                      proof="STOP")
    # then no marketing may be sent to them by SMS, and the withdrawal is an event with its source
    assert not may_contact(customer.public_id, "sms", "marketing")
    assert consent.source == "sms:STOP" and consent.proof == "STOP"
    event = OutboxEvent.objects.filter(topic="customers.ConsentWithdrawn").get()
    assert event.payload == {"customer_id": customer.public_id, "channel": "sms", "purpose": "marketing",
                             "source": "sms:STOP"}


def test_the_same_consent_twice_changes_nothing(customer):
    with transaction.atomic():
        first = do_grant_consent(customer=customer, channel="email", purpose="marketing", source="web")
        second = do_grant_consent(customer=customer, channel="email", purpose="marketing", source="app")
    assert second.source == "web" and first.pk == second.pk
    assert OutboxEvent.objects.filter(topic="customers.ConsentGranted").count() == 1


def test_contact_hours_apply_to_marketing_in_the_customers_time_zone(customer):
    with transaction.atomic():
        do_grant_consent(customer=customer, channel="email", purpose="marketing", source="web")
        do_update_preferences(customer=customer, contact_from="09:00", contact_to="20:00", time_zone="America/Santiago")
    santiago = dt.timezone(dt.timedelta(hours=-4))
    assert may_contact(customer.public_id, "email", "marketing", at=dt.datetime(2026, 6, 1, 10, 0, tzinfo=santiago))
    assert not may_contact(customer.public_id, "email", "marketing", at=dt.datetime(2026, 6, 1, 22, 0, tzinfo=santiago))
    assert may_contact(customer.public_id, "email", "transactional", at=dt.datetime(2026, 6, 1, 23, 0, tzinfo=santiago))


def test_unknown_customers_and_channels_are_never_contacted(customer):
    assert not may_contact("cus_nobody", "email", "transactional")
    assert not may_contact(customer.public_id, "pigeon", "transactional")
    assert may_contact(customer.public_id, "phone", "transactional")  # an alias of voice


def test_reachable_on_gives_the_address_for_a_channel(customer):
    assert reachable_on(customer.public_id, "email") == "ana.rojas@example.cl"
    assert reachable_on(customer.public_id, "sms") == "+56987654321"
    assert reachable_on(customer.public_id, "telegram") is None

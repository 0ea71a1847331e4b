from django.db import transaction

from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.customers import queries, registry
from omnicanal.customers.models import Customer, Identity, TimelineEvent
from omnicanal.customers.services import (
    do_append_timeline,
    do_erase_customer,
    do_export_customer,
    do_grant_consent,
    do_identify,
    do_merge_customers,
)

books = {}


def export_orders(customer_id):
    return [{"number": "1001", "total": {"amount": "59990", "currency": "CLP"}, "ship_to": books.get(customer_id)}]


def erase_orders(*, customer_id):
    books[customer_id] = None  # the address goes, the total stays


def test_export_returns_everything_including_every_domain(customer, identify):
    registry.on_export("test_orders")(export_orders)
    try:
        other = identify("whatsapp", ("whatsapp", "+56976543210")).customer
        with transaction.atomic():
            do_merge_customers(survivor=customer, other=other)
            do_grant_consent(customer=customer, channel="email", purpose="marketing", source="web", proof="checkbox")
            do_append_timeline(customer_id=customer.public_id, type="order.placed", channel="web", summary="Pedido 1001")
            data = do_export_customer(customer=customer.public_id)
    finally:
        registry._export_hooks.pop("test_orders")
    assert data["customer"]["name"] == "Ana Rojas"
    assert {i["kind"] for i in data["identities"]} == {"email", "phone", "whatsapp"}
    assert data["consents"][0]["proof"] == "checkbox"
    assert {t["type"] for t in data["timeline"]} >= {"customer.created", "customer.merged", "order.placed"}
    assert data["aliases"][0]["id"] == other.public_id
    assert data["domains"]["test_orders"][0]["number"] == "1001"


def test_erasure_removes_personal_data_everywhere_keeps_the_books_and_is_audited(customer, identify):
    registry.on_erase(erase_orders)
    books[customer.public_id] = "Av. Providencia 1650"
    try:
        alias = identify("telegram", ("telegram", "tg-1"), name="Ana R.").customer
        with transaction.atomic():
            do_merge_customers(survivor=customer, other=alias)
            do_append_timeline(customer_id=customer.public_id, type="message.in", channel="telegram", summary="mi rut es…")
            do_erase_customer(customer=customer, reason="Ley 19.628 request")
    finally:
        registry._erase_hooks.pop(registry._name(erase_orders))
    erased = Customer.objects.get(pk=customer.pk)
    assert erased.erased_at and erased.name == "" and Customer.objects.get(pk=alias.pk).name == ""
    assert not Identity.objects.exists()
    assert not TimelineEvent.objects.exclude(summary="").exists()
    assert books[customer.public_id] is None
    assert queries.find_by_identity("email", "ana.rojas@example.cl") is None
    assert not queries.may_contact(customer.public_id, "email", "transactional")
    entry = AuditEntry.objects.get(action="customer.erase")
    assert entry.reason == "Ley 19.628 request" and "ana" not in str(entry.after).lower()
    assert OutboxEvent.objects.filter(topic="customers.CustomerErased").exists()
    # the person coming back is a new customer
    with transaction.atomic():
        again = do_identify(channel="web", identities=[{"kind": "email", "value": "ana.rojas@example.cl"}])
    assert again.created and again.customer_id != customer.public_id

"""Console pages through Django's test client: search, 360, consents, merge, queue, export, erase."""

import json

import pytest
from django.db import transaction

from omnicanal.core.models import AuditEntry
from omnicanal.core.services import do_create_staff_user
from omnicanal.customers import registry
from omnicanal.customers.models import Customer, MergeSuggestion
from omnicanal.customers.services import do_append_timeline, do_suggest_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(role="agent"):
        user = do_create_staff_user(username=f"{role}-1", password="secret-pass", role=role,
                                    locations=["SCL-CENTRO"] if role == "store_staff" else [])
        client.force_login(user)
        return client

    return sign_in


def test_search_by_a_phone_typed_any_way_finds_the_customer(signed_in, customer):
    page = signed_in("store_staff").get("/console/customers/", {"q": "9 8765 4321"})
    assert page.status_code == 200
    assert customer.public_id in page.content.decode()


def test_the_360_shows_identities_consents_timeline_and_panels(signed_in, customer):
    registry.register_panel(name="test", label="Pedidos", render=lambda request, cid: f"<p>panel for {cid}</p>", order=5)
    try:
        with transaction.atomic():
            do_append_timeline(customer_id=customer.public_id, type="order.placed", channel="pos", summary="Pedido 77")
        html = signed_in("agent").get(f"/console/customers/{customer.public_id}/").content.decode()
    finally:
        registry._panels.pop("test")
    assert "Ana Rojas" in html and "+56987654321" in html and "Pedido 77" in html
    assert f"<p>panel for {customer.public_id}</p>" in html
    assert 'data-testid="consents"' in html and 'data-testid="export"' not in html  # agents do not export


def test_the_360_is_headed_by_the_name_with_the_id_only_as_a_small_labelled_code(signed_in, customer):
    html = signed_in("agent").get(f"/console/customers/{customer.public_id}/").content.decode()
    assert '<h1 data-testid="customer-name">Ana Rojas</h1>' in html
    assert f'ID <code translate="no" data-testid="customer-id">{customer.public_id}</code>' in html


def test_timeline_filters_through_the_partial(signed_in, customer):
    with transaction.atomic():
        do_append_timeline(customer_id=customer.public_id, type="order.placed", channel="pos", summary="Pedido 77")
    html = signed_in().get(f"/console/customers/{customer.public_id}/timeline/", {"channel": "pos"}).content.decode()
    assert "Pedido 77" in html and "customer.created" not in html


def test_an_alias_redirects_to_the_survivor(signed_in, identify, customer):
    other = identify("telegram", ("telegram", "tg-1")).customer
    client = signed_in("manager")
    client.post(f"/console/customers/{customer.public_id}/merge/", {"other_id": other.public_id, "confirmed": "1"})
    response = client.get(f"/console/customers/{other.public_id}/")
    assert response.status_code == 302 and response.url.endswith(f"/console/customers/{customer.public_id}/")


def test_a_merge_without_confirmation_only_asks_naming_both_customers(signed_in, identify, customer):
    # given a second customer, and a manager without JavaScript (no <dialog>) who sends the merge form
    other = identify("telegram", ("telegram", "tg-2"), name="Ana R.").customer
    response = signed_in("manager").post(f"/console/customers/{customer.public_id}/merge/", {"other_id": other.public_id})
    # then a confirmation page names both, and nothing is merged yet
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="merge-confirm-page"' in html
    assert other.public_id in html and customer.public_id in html and 'name="confirmed" value="1"' in html
    other.refresh_from_db()
    assert other.merged_into_id is None


def test_consent_toggle_and_preferences_from_the_console(signed_in, customer):
    client = signed_in("store_staff")
    client.post(f"/console/customers/{customer.public_id}/consents/",
                {"channel": "email", "purpose": "marketing", "granted": "1"})
    client.post(f"/console/customers/{customer.public_id}/preferences/",
                {"name": "Ana Rojas Soto", "language": "es", "contact_from": "09:00", "contact_to": "20:00",
                 "time_zone": "", "preferred_marketing": "email"})
    customer.refresh_from_db()
    assert customer.consents.get().granted is True
    assert customer.name == "Ana Rojas Soto" and customer.preferred_channels == {"marketing": "email"}


def test_marketers_read_but_do_not_change(signed_in, customer):
    client = signed_in("marketer")
    assert client.get(f"/console/customers/{customer.public_id}/").status_code == 200
    assert client.post(f"/console/customers/{customer.public_id}/consents/",
                       {"channel": "email", "purpose": "marketing", "granted": "1"}).status_code == 403
    assert client.get("/console/customers/duplicates/").status_code == 403
    assert client.get(f"/console/customers/{customer.public_id}/export/").status_code == 403


def test_the_queue_accepts_and_rejects(signed_in, identify):
    a = identify("web", ("email", "a@example.cl"), name="Ana").customer
    b = identify("web", ("email", "b@example.cl"), name="Ana R").customer
    c = identify("web", ("email", "c@example.cl"), name="Otra").customer
    with transaction.atomic():
        ab = do_suggest_merge(customer=a, other=b, score=90, reasons=[{"code": "similar_name"}])
        ac = do_suggest_merge(customer=a, other=c, score=70, reasons=[{"code": "same_address"}])
    client = signed_in("agent")
    page = client.get("/console/customers/duplicates/").content.decode()
    assert ab.public_id in page and ac.public_id in page
    client.post(f"/console/customers/duplicates/{ab.public_id}/accept/")
    client.post(f"/console/customers/duplicates/{ac.public_id}/reject/")
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk
    assert MergeSuggestion.objects.get(pk=ac.pk).status == "rejected"
    assert client.post("/console/customers/duplicates/find/").status_code == 302


def test_export_and_erase_need_a_manager_and_a_typed_confirmation(signed_in, customer):
    assert signed_in("agent").get(f"/console/customers/{customer.public_id}/erase/").status_code == 403
    client = signed_in("manager")
    exported = client.get(f"/console/customers/{customer.public_id}/export/")
    assert exported["Content-Disposition"].startswith("attachment")
    assert json.loads(exported.content)["customer"]["id"] == customer.public_id
    assert AuditEntry.objects.filter(action="customer.export").exists()
    client.post(f"/console/customers/{customer.public_id}/erase/", {"confirm": "yes"})
    assert Customer.objects.get(pk=customer.pk).erased_at is None
    client.post(f"/console/customers/{customer.public_id}/erase/", {"confirm": customer.public_id})
    assert Customer.objects.get(pk=customer.pk).erased_at is not None

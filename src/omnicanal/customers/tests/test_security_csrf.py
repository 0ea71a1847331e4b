"""The API takes a console session only with its CSRF token from the site's own pages; API keys
need none. The probe: a foreign page posting text/plain with only the console's cookie erased a
customer."""

import json

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.core.services import do_create_staff_user
from omnicanal.customers import services
from omnicanal.customers.models import Customer

EVIL = "https://evil.example"


@pytest.fixture
def customer_id(db):
    with transaction.atomic():
        return services.do_identify(channel="web", identities=[{"kind": "email", "value": "victima@example.cl"}],
                                    traits={"name": "Víctima Canaria"}).customer_id


@pytest.fixture
def console(db):
    """A signed-in admin's browser: Django's test client with CSRF checks on, as a browser has them."""
    with transaction.atomic():
        user = do_create_staff_user(username="csrf-admin", password="secret-pass", role="admin")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def erased(customer_id: str) -> bool:
    return Customer.objects.get(public_id=customer_id).erased_at is not None


@pytest.mark.django_db
def test_a_foreign_site_cannot_erase_a_customer_with_the_console_cookie_alone(console, customer_id):
    url = f"/api/v1/customers/{customer_id}/erase"
    # given only the console's session cookie, from another site's page
    # when it posts text/plain (a "simple" request a browser sends without asking), JSON, or nothing
    text = console.post(url, json.dumps({"reason": "x"}), content_type="text/plain", HTTP_ORIGIN=EVIL)
    as_json = console.post(url, json.dumps({"reason": "x"}), content_type="application/json", HTTP_ORIGIN=EVIL)
    empty = console.post(url, "", content_type="application/json", HTTP_ORIGIN=EVIL)
    # then each is refused with a problem, and the customer is untouched
    assert text.status_code == 415 and text.json()["type"] == "/problems/unsupported-media-type"
    for response in (as_json, empty):
        assert response.status_code == 403, response.content
        assert response.json()["type"] == "/problems/csrf-failed"
    assert not erased(customer_id)


@pytest.mark.django_db
def test_the_consoles_own_page_calls_the_api_with_its_csrf_token(console):
    # given the console's page, which hands out the CSRF token (HTMX sends it as X-CSRFToken)
    assert console.get("/console/").status_code == 200
    token = console.cookies["csrftoken"].value
    body = json.dumps({"channel": "web", "identities": [{"kind": "email", "value": "nueva@example.cl"}]})
    # when a same-origin JSON POST carries it
    same_site = console.post("/api/v1/customers/identify", body, content_type="application/json",
                             HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver")
    # then it works
    assert same_site.status_code == 200, same_site.content
    assert same_site.json()["created"] is True
    # but the same token sent from another origin does not
    foreign = console.post("/api/v1/customers/identify", body, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=EVIL)
    assert foreign.status_code == 403 and foreign.json()["type"] == "/problems/csrf-failed"


@pytest.mark.django_db
def test_an_origin_listed_in_csrf_trusted_origins_may_call_with_the_token(console, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example"]
    console.get("/console/")
    token = console.cookies["csrftoken"].value
    body = json.dumps({"channel": "web", "identities": [{"kind": "email", "value": "otra@example.cl"}]})
    response = console.post("/api/v1/customers/identify", body, content_type="application/json",
                            HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://console.example")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_an_api_key_needs_no_csrf_token(api, customer_id):
    # given a Bearer key (a browser never adds one by itself), from any origin
    response = api.post(f"/customers/{customer_id}/erase", {"reason": "requested by the customer"},
                        headers={"Origin": EVIL})
    # then the request acts
    assert response.status_code == 200, response.content
    assert erased(customer_id)


@pytest.mark.django_db
def test_reads_with_the_console_session_need_no_token(console):
    assert console.get("/api/v1/me").status_code == 200


@pytest.mark.browser
def test_in_chromium_the_console_page_calls_the_api_with_its_token_and_not_without(console_login, staff):
    # given an admin signed into the console in chromium
    page = console_login(staff("admin", username="csrf-browser"))
    # when the page's own script posts JSON to the API with the CSRF cookie's token, and without it
    statuses = page.evaluate("""async () => {
        const token = document.cookie.split('; ').find((c) => c.startsWith('csrftoken=')).split('=')[1];
        const body = JSON.stringify({channel: 'web', identities: [{kind: 'email', value: 'navegador@example.cl'}]});
        const post = (headers) => fetch('/api/v1/customers/identify', {method: 'POST', body,
            headers: {'Content-Type': 'application/json', ...headers}}).then((r) => r.status);
        return [await post({'X-CSRFToken': token}), await post({}),
                await fetch('/api/v1/customers/identify', {method: 'POST', body}).then((r) => r.status)];
    }""")
    # then with the token it works; without it, or as text/plain, it is refused
    assert statuses == [200, 403, 415]

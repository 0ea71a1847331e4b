"""Connecting a seller (the API with tokens, the console's OAuth round trip against the loopback
server), linking a listing through the API, and the console's accounts page."""

import json

import pytest
from django.db import connection, transaction

from omnicanal.marketplaces.models import MarketplaceAccount, MarketplaceListing
from omnicanal.marketplaces.tests.conftest import SELLER, connect

pytestmark = pytest.mark.django_db


def test_the_api_connects_a_seller_with_its_tokens_encrypted(api, sandbox):
    answer = api.post("/marketplace-accounts", {"seller_id": str(SELLER), "access_token": "APP_USR-1-abc",
                                                "refresh_token": "TG-1-abc", "nickname": "TIENDA"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["token"] == "valid"
    account = MarketplaceAccount.objects.get()
    with connection.cursor() as cursor:  # what the table holds: sealed, never the token itself
        cursor.execute(f"SELECT tokens FROM {MarketplaceAccount._meta.db_table}")
        raw = cursor.fetchone()[0]
    assert "TG-1-abc" not in str(raw) and "APP_USR-1-abc" not in str(raw)
    assert "fernet:" in str(raw)
    assert account.tokens == {"access_token": "APP_USR-1-abc", "refresh_token": "TG-1-abc"}
    bad = api.post("/marketplace-accounts", {"seller_id": "not-a-number", "access_token": "x", "refresh_token": "y"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "seller_id"
    assert [a["seller_id"] for a in api.get("/marketplace-accounts").json()] == [str(SELLER)]


def test_a_listing_linked_through_the_api_is_published_with_the_catalogs_price(api, sandbox, django_capture_on_commit_callbacks):
    from omnicanal.marketplaces.sandbox import fixture
    from omnicanal.orders.tests.conftest import make_world

    make_world()
    account = connect(sandbox)
    sandbox.put_item({**fixture("item"), "price": 1})
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.put(f"/marketplace-accounts/{account.public_id}/listings/SHOE-40", {"item_id": "MLC1122334455"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "active"
    assert sandbox.items["MLC1122334455"]["price"] == 50000  # the product's price; no marketplace override
    unknown = api.put(f"/marketplace-accounts/{account.public_id}/listings/NOPE", {"item_id": "MLC1"})
    assert unknown.status_code == 422
    assert MarketplaceListing.objects.count() == 1


def test_the_console_connects_a_seller_through_mercado_libres_oauth(client, sandbox, staff):
    client.force_login(staff("admin"))
    # the admin is sent to the consent page with our client id, callback and a state
    start = client.get("/console/marketplaces/mercadolibre/connect")
    assert start.status_code == 302 and "client_id=5503910054141466" in start["Location"]
    # Mercado Libre redirects back with a code (a forged state is refused)
    forged = client.get("/console/marketplaces/mercadolibre/callback", {"code": f"TG-abc-{SELLER}", "state": "x"})
    assert forged.status_code == 302 and not MarketplaceAccount.objects.exists()
    client.get("/console/marketplaces/mercadolibre/connect")
    state = client.session["mercadolibre_oauth_state"]
    done = client.get("/console/marketplaces/mercadolibre/callback", {"code": f"TG-abc-{SELLER}", "state": state})
    assert done.status_code == 302
    account = MarketplaceAccount.objects.get()
    assert account.seller_id == str(SELLER) and account.tokens["access_token"] in sandbox.live_tokens
    assert [form["grant_type"] for form in sandbox.token_calls] == ["authorization_code"]
    # and the accounts page shows it with its token's state
    page = client.get("/console/marketplaces/accounts/")
    assert page.status_code == 200 and account.public_id.encode() in page.content


def test_the_accounts_page_shows_the_last_error(client, sandbox, staff):
    account = connect(sandbox)
    with transaction.atomic():
        MarketplaceAccount.objects.filter(pk=account.pk).update(last_error="GET /items/X: HTTP 503")
    client.force_login(staff("manager"))
    page = client.get("/console/marketplaces/accounts/")
    assert page.status_code == 200 and b"HTTP 503" in page.content
    client.force_login(staff("agent"))
    assert client.get("/console/marketplaces/accounts/").status_code in (302, 403)


def test_the_demo_sandbox_command_serves_the_recorded_item_to_the_tokens_it_prints():
    import io
    import threading
    import urllib.request

    from django.core.management import call_command

    out = io.StringIO()
    runner = threading.Thread(target=call_command, args=("mercadolibre-sandbox",),
                              kwargs={"port": 0, "seconds": 3, "stdout": out}, daemon=True)
    runner.start()
    for _ in range(100):
        if "POST /api/v1/marketplace-accounts" in out.getvalue():
            break
        threading.Event().wait(0.02)
    lines = out.getvalue().splitlines()
    url = lines[0].split("=", 1)[1]
    connect_body = json.loads(lines[3].split(" ", 2)[2])
    request = urllib.request.Request(f"{url}/items/MLC1122334455",
                                     headers={"Authorization": f"Bearer {connect_body['access_token']}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["seller_custom_field"] == "SHOE-40"
    assert connect_body["seller_id"] == str(SELLER)
    runner.join(timeout=10)

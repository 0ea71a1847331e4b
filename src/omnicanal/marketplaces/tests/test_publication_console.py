"""The console's publication page of a product (issue 20, item 5) and the warehouses form: what each
account shows per variant, publish / pause / resume, who may act, and the mapping saved."""

import pytest
from django.db import transaction

from omnicanal.marketplaces.models import MarketplaceListing, WarehouseMapping
from omnicanal.marketplaces.tests.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(sandbox):
    from omnicanal.orders.tests.conftest import make_world

    make_world()
    return connect(sandbox)


def test_publishing_pausing_and_resuming_from_the_products_publication_page(client, sandbox, account, staff,
                                                                            django_capture_on_commit_callbacks):
    client.force_login(staff("admin"))
    found = client.get("/console/marketplaces/products/", {"ref": "SHOE-40"})
    assert found.status_code == 302
    page = client.get(found["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-sku="SHOE-41"' in html and 'data-testid="publish-form"' in html
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{found['Location']}{account.public_id}/publish/",
                           {"category_id": "MLC1276", "listing_type_id": "gold_pro", "condition": "new"}, follow=True)
    assert done.status_code == 200
    assert {body["listing_type_id"] for body in sandbox.created_items} == {"gold_pro"}
    listing = MarketplaceListing.objects.get(sku="SHOE-40")
    html = client.get(found["Location"]).content.decode()
    assert listing.item_id in html and 'data-testid="pause"' in html and 'data-testid="publish-form"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{found['Location']}{account.public_id}/SHOE-40/pause/")
    assert sandbox.items[listing.item_id]["status"] == "paused"
    html = client.get(found["Location"]).content.decode()
    assert 'data-testid="resume"' in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{found['Location']}{account.public_id}/SHOE-40/resume/")
    assert sandbox.items[listing.item_id]["status"] == "active"


def test_a_held_price_and_a_refusal_show_on_the_page_in_spanish(client, sandbox, account, staff,
                                                                django_capture_on_commit_callbacks):
    from decimal import Decimal

    from omnicanal.catalog import queries as catalog_queries
    from omnicanal.catalog import services as catalog
    from omnicanal.marketplaces import services

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        catalog.do_set_listing(channel=catalog_queries.get_channel("marketplace"),
                               variant=catalog_queries.get_variant("SOCK-1"), published=True, price=Decimal("9000"))
        services.do_create_listings(account=account, skus=["SOCK-1"], category_id="MLC1276")
    client.force_login(staff("manager"))
    client.cookies["django_language"] = "es"
    html = client.get("/console/marketplaces/products/SOCK-1/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'data-testid="held"' in html and "9000" in html
    # a manager reads it but may not publish or pause
    assert 'data-testid="publish-form"' not in html
    denied = client.post(f"/console/marketplaces/products/SOCK-1/{account.public_id}/publish/", {"category_id": "X"})
    assert denied.status_code in (302, 403) and not sandbox.created_items


def test_the_warehouses_form_maps_locations_and_turns_on_stock_per_warehouse(client, sandbox, account, staff):
    client.force_login(staff("admin"))
    url = f"/console/marketplaces/accounts/{account.public_id}/warehouses/"
    assert 'name="store_WH"' in client.get(url).content.decode()
    client.post(url, {"multi_warehouse": "on", "store_WH": "bodega-1", "store_SCL": "tienda-scl"})
    assert sorted(WarehouseMapping.objects.values_list("location", "store_id")) == [("SCL", "tienda-scl"),
                                                                                  ("WH", "bodega-1")]
    account.refresh_from_db()
    assert account.multi_warehouse
    # turning it on with nothing mapped is refused, the mapping stays
    refused = client.post(url, {"multi_warehouse": "on"}, follow=True)
    assert refused.status_code == 200 and WarehouseMapping.objects.count() == 2

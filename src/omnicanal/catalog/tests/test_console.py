import pytest

from omnicanal.catalog.models import Listing
from omnicanal.core.services import do_create_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    user = do_create_staff_user(username="gerente", password="secret-pass", role="manager")
    client.force_login(user)
    return client


def test_the_catalog_pages_render_for_a_manager(manager_client, product):
    for url in ("/console/catalog/", "/console/catalog/?q=trail", f"/console/catalog/p/{product.public_id}/",
                "/console/catalog/consistency/", "/console/catalog/import/", "/console/catalog/channels/",
                "/console/catalog/new/", "/console/catalog/listing/web/TRX-40/edit/"):
        assert manager_client.get(url).status_code == 200, url
    csv = manager_client.get("/console/catalog/export.csv")
    assert csv.status_code == 200 and b"TRX-40" in csv.content


def test_the_listing_editor_saves_one_cell_and_answers_the_cell(manager_client, product):
    response = manager_client.post("/console/catalog/listing/marketplace/TRX-41/edit/",
                                   {"published": "on", "price": "99990", "title_es": "", "description_es": ""},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"99990" in response.content and b"cell-marketplace" in response.content
    listing = Listing.objects.get(channel_id="marketplace", variant__sku="TRX-41")
    assert listing.published and str(listing.price) == "99990.00"
    report = manager_client.get("/console/catalog/consistency/?field=price")
    assert b"TRX-41" in report.content


def test_a_product_is_created_from_the_console(manager_client, shoes_category):
    response = manager_client.post("/console/catalog/new/", {
        "name_es": "Zapatilla Nueva", "category": shoes_category.slug, "price": "59990",
        "variants": "NUE-40; size=40; color=negro\nNUE-41; size=41; gtin=7801234567894",
    })
    assert response.status_code == 302
    page = manager_client.get(response["Location"])
    assert b"NUE-41" in page.content and b"7801234567894" in page.content


def test_an_agent_reads_the_catalog_but_cannot_edit_listings(client, product):
    agent = do_create_staff_user(username="agente", password="secret-pass", role="agent")
    client.force_login(agent)
    assert client.get(f"/console/catalog/p/{product.public_id}/").status_code == 200
    assert client.post("/console/catalog/listing/web/TRX-40/edit/", {"published": ""}).status_code == 403
    assert client.get("/console/catalog/consistency/").status_code == 403

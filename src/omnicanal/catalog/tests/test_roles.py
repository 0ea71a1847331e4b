"""Issue 14 item 6: the console offers catalogue editing exactly to the roles the API lets edit
(catalog/roles.py EDIT): an agent or a clerk gets 403 from the API and sees no editing in the console."""

import pytest
from django.urls import reverse

from omnicanal.catalog import roles
from omnicanal.core.services import do_create_staff_user

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["manager", "marketer", "agent", "store_staff"]


def _locations(role):
    return ["SCL"] if role == "store_staff" else []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_offers_editing_exactly_when_the_api_allows_it(client, api, issue_key, product, role):
    allowed = role in roles.EDIT
    # The API: changing a product
    changed = api.as_(issue_key(role, locations=_locations(role))).patch(f"/products/{product.public_id}",
                                                                         {"name": "Zapatilla renombrada"})
    assert changed.status_code == (200 if allowed else 403)
    # The console: the list's "New product", the detail's image upload and listing editor, the pages themselves
    client.force_login(do_create_staff_user(username=f"{role}-cat", password="secret-pass", role=role,
                                            locations=_locations(role)))
    listing = client.get(reverse("catalog:list")).content.decode()
    assert (f'href="{reverse("catalog:new")}"' in listing) is allowed
    detail = client.get(reverse("catalog:detail", args=[product.public_id])).content.decode()
    assert (reverse("catalog:image-upload", args=[product.public_id]) in detail) is allowed
    editor = reverse("catalog:listing-edit", args=["web", "TRX-40"])
    assert (f'hx-get="{editor}"' in detail) is allowed
    assert client.get(reverse("catalog:new")).status_code == (200 if allowed else 403)
    assert client.get(editor).status_code == (200 if allowed else 403)


def test_only_a_manager_is_offered_a_channel_policy(client, api, issue_key):
    assert api.as_(issue_key("marketer")).put("/channels/marketplace", {"price_above_pct": "10"}).status_code == 403
    client.force_login(do_create_staff_user(username="mkt", password="secret-pass", role="marketer"))
    page = client.get(reverse("catalog:channels"))
    assert page.status_code == 200 and b'data-testid="save-policy"' not in page.content
    assert client.post(reverse("catalog:channels"), {"code": "marketplace"}).status_code == 403
    client.force_login(do_create_staff_user(username="boss", password="secret-pass", role="manager"))
    assert b'data-testid="save-policy"' in client.get(reverse("catalog:channels")).content

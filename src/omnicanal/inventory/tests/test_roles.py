"""Issue 14 item 6: the console offers stock changes exactly to the roles the API lets change stock
(inventory/roles.py STOCK_WRITE), and shows stock exactly to those it lets read it (READ): an agent
reads but changes nothing, a marketer reads nothing (403 from both)."""

import pytest
from django.urls import reverse

from omnicanal.core.services import do_create_staff_user
from omnicanal.inventory import roles

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["manager", "store_staff", "agent", "marketer"]


def _locations(role):
    return ["SCL"] if role == "store_staff" else []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_offers_stock_changes_exactly_when_the_api_allows_them(client, api, issue_key, chain, role):
    reads, writes = role in roles.READ, role in roles.STOCK_WRITE
    key = api.as_(issue_key(role, locations=_locations(role)))
    assert key.get("/stock/SCL/SHOE-40").status_code == (200 if reads else 403)
    assert key.put("/stock/SCL/SHOE-40", {"on_hand": 2}).status_code == (200 if writes else 403)
    client.force_login(do_create_staff_user(username=f"{role}-inv", password="secret-pass", role=role,
                                            locations=_locations(role)))
    grid = client.get(reverse("inventory:grid"))
    assert grid.status_code == (200 if reads else 403)
    if reads:
        page = grid.content.decode()
        for name in ("inventory:receipt", "inventory:adjustment", "inventory:movements", "inventory:transfers"):
            assert (f'href="{reverse(name)}"' in page) is writes, name
        assert (f'href="{reverse("inventory:reservations")}"' in page) is (role in roles.RESERVE)
    assert client.get(reverse("inventory:receipt")).status_code == (200 if writes else 403)
    assert client.get(reverse("inventory:movements")).status_code == (200 if writes else 403)

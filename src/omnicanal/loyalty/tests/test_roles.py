"""Issue 14 item 6: the console offers a manual adjustment exactly to the roles the API lets adjust
(loyalty/roles.py ADJUST): an agent, a clerk or a marketer gets 403 from the API and no adjustment
form, tab or page. The gift-card desk follows GIFT_CARDS the same way."""

import pytest
from django.urls import reverse

from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty import roles

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["manager", "agent", "store_staff", "marketer"]
ADJUSTMENT = {"kind": "points", "amount": "500", "reason": "Compensación por demora"}


def _locations(role):
    return ["SCL-CENTRO"] if role == "store_staff" else []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_offers_adjustments_exactly_when_the_api_allows_them(client, api, issue_key, make_customer, role):
    ana = make_customer()
    allowed = role in roles.ADJUST
    adjusted = api.as_(issue_key(role, locations=_locations(role))).post(f"/customers/{ana}/loyalty/adjustments", ADJUSTMENT)
    assert adjusted.status_code == (201 if allowed else 403)
    client.force_login(do_create_staff_user(username=f"{role}-loy", password="secret-pass", role=role,
                                            locations=_locations(role)))
    page = client.get(reverse("loyalty:customer", args=[ana]))
    assert page.status_code == 200
    html = page.content.decode()
    adjustments = reverse("loyalty:adjustments")
    assert (f'action="{adjustments}"' in html) is allowed
    assert (f'href="{adjustments}"' in html) is allowed
    assert client.get(adjustments).status_code == (200 if allowed else 403)
    gift_cards = reverse("loyalty:gift_cards")
    assert (f'href="{gift_cards}"' in html) is (role in roles.GIFT_CARDS)
    assert client.get(gift_cards).status_code == (200 if role in roles.GIFT_CARDS else 403)

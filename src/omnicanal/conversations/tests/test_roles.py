"""Issue 14 item 6: the console's inbox and tickets are offered exactly to the roles the API lets
answer conversations (conversations/roles.py ANSWER): a marketer gets 403 from the API and from the
console, and sees no inbox; the canned replies are the service desk's (SERVICE_DESK)."""

import pytest
from django.urls import reverse

from omnicanal.conversations import roles
from omnicanal.core.services import do_create_staff_user

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["manager", "agent", "store_staff", "marketer"]


def _locations(role):
    return ["SCL-CENTRO"] if role == "store_staff" else []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_offers_the_inbox_exactly_when_the_api_lets_answer(client, api, issue_key, receive, role):
    conversation = receive("Hola").conversation
    allowed = role in roles.ANSWER
    resolved = api.as_(issue_key(role, locations=_locations(role))).post(f"/conversations/{conversation.public_id}/resolve")
    assert resolved.status_code == (200 if allowed else 403)
    client.force_login(do_create_staff_user(username=f"{role}-conv", password="secret-pass", role=role,
                                            locations=_locations(role)))
    inbox, tickets, canned = reverse("conversations:inbox"), reverse("conversations:tickets"), reverse("conversations:canned")
    assert client.get(inbox).status_code == (200 if allowed else 403)
    assert client.get(reverse("conversations:thread", args=[conversation.public_id])).status_code == (200 if allowed else 403)
    page = client.get(tickets)
    assert page.status_code == (200 if allowed else 403)
    if allowed:
        html = page.content.decode()
        assert f'href="{inbox}"' in html and f'href="{tickets}"' in html
        assert (f'href="{canned}"' in html) is (role in roles.SERVICE_DESK)
    else:  # the navigation of a page they may open leaves the inbox out
        html = client.get(reverse("catalog:list")).content.decode()
        assert f'href="{inbox}"' not in html and f'href="{tickets}"' not in html
    assert client.get(canned).status_code == (200 if role in roles.SERVICE_DESK else 403)

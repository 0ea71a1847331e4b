"""Issue 14 item 6: Console → Channels (inboxes, their settings and secrets) is offered exactly to the
roles channels/roles.py CONFIGURE names: an agent or a clerk neither sees the entry nor opens the page.
Channels have no staff API (providers come through signed webhooks), so the console is the only door."""

import pytest
from django.urls import reverse

from omnicanal.channels import roles
from omnicanal.core.services import do_create_staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["manager", "agent", "store_staff"])
def test_the_channels_page_and_its_entry_follow_configure(client, role):
    allowed = role in roles.CONFIGURE
    client.force_login(do_create_staff_user(username=f"{role}-chan", password="secret-pass", role=role,
                                            locations=["SCL-CENTRO"] if role == "store_staff" else []))
    inboxes = reverse("channels:inboxes")
    # the inbox's tabs (its group) list Channels only for those who may configure them
    assert (f'href="{inboxes}"' in client.get(reverse("conversations:inbox")).content.decode()) is allowed
    assert client.get(inboxes).status_code == (200 if allowed else 403)
    assert client.post(reverse("channels:create"), {"channel": "telegram"}).status_code in ((302, 200) if allowed else (403,))

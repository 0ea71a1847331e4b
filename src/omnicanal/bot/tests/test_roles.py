"""The bot's console offers each action exactly to the roles bot/roles.py names (the same tuples
its views check): settings to managers, articles to agents and managers, training to managers."""

import pytest
from django.urls import reverse

from omnicanal.bot import roles
from omnicanal.bot.models import Unrecognised
from omnicanal.core import clock
from omnicanal.orders.tests.helpers import console_login

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["manager", "agent", "store_staff", "marketer"]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_offers_each_action_exactly_to_its_roles(client, wa_inbox, world, role):
    console_login(client, role, ["SCL"] if role == "store_staff" else [])
    reads = role in roles.READ
    settings = client.get(reverse("bot:settings"))
    assert settings.status_code == (200 if reads else 403)
    save = reverse("bot:save_settings", args=[wa_inbox.public_id])
    if reads:
        assert f'action="{save}"' in settings.content.decode()
        assert ('class="primary">' in settings.content.decode()) is (role in roles.SETTINGS)
        knowledge = client.get(reverse("bot:knowledge")).content.decode()
        assert ('data-testid="article-form"' in knowledge) is (role in roles.KNOWLEDGE)
        Unrecognised.objects.create(text="??", language="es", intent="other", confidence=0.1, created_at=clock.now())
        report = client.get(reverse("bot:unrecognised")).content.decode()
        assert ("Add as example" in report or "Agregar como ejemplo" in report) is (role in roles.TRAIN)
    assert client.post(save, {"enabled": "on"}).status_code in ((302,) if role in roles.SETTINGS else (403,))
    assert client.post(reverse("bot:save_article"), {"language": "es", "question": "q", "answer": "a"}).status_code \
        == (302 if role in roles.KNOWLEDGE else 403)

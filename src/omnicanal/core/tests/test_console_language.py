"""The console speaks the business's language unless the staff member chose another (issue 22,
item 8): the browser's Accept-Language does not decide it; the language menu's cookie or the staff
member's own language does. The shop keeps following the reader's browser."""

import re

import pytest
from django.conf import settings
from django.test import override_settings

from omnicanal.core.models import User

pytestmark = pytest.mark.django_db


def lang(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def test_an_english_browser_gets_the_business_language_on_the_console(client):
    page = client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200 and lang(page) == settings.LANGUAGE_CODE == "es"
    assert "Contraseña" in page.content.decode()


@override_settings(LANGUAGE_CODE="en")
def test_a_business_that_speaks_english_gets_an_english_console_whatever_the_browser(client):
    assert lang(client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="es-CL,es;q=0.9")) == "en"


def test_the_language_picked_in_the_menu_wins(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert lang(client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="es")) == "en"


def test_a_staff_members_own_language_wins_over_the_business_default(client):
    user = User.objects.create_user("ana", password="x" * 12, role="admin", language="en")
    client.force_login(user)
    assert lang(client.get("/console/", HTTP_ACCEPT_LANGUAGE="es")) == "en"
    user.language = ""
    user.save()
    assert lang(client.get("/console/", HTTP_ACCEPT_LANGUAGE="en")) == "es"


def test_the_shop_still_follows_the_readers_browser(client):
    page = client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and lang(page) == "en"

"""A till form's validation error shows once, beside its box, in the clerk's language."""

import re

import pytest
from django.db import transaction

from omnicanal.core.services import do_create_staff_user
from omnicanal.orders.views import POS_SESSION

pytestmark = pytest.mark.django_db
POS = "/console/orders/pos/"


@pytest.mark.parametrize(("language", "words"), [("es", "no es un número de teléfono válido"),
                                                  ("en", "is not a valid phone number")])
def test_a_bad_phone_for_a_new_customer_is_said_once_beside_the_contact_box(client, world, language, words):
    # given a clerk at the till, reading in `language`
    with transaction.atomic():
        user = do_create_staff_user(username="clerk", password="secret-pass", role="store_staff", locations=["SCL"])
    client.force_login(user)
    client.cookies["omnicanal_language"] = language  # the console reads its own cookie (core/console_language.py)
    # when they create a customer with a phone that is no phone
    page = client.post(POS, {"op": "create_customer", "name": "Rosa Fuentes", "contact": "12", "location": "SCL"},
                       follow=True, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # then nobody is created, and the error sits under the contact box, once, with no developer path
    assert client.session[POS_SESSION]["customer_id"] == ""
    error = re.search(r'<p class="field-error" id="new-contact-error"[^>]*>([^<]*)</p>', page)
    assert error and words in error.group(1)
    assert page.count(words) == 1 and "identities." not in page
    assert 'aria-describedby="new-contact-error"' in page and 'value="Rosa Fuentes"' in page
    # and the next step clears it
    page = client.get(f"{POS}?location=SCL").content.decode()
    assert "field-error" in page  # still shown until the clerk acts
    page = client.post(POS, {"op": "forget", "location": "SCL"}, follow=True).content.decode()
    assert 'id="new-contact-error"' not in page

"""In the browser: a console form's validation error sits beside its box, said once, in the staff
member's language (core.console.show_problem + console.js), on a desktop and on a phone."""

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from omnicanal.customers.services import do_identify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _read_in(page, live_server, language):
    page.context.add_cookies([{"name": "omnicanal_language", "value": language, "url": live_server.url}])


def _said_once_beside(page, box: str, words: str):
    """The error is in the page once, right after `box`, which is invalid, described by it and focused."""
    error = page.locator(f"{box} + .field-error")
    error.wait_for()
    assert words in error.inner_text()
    assert page.locator("main").inner_text().count(words) == 1  # the top message no longer says it
    assert words not in page.locator(".messages").inner_text()
    assert page.get_attribute(box, "aria-invalid") == "true"
    assert error.get_attribute("id") in page.get_attribute(box, "aria-describedby").split()
    assert page.evaluate(f"document.activeElement === document.querySelector('{box}')")
    return error


def _customer():
    with transaction.atomic():
        return do_identify(channel="web", identities=[{"kind": "phone", "value": "+56987654321"}],
                           traits={"name": "Ana Rojas"}).customer_id


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_bad_time_zone_is_said_beside_its_box_in_the_customer_preferences(page, live_server, staff, console_login,
                                                                            language):
    customer_id = _customer()
    console_login(staff("agent"))
    _read_in(page, live_server, language)
    with translation.override(language):
        words, label = gettext("unknown time zone"), gettext("Time zone")
    page.goto(f"{live_server.url}/console/customers/{customer_id}/")
    page.fill("#time_zone", "Mars/Olympus")
    page.locator("form.prefs button[type=submit]").click()
    error = _said_once_beside(page, "#time_zone", words)
    assert error.inner_text().startswith(label)  # the field in words, never "time_zone"
    assert "time_zone" not in page.locator("main").inner_text()
    assert page.locator(".messages .msg.error").count() == 1  # the title still tells something went wrong


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_bad_amount_is_said_beside_its_box_on_a_phone(page, live_server, staff, console_login, language):
    customer_id = _customer()
    page.set_viewport_size({"width": 390, "height": 844})
    console_login(staff("manager"))
    _read_in(page, live_server, language)
    with translation.override(language):
        words = gettext("must be a number")
    page.goto(f"{live_server.url}/console/loyalty/adjustments/")
    page.fill("#customer_id", customer_id)
    page.fill("#amount", "diez")
    page.fill("#reason", "goodwill")
    page.locator("main form button[type=submit]").click()
    error = _said_once_beside(page, "#amount", words)
    box, said = page.locator("#amount").bounding_box(), error.bounding_box()
    assert said["y"] >= box["y"] + box["height"] - 1 and said["x"] + said["width"] <= 390  # under it, on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_error_for_a_box_not_on_the_page_stays_in_the_top_message(page, live_server, staff, console_login):
    customer_id = _customer()
    console_login(staff("agent"))
    _read_in(page, live_server, "es")
    page.goto(f"{live_server.url}/console/customers/{customer_id}/")
    # a consent for a purpose that does not exist: the consent form has no visible box for it
    page.evaluate("""() => { const box = document.querySelector("form [name=purpose]");
                             box.value = "nope"; box.form.submit(); }""")
    page.wait_for_selector(".messages .field-error")
    with translation.override("es"):
        words = gettext("must be transactional, marketing or surveys")
    assert words in page.locator(".messages").inner_text()
    assert page.locator("main").inner_text().count(words) == 1

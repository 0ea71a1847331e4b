"""In the browser, on a phone and a desktop: the review request's link (`?order=&sku=#to-review`) opens
"your reviews" with its line first and marked, ready to rate; the account page links to "your
reviews"; a line already reviewed says so. No serious accessibility violation; no sideways scroll."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.feedback.models import Review
from omnicanal.feedback.services import triggers
from omnicanal.feedback.tests.conftest import place
from omnicanal.feedback.tests.test_browser_suggestions import desktop_shop  # noqa: F401  (a fixture: 1280×900)
from omnicanal.feedback.tests.test_surveys import path_of
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, customer_id):
    with transaction.atomic():
        token = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("device", ["phone", "desktop_shop"])
def test_the_review_requests_link_preselects_its_line(device, request, live_server, axe):
    page = request.getfixturevalue(device)
    make_world()
    ana = make_customer()
    older = place(ana)  # socks bought twice at the store: two lines that reached her, newest listed first
    newer = place(ana)
    _sign_in(page, live_server, ana)

    # her account links to "your reviews"
    page.goto(f"{live_server.url}/account/")
    page.locator("[data-testid=account-nav] a[href='/account/reviews/']").click()
    page.wait_for_selector("form.review-form")
    assert page.locator("form.review-form.selected").count() == 0  # opened from the account: nothing chosen

    # the review request's link for the older order's socks: that line first, marked
    link = path_of(triggers.review_link(older, "SOCK-1"))
    assert page.locator("form.review-form").first.locator("input[name=order_id]").input_value() == newer
    page.goto(f"{live_server.url}{link}")
    first = page.locator("form.review-form").first
    assert first.get_attribute("data-selected") == "true" and "Calcetín" in first.inner_text()
    assert "El producto por el que te preguntamos" in first.inner_text()
    assert page.locator("form.review-form.selected").count() == 1
    assert first.locator("input[name=order_id]").input_value() == older
    assert first.is_visible() and axe(page) == [] and _fits(page)

    # she rates it there
    first.locator("input[name=rating][value='5']").check()
    first.locator("button[type=submit]").click()
    page.wait_for_selector(".notice")
    assert Review.objects.get().order_id == older

    # the same link again: already reviewed, and the socks are left to review
    page.goto(f"{live_server.url}{link}")
    assert "Ya opinaste sobre ese producto" in page.locator(".notice").inner_text()
    assert page.locator("form.review-form.selected").count() == 0
    assert page.locator("form.review-form").first.locator("input[name=order_id]").input_value() == newer
    assert axe(page) == [] and _fits(page)

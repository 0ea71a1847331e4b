"""On a phone, in the browser: writing a review with a photo from the shop's account, a moderator
publishing it in the console, and the product page showing it with the verified-buyer badge;
answering a survey from its link, one question a screen, and seeing the points in the account. No
serious accessibility violation on any of these pages."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.feedback.models import Review
from omnicanal.feedback.services import surveys
from omnicanal.feedback.tests.conftest import place
from omnicanal.feedback.tests.test_reviews_api import PNG
from omnicanal.loyalty.services import program
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _sign_in(phone, live_server, customer_id):
    with transaction.atomic():
        token = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    phone.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_review_with_a_photo_is_written_on_a_phone_and_shows_after_approval(phone, live_server, staff, console_login,
                                                                               axe):
    make_world()
    ana = make_customer()
    place(ana)  # socks carried out of the Santiago store: they reached her
    _sign_in(phone, live_server, ana)

    # she opens "your reviews", rates the socks with a photo and a phone number in the text
    phone.goto(f"{live_server.url}/account/reviews/")
    assert axe(phone) == [] and _fits(phone)
    form = phone.locator("form.review-form", has_text="Calcetín")
    form.locator("input[name=rating][value='4']").check()
    form.locator("textarea[name=text]").fill("Muy buenos. Cualquier duda al +56 9 8765 4321")
    form.locator("input[type=file]").set_input_files([{"name": "pie.png", "mimeType": "image/png", "buffer": PNG}])
    form.locator("button[type=submit]").click()
    phone.wait_for_selector(".notice")
    review = Review.objects.get()
    assert review.status == "pending" and review.photos.count() == 1
    # not on the product page yet
    phone.goto(f"{live_server.url}/p/calcetin/")
    assert phone.locator(f"[data-review='{review.public_id}']").count() == 0

    # a moderator publishes it from the console
    desk = console_login(staff("marketer", username="moderadora"))
    desk.goto(f"{live_server.url}/console/feedback/reviews/")
    desk.locator(f"[data-review='{review.public_id}'] form[action$='/approve/'] button").click()
    desk.wait_for_selector(".messages, [role=status], .msg")

    # and the shop shows it, with its photo, the badge, the average and the distribution
    phone.goto(f"{live_server.url}/p/calcetin/")
    shown = phone.locator(f"[data-review='{review.public_id}']")
    assert shown.is_visible() and "Comprador verificado" in shown.inner_text()
    photo = shown.locator("img")
    photo.scroll_into_view_if_needed()  # a lazy image loads once near the viewport; then wait for it
    assert photo.evaluate("img => img.complete ? img.naturalWidth > 0 : new Promise(done => {"
                          " img.onload = () => done(img.naturalWidth > 0); img.onerror = () => done(false); })")
    assert "4,0 de 5" in phone.locator(".rating-summary").inner_text()
    assert axe(phone) == [] and _fits(phone)


def test_a_survey_answered_on_a_phone_from_its_link_rewards_points_seen_in_the_account(phone, live_server, axe):
    make_world()
    ana = make_customer()
    with transaction.atomic():
        program.do_add_rule(kind="activity", name="Encuesta", activity="survey", reward=150)
        survey = surveys.do_create_survey(name="Postventa", kind="custom", reward_kind="points", reward_value=150,
                                          questions=[
            {"id": "csat", "kind": "scale", "min": 1, "max": 5,
             "text": {"es": "¿Cómo fue tu retiro en tienda?", "en": "How was your pickup?"}},
            {"id": "mejora", "kind": "single", "text": {"es": "¿Qué mejorarías?", "en": "What would you improve?"},
             "options": [{"value": "espera", "es": "La espera", "en": "The wait"},
                         {"value": "nada", "es": "Nada", "en": "Nothing"}]}])
        send = surveys.do_send_survey(survey_id=survey.public_id, customer_id=ana)
    link = f"{live_server.url}/s/{surveys.link_token(send)}"

    phone.goto(link)
    assert phone.locator("legend").inner_text() == "¿Cómo fue tu retiro en tienda?"
    assert axe(phone) == [] and _fits(phone)
    phone.locator("label.option", has_text="5").click()
    phone.locator("button[type=submit]").click()
    assert phone.locator("legend").inner_text() == "¿Qué mejorarías?"
    phone.locator("label.option", has_text="Nada").click()
    phone.locator("button[type=submit]").click()
    assert "150 puntos" in phone.locator(".reward").inner_text()
    assert axe(phone) == []

    _sign_in(phone, live_server, ana)
    phone.goto(f"{live_server.url}/account/loyalty/")
    assert "150" in phone.locator("main").inner_text()

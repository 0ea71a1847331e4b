"""Survey delivery (services.delivery): by the customer's preferred consented channel for `surveys`,
after the commit, in their language, with the signed link; nothing consented, nothing sent and the
reason kept; inline in the web chat; the POS's tablet link; store credit as a reward; points for a
published review."""

import json
from pathlib import Path

import pytest
from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.feedback.models import SurveySend
from omnicanal.feedback.tests.test_surveys import make_survey, path_of

from .conftest import place


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """`with commits():` runs what waits for the commit (the outbox's dispatch) at the block's end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def grant(customer_id, channel="email", purpose="surveys"):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_grant_consent(customer_id=customer_id, channel=channel, purpose=purpose, source="test")


def prefer(customer_id, channel, *, language=None):
    from omnicanal.customers import services as customers

    extra = {"language": language} if language else {}
    with transaction.atomic():
        customers.do_update_preferences(customer_id=customer_id, preferred_channels={"surveys": channel}, **extra)


def survey_messages(customer_id):
    return list(Message.objects.filter(conversation__customer_id=customer_id, meta__notification="survey"))


def send(api, survey_id, customer_id, commits):
    with commits():
        response = api.post(f"/surveys/{survey_id}/sends", {"customer_id": customer_id})
    assert response.status_code == 201, response.content
    return SurveySend.objects.get(public_id=response.json()["id"])


def test_a_send_goes_by_the_preferred_consented_channel_with_its_link_in_her_language(ana, api, commits):
    grant(ana, "email")
    grant(ana, "sms")
    prefer(ana, "sms")
    row = send(api, make_survey(api), ana, commits)
    row.refresh_from_db()
    assert (row.delivery, row.channel) == ("delivered", "sms")
    [message] = survey_messages(ana)
    assert message.channel == "sms" and message.public_id == row.message_id
    assert "/s/" in message.text and "Hola Ana!" in message.text  # Spanish, her first name
    assert "Al responder ganas hasta 200 puntos." in message.text  # the survey's reward, named
    # the link in the message opens her survey
    link = message.text.split()[-1]
    from django.test import Client

    assert "¿Nos recomendarías?" in Client().get(path_of(link)).content.decode()


def test_a_preferred_channel_without_consent_is_passed_over_for_one_with_it(ana, api, commits):
    grant(ana, "email")
    prefer(ana, "whatsapp")  # preferred, but no `surveys` grant there
    row = send(api, make_survey(api), ana, commits)
    row.refresh_from_db()
    assert row.channel == "email"
    [message] = survey_messages(ana)
    assert message.channel == "email" and message.meta["subject"]


def test_a_marketing_grant_is_not_a_survey_grant_nothing_is_sent_and_the_reason_is_kept(ana, api, commits):
    grant(ana, "email", purpose="marketing")
    row = send(api, make_survey(api), ana, commits)
    row.refresh_from_db()
    assert (row.delivery, row.delivery_reason, row.channel) == ("not_sent", "no_consent", "")
    assert survey_messages(ana) == []
    body = api.post(f"/survey-sends/{row.public_id}/answers", {"answers": {}}).json()
    assert body["delivery"] == "not_sent" and body["delivery_reason"] == "no_consent"


def test_english_customers_get_english(ana, api, commits):
    grant(ana, "email")
    prefer(ana, "email", language="en")
    send(api, make_survey(api), ana, commits)
    [message] = survey_messages(ana)
    assert message.text.startswith("Hi Ana!") and message.meta["subject"] == "Tell us how we did"


def test_delivery_runs_once_whatever_the_relay_does(ana, api, commits):
    from omnicanal.feedback.services import delivery

    grant(ana, "email")
    row = send(api, make_survey(api), ana, commits)
    with transaction.atomic():
        delivery.do_deliver_send(send_id=row.public_id)  # the relay's retry
    assert len(survey_messages(ana)) == 1


def test_the_pos_end_answers_a_tablet_link_and_qr_for_the_sales_customer(ana, api, commits):
    order_id = place(ana)
    survey_id = make_survey(api)
    with commits():
        response = api.post(f"/surveys/{survey_id}/pos-sends", {"order_id": order_id})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "pos" and "/s/" in body["link"] and body["qr_svg"].startswith("<svg")
    assert survey_messages(ana) == []  # shown on the tablet, not messaged
    # the same budget: a second one at once is refused with when
    again = api.post(f"/surveys/{survey_id}/pos-sends", {"order_id": order_id})
    assert again.status_code == 409 and again.json()["reason"] == "too_soon"


def test_a_pos_sale_without_a_customer_has_nobody_to_ask(world, api):
    from omnicanal.core.money import Money
    from omnicanal.orders import services as orders

    with transaction.atomic():
        order = orders.do_place_order(channel="pos", delivery={"method": "carry_out", "location": "SCL"},
                                      lines=[orders.LineIn(sku="SOCK-1", quantity=1)],
                                      payments=[orders.PaymentIn(method="cash", amount=Money.of(5000))])
    response = api.post(f"/surveys/{make_survey(api)}/pos-sends", {"order_id": order.public_id})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "order_id"


def test_store_credit_is_the_reward_once_per_completed_response(ana, api, commits):
    from omnicanal.loyalty import queries as loyalty

    survey_id = make_survey(api, reward={"kind": "store_credit", "value": 3000})
    row = send(api, survey_id, ana, commits)
    done = api.post(f"/survey-sends/{row.public_id}/answers", {"answers": {"nps": 9, "canal": "web"}}).json()
    assert done["status"] == "completed" and done["reward_ref"]
    assert loyalty.summary(ana).store_credit.amount == 3000
    from django.test import Client

    thanks = Client().get(path_of(done["link"])).content.decode()
    assert "saldo a favor" in thanks and "3.000" in thanks
    again = api.post(f"/survey-sends/{row.public_id}/answers", {"answers": {"nps": 1}})
    assert again.status_code == 409 and loyalty.summary(ana).store_credit.amount == 3000


def test_store_credit_needs_an_amount(api, world):
    response = api.post("/surveys", {"name": "X", "kind": "nps", "reward": {"kind": "store_credit", "value": 0}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reward.value"


def test_staff_still_cannot_grant_store_credit_for_a_survey(ana):
    from omnicanal.core.errors import ValidationFailed
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import approvals, stored_value

    assert "survey" in stored_value.GRANT_REASONS and "survey" not in stored_value.CREDIT_REASONS
    with pytest.raises(ValidationFailed):
        approvals._check_request("store_credit", Money.of(1000), "", 0, "survey")


def test_a_published_review_earns_the_review_rule_once(ana, shopper, commits):
    from omnicanal.loyalty import queries as loyalty
    from omnicanal.loyalty.services import program

    with transaction.atomic():
        program.do_add_rule(kind="activity", name="Reseña", activity="review", reward=150)
    order_id = place(ana)
    with commits():
        response = shopper(ana).post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 5,
                                                  "text": "Muy buenos calcetines"})
    assert response.status_code == 201 and response.json()["status"] == "published"
    assert loyalty.summary(ana).points == 150
    from omnicanal.core import outbox

    outbox.dispatch_due()  # a relay running the event again earns nothing more
    assert loyalty.summary(ana).points == 150


def test_a_held_review_earns_when_published(ana, shopper, api, commits):
    from omnicanal.loyalty import queries as loyalty
    from omnicanal.loyalty.services import program

    with transaction.atomic():
        program.do_add_rule(kind="activity", name="Reseña", activity="review", reward=150)
    order_id = place(ana)
    with commits():
        review = shopper(ana).post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 4,
                                                "text": "Escríbanme a ana@example.cl"}).json()
    assert review["status"] == "pending" and loyalty.summary(ana).points == 0
    with commits():
        assert api.post(f"/reviews/{review['id']}/approve").status_code == 200
    assert loyalty.summary(ana).points == 150


# --- WhatsApp outside its 24-hour window: the approved template ----------------------------------------


@pytest.fixture
def whatsapp_inbox(db, whatsapp_server):
    """A WhatsApp inbox on the loopback Cloud API server, naming approved templates for feedback's keys."""
    from omnicanal.channels.tests.plugin import WA, create_inbox

    create_inbox("whatsapp", base_url=whatsapp_server.url, **WA, templates={
        "survey": {"name": "encuesta_experiencia", "language": "es_CL"},
        "review_request": {"name": "resena_producto", "language": "es_CL"}})
    return whatsapp_server


def test_outside_the_window_a_survey_goes_as_the_approved_template(ana, api, commits, whatsapp_inbox, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "PUBLIC_URL": "https://tienda.example.cl"}
    grant(ana, "whatsapp")
    grant(ana, "email")
    prefer(ana, "whatsapp")  # she never wrote on WhatsApp: its window is closed
    row = send(api, make_survey(api), ana, commits)
    row.refresh_from_db()
    assert (row.delivery, row.channel) == ("delivered", "whatsapp")  # not moved on to email
    [posted] = whatsapp_inbox.posts("/messages")
    body = posted.json()
    parameters = body["template"]["components"][0]["parameters"]
    link = parameters[1]["text"]
    assert link.startswith("https://tienda.example.cl/s/")  # absolute: it is read outside the shop
    parameters[1]["text"] = "<link>"  # the signed link differs each run
    recorded = json.loads((Path(__file__).parent / "fixtures/whatsapp/survey_template.json").read_text())
    assert body == recorded  # the Cloud API's template message, as recorded
    [message] = survey_messages(ana)
    assert message.channel == "whatsapp" and message.meta["template"]["name"] == "encuesta_experiencia"


def test_a_review_request_outside_the_window_goes_as_its_template(ana, commits, whatsapp_inbox):
    import datetime as dt

    from omnicanal.core import clock
    from omnicanal.feedback.models import DueSend
    from omnicanal.feedback.tests.test_triggers import run_worker

    grant(ana, "whatsapp")
    prefer(ana, "whatsapp")
    with commits():
        order_id = place(ana)
    run_worker(clock.now() + dt.timedelta(days=15), commits)
    [due] = DueSend.objects.filter(kind="review_request")
    assert (due.status, due.channel) == ("sent", "whatsapp")
    template = whatsapp_inbox.posts("/messages")[0].json()["template"]
    assert template["name"] == "resena_producto"
    name, product, link = (p["text"] for p in template["components"][0]["parameters"])
    assert (name, product) == ("Ana", "Calcetín")
    assert f"order={order_id}" in link and "sku=SOCK-1" in link


def test_without_an_approved_template_a_closed_window_still_moves_on(ana, api, commits, whatsapp_server):
    from omnicanal.channels.tests.plugin import WA, create_inbox

    create_inbox("whatsapp", base_url=whatsapp_server.url, **WA)  # no templates named
    grant(ana, "whatsapp")
    grant(ana, "email")
    prefer(ana, "whatsapp")
    row = send(api, make_survey(api), ana, commits)
    row.refresh_from_db()
    assert row.channel == "email" and whatsapp_server.posts("/messages") == []

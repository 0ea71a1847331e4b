"""Survey triggers (services.triggers): an event schedules a due send after its delay for the
customers it targets (a store, curbside, the bot, a channel); the worker's task sends the due ones,
each asking the fatigue governor then; a one-off send to a marketing segment; review requests timed
by the product's usage time and held while a conversation or a return is open."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.core import clock
from omnicanal.feedback.models import DueSend, SurveyContact, SurveySend
from omnicanal.feedback.tests.test_delivery import grant
from omnicanal.feedback.tests.test_surveys import make_survey
from omnicanal.orders.models import Fulfillment

from .conftest import place


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def trigger(api, survey_id, **body):
    response = api.post(f"/surveys/{survey_id}/triggers", body)
    assert response.status_code == 201, response.content
    return response.json()


def collect(customer_id, *, method="pickup", location="SCL", commits):
    """A web order collected at the store (pickup or curbside): picked up now."""
    from omnicanal.orders import services as orders

    with commits(), transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=customer_id, delivery={
            "method": method, "location": location}, lines=[orders.LineIn("SOCK-1", 1)])
        orders.do_collect_payment(order=order, method="card")
        f = Fulfillment.objects.get(order=order)
        steps = ("pick", "pack", "ready", *(("arrived",) if method == "curbside" else ()), "handover")
        for action in steps:
            orders.do_transition(fulfillment_id=f.public_id, action=action, data={"code": f.pickup_code})
    return order.public_id


def run_worker(at, commits):
    from omnicanal.feedback.tasks import send_due_surveys

    with clock.frozen(at), commits():
        return send_due_surveys.call_local()


def surveys_due():
    return list(DueSend.objects.filter(kind="survey"))


def test_a_pickup_schedules_the_survey_after_its_delay_and_the_worker_sends_it_then(ana, api, commits):
    grant(ana, "email")
    survey_id = make_survey(api)
    trigger(api, survey_id, event="picked_up", delay_hours=24, store="SCL")
    start = clock.now()
    collect(ana, commits=commits)
    [due] = surveys_due()
    assert due.customer_id == ana and due.trigger.startswith("picked_up:")
    assert start + dt.timedelta(hours=24) <= due.due_at <= clock.now() + dt.timedelta(hours=24)
    # not before its time
    assert run_worker(clock.now() + dt.timedelta(hours=23), commits) == 0 and SurveySend.objects.count() == 0
    # then sent, and delivered by her consented channel
    assert run_worker(clock.now() + dt.timedelta(hours=25), commits) == 1
    due.refresh_from_db()
    send = SurveySend.objects.get(public_id=due.send_id)
    assert due.status == "sent" and send.delivery == "delivered" and send.channel == "email"
    assert send.context["store"] == "SCL" and send.context["channel"] == "web"
    # the worker again sends nothing more
    assert run_worker(clock.now() + dt.timedelta(hours=26), commits) == 0


def test_targeting_by_store_and_curbside(ana, bea, api, commits):
    other_store = make_survey(api)
    trigger(api, other_store, event="picked_up", store="VAP")
    curbside = make_survey(api)
    trigger(api, curbside, event="picked_up", curbside=True)
    collect(ana, commits=commits)  # a pickup at SCL: neither
    assert surveys_due() == []
    collect(bea, method="curbside", commits=commits)
    [due] = surveys_due()
    assert due.customer_id == bea and due.survey.public_id == curbside


def test_an_event_handled_twice_schedules_once(ana, api, commits):
    from omnicanal.feedback.services import triggers

    trigger(api, make_survey(api), event="delivered")
    for _attempt in range(2):  # the outbox's relay may run a handler again
        with transaction.atomic():
            triggers.do_schedule_for_event(event="delivered", customer_id=ana, ref="ful_1", at=clock.now(),
                                           facts=triggers.Facts(channel="web"))
    assert len(surveys_due()) == 1


def test_the_governor_decides_at_send_time_two_due_surveys_send_one(ana, api, commits):
    grant(ana, "email")
    trigger(api, make_survey(api), event="picked_up", delay_hours=2)
    trigger(api, make_survey(api), event="picked_up", delay_hours=4)
    collect(ana, commits=commits)
    run_worker(clock.now() + dt.timedelta(hours=5), commits)
    statuses = sorted((d.status, d.reason) for d in surveys_due())
    assert statuses == [("sent", ""), ("skipped", "budget")]
    assert SurveySend.objects.count() == 1


def test_a_bot_conversation_in_the_web_chat_gets_the_survey_inline(world, api, receive, commits):
    from omnicanal.conversations import services as conversations
    from omnicanal.core.auth import SYSTEM

    survey_id = make_survey(api)
    trigger(api, survey_id, event="bot_ended", bot=True, channel="webchat")
    received = receive("¿Tienen calcetines?", channel="webchat", kind="webchat", value="device-123")
    conversation_id = received.conversation.public_id
    with commits(), transaction.atomic():
        conversations.do_resolve(conversation=conversation_id, actor=SYSTEM)
    [due] = surveys_due()
    assert due.context["conversation_id"] == conversation_id
    # the inbox asked its CSAT question at the resolution: the same budget, spent (docs/feedback.md)
    assert list(SurveyContact.objects.values_list("kind", flat=True)) == ["csat"]
    SurveyContact.objects.all().delete()
    run_worker(clock.now(), commits)
    due.refresh_from_db()
    assert (due.status, due.reason) == ("sent", "")
    send = SurveySend.objects.get()
    # no `surveys` grant is needed: she is in the chat, the question comes where she is
    assert (send.delivery, send.channel) == ("delivered", "webchat")
    message = Message.objects.get(public_id=send.message_id)
    assert message.conversation.public_id == conversation_id and "/s/" in message.text


def test_an_agent_conversation_is_not_a_bot_one(world, api, receive, actor, commits):
    from omnicanal.conversations import services as conversations
    from omnicanal.core.auth import SYSTEM

    bot_only = make_survey(api)
    trigger(api, bot_only, event="bot_ended")
    after_agent = make_survey(api)
    trigger(api, after_agent, event="conversation_resolved")
    received = receive("Hola, necesito ayuda", channel="whatsapp")
    with transaction.atomic():
        conversations.do_reply(conversation=received.conversation.public_id, text="Hola, te ayudo", actor=actor)
    with commits(), transaction.atomic():
        conversations.do_resolve(conversation=received.conversation.public_id, actor=SYSTEM)
    [due] = surveys_due()
    assert due.survey.public_id == after_agent and due.context["channel"] == "whatsapp"


def test_a_solved_ticket_schedules_its_survey(world, api, receive, commits):
    from omnicanal.conversations import services as conversations
    from omnicanal.core.auth import SYSTEM

    trigger(api, make_survey(api), event="ticket_solved", delay_hours=1)
    received = receive("Mi pedido no llegó", channel="whatsapp")
    with transaction.atomic():
        ticket = conversations.do_open_ticket(conversation=received.conversation.public_id, category="delivery",
                                              actor=SYSTEM)
    with commits(), transaction.atomic():
        conversations.do_set_ticket_status(ticket=ticket.public_id, status="solved", actor=SYSTEM)
    [due] = surveys_due()
    assert due.trigger == f"ticket_solved:{ticket.public_id}" and due.customer_id == received.conversation.customer_id


def test_a_trigger_is_checked(api, world):
    survey_id = make_survey(api)
    response = api.post(f"/surveys/{survey_id}/triggers", {"event": "birthday"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "event"
    assert api.post("/surveys/srv_nope/triggers", {"event": "delivered"}).status_code == 404
    trigger(api, survey_id, event="delivered", delay_hours=48, channel="web")
    [listed] = api.get(f"/surveys/{survey_id}/triggers").json()
    assert listed["event"] == "delivered" and listed["delay_hours"] == 48 and listed["channel"] == "web"


def test_a_segment_gets_the_survey_once_each_by_their_consent(ana, bea, api, commits):
    grant(ana, "email")
    survey_id = make_survey(api)
    segment = api.post("/segments", {"name": "Todos", "rules": []})
    assert segment.status_code == 201, segment.content
    response = api.post(f"/surveys/{survey_id}/segment-sends", {"segment_id": segment.json()["id"]})
    assert response.status_code == 202 and response.json()["scheduled"] == 2
    # asked twice the same day: once
    api.post(f"/surveys/{survey_id}/segment-sends", {"segment_id": segment.json()["id"]})
    assert len(surveys_due()) == 2
    run_worker(clock.now(), commits)
    sends = {s.customer_id: s for s in SurveySend.objects.all()}
    assert (sends[ana].delivery, sends[ana].channel) == ("delivered", "email")
    assert (sends[bea].delivery, sends[bea].delivery_reason) == ("not_sent", "no_consent")


# --- review requests ---------------------------------------------------------------------------


def review_requests():
    return list(DueSend.objects.filter(kind="review_request"))


def test_a_review_request_waits_the_products_usage_time(ana, settings, commits):
    settings.OMNICANAL = {**settings.OMNICANAL, "FEEDBACK": {"REVIEW_USAGE_DAYS": {"zapatillas": 21}}}
    start = clock.now()
    with commits():
        order_id = place(ana)  # a carry-out at the POS: it reached her at once
    [due] = review_requests()
    assert due.context["order_id"] == order_id and due.context["sku"] == "SOCK-1"
    assert start + dt.timedelta(days=21) <= due.due_at <= clock.now() + dt.timedelta(days=21)


def test_the_default_usage_time_applies_without_a_category_setting(ana, commits):
    with commits():
        place(ana)
    [due] = review_requests()
    assert dt.timedelta(days=13) < due.due_at - clock.now() <= dt.timedelta(days=14)


def test_a_review_request_is_held_while_a_conversation_is_open_then_sent(ana, receive, commits):
    from omnicanal.conversations import services as conversations
    from omnicanal.core.auth import SYSTEM

    grant(ana, "email")
    with commits():
        order_id = place(ana)
    received = receive("Hola, una consulta", channel="whatsapp")  # her phone: the same customer
    assert received.conversation.customer_id == ana
    later = clock.now() + dt.timedelta(days=15)
    run_worker(later, commits)
    [due] = review_requests()
    assert due.status == "pending" and due.reason == "held_conversation" and due.due_at > later
    with transaction.atomic():
        conversations.do_resolve(conversation=received.conversation.public_id, actor=SYSTEM)
    SurveyContact.objects.filter(customer_id=ana).delete()  # the inbox's CSAT question spent the budget; not this test's
    run_worker(later + dt.timedelta(days=2), commits)
    due.refresh_from_db()
    assert due.status == "sent" and due.channel == "email"
    assert SurveyContact.objects.filter(customer_id=ana, kind="review_request").count() == 1
    message = Message.objects.get(conversation__customer_id=ana, meta__notification="review_request")
    assert "/account/reviews/" in message.text and order_id in message.text and "Calcetín" in message.text


def test_a_review_request_is_held_while_a_return_is_open(ana, commits):
    from omnicanal.orders import services as orders
    from omnicanal.orders.models import Order

    with commits():
        order_id = place(ana)
    with transaction.atomic():
        orders.do_request_return(order=Order.objects.get(public_id=order_id), location="SCL",
                                 lines=[{"sku": "SOCK-1", "quantity": 1}])
    run_worker(clock.now() + dt.timedelta(days=15), commits)
    [due] = review_requests()
    assert due.status == "pending" and due.reason == "held_return"


def test_a_line_already_reviewed_is_not_asked_and_the_budget_is_shared(ana, shopper, api, commits):
    with commits():
        order_id = place(ana)
        second = place(ana)
    assert shopper(ana).post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 5}).status_code == 201
    api.post(f"/surveys/{make_survey(api)}/sends", {"customer_id": ana})  # a survey today spends the budget
    run_worker(clock.now() + dt.timedelta(days=15), commits)
    found = {d.context["order_id"]: (d.status, d.reason) for d in review_requests()}
    assert found == {order_id: ("skipped", "reviewed"), second: ("skipped", "budget")}


def test_due_sends_follow_a_merge_and_are_dropped_on_erasure(ana, bea, commits):
    from omnicanal.customers import services as customers

    with commits():
        place(bea)
    with transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=bea, reason="test")
    [due] = review_requests()
    assert due.customer_id == ana
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert review_requests() == []  # nothing is sent to an erased person

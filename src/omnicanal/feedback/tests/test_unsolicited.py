"""Issue 17 item 6: unsolicited feedback — POST /feedback, a CSV import, every inbound message and
every low review get a language, a sentiment and topics; negative feedback from an identified
customer opens a ticket in the inbox with the context, sentiment and topic on it."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations import queries as conversations
from omnicanal.core import clock, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.feedback.models import Feedback
from omnicanal.feedback.tests.conftest import place


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """`with commits():` runs what waits for the commit (the outbox's dispatch) at the block's end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


ANGRY_ES = "El despacho se demoró dos semanas y llegó roto, pésimo servicio"


def _ticket(ticket_id):
    return next(t for t in conversations.tickets(status="") if t.public_id == ticket_id)


def _notes(ticket):
    return [m.text for m in conversations.thread(ticket.conversation) if m.private]


def test_a_negative_mention_from_a_known_customer_opens_a_ticket_with_the_context(api, ana):
    # when a social mention by Ana's email says the delivery was late and broken
    response = api.post("/feedback", {"source": "social", "text": ANGRY_ES, "author": "ana@example.cl",
                                      "url": "https://social.example/p/1", "store": "SCL"})
    # then it is recorded negative, in Spanish, about delivery and product quality, for Ana
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["language"] == "es" and body["sentiment"]["label"] == "negative" and body["sentiment"]["score"] < 0
    assert body["topics"] == ["delivery", "product_quality"] and body["customer_id"] == ana
    # and a ticket is open in the inbox on her thread, with the sentiment, topics and words on it
    ticket = _ticket(body["ticket_id"])
    assert ticket.customer_id == ana and ticket.category == "delivery" and ticket.status in ("new", "open")
    note = "\n".join(_notes(ticket))
    # (in the console's language: the demo speaks Spanish)
    assert "Temas: Despacho, Calidad del producto" in note and "Sentimiento: Negativo" in note and ANGRY_ES in note


def test_an_unidentified_author_or_a_happy_customer_opens_no_ticket(api, ana, commits):
    with commits():
        anonymous = api.post("/feedback", {"source": "social", "text": ANGRY_ES, "author": "@someone"}).json()
    assert anonymous["sentiment"]["label"] == "negative" and anonymous["customer_id"] is None
    with commits():
        happy = api.post("/feedback", {"source": "app_store", "text": "Excelente app, súper rápida",
                                       "customer_id": ana, "rating": 5}).json()
    assert happy["sentiment"]["label"] == "positive" and happy["customer_id"] == ana
    assert conversations.tickets(status="") == []
    assert not Feedback.objects.exclude(ticket_id="").exists()


def test_a_one_star_app_review_opens_a_ticket_whatever_its_words(api, ana, commits):
    with commits():
        body = api.post("/feedback", {"source": "app_store", "text": "the app", "customer_id": ana, "rating": 1}).json()
    assert body["sentiment"]["label"] == "negative"
    assert _ticket(Feedback.objects.get(public_id=body["id"]).ticket_id).customer_id == ana


def test_the_same_post_twice_is_recorded_once(api):
    first = api.post("/feedback", {"source": "social", "text": "me encanta la tienda", "external_id": "post-9"})
    again = api.post("/feedback", {"source": "social", "text": "me encanta la tienda", "external_id": "post-9"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Feedback.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"source": "fax", "text": "hola"}, "source"),
    ({"source": "social", "text": ""}, "text"),
    ({"source": "social", "text": "hola", "rating": 9}, "rating"),
    ({"source": "social", "text": "hola", "url": "javascript:alert(1)"}, "url"),
    ({"source": "social", "text": "hola", "customer_id": "cus_nobody"}, "customer_id"),
    ({"source": "conversation", "text": "hola"}, "source"),  # only the inbox's own events say so
])
def test_bad_feedback_is_refused_field_by_field(api, world, body, field):
    response = api.post("/feedback", body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {e["field"].split(".")[-1] for e in response.json()["errors"]}
    assert Feedback.objects.count() == 0


def test_a_negative_message_gets_its_ticket_from_the_worker_within_a_minute_when_the_request_could_not(
        world, receive, django_capture_on_commit_callbacks):
    # given an angry message committed, but its after-commit dispatch lost (the web process died)
    with django_capture_on_commit_callbacks(execute=False):
        received = receive("terrible atención del vendedor, nadie responde")
    assert not Feedback.objects.exists()
    assert OutboxEvent.objects.get(topic="conversations.MessageReceived").status == OutboxStatus.PENDING
    # when the worker's relay (every minute) runs 30 seconds later
    with clock.frozen(clock.now() + dt.timedelta(seconds=30)):
        outbox.dispatch_due()
    # then the message is feedback with a ticket on its conversation, opened within the minute
    row = Feedback.objects.get(source="conversation")
    ticket = _ticket(row.ticket_id)
    assert ticket.conversation.public_id == received.conversation.public_id
    assert ticket.created_at - received.message.created_at < dt.timedelta(minutes=1)
    note = "\n".join(_notes(ticket))
    assert "Temas: Personal" in note and "terrible atención del vendedor" in note


def test_every_inbound_message_is_feedback_and_a_negative_one_opens_a_ticket_on_its_conversation(world, receive,
                                                                                                commits):
    # given a customer writes a neutral question, then an angry message
    with commits():
        first = receive("hola, a qué hora abre la tienda?")
    with commits():
        angry = receive("llevo un mes esperando el reembolso, una estafa")
    rows = {r.text: r for r in Feedback.objects.filter(source="conversation")}
    assert rows["hola, a qué hora abre la tienda?"].sentiment == "neutral"
    assert rows["hola, a qué hora abre la tienda?"].ticket_id == ""
    negative = rows["llevo un mes esperando el reembolso, una estafa"]
    # then the angry one is negative, about returns, with a ticket on the same conversation
    assert negative.sentiment == "negative" and "returns" in negative.topics
    ticket = _ticket(negative.ticket_id)
    assert ticket.conversation.public_id == angry.conversation.public_id == first.conversation.public_id
    assert negative.conversation_id == angry.conversation.public_id


def test_a_low_review_opens_a_ticket_and_a_good_one_is_not_unsolicited(ana, world, commits):
    from omnicanal.feedback.services import reviews

    good_order, bad_order = place(ana), place(ana)
    with commits(), transaction.atomic():
        reviews.do_submit_review(customer_id=ana, order_id=good_order, sku="SOCK-1", rating=5, text="Muy buenos")
    with commits(), transaction.atomic():
        review = reviews.do_submit_review(customer_id=ana, order_id=bad_order, sku="SOCK-1", rating=2,
                                          text="Se descosieron a la semana")
    row = Feedback.objects.get(source="review")
    assert row.ref == review.public_id and row.rating == 2 and row.sentiment == "negative"
    assert "product_quality" in row.topics and _ticket(row.ticket_id).customer_id == ana


def _upload(api, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("feedback.csv", content.encode(), content_type="text/csv")
    return api.client.post("/api/v1/feedback/import", {"file": upload}, **api.auth)


def test_a_csv_import_keeps_good_rows_reports_bad_ones_and_skips_duplicates(api, ana, commits):
    content = (
        "id,source,text,author,rating,store,at\n"
        "r1,app_store,the app crashes at checkout,ana@example.cl,1,,2026-03-01T10:00:00-03:00\n"
        "r2,social,me encantó la atención en la tienda,@fan,,SCL,\n"
        "r3,social,,@empty,,,\n"
        "r4,social,hola,@x,,,yesterday\n"
        "r1,app_store,the app crashes at checkout,ana@example.cl,1,,\n"
    )
    with commits():
        response = _upload(api, content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 2 and body["duplicates"] == 1
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(4, "text"), (5, "at")}
    crash = Feedback.objects.get(ref="r1")
    assert crash.customer_id == ana and crash.ticket_id and crash.at.isoformat() == "2026-03-01T13:00:00+00:00"


def test_a_csv_without_a_text_column_is_refused(api, world):
    response = _upload(api, "author,url\n@a,\n")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"


def test_the_sentiment_endpoint_and_the_stream_filters(api, world):
    scored = api.post("/sentiment", {"text": "the package is late again, so annoying"}).json()
    assert scored["language"] == "en" and scored["label"] == "negative" and -1 <= scored["score"] < 0
    api.post("/feedback", {"source": "social", "text": "precios muy caros", "store": "SCL"})
    api.post("/feedback", {"source": "app_store", "text": "great app, love it"})
    negatives = api.get("/feedback?sentiment=negative").json()
    assert [f["text"] for f in negatives] == ["precios muy caros"]
    assert [f["text"] for f in api.get("/feedback?topic=price&store=SCL").json()] == ["precios muy caros"]
    assert [f["source"] for f in api.get("/feedback?source=app_store").json()] == ["app_store"]


def test_a_batch_handed_over_again_records_its_messages_once(world, receive, django_capture_on_commit_callbacks,
                                                             django_assert_max_num_queries):
    """The worker's batch looks its messages' feedback up in one query: a batch handed over again (an
    outbox retry) records nothing twice and emits nothing again, in two statements."""
    from omnicanal.feedback.handlers import read_the_messages

    with django_capture_on_commit_callbacks(execute=False):
        receive("hola, a qué hora abre la tienda?")
        receive("llevo un mes esperando el reembolso, una estafa")
    batch = [outbox.Envelope(id=row.pk, topic=row.topic, payload=row.payload, occurred_at=row.created_at)
             for row in OutboxEvent.objects.filter(topic="conversations.MessageReceived").order_by("pk")]
    with transaction.atomic():
        read_the_messages(batch)
    assert Feedback.objects.filter(source="conversation").count() == 2
    recorded = OutboxEvent.objects.filter(topic="feedback.FeedbackRecorded").count()

    with transaction.atomic(), django_assert_max_num_queries(2):  # the turns, the refs recorded
        read_the_messages(batch)

    assert Feedback.objects.filter(source="conversation").count() == 2
    assert OutboxEvent.objects.filter(topic="feedback.FeedbackRecorded").count() == recorded == 2

"""Web chat identity (issue 13, item 1): a typed address proves nothing; tokens expire and rotate.

The takeover these tests close: a visitor posted someone's email to /webchat/<inbox>/email with
their own token; the owner's profile gained the visitor's device and the widget then showed the
owner's earlier chat and the agent's answers.
"""

import datetime as dt
import json

import pytest
from django.db import transaction

from omnicanal.channels.models import WebchatDevice
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations import services
from omnicanal.conversations.models import Conversation, Message
from omnicanal.core import clock
from omnicanal.core.models import OutboxEvent
from omnicanal.customers import queries as customer_queries
from omnicanal.customers import services as customer_services

CAMILA = "camila.fuentes@example.cl"
SECRET = "shop-secret"


@pytest.fixture
def chat(make_inbox):
    return make_inbox("webchat", identity_secret=SECRET)


def post(client, chat, path, body):
    return client.post(f"/webchat/{chat.public_id}/{path}", json.dumps(body), content_type="application/json")


def poll(client, chat, token):
    return client.get(f"/webchat/{chat.public_id}/messages", {"token": token})


def texts(answer) -> list[str]:
    return [m["text"] for m in answer.json()["messages"]]


def profile(customer_id: str) -> set[tuple[str, str, bool]]:
    customer = customer_queries.get_customer(customer_id)
    return {(i.kind, i.value, i.verified) for i in customer_queries.identities_by_customer([customer.pk]).get(customer.pk, [])}


def created(topic: str) -> int:
    return OutboxEvent.objects.filter(topic=f"customers.{topic}").count()


def camila_chatted_signed_in(client, chat, actor, deliver):
    """Camila, known by her verified email, chatted signed in to the shop and got an answer with her address."""
    camila = customer_services.do_identify(channel="web", identities=[{"kind": "email", "value": CAMILA, "verified": True}],
                                           traits={"name": "Camila Fuentes"}).customer_id
    session = post(client, chat, "session", {"email": CAMILA, "user_hash": webchat.shopper_hash(SECRET, CAMILA)}).json()
    deliver(post, client, chat, "messages", {"token": session["token"], "text": "¿Dónde va mi pedido?", "client_id": "c1"})
    with transaction.atomic():
        deliver(services.do_reply, conversation=Conversation.objects.get(customer_id=camila),
                text="Va a Av. Siempre Viva 742, llega mañana.", actor=actor)
    return camila, session


def test_an_email_typed_in_the_chat_opens_no_history_and_leaves_the_owners_profile_unchanged(client, chat, actor, deliver):
    # given Camila's earlier chat and the agent's answer with her address
    camila, camila_session = camila_chatted_signed_in(client, chat, actor, deliver)
    before = profile(camila)
    # when a visitor says something and then claims her email, over every door the widget has
    attacker = post(client, chat, "session", {}).json()
    deliver(post, client, chat, "messages", {"token": attacker["token"], "text": "hola", "client_id": "a1"})
    left = deliver(post, client, chat, "email", {"token": attacker["token"], "email": "Camila.Fuentes@Example.cl"})
    claimed = post(client, chat, "session", {"token": attacker["token"], "email": CAMILA}).json()
    deliver(post, client, chat, "messages", {"token": claimed["token"], "text": "¿y mi pedido?", "client_id": "a2"})
    # then the claim is taken only as where to answer this visitor
    assert left.status_code == 200 and left.json() == {"reply_by_email": True}
    # and the visitor's widget shows their own messages only, on polling and on resuming
    assert texts(poll(client, chat, claimed["token"])) == ["hola", "¿y mi pedido?"]
    assert [m["text"] for m in claimed["messages"]] == ["hola"]
    # and Camila's profile is untouched: no new identity, nothing verified, nothing merged into it
    assert profile(camila) == before and customer_queries.resolve_id(camila) == camila
    intruder = Conversation.objects.exclude(customer_id=camila).get()
    assert customer_queries.resolve_id(intruder.customer_id) == intruder.customer_id  # not merged into her
    assert {kind for kind, _value, _verified in profile(intruder.customer_id)} == {"webchat"}
    assert customer_queries.find_by_identity("email", CAMILA).public_id == camila
    assert not customer_queries.open_suggestions()
    # and her conversation holds none of the visitor's messages; the next answer still goes to her device
    mine = Conversation.objects.get(customer_id=camila)
    assert list(mine.messages.filter(direction="in").values_list("text", flat=True)) == ["¿Dónde va mi pedido?"]
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=mine, text="Tu boleta está lista.", actor=actor)
    assert reply.address == camila_session["device_id"]
    assert "Tu boleta está lista." not in texts(poll(client, chat, claimed["token"]))
    assert texts(poll(client, chat, camila_session["token"]))[-1] == "Tu boleta está lista."


def test_an_email_claimed_before_its_owner_arrives_never_joins_them(client, chat, actor, deliver):
    # given a visitor who leaves an address nobody holds yet
    attacker = post(client, chat, "session", {}).json()
    deliver(post, client, chat, "messages", {"token": attacker["token"], "text": "hola", "client_id": "a1"})
    deliver(post, client, chat, "email", {"token": attacker["token"], "email": CAMILA})
    # when its owner later chats signed in to the shop
    owner = post(client, chat, "session", {"email": CAMILA, "user_hash": webchat.shopper_hash(SECRET, CAMILA)}).json()
    deliver(post, client, chat, "messages", {"token": owner["token"], "text": "Mi RUT es 12.345.678-5", "client_id": "o1"})
    # then the owner is a customer of their own, holding the email verified
    owner_id = customer_queries.find_by_identity("email", CAMILA).public_id
    assert ("email", CAMILA, True) in profile(owner_id)
    intruder_id = Conversation.objects.get(messages__text="hola").customer_id
    assert owner_id != intruder_id and {kind for kind, _v, _ok in profile(intruder_id)} == {"webchat"}
    # and the first visitor sees nothing of the owner's
    assert texts(poll(client, chat, attacker["token"])) == ["hola"]


def test_a_typed_email_gets_the_answer_and_the_agent_sees_it_is_unverified(client, chat, make_inbox, smtp_server, actor, deliver):
    from omnicanal.channels.tests.conftest import EMAIL

    # given a visitor who asked to be answered by email
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    visitor = post(client, chat, "session", {}).json()
    deliver(post, client, chat, "messages", {"token": visitor["token"], "text": "¿Despachan a Arica?", "client_id": "1"})
    deliver(post, client, chat, "email", {"token": visitor["token"], "email": "Pedro@Example.cl"})
    conversation = Conversation.objects.get()
    # then the agent's composer offers email and the thread marks the address as typed
    assert {"channel": "email", "default": True} in [{k: o[k] for k in ("channel", "default")}
                                                     for o in services.reply_options(conversation)]
    note = Message.objects.get(kind="system")
    assert note.private and note.meta["address"] == "pedro@example.cl" and note.meta["verified"] is False
    # when the agent answers
    with transaction.atomic():
        deliver(services.do_reply, conversation=conversation, text="Sí, en 5 días hábiles.", actor=actor)
    # then the answer goes to the typed address, which is no identity of anyone
    assert smtp_server.messages[0].rcpt_tos == ["pedro@example.cl"]
    assert customer_queries.find_by_identity("email", "pedro@example.cl") is None


def test_fifty_anonymous_sessions_create_no_customer(client, chat, settings):
    # given one address allowed more sessions than the throttle's default (that limit is tested on its own)
    settings.THROTTLES = {**settings.THROTTLES, "webchat_session": {"max": 200, "per": 600, "lockout": 600}}
    # when 50 visitors open the widget, poll, resume and try to leave an email without saying anything
    for _ in range(50):
        session = post(client, chat, "session", {}).json()
        poll(client, chat, session["token"])
        post(client, chat, "session", {"token": session["token"]})
        post(client, chat, "email", {"token": session["token"], "email": "alguien@example.cl"})
    # then no customer was created (each creation emits CustomerCreated), nor any conversation or device row
    assert created("CustomerCreated") == 0 and created("IdentityAttached") == 0
    assert customer_queries.find_by_identity("email", "alguien@example.cl") is None
    assert not Conversation.objects.exists() and not WebchatDevice.objects.exists()
    # and the first one who says something becomes a customer
    post(client, chat, "messages", {"token": session["token"], "text": "Hola", "client_id": "1"})
    assert created("CustomerCreated") == 1 and Conversation.objects.count() == 1


def test_a_token_expires_after_the_session_lifetime(client, chat, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBCHAT_SESSION_DAYS": 30}
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    # given a visitor who wrote once
    with clock.frozen(start):
        session = post(client, chat, "session", {}).json()
        post(client, chat, "messages", {"token": session["token"], "text": "Hola", "client_id": "1"})
    assert session["expires_at"] == (start + dt.timedelta(days=30)).isoformat()
    # when they come back within 30 days, the token works
    with clock.frozen(start + dt.timedelta(days=29)):
        assert poll(client, chat, session["token"]).status_code == 200
    # when they come back after 30 days
    with clock.frozen(start + dt.timedelta(days=30, seconds=1)):
        refused = post(client, chat, "messages", {"token": session["token"], "text": "¿Sigue ahí?", "client_id": "2"})
        resumed = post(client, chat, "session", {"token": session["token"]}).json()
    # then the old token is refused and a resume starts a new device with an empty thread
    assert refused.status_code == 403 and Message.objects.count() == 1
    assert resumed["device_id"] != session["device_id"] and resumed["messages"] == []


def test_a_resume_rotates_the_token_and_the_replaced_one_lasts_only_the_grace_period(client, chat, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBCHAT_TOKEN_ROTATE_MINUTES": 10, "WEBCHAT_TOKEN_GRACE_MINUTES": 10}
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with clock.frozen(start):
        first = post(client, chat, "session", {}).json()
        post(client, chat, "messages", {"token": first["token"], "text": "Hola", "client_id": "1"})
        # when the page reloads within the rotation interval, the same token comes back
        same = post(client, chat, "session", {"token": first["token"]}).json()
    assert same["token"] == first["token"] and not WebchatDevice.objects.exists()
    # when the visitor resumes an hour later
    with clock.frozen(start + dt.timedelta(hours=1)):
        second = post(client, chat, "session", {"token": first["token"]}).json()
    # then they get a fresh token for the same device and thread
    assert second["token"] != first["token"] and second["device_id"] == first["device_id"]
    assert [m["text"] for m in second["messages"]] == ["Hola"]
    assert WebchatDevice.objects.get().generation == 2
    # and a tab still holding the replaced token works during the grace period, then not
    with clock.frozen(start + dt.timedelta(hours=1, minutes=9)):
        assert poll(client, chat, first["token"]).status_code == 200
    with clock.frozen(start + dt.timedelta(hours=1, minutes=11)):
        assert poll(client, chat, first["token"]).status_code == 403
        assert poll(client, chat, second["token"]).status_code == 200
        # and a resume with the retired token cannot recover the device
        retired = post(client, chat, "session", {"token": first["token"]}).json()
    assert retired["device_id"] != first["device_id"] and retired["messages"] == []
    # and two rotations later the oldest generation stays refused even inside a grace period
    with clock.frozen(start + dt.timedelta(hours=2)):
        third = post(client, chat, "session", {"token": second["token"]}).json()
        assert poll(client, chat, first["token"]).status_code == 403
        assert poll(client, chat, second["token"]).status_code == 200
        assert poll(client, chat, third["token"]).status_code == 200


def test_two_tabs_resuming_one_after_the_other_keep_the_device(client, chat, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBCHAT_TOKEN_ROTATE_MINUTES": 10, "WEBCHAT_TOKEN_GRACE_MINUTES": 10}
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with clock.frozen(start):
        first = post(client, chat, "session", {}).json()
    # given tab A rotated the token an hour later
    with clock.frozen(start + dt.timedelta(hours=1)):
        tab_a = post(client, chat, "session", {"token": first["token"]}).json()
    # when tab B resumes a minute later with the token it still holds
    with clock.frozen(start + dt.timedelta(hours=1, minutes=1)):
        tab_b = post(client, chat, "session", {"token": first["token"]}).json()
    # then B gets the newest generation of the same device, never the replaced token back
    assert tab_b["device_id"] == first["device_id"] and tab_b["token"] not in (first["token"], tab_a["token"])
    assert WebchatDevice.objects.get().generation == 3
    # and, past the grace period, B's token works and A resuming with its own gets the device back too
    with clock.frozen(start + dt.timedelta(hours=1, minutes=5)):
        again_a = post(client, chat, "session", {"token": tab_a["token"]}).json()
    with clock.frozen(start + dt.timedelta(hours=1, minutes=20)):
        assert poll(client, chat, again_a["token"]).status_code == 200
        assert poll(client, chat, tab_a["token"]).status_code == 403
    assert again_a["device_id"] == first["device_id"]


def test_a_signed_in_shoppers_device_is_not_kept_after_they_sign_out(client, chat, deliver):
    # given a shopper who chatted signed in
    shopper = post(client, chat, "session", {"email": CAMILA, "user_hash": webchat.shopper_hash(SECRET, CAMILA)}).json()
    deliver(post, client, chat, "messages", {"token": shopper["token"], "text": "Mi pedido 1001", "client_id": "1"})
    # when the page loads with nobody signed in (or another shopper)
    signed_out = post(client, chat, "session", {"token": shopper["token"]}).json()
    # then it is a new device that sees nothing of theirs
    assert signed_out["device_id"] != shopper["device_id"] and signed_out["messages"] == []
    assert webchat.read_token(signed_out["token"]).email == ""


def test_the_purge_forgets_devices_whose_tokens_all_expired(client, chat):
    from omnicanal.channels.webchat.sessions import do_purge_devices

    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with clock.frozen(start):
        first = post(client, chat, "session", {}).json()
    with clock.frozen(start + dt.timedelta(hours=1)):
        post(client, chat, "session", {"token": first["token"]})
    with clock.frozen(start + dt.timedelta(days=30)):
        assert do_purge_devices() == 0
    with clock.frozen(start + dt.timedelta(days=31)):
        assert do_purge_devices() == 1

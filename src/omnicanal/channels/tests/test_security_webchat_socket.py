"""Web chat identity over the WebSocket (issue 13, item 1): a device's socket carries its own
exchange only, whatever address it claimed, and a retired or expired token cannot open one."""

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.db import transaction

from omnicanal.channels.consumers import websocket_urlpatterns
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations import queries, services
from omnicanal.conversations.models import Conversation
from omnicanal.core import clock
from omnicanal.customers import services as customer_services

pytestmark = pytest.mark.django_db(transaction=True)

CAMILA = "camila.fuentes@example.cl"
SECRET = "shop-secret"


def post(client, chat, path, body):
    return client.post(f"/webchat/{chat.public_id}/{path}", json.dumps(body), content_type="application/json")


class Socket(ApplicationCommunicator):
    """The consumer under the real URL router, in this process (channels.testing needs daphne)."""

    def __init__(self, chat, token: str):
        super().__init__(URLRouter(websocket_urlpatterns), {
            "type": "websocket", "path": f"/ws/webchat/{chat.public_id}/", "query_string": f"token={token}".encode(),
            "headers": [], "subprotocols": [],
        })

    async def connect(self) -> bool:
        await self.send_input({"type": "websocket.connect"})
        return (await self.receive_output(10))["type"] == "websocket.accept"

    async def send_json_to(self, data: dict) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self) -> dict:
        return json.loads((await self.receive_output(10))["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(5)


def socket(chat, token: str) -> Socket:
    return Socket(chat, token)


def run(scenario, *args):
    """Run an async scenario in a thread of its own (a browser test may leave an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(async_to_sync(scenario), *args).result()


def reply(conversation: Conversation, text: str, actor) -> None:
    with transaction.atomic():
        services.do_reply(conversation=conversation, text=text, actor=actor, channel="webchat")


def test_a_socket_that_claimed_an_email_receives_only_its_own_answers(client, make_inbox, actor):
    # given Camila, known by her verified email, chatting signed in
    chat = make_inbox("webchat", identity_secret=SECRET)
    with transaction.atomic():
        camila = customer_services.do_identify(channel="web", identities=[
            {"kind": "email", "value": CAMILA, "verified": True}]).customer_id
    mine = post(client, chat, "session", {"email": CAMILA, "user_hash": webchat.shopper_hash(SECRET, CAMILA)}).json()
    post(client, chat, "messages", {"token": mine["token"], "text": "¿Dónde va mi pedido?", "client_id": "c1"})
    # and a visitor who said something and claimed her email
    attacker = post(client, chat, "session", {}).json()
    post(client, chat, "messages", {"token": attacker["token"], "text": "hola", "client_id": "a1"})
    post(client, chat, "email", {"token": attacker["token"], "email": CAMILA})

    async def scenario():
        communicator = socket(chat, attacker["token"])
        assert await communicator.connect()
        # when the visitor also tries to claim her over the socket
        await communicator.send_json_to({"type": "email", "email": CAMILA})
        # and the agent answers Camila, then the visitor (in the chat, though the visitor asked for email)
        camila_thread = await database_sync_to_async(Conversation.objects.get)(customer_id=camila, status="open")
        await database_sync_to_async(reply)(camila_thread, "Va a Av. Siempre Viva 742.", actor)
        own, _messages = await database_sync_to_async(queries.webchat_thread)(attacker["device_id"])
        await database_sync_to_async(reply)(own, "¡Hola! ¿En qué te ayudo?", actor)
        # then the visitor's socket receives its own answer first and nothing of Camila's
        first = await communicator.receive_json_from()
        await communicator.disconnect()
        return first

    first = run(scenario)
    assert first["type"] == "message" and first["message"]["text"] == "¡Hola! ¿En qué te ayudo?"
    assert camila != Conversation.objects.get(messages__text="hola").customer_id


def test_a_retired_or_expired_token_cannot_open_the_socket(client, make_inbox, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBCHAT_SESSION_DAYS": 30, "WEBCHAT_TOKEN_ROTATE_MINUTES": 10,
                          "WEBCHAT_TOKEN_GRACE_MINUTES": 10}
    chat = make_inbox("webchat")
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    # given a token replaced by a resume an hour later
    with clock.frozen(start):
        first = post(client, chat, "session", {}).json()
    with clock.frozen(start + dt.timedelta(hours=1)):
        second = post(client, chat, "session", {"token": first["token"]}).json()

    async def opens(token: str) -> bool:
        communicator = socket(chat, token)
        connected = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected

    # then, past the grace period, only the new one opens a socket
    with clock.frozen(start + dt.timedelta(hours=1, minutes=11)):
        assert run(opens, second["token"]) is True
        assert run(opens, first["token"]) is False
    # and after the session lifetime, not even the new one
    with clock.frozen(start + dt.timedelta(days=31)):
        assert run(opens, second["token"]) is False

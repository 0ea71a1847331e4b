"""The web chat WebSocket under the real ASGI app (uvicorn on loopback)."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def ws_url(base: str, inbox_id: str, token: str) -> str:
    return f"{base.replace('http', 'ws')}/ws/webchat/{inbox_id}/?token={token}"


def test_a_forged_token_cannot_open_the_socket(asgi_server, make_inbox):
    chat = make_inbox("webchat")
    with pytest.raises((InvalidStatus, ConnectionError, OSError)):
        with connect(ws_url(asgi_server, chat.public_id, "forged"), open_timeout=5, additional_headers={"Origin": asgi_server}) as socket:
            socket.recv(timeout=5)
    assert not Message.objects.exists()


def test_a_visitor_writes_over_the_socket_once_even_when_resent(asgi_server, make_inbox):
    chat = make_inbox("webchat")
    token = webchat.issue_token(webchat.Visitor(chat.public_id, webchat.new_device_id()))
    with connect(ws_url(asgi_server, chat.public_id, token), open_timeout=5, additional_headers={"Origin": asgi_server}) as socket:
        socket.send(json.dumps({"type": "message", "text": "Hola por socket", "client_id": "c1"}))
        ack = json.loads(socket.recv(timeout=10))
        socket.send(json.dumps({"type": "message", "text": "Hola por socket", "client_id": "c1"}))
        again = json.loads(socket.recv(timeout=10))
    assert ack["type"] == "ack" and ack["message"]["text"] == "Hola por socket"
    assert again["id"] == ack["id"] and Message.objects.count() == 1

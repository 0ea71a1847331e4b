"""Fixtures of the channels tests, shared with every domain whose tests go through a channel (the bot's):
inboxes pointed at loopback provider servers, signed posts, what a commit triggers, an agent.

A conftest takes them all with `from omnicanal.channels.tests.plugin import *` (`__all__` below) and
overrides what it needs otherwise (the bot's `make_inbox` turns the bot on): one definition of each,
no copies drifting apart."""

from __future__ import annotations

import socket

import pytest

from omnicanal.channels import testing

__all__ = [
    "EMAIL", "IG", "META", "SMS", "TG", "VOICE", "WA", "SmtpSink", "actor", "agent", "asgi_server", "create_inbox",
    "deliver", "free_port", "make_inbox", "meta_server", "smtp_server", "telegram_server", "twilio_server",
    "voice_server", "whatsapp_server",
]

WA = {"phone_number_id": "106540352242922", "access_token": "wa-token", "app_secret": "wa-app-secret",
      "verify_token": "wa-verify", "api_version": "v21.0"}
TG = {"bot_token": "7012345678:AAF-test-token", "secret_token": "tg-secret-123"}
SMS = {"account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "auth_token": "twilio-auth-token", "from_number": "+56229401234"}
META = {"account_id": "1029384756102938", "access_token": "meta-page-token", "app_secret": "meta-app-secret",
        "verify_token": "meta-verify"}
IG = {**META, "account_id": "17841405822304914"}
EMAIL = {"from_address": "ayuda@andessport.cl", "from_name": "Andes Sport", "webhook_secret": "mail-secret"}
VOICE = {"webhook_secret": "voice-secret", "api_key": "voice-key", "from_number": "+56229401234"}


def create_inbox(channel: str, name: str | None = None, team: str = "", **config):
    from omnicanal.channels.services import do_create_inbox

    return do_create_inbox(channel=channel, name=name or channel.title(), config=config, team=team)


@pytest.fixture
def make_inbox(db):
    return create_inbox


@pytest.fixture
def whatsapp_server():
    with testing.whatsapp(WA["access_token"]) as server:
        yield server


@pytest.fixture
def telegram_server():
    with testing.telegram(TG["bot_token"]) as server:
        yield server


@pytest.fixture
def twilio_server():
    with testing.twilio(SMS["account_sid"], SMS["auth_token"]) as server:
        yield server


@pytest.fixture
def meta_server():
    with testing.meta(META["access_token"]) as server:
        yield server


@pytest.fixture
def voice_server():
    with testing.voice(VOICE["api_key"]) as server:
        yield server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback; .messages holds what it received."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.host, sink.port = controller.hostname, controller.port
    yield sink
    controller.stop()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run `fn` and then what its commit would trigger (outbox handlers, huey immediate tasks)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def agent(db):
    from omnicanal.core.services import do_create_staff_user

    return do_create_staff_user(username="agente", password="secret-pass", role="agent", first_name="Valentina")


@pytest.fixture
def actor(agent):
    from omnicanal.core.auth import principal_for_user

    return principal_for_user(agent)


@pytest.fixture
def asgi_server(transactional_db):
    """The whole ASGI application (HTTP and WebSockets) under uvicorn, in a thread, on a free
    loopback port, against the test database (a transactional test: the server sees commits)."""
    import threading
    import time

    import uvicorn
    from django.db import connections

    # Each request runs in a thread of its own under ASGI: without this every one would keep its
    # database connection open past the test (PostgreSQL then refuses to drop the test database).
    settings_dict = connections.settings["default"]
    max_age = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    port = free_port()
    # Named by string: uvicorn imports the composition root itself (channels may not import web).
    server = uvicorn.Server(uvicorn.Config("omnicanal.web.asgi:application", host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    settings_dict["CONN_MAX_AGE"] = max_age

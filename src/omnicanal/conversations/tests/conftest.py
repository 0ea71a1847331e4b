"""Fixtures of the conversations tests: inbound messages through the service, agents, teams."""

from __future__ import annotations

import itertools

import pytest

from omnicanal.conversations.contract import IdentityRef, InboundMessage

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def receive(db):
    """receive(text, channel="whatsapp", kind="whatsapp", value="+56987654321", **extra) -> Received."""
    from django.db import transaction

    from omnicanal.conversations.services import do_receive_message

    def send(text="Hola", channel="whatsapp", kind=None, value="+56987654321", external_id=None, **extra):
        kind = kind or {"sms": "phone", "voice": "phone"}.get(channel, channel)
        inbound = InboundMessage(
            channel=channel, identities=(IdentityRef(kind, value),), text=text,
            external_id=external_id if external_id is not None else f"ext-{next(_ids)}", address=value, **extra,
        )
        with transaction.atomic():
            return do_receive_message(inbound=inbound)

    return send


@pytest.fixture
def make_agent(db):
    from omnicanal.conversations.services import do_save_agent
    from omnicanal.core.services import do_create_staff_user

    def make(username, *, role="agent", languages=("es",), skills=(), teams=(), available=True, locations=()):
        user = do_create_staff_user(username=username, password="secret-pass", role=role, first_name=username.title(),
                                    locations=list(locations))
        do_save_agent(user=user, languages=list(languages), skills=list(skills), teams=list(teams), available=available)
        return user

    return make


@pytest.fixture
def actor(make_agent):
    from omnicanal.core.auth import principal_for_user

    return principal_for_user(make_agent("supervisora", role="manager", available=False))

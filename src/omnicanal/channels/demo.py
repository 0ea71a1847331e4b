"""Demo inboxes of Andes Sport: one per channel, with the providers' real base URLs and secrets
generated at random for this install (stored encrypted), in sandbox mode: outbound messages are
recorded as sent and no provider is called. Replace the secrets with the provider's and turn the
sandbox off in Console → Channels before going live."""

from __future__ import annotations

import random
import secrets

from omnicanal.channels.models import Inbox
from omnicanal.channels.services import SECRET_KEYS, do_create_inbox, do_update_inbox

GENERATED = "generated"  # the placeholder below: replaced by a random secret at load

INBOXES = [
    ("whatsapp", "WhatsApp +56 2 2940 1234", "servicio", {
        "base_url": "https://graph.facebook.com", "api_version": "v21.0", "phone_number_id": "106540352242922",
        "access_token": GENERATED, "app_secret": GENERATED, "verify_token": GENERATED,
        "templates": {"order_confirmed": {"name": "pedido_confirmado", "language": "es_CL"},
                      "ready_for_pickup": {"name": "pedido_listo_retiro", "language": "es_CL"},
                      "shipped": {"name": "pedido_en_camino", "language": "es_CL"}}}),
    ("email", "ayuda@andessport.cl", "servicio", {
        "from_address": "ayuda@andessport.cl", "from_name": "Andes Sport", "smtp_host": "localhost", "smtp_port": 25,
        "webhook_secret": GENERATED}),
    ("telegram", "@AndesSportBot", "servicio", {"bot_token": GENERATED, "secret_token": GENERATED}),
    ("sms", "SMS +56 2 2940 1234", "servicio", {
        "base_url": "https://api.twilio.com", "account_sid": "ACdemo", "auth_token": GENERATED,
        "from_number": "+56229401234"}),
    ("webchat", "Chat tienda web", "servicio", {"identity_secret": GENERATED}),
    ("voice", "Central telefónica", "servicio", {"base_url": "http://127.0.0.1:9", "api_key": GENERATED,
                                                 "from_number": "+56229401234", "webhook_secret": GENERATED}),
    ("instagram", "Instagram @andessport", "servicio", {"account_id": "17841405822304914", "access_token": GENERATED,
                                                         "app_secret": GENERATED, "verify_token": GENERATED}),
    ("facebook", "Facebook Andes Sport", "servicio", {"account_id": "1029384756102938", "access_token": GENERATED,
                                                      "app_secret": GENERATED, "verify_token": GENERATED}),
]


def _generated(config: dict) -> dict:
    """The inbox's secrets, random for this install (a Telegram bot token keeps its "<bot id>:" form)."""
    fresh = {}
    for key, value in config.items():
        if key in SECRET_KEYS and value == GENERATED:
            token = secrets.token_urlsafe(24)
            fresh[key] = f"{secrets.randbelow(9 * 10**9) + 10**9}:{token}" if key == "bot_token" else token
    return fresh


def load(*, seed: int, rng: random.Random, out) -> None:
    for channel, name, team, config in INBOXES:
        do_create_inbox(channel=channel, name=name, config={**config, **_generated(config), "sandbox": True}, team=team)
    out.write(f"  {len(INBOXES)} inboxes, one per channel (sandbox: random secrets, nothing is sent)\n")


def rotate_secrets(*, out) -> None:
    """New random secrets for the demo inboxes still in sandbox mode (real credentials are never touched)."""
    rotated = 0
    for channel, name, _team, config in INBOXES:
        for inbox in Inbox.objects.filter(channel=channel, name=name):
            if inbox.config.get("sandbox"):
                do_update_inbox(inbox=inbox, config=_generated(config))
                rotated += 1
    out.write(f"  new random secrets for {rotated} sandboxed demo inboxes\n")

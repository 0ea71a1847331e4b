"""Demo inboxes of Andes Sport: one per channel, with the providers' real base URLs and placeholder
secrets, in sandbox mode: outbound messages are recorded as sent and no provider is called. Replace
the secrets and turn the sandbox off in Console → Channels before going live."""

from __future__ import annotations

import random

from omnicanal.channels.services import do_create_inbox

INBOXES = [
    ("whatsapp", "WhatsApp +56 2 2940 1234", "servicio", {
        "base_url": "https://graph.facebook.com", "api_version": "v21.0", "phone_number_id": "106540352242922",
        "access_token": "demo-change-me", "app_secret": "demo-change-me", "verify_token": "andes-demo-verify",
        "templates": {"order_confirmed": {"name": "pedido_confirmado", "language": "es_CL"},
                      "ready_for_pickup": {"name": "pedido_listo_retiro", "language": "es_CL"},
                      "shipped": {"name": "pedido_en_camino", "language": "es_CL"}}}),
    ("email", "ayuda@andessport.cl", "servicio", {
        "from_address": "ayuda@andessport.cl", "from_name": "Andes Sport", "smtp_host": "localhost", "smtp_port": 25,
        "webhook_secret": "demo-change-me"}),
    ("telegram", "@AndesSportBot", "servicio", {"bot_token": "0000000000:demo-change-me", "secret_token": "demo-change-me"}),
    ("sms", "SMS +56 2 2940 1234", "servicio", {
        "base_url": "https://api.twilio.com", "account_sid": "ACdemo", "auth_token": "demo-change-me",
        "from_number": "+56229401234"}),
    ("webchat", "Chat tienda web", "servicio", {"identity_secret": "demo-change-me"}),
    ("voice", "Central telefónica", "servicio", {"base_url": "http://127.0.0.1:9", "api_key": "demo-change-me",
                                                 "from_number": "+56229401234", "webhook_secret": "demo-change-me"}),
    ("instagram", "Instagram @andessport", "servicio", {"account_id": "17841405822304914", "access_token": "demo-change-me",
                                                         "app_secret": "demo-change-me", "verify_token": "andes-demo-verify"}),
    ("facebook", "Facebook Andes Sport", "servicio", {"account_id": "1029384756102938", "access_token": "demo-change-me",
                                                      "app_secret": "demo-change-me", "verify_token": "andes-demo-verify"}),
]


def load(*, seed: int, rng: random.Random, out) -> None:
    for channel, name, team, config in INBOXES:
        do_create_inbox(channel=channel, name=name, config={**config, "sandbox": True}, team=team)
    out.write(f"  {len(INBOXES)} inboxes, one per channel (sandbox: placeholder secrets, nothing is sent)\n")

"""Phone calls: a call-events webhook logged into the conversation, and click-to-call for agents.

The provider (a PBX or a cloud telephony service, through a small connector) posts JSON events to
/webhooks/voice/<inbox>, signed with X-Omnicanal-Signature (HMAC-SHA256 of the raw body with the
inbox's webhook_secret):
    {"event": "call.started"|"call.ended"|"call.recording"|"call.notes", "call_id": "...",
     "direction": "inbound"|"outbound", "from": "+569…", "to": "+562…", "at": "ISO 8601",
     "duration_seconds": 42, "recording_url": "...", "notes": "...", "agent": "username"}
Click-to-call: POST {base_url}/calls {"from": agent_number, "to": customer_number, "reference"}
with "Authorization: Bearer <api_key>" -> {"call_id": "..."}.

Inbox config: base_url, api_key, from_number, webhook_secret.
"""

from __future__ import annotations

import datetime as dt

from omnicanal.channels.base import (
    SIGNATURE_HEADER,
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRequest,
    check_body_signature,
    client,
    raise_for,
    require,
)
from omnicanal.conversations.contract import IdentityRef, InboundMessage

CHANNEL = "voice"
EVENTS = {"call.started": "started", "call.ended": "ended", "call.recording": "recording", "call.notes": "notes",
          "call.missed": "missed"}


def verify(request: WebhookRequest, inbox) -> None:
    check_body_signature(request.header(SIGNATURE_HEADER), request.body, inbox.config.get("webhook_secret", ""))


def parse(request: WebhookRequest, inbox) -> Parsed:
    body = request.json()
    parsed = Parsed()
    if not isinstance(body, dict) or body.get("event") not in EVENTS or not body.get("call_id"):
        return parsed
    event = EVENTS[body["event"]]
    inbound_call = body.get("direction", "inbound") == "inbound"
    customer_number = str(body.get("from") if inbound_call else body.get("to") or "")
    if not customer_number:
        return parsed
    try:
        at = dt.datetime.fromisoformat(body["at"]) if body.get("at") else None
    except ValueError:
        at = None
    meta = {
        "call_id": str(body["call_id"]),
        "event": event,
        "direction": "inbound" if inbound_call else "outbound",
        "duration_seconds": body.get("duration_seconds"),
        "recording_url": body.get("recording_url", ""),
        "agent": body.get("agent", ""),
    }
    text = body.get("notes") or body.get("recording_url") or ""
    parsed.messages.append(
        InboundMessage(
            channel=CHANNEL,
            identities=(IdentityRef("phone", customer_number),),
            text=str(text),
            external_id=f"{body['call_id']}:{event}",
            inbox_id=inbox.public_id,
            address=customer_number,
            sent_at=at,
            kind="call",
            meta=meta,
            author="system",
        )
    )
    return parsed


def start_call(inbox, *, agent_number: str, customer_number: str, reference: str) -> str:
    base_url, api_key = require(inbox.config, "base_url", "api_key")
    with client() as http:
        answer = raise_for(
            http.post(
                f"{base_url.rstrip('/')}/calls",
                json={"from": agent_number or inbox.config.get("from_number", ""), "to": customer_number, "reference": reference},
                headers={"Authorization": f"Bearer {api_key}"},
            ),
            "voice provider",
        )
    if not answer.get("call_id"):
        raise SendFailed(f"voice provider answered without call_id: {answer}")
    return str(answer["call_id"])


def send(inbox, outbound: Outbound) -> SendResult:
    raise SendFailed("a phone call cannot carry a written reply; call back instead", permanent=True)

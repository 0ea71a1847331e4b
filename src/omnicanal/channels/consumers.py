"""The web chat widget's WebSocket: ws/webchat/<inbox>/?token=<visitor token>.

In: {"type": "message", "text": "...", "client_id": "..."} -> stored like any webhook, acked with
{"type": "ack", "client_id", "id"}. Out: {"type": "message", "message": {...}} for each reply.
The token is checked as over HTTP (webchat/sessions.py: expiry, retired generations) when the socket
opens and again for each message; a token no longer valid gets {"type": "error", "error":
"unauthorized"} and the socket closes (4403), so the widget resumes its session.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path

from omnicanal.channels.webchat import adapter as webchat


class WebchatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        inbox_id = self.scope["url_route"]["kwargs"]["inbox_id"]
        token = (parse_qs(self.scope.get("query_string", b"").decode()).get("token") or [""])[0]
        self.token = token
        self.inbox = await database_sync_to_async(_inbox)(inbox_id)
        visitor = await database_sync_to_async(_check)(inbox_id, token) if self.inbox else None
        if visitor is None:
            await self.close(code=4403)
            return
        self.visitor = visitor
        self.group = webchat.group_name(visitor.device_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "message":
            return
        text = str(content.get("text") or "").strip()
        client_id = str(content.get("client_id") or "")[:64]
        if not text or len(text) > 4000 or not client_id:
            await self.send_json({"type": "error", "client_id": client_id, "error": "validation"})
            return
        if await database_sync_to_async(_check)(self.inbox.public_id, self.token) is None:
            await self.send_json({"type": "error", "client_id": client_id, "error": "unauthorized"})
            await self.close(code=4403)
            return
        try:
            stored = await database_sync_to_async(_receive)(self.inbox, self.visitor, text, client_id)
        except Exception as exc:  # tell the widget; it falls back to HTTP
            await self.send_json({"type": "error", "client_id": client_id, "error": type(exc).__name__})
            return
        await self.send_json({"type": "ack", "client_id": client_id, "id": stored["id"], "message": stored["message"]})

    async def chat_reply(self, event):
        await self.send_json({"type": "message", "message": event["message"]})


def _inbox(inbox_id: str):
    from omnicanal.channels.models import Inbox

    return Inbox.objects.filter(public_id=inbox_id, channel="webchat", active=True).first()


def _check(inbox_id: str, token: str):
    from omnicanal.channels.webchat import sessions

    return sessions.check_visitor(inbox_id, token)


def _receive(inbox, visitor, text: str, client_id: str) -> dict:
    from omnicanal.channels.webchat_views import device_subject, receive_visitor_message
    from omnicanal.core import throttle

    throttle.attempt("webchat_message", device_subject(visitor))  # the same count as over HTTP

    return receive_visitor_message(inbox, visitor, text=text, client_id=client_id)


websocket_urlpatterns = [path("ws/webchat/<str:inbox_id>/", WebchatConsumer.as_asgi())]

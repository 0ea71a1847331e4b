"""The agents' console WebSocket: ws/console/inbox/ (a signed-in staff session).

It joins "inbox.all" (conversations.push: every event goes there once, naming its assignee and team)
and forwards each event as JSON; the page refreshes the list or the thread it concerns.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path

from omnicanal.conversations import push, roles
from omnicanal.core.auth import role_allows


class InboxConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not role_allows(user, roles.ANSWER):
            await self.close(code=4401)
            return
        await database_sync_to_async(_touch)(user)
        self.groups_joined = [push.ALL]
        await self.channel_layer.group_add(push.ALL, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await database_sync_to_async(_touch)(self.scope["user"])
            await self.send_json({"type": "pong"})

    async def inbox_event(self, event):
        await self.send_json({"type": "event", **event["data"]})

    async def inbox_batch(self, event):
        """Several events in one channel-layer message (conversations.push): one frame each, in order
        (the page's wire format is one event a frame)."""
        for message in event["messages"]:
            await self.send_json({"type": "event", **message["data"]})


def _touch(user) -> None:
    from django.db import transaction

    from omnicanal.conversations.services import do_touch_presence

    with transaction.atomic():
        do_touch_presence(user=user)


websocket_urlpatterns = [path("ws/console/inbox/", InboxConsumer.as_asgi())]

"""Pushes to agents' consoles (conversations/push.py) reach the channel layer from any caller.

Each test runs in a thread of its own: in the whole suite the main thread may hold a running event
loop (Playwright's sync API, kept by the browser tests' session fixture), where the test's own
AsyncToSync calls would be refused."""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from omnicanal.conversations import push


def _in_own_thread(body) -> None:
    failure: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:  # noqa: BLE001  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the push test hung"
    if failure:
        raise failure[0]


def _received(layer, channel) -> dict:
    """The next message, or a failure (not a hang) when the push never came."""
    async def receive() -> dict:
        return await asyncio.wait_for(layer.receive(channel), timeout=10)

    return async_to_sync(receive)()


def _listening() -> tuple[object, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(push.ALL, channel)
    return layer, channel


def test_a_push_from_a_thread_running_an_event_loop_still_arrives():
    """A sync service called where an event loop runs (Playwright's sync API in the browser tests, sync
    code in an async server) once lost its push: AsyncToSync refuses to block that thread."""
    def body() -> None:
        layer, channel = _listening()

        async def caller_with_a_running_loop() -> None:
            push.push("conversation.message", {"conversation_id": "cnv_loop", "message_id": "msg_loop"})

        asyncio.run(caller_with_a_running_loop())
        message = _received(layer, channel)
        assert message["type"] == "inbox.event"
        assert (message["data"]["conversation_id"], message["data"]["message_id"]) == ("cnv_loop", "msg_loop")
        async_to_sync(layer.group_discard)(push.ALL, channel)

    _in_own_thread(body)


def test_a_push_from_plain_sync_code_arrives():
    def body() -> None:
        layer, channel = _listening()
        push.push("conversation.message", {"conversation_id": "cnv_sync", "message_id": "msg_sync"})
        assert _received(layer, channel)["data"]["message_id"] == "msg_sync"
        async_to_sync(layer.group_discard)(push.ALL, channel)

    _in_own_thread(body)

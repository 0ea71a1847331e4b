"""Pushes to agents' consoles (conversations/push.py) reach the channel layer from any caller.

Each test runs in a thread of its own: in the whole suite the main thread may hold a running event
loop (Playwright's sync API, kept by the browser tests' session fixture), where the test's own
AsyncToSync calls would be refused."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from omnicanal.conversations import push
from omnicanal.core.testing import run_in_a_thread


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

    run_in_a_thread(body)


def test_a_push_from_plain_sync_code_arrives():
    def body() -> None:
        layer, channel = _listening()
        push.push("conversation.message", {"conversation_id": "cnv_sync", "message_id": "msg_sync"})
        assert _received(layer, channel)["data"]["message_id"] == "msg_sync"
        async_to_sync(layer.group_discard)(push.ALL, channel)

    run_in_a_thread(body)


class _RecordingLayer:
    """A channel layer that notes the event loop each send ran in (channels_redis keeps its Redis
    pool per loop: one loop, one pool) and fails or hangs when told to."""

    def __init__(self, fail: bool = False, hang: bool = False):
        self.loops: list[asyncio.AbstractEventLoop] = []
        self.sent: list[tuple[str, dict]] = []
        self.fail, self.hang = fail, hang

    async def group_send(self, group: str, message: dict) -> None:
        self.loops.append(asyncio.get_running_loop())
        if self.hang:
            await asyncio.sleep(60)
        if self.fail:
            raise ConnectionError("Redis is down")
        self.sent.append((group, message))


def _with_layer(monkeypatch, layer) -> None:
    import channels.layers

    monkeypatch.setattr(channels.layers, "get_channel_layer", lambda *a, **k: layer)


def test_pushes_from_sync_code_share_one_long_lived_loop(monkeypatch):
    """The worker's pushes once made a new event loop (and so a new Redis connection) each."""
    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)

    def body() -> None:
        push.push("conversation.message", {"conversation_id": "cnv_1", "message_id": "msg_1"})
        push.push_many([("conversation.message", {"conversation_id": "cnv_2", "message_id": "msg_2"})])

    run_in_a_thread(body)
    run_in_a_thread(body)  # another thread of the same process: the same loop
    assert len(layer.sent) == 4 and len(set(map(id, layer.loops))) == 1
    assert layer.loops[0] is push._loop() and layer.loops[0].is_running()
    assert layer.loops[0] is not _thread_loop()


def _thread_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def test_a_push_from_a_thread_running_a_loop_goes_through_the_push_loop(monkeypatch):
    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)

    def body() -> None:
        async def caller() -> None:
            push.push("conversation.message", {"conversation_id": "cnv_l", "message_id": "msg_l"})

        asyncio.run(caller())

    run_in_a_thread(body)
    assert layer.sent and layer.loops == [push._loop()]


def test_sync_code_under_an_async_server_pushes_through_the_servers_loop(monkeypatch):
    """A view run by SyncToAsync: the server's own loop (and its pool) sends, as async_to_sync did."""
    from asgiref.sync import sync_to_async

    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    seen: list[asyncio.AbstractEventLoop] = []

    def body() -> None:
        async def server() -> None:
            seen.append(asyncio.get_running_loop())
            await sync_to_async(push.push)("conversation.message", {"conversation_id": "c", "message_id": "m"})

        asyncio.run(server())

    run_in_a_thread(body)
    assert layer.sent and layer.loops == seen


def test_a_failed_push_is_logged_not_raised(monkeypatch, caplog):
    _with_layer(monkeypatch, _RecordingLayer(fail=True))
    run_in_a_thread(lambda: push.push("conversation.message", {"conversation_id": "cnv_f", "message_id": "msg_f"}))
    assert "push to inbox.all failed" in caplog.text


def test_a_hung_push_gives_up_and_the_loop_still_serves_the_next(monkeypatch, caplog):
    monkeypatch.setattr(push, "PUSH_TIMEOUT", 0.2)
    _with_layer(monkeypatch, _RecordingLayer(hang=True))
    run_in_a_thread(lambda: push.push("conversation.message", {"conversation_id": "cnv_h", "message_id": "msg_h"}))
    assert "push of 1 events failed" in caplog.text
    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    run_in_a_thread(lambda: push.push("conversation.message", {"conversation_id": "cnv_n", "message_id": "msg_n"}))
    assert [group for group, _m in layer.sent] == [push.ALL]


def test_a_forked_child_pushes_from_a_loop_of_its_own(monkeypatch):
    """huey's workers and the priority lane are forked: the parent's loop thread did not survive."""
    import os

    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    run_in_a_thread(lambda: push.push("conversation.message", {"conversation_id": "p", "message_id": "p"}))
    parent_loop = push._loop()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        ok = b"0"
        try:
            push.push("conversation.message", {"conversation_id": "c", "message_id": "c"})
            child_loop = push._loop()
            ok = b"1" if (len(layer.sent) == 2 and layer.loops[-1] is child_loop and child_loop is not parent_loop
                          and child_loop.is_running()) else b"0"
        finally:
            os.write(write, ok)
            os._exit(0)
    os.close(write)
    _pid, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1" and status == 0
    os.close(read)
    assert push._loop() is parent_loop

"""Pushes to agents' consoles (conversations/push.py) reach the channel layer from any caller.

Each test runs in a thread of its own: in the whole suite the main thread may hold a running event
loop (Playwright's sync API, kept by the browser tests' session fixture), where the test's own
AsyncToSync calls would be refused."""

import asyncio

import pytest
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
    assert len(layer.sent) == 4 and len(set(map(id, layer.loops))) == 1  # each waited for: none coalesced
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
    assert "push to inbox.all of 1 events failed" in caplog.text


def test_a_hung_push_gives_up_and_the_loop_still_serves_the_next(monkeypatch, caplog):
    monkeypatch.setattr(push, "PUSH_TIMEOUT", 0.2)
    _with_layer(monkeypatch, _RecordingLayer(hang=True))
    run_in_a_thread(lambda: push.push("conversation.message", {"conversation_id": "cnv_h", "message_id": "msg_h"}))
    push.flush()
    # the caller gave up waiting, or the send timed out first: either way logged, not raised
    assert "push of 1 events failed" in caplog.text or "push to inbox.all of 1 events failed" in caplog.text
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


class _GatedLayer(_RecordingLayer):
    """Its first group_send waits until the test opens the gate: the pushes made meanwhile queue."""

    def __init__(self):
        super().__init__()
        import threading

        self.started, self.gate = threading.Event(), threading.Event()

    async def group_send(self, group: str, message: dict) -> None:
        if not self.sent and not self.started.is_set():
            self.started.set()
            await asyncio.to_thread(self.gate.wait, 10)
        await super().group_send(group, message)


def _ids(message: dict) -> list[str]:
    if message["type"] == "inbox.event":
        return [message["data"]["message_id"]]
    assert message["type"] == "inbox.batch"
    return [m["data"]["message_id"] for m in message["messages"]]


def _queued_behind_a_send(monkeypatch, count: int) -> _GatedLayer:
    """msg_0 on its way (held at the gate), then msg_1 … msg_<count - 1> pushed without waiting."""
    layer = _GatedLayer()
    _with_layer(monkeypatch, layer)

    def body() -> None:
        push.push("conversations.MessageReceived", {"conversation_id": "c", "message_id": "msg_0"}, wait=False)
        assert layer.started.wait(10)
        for n in range(1, count):
            push.push("conversations.MessageReceived", {"conversation_id": f"c{n % 3}", "message_id": f"msg_{n}"},
                      wait=False)
        layer.gate.set()
        push.flush()

    run_in_a_thread(body)
    return layer


def test_pushes_queued_while_a_send_is_on_its_way_leave_as_one_message_in_order(monkeypatch):
    """The reactions push one event at a time (dispatch_many): at 100 messages/s each was a group_send
    of its own, four Redis round trips to send and three per console to receive (issue 23)."""
    layer = _queued_behind_a_send(monkeypatch, 6)
    assert [group for group, _m in layer.sent] == [push.ALL, push.ALL]
    assert [_ids(message) for _g, message in layer.sent] == [["msg_0"], ["msg_1", "msg_2", "msg_3", "msg_4", "msg_5"]]


def test_a_long_queue_leaves_in_messages_of_at_most_max_per_message_still_in_order(monkeypatch):
    monkeypatch.setattr(push, "MAX_PER_MESSAGE", 3)
    layer = _queued_behind_a_send(monkeypatch, 8)
    assert [_ids(message) for _g, message in layer.sent] == [
        ["msg_0"], ["msg_1", "msg_2", "msg_3"], ["msg_4", "msg_5", "msg_6"], ["msg_7"]]


def test_a_backlog_beyond_its_cap_drops_the_oldest_and_says_so(monkeypatch, caplog):
    """A hung Redis must not grow a worker's memory without end (a push is a courtesy)."""
    monkeypatch.setattr(push, "MAX_BACKLOG", 3)
    layer = _queued_behind_a_send(monkeypatch, 7)
    assert [_ids(message) for _g, message in layer.sent] == [["msg_0"], ["msg_4", "msg_5", "msg_6"]]
    assert "push: 3 events dropped" in caplog.text


def test_an_event_goes_once_to_every_console_whatever_its_assignee_and_team(monkeypatch):
    """Every console joins inbox.all: the copies once sent to the agent's and the team's groups reached
    the same consoles again (the page ignored them), three channel messages per push instead of one."""
    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    run_in_a_thread(lambda: push.push_many([
        ("conversations.ConversationAssigned", {"conversation_id": "c1", "assignee_id": "7", "team": "ventas"}),
        ("conversations.MessageReceived", {"conversation_id": "c1", "message_id": "m1", "assignee_id": "7",
                                           "team": "ventas", "channel": "whatsapp"}),
    ]))
    assert len(layer.sent) == 1
    group, message = layer.sent[0]
    assert group == push.ALL and message["type"] == "inbox.batch"
    events = [m["data"] for m in message["messages"]]
    assert [e["event"] for e in events] == ["ConversationAssigned", "MessageReceived"]
    assert {k: v for k, v in events[1].items() if k != "sent_at"} == {
        "event": "MessageReceived", "conversation_id": "c1", "message_id": "m1", "channel": "whatsapp",
        "assignee_id": "7", "team": "ventas"}


def test_a_waited_push_has_been_sent_when_it_returns(monkeypatch):
    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    seen: list[int] = []

    def body() -> None:
        push.push("conversations.MessageReceived", {"conversation_id": "c", "message_id": "w"})
        seen.append(len(layer.sent))

    run_in_a_thread(body)
    assert seen == [1]


@pytest.mark.django_db(transaction=True)
def test_a_console_gets_a_batch_as_one_frame_per_event_in_order_and_joins_one_group(staff):
    """Through the consumer: the page's wire format is unchanged (one JSON frame per event, type
    "event"), a batch is unpacked in order, and the console is in inbox.all alone."""
    import json

    from asgiref.testing import ApplicationCommunicator

    from omnicanal.conversations.consumers import InboxConsumer

    user = staff("agent")
    events = [push._event("conversations.MessageReceived", {"conversation_id": f"c{n % 2}", "message_id": f"m{n}",
                                                            "assignee_id": str(user.pk), "team": "ventas"})
              for n in range(4)]

    async def talk() -> tuple[list[dict], list[str]]:
        # (channels.testing needs daphne, which the project does not install)
        socket = ApplicationCommunicator(InboxConsumer.as_asgi(), {
            "type": "websocket", "path": "/ws/console/inbox/", "headers": [], "subprotocols": [], "user": user})
        await socket.send_input({"type": "websocket.connect"})
        assert (await socket.receive_output(timeout=10))["type"] == "websocket.accept"
        layer = get_channel_layer()
        groups = [group for group, members in layer.groups.items() if members]
        await push._send(layer, events[:1])  # one event: inbox.event
        await push._send(layer, events[1:])  # three: one inbox.batch
        frames = [json.loads((await socket.receive_output(timeout=10))["text"]) for _ in events]
        assert await socket.receive_nothing(timeout=0.2)
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(timeout=5)
        return frames, groups

    def body() -> None:
        frames, groups = asyncio.run(talk())
        assert frames == [{"type": "event", **event} for event in events]
        assert groups == [push.ALL]

    run_in_a_thread(body)


def _assigned(n: int) -> tuple[str, dict]:
    return "conversations.ConversationAssigned", {"conversation_id": f"c{n}", "assignee_id": "7", "team": "ventas"}


@pytest.mark.django_db(transaction=True)
def test_a_transactions_pushes_leave_together_after_its_commit_and_none_if_it_rolls_back(monkeypatch):
    """The reactions' pushes (handlers.push_to_consoles): dispatch_many runs a chunk's handlers in one
    transaction, one call per event; its pushes were one channel-layer message each, sent before the
    commit (and again if the chunk rolled back and was redone one event at a time)."""
    from django.db import transaction

    from omnicanal.conversations.handlers import push_to_consoles
    from omnicanal.core.outbox import Envelope

    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)
    before_commit: list[int] = []

    def body() -> None:
        with transaction.atomic():
            for n in range(3):
                topic, payload = _assigned(n)
                push_to_consoles(Envelope(id=n, topic=topic, payload=payload, occurred_at=None))
            push.flush()
            before_commit.append(len(layer.sent))
        push.flush()
        try:
            with transaction.atomic():
                push.push_after_commit(*_assigned(9))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        push.flush()

    run_in_a_thread(body)
    assert before_commit == [0]
    assert len(layer.sent) == 1
    group, message = layer.sent[0]
    assert group == push.ALL and [m["data"]["conversation_id"] for m in message["messages"]] == ["c0", "c1", "c2"]


@pytest.mark.django_db(transaction=True)
def test_a_push_whose_savepoint_rolled_back_is_dropped_and_the_next_still_leaves(monkeypatch):
    from django.db import transaction

    layer = _RecordingLayer()
    _with_layer(monkeypatch, layer)

    def body() -> None:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    push.push_after_commit(*_assigned(1))  # its callback goes with the savepoint
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            push.push_after_commit(*_assigned(2))
        push.flush()
        push.push_after_commit(*_assigned(3))  # outside a transaction: at once
        push.flush()

    run_in_a_thread(body)
    assert [_conversations(message) for _g, message in layer.sent] == [["c2"], ["c3"]]


def _conversations(message: dict) -> list[str]:
    if message["type"] == "inbox.event":
        return [message["data"]["conversation_id"]]
    return [m["data"]["conversation_id"] for m in message["messages"]]

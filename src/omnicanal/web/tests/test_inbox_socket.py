"""The agents' live inbox socket (ws/console/inbox/): a signed-in agent's console session connects;
a role without the inbox, or no session, is refused."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.testing import ApplicationCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(client, user) -> bytes:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def connects(cookie: bytes | None) -> bool:
    from omnicanal.web.asgi import application

    async def attempt() -> bool:
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
        if cookie:
            headers.append((b"cookie", cookie))
        scope = {"type": "websocket", "path": "/ws/console/inbox/", "raw_path": b"/ws/console/inbox/",
                 "query_string": b"", "headers": headers, "subprotocols": [], "client": ("127.0.0.1", 5000),
                 "server": ("localhost", 80)}
        socket = ApplicationCommunicator(application, scope)
        await socket.send_input({"type": "websocket.connect"})
        answer = await socket.receive_output(timeout=10)
        if answer["type"] != "websocket.accept":
            return False
        await socket.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
        assert (await socket.receive_output(timeout=10))["text"] == '{"type": "pong"}'
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(timeout=5)
        return True

    # Its own thread and loop: a browser test earlier in the session leaves an event loop on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, attempt()).result()


def test_a_signed_in_agent_connects_and_is_answered(client, staff):
    assert connects(session_cookie(client, staff("agent")))


def test_a_marketer_or_no_session_is_refused(client, staff):
    assert not connects(session_cookie(client, staff("marketer")))
    assert not connects(None)

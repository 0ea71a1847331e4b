"""Loopback stand-ins for the providers, for tests and benchmarks (never used in production).

Each `ProviderServer` listens on 127.0.0.1 on a free port, answers in that provider's documented
format and records every request, so a test can point an inbox's base_url at it and assert what
the provider would have received. Also: signing helpers that produce what each provider sends.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from omnicanal.channels.base import hmac_hex, sign_body
from omnicanal.channels.sms.adapter import signature as twilio_signature

FIXTURES = Path(__file__).resolve().parent / "tests" / "fixtures"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def multipart(self) -> dict[str, tuple[str | None, bytes]]:
        """name -> (filename, content) of a multipart/form-data body."""
        head = f"Content-Type: {self.headers.get('content-type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=default_policy).parsebytes(head + self.body)
        parts = {}
        for part in message.iter_parts():
            parts[part.get_param("name", header="content-disposition")] = (part.get_filename(), part.get_payload(decode=True))
        return parts


Answer = tuple[int, object]  # (status, JSON-able body or bytes)


class ProviderServer:
    def __init__(self, answer: Callable[[Recorded, ProviderServer], Answer]):
        self.answer = answer
        self.requests: list[Recorded] = []
        self.counter = itertools.count(1)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                split = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=split.path,
                    query=dict(parse_qsl(split.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                server.requests.append(recorded)
                status, body = server.answer(recorded, server)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ProviderServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def posts(self, path_contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and path_contains in r.path]


def _bearer(recorded: Recorded) -> str:
    return recorded.headers.get("authorization", "").removeprefix("Bearer ")


# --- WhatsApp Cloud API -----------------------------------------------------------------------

def whatsapp(access_token: str, media: bytes = b"\xff\xd8\xff\xe0fake-jpeg") -> ProviderServer:
    def answer(r: Recorded, server: ProviderServer) -> Answer:
        if r.path.startswith("/files/"):
            return (200, media) if _bearer(r) == access_token else (401, b"")
        if _bearer(r) != access_token:
            return 401, {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                                   "type": "OAuthException", "code": 190, "fbtrace_id": "AbCdEf"}}
        if r.method == "POST" and r.path.endswith("/messages"):
            body = r.json()
            if body.get("messaging_product") != "whatsapp" or not body.get("to"):
                return 400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}
            n = next(server.counter)
            return 200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                         "messages": [{"id": f"wamid.OUT{n:06d}"}]}
        if r.method == "POST" and r.path.endswith("/media"):
            return 200, {"id": f"media-{next(server.counter)}"}
        match = re.fullmatch(r"/v[\d.]+/(\d+)", r.path)
        if r.method == "GET" and match:
            return 200, {"messaging_product": "whatsapp", "url": f"{server.url}/files/{match.group(1)}",
                         "mime_type": "image/jpeg", "sha256": "x", "file_size": len(media), "id": match.group(1)}
        return 404, {"error": {"message": "Unknown path", "code": 100}}

    return ProviderServer(answer)


# --- Telegram Bot API ------------------------------------------------------------------------

def telegram(bot_token: str, file: bytes = b"\xff\xd8\xff\xe0fake-photo") -> ProviderServer:
    def answer(r: Recorded, server: ProviderServer) -> Answer:
        if r.path.startswith(f"/file/bot{bot_token}/"):
            return 200, file
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", r.path)
        if not match or match.group(1) != bot_token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = match.group(2)
        if method in {"sendMessage", "sendDocument"}:
            chat_id = r.json().get("chat_id") if method == "sendMessage" else r.multipart()["chat_id"][1].decode()
            return 200, {"ok": True, "result": {"message_id": 1000 + next(server.counter), "date": 1749416383,
                                                "chat": {"id": int(chat_id), "type": "private"},
                                                "text": r.json().get("text", "") if method == "sendMessage" else ""}}
        if method == "getFile":
            return 200, {"ok": True, "result": {"file_id": r.json()["file_id"], "file_path": "photos/file_1.jpg"}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    return ProviderServer(answer)


# --- Twilio Programmable Messaging ---------------------------------------------------------------

def twilio(account_sid: str, auth_token: str) -> ProviderServer:
    expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()

    def answer(r: Recorded, server: ProviderServer) -> Answer:
        if r.headers.get("authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
        if r.method == "POST" and r.path == f"/2010-04-01/Accounts/{account_sid}/Messages.json":
            form = r.form()
            if not form.get("To"):
                return 400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}
            sid = f"SM{next(server.counter):032x}"
            return 201, {"sid": sid, "account_sid": account_sid, "to": form["To"], "from": form.get("From"),
                         "body": form.get("Body", ""), "status": "queued", "num_segments": "1", "direction": "outbound-api",
                         "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"}
        return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}

    return ProviderServer(answer)


def twilio_sign(url: str, body: bytes, auth_token: str) -> str:
    return twilio_signature(url, parse_qsl(body.decode(), keep_blank_values=True), auth_token)


# --- Meta (Messenger and Instagram) ---------------------------------------------------------------

def meta(access_token: str) -> ProviderServer:
    def answer(r: Recorded, server: ProviderServer) -> Answer:
        if r.query.get("access_token") != access_token:
            return 400, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        if r.method == "POST" and r.path.endswith("/messages"):
            body = r.json()
            return 200, {"recipient_id": body["recipient"]["id"], "message_id": f"m_OUT{next(server.counter):06d}"}
        return 404, {"error": {"message": "Unknown path", "code": 100}}

    return ProviderServer(answer)


def hub_signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac_hex(app_secret, body)


# --- a telephony connector (click-to-call) ---------------------------------------------------------

def voice(api_key: str) -> ProviderServer:
    def answer(r: Recorded, server: ProviderServer) -> Answer:
        if _bearer(r) != api_key:
            return 401, {"error": "unauthorized"}
        if r.method == "POST" and r.path == "/calls":
            return 201, {"call_id": f"CA{next(server.counter):08d}", "status": "ringing"}
        return 404, {"error": "not found"}

    return ProviderServer(answer)


def omnicanal_signature(body: bytes, secret: str) -> str:
    return sign_body(body, secret)

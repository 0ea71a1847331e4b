"""The web chat's anonymous upload keeps only allowed kinds, judged by content, within the web chat's limit."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from omnicanal.conversations.models import Attachment, Message

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?'+document.cookie)</script></body></html>"


@pytest.fixture
def chat(make_inbox):
    return make_inbox("webchat")


def _token(client, chat) -> str:
    return client.post(f"/webchat/{chat.public_id}/session", json.dumps({}), content_type="application/json").json()["token"]


def _upload(client, chat, token, name, content, content_type):
    return client.post(f"/webchat/{chat.public_id}/upload",
                       {"token": token, "file": SimpleUploadedFile(name, content, content_type=content_type)})


@pytest.mark.parametrize(("name", "content", "claimed"), [
    ("dibujo.svg", SVG, "image/svg+xml"),
    ("foto.png", HTML, "image/png"),  # an HTML page that claims to be a picture
    ("foto.png", SVG, "image/png"),
])
def test_markup_is_refused_whatever_the_visitor_claims(client, chat, name, content, claimed):
    # given a visitor of the web chat
    token = _token(client, chat)
    # when they upload a page with a script under a picture's name and type
    answer = _upload(client, chat, token, name, content, claimed)
    # then the widget gets a clear 422 and nothing is stored
    assert answer.status_code == 422
    assert answer.json()["error"] == "file-type-refused" and answer.json()["field"] == "file" and answer.json()["detail"]
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_a_picture_is_stored_as_what_its_bytes_are(client, chat):
    # given a visitor / when they upload a PNG named "captura" claimed as text/html
    answer = _upload(client, chat, _token(client, chat), "captura", PNG, "text/html")
    # then it is stored as image/png with a matching name
    assert answer.status_code == 202
    assert list(Attachment.objects.values_list("filename", "content_type")) == [("captura.png", "image/png")]


def test_the_web_chat_takes_5_mb_and_answers_413_above(client, chat, settings):
    # given the documented default limit of the anonymous web chat
    assert settings.UPLOAD_MAX_BYTES["webchat"] == 5 * 1024 * 1024
    token = _token(client, chat)
    # when a visitor uploads a 6 MB picture
    answer = _upload(client, chat, token, "grande.png", PNG + b"\x00" * (6 * 1024 * 1024), "image/png")
    # then 413 from its Content-Length alone (the body is never taken in), saying the limit; nothing stored
    assert answer.status_code == 413 and answer.json()["error"] == "payload-too-large"
    assert str(settings.UPLOAD_MAX_BYTES["webchat"] + 64 * 1024) in answer.json()["detail"]
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_a_file_just_over_the_limit_within_the_body_allowance_is_refused_as_too_large(client, chat):
    # given a visitor / when the file alone passes 5 MB by a few bytes (the body fits the multipart allowance)
    answer = _upload(client, chat, _token(client, chat), "grande.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")
    # then the file check refuses it by its size, saying the limit, and nothing is stored
    assert answer.status_code == 413 and answer.json()["error"] == "file-too-large"
    assert "5" in answer.json()["detail"]
    assert not Attachment.objects.exists() and not Message.objects.exists()

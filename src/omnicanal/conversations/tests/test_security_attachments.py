"""Every attachment, inbound or an agent's, is kept only when its bytes are an allowed type, stored with
the detected type; the console serves files sandboxed, and only raster images and PDF inline."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from omnicanal.conversations.contract import InboundAttachment
from omnicanal.conversations.models import Attachment, Message
from omnicanal.conversations.services.receive import do_attach_fetched
from omnicanal.core import clock

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?'+document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script></svg>'


@pytest.fixture
def signed_in(client, make_agent):
    user = make_agent("valentina")
    client.force_login(user)
    return user


def test_an_inbound_html_file_claiming_to_be_a_png_is_not_kept_and_the_agent_sees_why(client, signed_in, receive):
    # given an email whose "foto.png" (image/png) is an HTML page, beside a real picture claimed as octet-stream
    received = receive("Adjunto fotos", channel="email", kind="email", value="camila@example.cl", attachments=(
        InboundAttachment("foto.png", "image/png", HTML),
        InboundAttachment("IMG_0001", "application/octet-stream", PNG),
    ))
    # then only the real picture is stored, with the type its bytes tell and a matching name
    assert list(Attachment.objects.values_list("filename", "content_type")) == [("IMG_0001.png", "image/png")]
    message = Message.objects.get(pk=received.message.pk)
    assert message.meta["refused_attachments"] == [{"filename": "foto.png", "reason": "file-type-refused"}]
    # and the thread tells the agent the file was not kept
    thread = client.get(f"/console/conversations/{received.conversation.public_id}/").content.decode()
    assert 'data-testid="refused-attachment"' in thread and "foto.png" in thread


def test_an_inbound_file_over_the_channel_limit_is_not_kept(settings, receive):
    # given WhatsApp's limit of 1 kB / when a 2 kB picture arrives
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "whatsapp": 1024}
    received = receive("foto", attachments=(InboundAttachment("a.png", "image/png", PNG + b"\x00" * 2048),))
    # then the message is kept, the file is not
    assert not Attachment.objects.exists()
    assert Message.objects.get(pk=received.message.pk).meta["refused_attachments"][0]["reason"] == "file-too-large"


def test_a_fetched_provider_file_is_judged_by_its_bytes_not_the_providers_type(receive):
    # given a WhatsApp image known by its media id
    received = receive("", attachments=(InboundAttachment("image", "image/jpeg", remote_ref="1003383421387256"),))
    pending = Attachment.objects.get()
    # when the fetched bytes are an SVG the provider calls image/jpeg
    with transaction.atomic():
        do_attach_fetched(attachment_id=pending.public_id, content_type="image/jpeg", content=SVG)
    # then nothing is stored and the agent sees why
    assert not Attachment.objects.exists()
    assert Message.objects.get(pk=received.message.pk).meta["refused_attachments"][0]["reason"] == "file-type-refused"


def test_an_agent_may_not_send_an_html_file_disguised_as_a_picture(client, signed_in, receive):
    # given a conversation on WhatsApp
    conversation = receive("Hola").conversation
    # when the agent attaches an HTML page named foto.png
    answer = client.post(f"/console/conversations/{conversation.public_id}/reply/", {
        "text": "mira", "channel": "whatsapp", "files": SimpleUploadedFile("foto.png", HTML, content_type="image/png"),
    }, HTTP_HX_REQUEST="true")
    # then nothing is sent and the thread says why
    assert answer.status_code == 200
    assert not Message.objects.filter(direction="out").exists() and not Attachment.objects.exists()
    assert "no se aceptan" in answer.content.decode().lower() or "not accepted" in answer.content.decode().lower()
    # and a real PDF goes, stored as a PDF
    client.post(f"/console/conversations/{conversation.public_id}/reply/", {
        "text": "tu boleta", "channel": "whatsapp", "files": SimpleUploadedFile("boleta", PDF, content_type="text/html"),
    }, HTTP_HX_REQUEST="true")
    assert list(Attachment.objects.values_list("filename", "content_type")) == [("boleta.pdf", "application/pdf")]


def _planted(message, filename: str, content_type: str, content: bytes) -> Attachment:
    """A row as today's code stored it (the sender's claimed type): files kept before the content check."""
    row = Attachment(message=message, filename=filename, content_type=content_type, size=len(content),
                     created_at=clock.now())
    row.file.save(f"{message.public_id}-{filename}", ContentFile(content), save=False)
    row.save()
    return row


def test_files_are_served_sandboxed_and_only_pictures_and_pdf_inline(client, signed_in, receive):
    # given a picture, a PDF, a text, an SVG with a script and an HTML page once stored as image/png
    message = receive("archivos").message
    rows = {name: _planted(message, name, content_type, content) for name, content_type, content in [
        ("a.png", "image/png", PNG), ("b.pdf", "application/pdf", PDF), ("c.txt", "text/plain", b"hola"),
        ("d.svg", "image/svg+xml", SVG), ("e.png", "image/png", HTML),
    ]}
    # when the agent opens each
    answers = {name: client.get(f"/console/conversations/attachments/{row.public_id}") for name, row in rows.items()}
    # then every answer forbids sniffing and scripts
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        assert answer["X-Content-Type-Options"] == "nosniff", name
        assert answer["Content-Security-Policy"].startswith("default-src 'none'"), name
    assert answers["a.png"]["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # and only the picture and the PDF show inline, as what their bytes are
    assert answers["a.png"]["Content-Type"] == "image/png" and answers["a.png"]["Content-Disposition"].startswith("inline")
    assert answers["b.pdf"]["Content-Type"] == "application/pdf" and answers["b.pdf"]["Content-Disposition"].startswith("inline")
    for name in ("c.txt", "d.svg", "e.png"):
        assert answers[name]["Content-Disposition"].startswith("attachment"), name
        assert answers[name]["Content-Security-Policy"] == "default-src 'none'; sandbox", name
    assert answers["d.svg"]["Content-Type"] == "application/octet-stream"
    assert answers["e.png"]["Content-Type"] == "application/octet-stream"

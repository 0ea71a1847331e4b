"""An agent's attachment goes out as the provider's documented media request."""

from omnicanal.channels.base import Outbound, OutboundAttachment
from omnicanal.channels.telegram import adapter as telegram
from omnicanal.channels.tests.conftest import TG, WA
from omnicanal.channels.whatsapp import adapter as whatsapp

PDF = OutboundAttachment("boleta-AS-100123.pdf", "application/pdf", b"%PDF-1.4 boleta")
PHOTO = OutboundAttachment("zapatilla.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 foto")


def test_whatsapp_uploads_each_file_then_sends_it_by_media_id(make_inbox, whatsapp_server):
    # given a WhatsApp inbox pointed at a loopback Cloud API
    inbox = make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)
    # when the agent sends a receipt and a photo with a line of text
    result = whatsapp.send(inbox, Outbound(message_id="msg_1", to="+56987654321", text="Aquí va tu boleta",
                                           attachments=(PDF, PHOTO)))
    # then each file was uploaded to /media with the bearer token, then sent by its media id
    uploads = whatsapp_server.posts("/media")
    assert [u.multipart()["file"][0] for u in uploads] == ["boleta-AS-100123.pdf", "zapatilla.jpg"]
    assert uploads[0].multipart()["file"][1] == PDF.content
    assert uploads[0].multipart()["messaging_product"][1] == b"whatsapp"
    assert all(u.headers.get("authorization") == f"Bearer {WA['access_token']}" for u in uploads)
    sent = [r.json() for r in whatsapp_server.posts("/messages")]
    assert [m["type"] for m in sent] == ["document", "image", "text"]
    assert sent[0]["document"]["filename"] == "boleta-AS-100123.pdf" and sent[0]["document"]["id"].startswith("media-")
    assert sent[1]["image"]["id"].startswith("media-") and sent[2]["text"]["body"] == "Aquí va tu boleta"
    assert all(m["to"] == "56987654321" and m["messaging_product"] == "whatsapp" for m in sent)
    assert result.external_id.startswith("wamid.")


def test_telegram_sends_a_file_as_a_document_then_the_text(make_inbox, telegram_server):
    inbox = make_inbox("telegram", base_url=telegram_server.url, **TG)
    result = telegram.send(inbox, Outbound(message_id="msg_2", to="123456789", text="Tu boleta", attachments=(PDF,)))
    documents = telegram_server.posts("/sendDocument")
    assert len(documents) == 1
    form = documents[0].multipart()
    assert form["chat_id"][1] == b"123456789"
    assert form["document"] == ("boleta-AS-100123.pdf", PDF.content)
    assert documents[0].path == f"/bot{TG['bot_token']}/sendDocument"
    (text,) = telegram_server.posts("/sendMessage")
    assert text.json() == {"chat_id": "123456789", "text": "Tu boleta"}
    assert result.external_id == f"{TG['bot_token'].split(':')[0]}:out:123456789:1002"  # the last one sent: the text

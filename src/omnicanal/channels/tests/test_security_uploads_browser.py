"""In chromium: an SVG with a script sent through the web chat never runs as the signed-in agent.

The visitor's upload is refused (its bytes are markup), and a file stored before files were checked
(a row as the old code kept it: image/svg+xml) downloads sandboxed instead of rendering in the console.
"""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from omnicanal.conversations.models import Attachment, Message
from omnicanal.conversations.services import do_save_agent
from omnicanal.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL_SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>window.__pwned=1;document.title='pwned';new Image().src='/pwned-beacon?'+document.cookie;"
            b"fetch('/pwned-fetch')</script></svg>")
EVIL_HTML = b"<!DOCTYPE html><html><body><script>window.__pwned=1;fetch('/pwned-fetch')</script></body></html>"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def test_an_svg_with_a_script_sent_by_web_chat_never_runs_in_the_agents_console(asgi_server, page, _chromium, staff,
                                                                                 make_inbox):
    # given an agent signed into the console, and a visitor on the shop's web chat; any request the
    # script would make is recorded
    agent = staff("agent", username="agente")
    do_save_agent(user=agent, languages=["es"], skills=[], teams=[], available=True)
    make_inbox("webchat", name="Chat tienda web")
    beacons = []
    page.context.on("request", lambda request: "pwned" in request.url and beacons.append(request.url))
    page.goto(f"{asgi_server}/console/login/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{asgi_server}/console/**")
    visitor_context = _chromium.new_context(locale="es-CL")
    visitor_context.on("request", lambda request: "pwned" in request.url and beacons.append(request.url))
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(15000)
    try:
        visitor.goto(f"{asgi_server}/shop/chat-demo/")
        visitor.click("[data-testid=webchat-open]")
        visitor.wait_for_selector("[data-testid=webchat][data-transport]")
        visitor.fill("[data-testid=webchat-input]", "Hola, les mando el dibujo de la zapatilla")
        visitor.click("[data-testid=webchat-send]")
        visitor.wait_for_selector("[data-testid=webchat-messages] >> text=les mando el dibujo")
        # when the visitor uploads the SVG, and an HTML page disguised as a PNG
        visitor.set_input_files(".ocw-file", files=[{"name": "dibujo.svg", "mimeType": "image/svg+xml",
                                                     "buffer": EVIL_SVG}])
        expect(visitor.locator("[data-testid=webchat-messages] .ocw-note").last).to_contain_text("(image/svg+xml)")
        visitor.set_input_files(".ocw-file", files=[{"name": "foto.png", "mimeType": "image/png", "buffer": EVIL_HTML}])
        expect(visitor.locator("[data-testid=webchat-messages] .ocw-note").last).to_contain_text("(text/html)")
        # and a real picture, which is kept
        visitor.set_input_files(".ocw-file", files=[{"name": "zapatilla.png", "mimeType": "image/png", "buffer": PNG}])
        visitor.wait_for_function("() => document.querySelectorAll('[data-testid=webchat-messages] .ocw-msg').length >= 2")
    finally:
        visitor_context.close()
    # then the refused files were never stored; the picture was, as a PNG
    assert list(Attachment.objects.values_list("filename", "content_type")) == [("zapatilla.png", "image/png")]
    # given too a row as the old code stored it: the SVG under its claimed type
    message = Message.objects.filter(direction="in").order_by("pk").first()
    legacy = Attachment(message=message, filename="dibujo.svg", content_type="image/svg+xml", size=len(EVIL_SVG),
                        created_at=clock.now())
    legacy.file.save(f"{message.public_id}-dibujo.svg", ContentFile(EVIL_SVG), save=False)
    legacy.save()
    # when the agent opens the conversation and clicks the SVG's link
    page.goto(f"{asgi_server}/console/conversations/{message.conversation.public_id}/")
    link = page.locator(f"a[href$='/attachments/{legacy.public_id}']")
    with page.expect_download() as download:
        link.click()
    # then it downloads (never renders in the console), and the picture shows inline
    assert download.value.suggested_filename == "dibujo.svg"
    picture = Attachment.objects.get(filename="zapatilla.png")
    shown = page.context.new_page()
    answer = shown.goto(f"{asgi_server}/console/conversations/attachments/{picture.public_id}")
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"
    shown.close()
    # and the SVG asked for directly answers as a sandboxed download
    direct = page.request.get(f"{asgi_server}/console/conversations/attachments/{legacy.public_id}")
    assert direct.headers["content-disposition"].startswith("attachment")
    assert direct.headers["x-content-type-options"] == "nosniff"
    assert direct.headers["content-security-policy"] == "default-src 'none'; sandbox"
    # and the script never ran: no beacon, no flag, the title untouched
    assert beacons == []
    assert page.evaluate("() => window.__pwned") is None
    assert "pwned" not in page.title()

"""The shop as a PWA: the manifest, the service worker served from the root, the offline page, the
icons drawn from the logo, and the registration script every shop page includes."""

import json
import struct
from pathlib import Path

from django.contrib.staticfiles import finders

from omnicanal.storefront import pwa


def test_the_manifest_makes_the_shop_installable_with_the_brand(client, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "BUSINESS_NAME": "Cumbre Outdoor", "BRAND_COLOR": "#123456"}
    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r["Content-Type"] == "application/manifest+json"
    body = json.loads(r.content)
    assert body["name"] == "Cumbre Outdoor" and body["short_name"] == "Cumbre Outdo"
    assert (body["start_url"], body["scope"], body["display"]) == ("/", "/", "standalone")
    assert body["theme_color"] == "#123456"
    icons = {(i["sizes"], i["purpose"]): i for i in body["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in body["icons"]:
        assert icon["type"] == "image/png" and icon["src"].startswith("/static/storefront/icons/")


def test_the_icons_are_pngs_of_their_declared_size():
    for path, size, _purpose in pwa.ICONS:
        found = finders.find(path)
        assert found, path
        head = Path(found).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", head[16:24])
        assert f"{width}x{height}" == size


def test_the_service_worker_is_served_from_the_root_with_its_scope(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r["Cache-Control"]
    js = r.content.decode()
    # it precaches the shell and the offline page, and leaves the API and the account alone
    for url in (*pwa.shell_urls(), "/offline/"):
        assert json.dumps(url) in js
    assert '"/api/"' in js and '"/account/"' in js and '"/track/"' in js
    assert 'caches.match(OFFLINE)' in js


def test_the_service_workers_cache_name_follows_the_shell(client, settings):
    first = client.get("/sw.js").content.decode()
    settings.OMNICANAL = {**settings.OMNICANAL, "BRAND_COLOR": "#654321"}
    second = client.get("/sw.js").content.decode()
    name = [line for line in first.splitlines() if line.startswith("const CACHE")]
    assert name and name[0] not in second  # a new shell, a new cache (the old one is deleted on activate)


def test_the_offline_page_renders(client):
    r = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "You are offline" in r.content.decode()
    r = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Estás sin conexión" in r.content.decode()


def test_every_shop_page_links_the_manifest_and_the_registration_script(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/storefront/pwa.js" data-sw="/sw.js" data-install-label="Install the app" defer' in html


def test_the_registration_script_is_csp_safe_static_code():
    js = Path(finders.find("storefront/pwa.js")).read_text()
    assert "serviceWorker" in js and "beforeinstallprompt" in js
    assert "eval(" not in js and "innerHTML" not in js

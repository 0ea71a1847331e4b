"""What keeps the shop's pages cheap to serve and small to send: anonymous browsing writes no session
(the device's "recently viewed" is a signed cookie), browse pages are gzipped only when their body
holds no secret of the shopper, static files are served hashed, precompressed and cached for good."""

import gzip
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

from omnicanal.catalog import queries as catalog
from omnicanal.storefront.browsing import RECENT_COOKIE, RECENT_SALT
from omnicanal.storefront.tests.test_account_more import signed_in

from .browse_data import make_shop

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, br"}
HASHED = "omnicanal.web.staticfiles.StaticFilesStorage"


@pytest.fixture
def shop(db):
    make_shop()


def recent_section(client) -> str:
    page = client.get("/").content.decode()
    return page[page.index('data-testid="recent"'):page.index('data-testid="featured"')] if 'data-testid="recent"' in page else ""


# --- sessions ------------------------------------------------------------------------------------------


def test_anonymous_browsing_creates_no_session(client, shop):
    for path in ("/", "/c/", "/c/running/", "/search/?q=zapatilla", "/p/zapatilla-nino-chispa/",
                 "/p/zapatilla-trail-cerro/", "/"):
        assert client.get(path).status_code == 200, path
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert Session.objects.count() == 0
    # ... and the device still remembers what it viewed, most recent first, in its own signed cookie.
    assert client.cookies[RECENT_COOKIE]["httponly"] and client.cookies[RECENT_COOKIE]["samesite"] == "Lax"
    recent = recent_section(client)
    assert recent.index("Zapatilla Trail Cerro") < recent.index("Zapatilla Niño Chispa")


def test_viewing_the_newest_product_again_changes_nothing_so_writes_nothing(client, shop):
    first = client.get("/p/zapatilla-nino-chispa/")
    assert RECENT_COOKIE in first.cookies
    again = client.get("/p/zapatilla-nino-chispa/")
    assert RECENT_COOKIE not in again.cookies  # no Set-Cookie: the list did not change
    assert RECENT_COOKIE in client.get("/p/zapatilla-trail-cerro/").cookies


def test_a_forged_or_foreign_recent_cookie_is_no_list(client, shop):
    client.cookies[RECENT_COOKIE] = "zapatilla-nino-chispa"  # unsigned
    assert recent_section(client) == ""
    client.cookies[RECENT_COOKIE] = signing.dumps(["zapatilla-nino-chispa"], salt="another.purpose")
    assert recent_section(client) == ""
    client.cookies[RECENT_COOKIE] = signing.dumps(["zapatilla-nino-chispa"], salt=RECENT_SALT)
    assert "Zapatilla Niño Chispa" in recent_section(client)


def test_signing_in_moves_the_devices_list_to_the_customer_and_drops_the_cookie(client, world, ana):
    handle = catalog.search_catalog(channel="web", per_page=1).items[0].handle
    client.get(f"/p/{handle}/")
    assert client.cookies[RECENT_COOKIE].value
    signed_in(client, ana)
    response = client.get("/")
    assert response.cookies[RECENT_COOKIE]["max-age"] == 0  # deleted: the list is the customer's now
    assert f"/p/{handle}/" in recent_section(signed_in(Client(), ana))  # another device of hers sees it


def test_choosing_the_same_store_again_writes_no_session(client, shop):
    client.get("/p/zapatilla-nino-chispa/", {"store": "PROV"})
    assert client.session["storefront.store"] == "PROV"
    again = client.get("/p/zapatilla-nino-chispa/", {"store": "PROV"})
    assert settings.SESSION_COOKIE_NAME not in again.cookies  # saved sessions set their cookie anew


# --- compression ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/c/", "/c/running/", "/search/?q=zapatilla", "/p/zapatilla-nino-chispa/"])
def test_anonymous_browse_pages_are_gzipped_for_who_accepts_it(client, shop, path):
    plain = client.get(path)
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    packed = client.get(path, **GZIP)
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "</html>" in html and len(packed.content) < len(plain.content) / 2


def test_a_signed_in_customers_pages_are_never_compressed(client, world, ana):
    signed_in(client, ana)
    for path in ("/", "/search/?q=zapatilla", "/account/", "/cart/"):
        response = client.get(path, **GZIP)
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response, path  # BREACH: their pages hold their chat identity


def test_cart_and_account_pages_are_never_compressed(client, shop):
    for path in ("/cart/", "/account/sign-in/"):
        response = client.get(path, **GZIP)
        assert response.status_code == 200 and "Content-Encoding" not in response, path


# --- static files ---------------------------------------------------------------------------------------


def test_collected_static_files_are_hashed_precompressed_and_cached_for_good(settings, tmp_path, shop):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": HASHED}}  # production's (STATIC_HASHED)
    before = static("storefront/shop.css")
    assert before == "/static/storefront/shop.css"  # never collected: plain names, served from the app
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed = static("storefront/shop.css")
    assert hashed != before and hashed.startswith("/static/storefront/shop.") and hashed.endswith(".css")
    assert hashed in Client().get("/").content.decode()  # pages name the hashed file

    served = Client().get(hashed, **GZIP)
    assert served["Content-Encoding"] == "gzip" and "immutable" in served["Cache-Control"]
    body = gzip.decompress(b"".join(served.streaming_content))
    assert body == (tmp_path / hashed.removeprefix("/static/")).read_bytes()
    plain = Client().get(before)  # an old page's plain name still answers, briefly cached
    assert plain.status_code == 200 and "immutable" not in plain["Cache-Control"]


def _storage_under(tmp_path, **env) -> str:
    """The static files backend the settings choose in a fresh process with this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "OMNICANAL_TESTING", "DEBUG")}
    clean.update({"OMNICANAL_VAR": str(tmp_path), "SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://u@127.0.0.1/none",
                  "PYTHONPATH": os.pathsep.join(sys.path), **env})
    code = "import omnicanal.web.settings as s; print(s.STORAGES['staticfiles']['BACKEND'])"
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_static_names_are_hashed_in_production_only(tmp_path):
    assert _storage_under(tmp_path, OMNICANAL_ENV="production") == HASHED
    assert _storage_under(tmp_path, OMNICANAL_ENV="development") != HASHED
    assert _storage_under(tmp_path, OMNICANAL_ENV="production", DEBUG="1") != HASHED
    assert _storage_under(tmp_path, OMNICANAL_ENV="development", STATIC_HASHED="1") == HASHED  # the bench

"""Demo secrets generated per install, printed at first run and kept 0600; secrets at rest; the
production settings (`check --deploy` clean) while the embedded demo stays plain HTTP."""

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import override_settings

from omnicanal.core import crypto
from omnicanal.core.auth import authenticate_key
from omnicanal.core.demo import STAFF

ROOT = Path(__file__).resolve().parents[4]
KEY = re.compile(r"\bok_[0-9a-f]{8}_[A-Za-z0-9]{20,}\b")


@pytest.fixture
def logins_file(settings, tmp_path):
    settings.DEMO_LOGINS_FILE = tmp_path / "var" / "demo-logins.txt"
    return settings.DEMO_LOGINS_FILE


def demo_core_only(*args) -> str:
    """`omnicanal demo` with every other app's demo marked loaded: only core's staff and key load."""
    from omnicanal.core import clock
    from omnicanal.core.models import DemoStep

    for label in ("customers", "catalog", "inventory", "loyalty", "orders", "conversations", "channel_adapters"):
        DemoStep.objects.get_or_create(app=label, defaults={"seed": 0, "loaded_at": clock.now()})
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> tuple[dict[str, str], str]:
    passwords = {}
    for person in STAFF:
        match = re.search(rf"^\s+{re.escape(person.username)}\s+(\S+)\s+{person.role}", output, re.MULTILINE)
        assert match, f"{person.username} not printed"
        passwords[person.username] = match.group(1)
    keys = KEY.findall(output)
    assert len(keys) == 1
    return passwords, keys[0]


def assert_working(passwords: dict[str, str], key: str) -> None:
    for username, password in passwords.items():
        assert authenticate(username=username, password=password) is not None, username
    principal = authenticate_key(key)
    assert principal is not None and principal.role == "admin"


def wipe_core_demo() -> None:
    from omnicanal.core.models import ApiKey, DemoStep, User

    User.objects.all().delete()
    ApiKey.objects.all().delete()
    DemoStep.objects.filter(app="core").delete()


def test_two_fresh_installs_get_different_admin_keys_and_passwords(db, logins_file):
    # given the demo loaded on an empty database
    first_passwords, first_key = printed_logins(demo_core_only())
    # when it is loaded on another empty database
    wipe_core_demo()
    second_passwords, second_key = printed_logins(demo_core_only())
    # then the admin key and every password differ, and each works where it was issued
    assert first_key != second_key
    assert all(first_passwords[u] != second_passwords[u] for u in first_passwords)
    assert len(set(second_passwords.values())) == len(STAFF)
    assert_working(second_passwords, second_key)
    assert authenticate_key(first_key) is None
    assert all(len(p) >= 12 and p != "andes-demo" for p in second_passwords.values())


def test_a_second_run_prints_the_same_working_logins_from_an_owner_only_file(db, logins_file):
    # given the demo loaded once
    first = printed_logins(demo_core_only())
    # when `omnicanal demo` runs again, and `omnicanal demo --logins`
    again, logins = demo_core_only(), demo_core_only("--logins")
    # then both print the same logins, which work, from a file only its owner reads
    assert printed_logins(again) == first == printed_logins(logins)
    assert_working(*first)
    assert stat.S_IMODE(os.stat(logins_file).st_mode) == 0o600
    assert str(logins_file) in again


def test_rotating_the_demo_secrets_prints_new_logins_and_the_old_ones_stop_working(db, logins_file):
    # given the demo loaded, its logins printed
    old_passwords, old_key = printed_logins(demo_core_only())
    # when the demo's secrets are rotated
    new_passwords, new_key = printed_logins(demo_core_only("--rotate-secrets"))
    # then the new logins work and the old ones do not
    assert_working(new_passwords, new_key)
    assert authenticate_key(old_key) is None
    assert all(authenticate(username=u, password=p) is None for u, p in old_passwords.items())


def test_without_the_logins_file_the_demo_says_how_to_get_new_ones(db, logins_file):
    # given the demo loaded, then its logins file lost (or another database's)
    demo_core_only()
    logins_file.unlink()
    # when the demo runs again
    output = demo_core_only()
    # then it prints no stale logins, but the command that issues new ones
    assert KEY.search(output) is None and "omnicanal demo --rotate-secrets" in output


def test_the_readme_holds_no_demo_key_or_password():
    readme = (ROOT / "README.md").read_text()
    assert KEY.search(readme) is None
    assert "andes-demo" not in readme and "demo-change-me" not in readme
    assert "ok_xxxxxxxx_" in readme and "omnicanal demo --logins" in readme


def test_a_secret_encrypted_under_one_key_opens_under_a_key_list_that_keeps_it():
    # given a secret sealed under key A
    key_a, key_b = crypto.new_key(), "a long passphrase, not a Fernet key, stretched with HKDF-SHA256"
    with override_settings(ENCRYPTION_KEYS=[key_a]):
        sealed = crypto.encrypt("s3cret")
    # then it opens while A is in the list, under another first key, and not without A
    assert sealed.startswith("fernet:") and "s3cret" not in sealed
    with override_settings(ENCRYPTION_KEYS=[key_b, key_a]):
        assert crypto.decrypt(sealed) == "s3cret"
        resealed = crypto.encrypt("s3cret")
    with override_settings(ENCRYPTION_KEYS=[key_b]):
        assert crypto.decrypt(resealed) == "s3cret"
        assert isinstance(crypto.decrypt(sealed), crypto.Unreadable) and crypto.decrypt(sealed) == ""


def test_without_a_configured_key_secrets_follow_the_secret_key_and_its_fallbacks():
    # given a secret sealed under the key derived from SECRET_KEY
    with override_settings(ENCRYPTION_KEYS=[], SECRET_KEY="old-secret-key-" + "x" * 50):
        sealed = crypto.encrypt("s3cret")
    # then rotating SECRET_KEY the Django way (the old one in SECRET_KEY_FALLBACKS) keeps it readable
    with override_settings(ENCRYPTION_KEYS=[], SECRET_KEY="new-secret-key-" + "y" * 50,
                           SECRET_KEY_FALLBACKS=["old-secret-key-" + "x" * 50]):
        assert crypto.decrypt(sealed) == "s3cret"
    with override_settings(ENCRYPTION_KEYS=[], SECRET_KEY="new-secret-key-" + "y" * 50, SECRET_KEY_FALLBACKS=[]):
        assert crypto.decrypt(sealed) == ""


def _settings_in_a_fresh_process(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DATABASE_URL", "PYTEST_VERSION", "OMNICANAL_TESTING", "ALLOWED_HOSTS", "DEBUG",
                          "OMNICANAL_ENV", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES",
                          "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # set by the browser tests in this process
    clean.update(OMNICANAL_VAR=str(tmp_path), DJANGO_SETTINGS_MODULE="omnicanal.web.settings",
                 PYTHONPATH=os.pathsep.join(p for p in [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p), **env)
    code = """
import json, sys
from django.core.management import call_command
import django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")}))
sys.stdout.flush()
call_command("check", deploy=True, fail_level="WARNING")
"""
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120)


PRODUCTION_ENV = {  # docs/operations.md, "Production settings"
    "DATABASE_URL": "postgres://omnicanal@127.0.0.1:1/omnicanal",
    "SECRET_KEY": "Zq3v0b-Fj8r1Kx6pWmT2yHc9LsN4eUa7GdQ5oRiV0zB3nXk8Jw1tYp6fCh2Ml9SgE4",
    "ALLOWED_HOSTS": "tienda.example.cl",
    "CSRF_TRUSTED_ORIGINS": "https://tienda.example.cl",
}


@pytest.mark.database_free
def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    # when Django's deployment checklist runs with the production settings of docs/operations.md
    result = _settings_in_a_fresh_process(tmp_path, **PRODUCTION_ENV)
    # then it finds nothing, and TLS, HSTS, secure cookies and 12-hour sessions are on
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    values = json.loads(result.stdout.splitlines()[0])
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600


@pytest.mark.database_free
def test_each_deployment_setting_can_be_set_and_the_embedded_demo_stays_plain_http(tmp_path):
    # when the settings load for the embedded demo (no DATABASE_URL), and for production with overrides
    demo = _settings_in_a_fresh_process(tmp_path)
    tuned = _settings_in_a_fresh_process(tmp_path, **PRODUCTION_ENV, SECURE_HSTS_SECONDS="600", SESSION_COOKIE_AGE="3600",
                                         SECURE_PROXY_SSL_HEADER="X-Scheme")
    # then the demo redirects nothing to https and sends its cookies over http
    values = json.loads(demo.stdout.splitlines()[0])
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False and values["SECURE_PROXY_SSL_HEADER"] is None
    # and each production value follows its variable
    values = json.loads(tuned.stdout.splitlines()[0])
    assert values["SECURE_HSTS_SECONDS"] == 600 and values["SESSION_COOKIE_AGE"] == 3600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "https"]


def test_a_console_session_lasts_twelve_hours(client, db):
    from omnicanal.core.services import do_create_staff_user

    # given a staff member
    do_create_staff_user(username="ana", password="secret-pass", role="agent")
    # when she signs in to the console
    answer = client.post("/console/login/", {"username": "ana", "password": "secret-pass"})
    # then her session cookie expires in 12 hours, not Django's 14 days
    assert answer.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 3600

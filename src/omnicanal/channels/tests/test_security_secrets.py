"""Channel secrets and provider tokens: random per install, encrypted at rest, rotatable, never shown."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from omnicanal.channels import demo, testing
from omnicanal.channels.models import SECRET_KEYS, Inbox
from omnicanal.core import crypto

KEY_A = crypto.new_key()
KEY_B = crypto.new_key()


def raw_config(inbox: Inbox) -> str:
    """The config column as the database holds it, not as the model reads it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT config FROM {Inbox._meta.db_table} WHERE id = %s", [inbox.pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def demo_secrets() -> dict[tuple[str, str], str]:
    return {(inbox.channel, key): value for inbox in Inbox.objects.all() for key, value in inbox.config.items()
            if key in SECRET_KEYS}


def test_two_fresh_installs_get_different_channel_secrets(db):
    # given the demo inboxes loaded on an empty database
    demo.load(seed=2026, rng=None, out=io.StringIO())
    first = demo_secrets()
    # when the same demo is loaded on another empty database
    Inbox.objects.all().delete()
    demo.load(seed=2026, rng=None, out=io.StringIO())
    second = demo_secrets()
    # then every secret differs, and none is a fixed placeholder
    assert first.keys() == second.keys() and len(first) >= 16
    assert all(first[k] != second[k] for k in first)
    for value in [*first.values(), *second.values()]:
        assert "demo-change-me" not in value and "andes-demo" not in value and value != demo.GENERATED
        assert len(value.rsplit(":", 1)[-1]) >= 30


def test_channel_secrets_are_not_stored_in_plain_text_and_still_verify_webhooks(client, db):
    # given the demo inboxes
    demo.load(seed=2026, rng=None, out=io.StringIO())
    inbox = Inbox.objects.get(channel="email")
    secret = inbox.config["webhook_secret"]
    # then the raw column holds tokens, never a secret in plain text; other settings stay readable
    for row in Inbox.objects.all():
        raw = raw_config(row)
        assert "fernet:" in raw and '"sandbox": true' in raw
        for key, value in row.config.items():
            if key in SECRET_KEYS:
                assert value and value not in raw
                assert value.split(":", 1)[-1] not in raw  # a Telegram bot token's secret half neither
    # when a webhook signed with the stored secret arrives, it is accepted; a forged one is not
    body = testing.fixture("email/reply.eml")
    good = client.post("/webhooks/email", body, content_type="message/rfc822",
                       HTTP_X_OMNICANAL_SIGNATURE=testing.omnicanal_signature(body, secret))
    forged = client.post("/webhooks/email", body, content_type="message/rfc822",
                         HTTP_X_OMNICANAL_SIGNATURE=testing.omnicanal_signature(body, raw_config(inbox)[:40]))
    assert good.status_code == 200
    assert forged.status_code == 403


def test_rotation_reencrypts_every_secret_under_the_new_key(make_inbox):
    # given an inbox whose secrets were encrypted under key A
    with override_settings(ENCRYPTION_KEYS=[KEY_A]):
        inbox = make_inbox("telegram", bot_token="7012345678:AAF-rotating-token", secret_token="tg-rotating-secret")
    before = raw_config(inbox)
    # when B is put first (A kept after it) and the secrets are rotated
    with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        out = io.StringIO()
        call_command("rotate-secrets", stdout=out)
    after = raw_config(inbox)
    # then the stored tokens changed, and B alone reads them
    assert "Re-encrypted" in out.getvalue()
    assert after != before and "tg-rotating-secret" not in after
    with override_settings(ENCRYPTION_KEYS=[KEY_B]):
        assert Inbox.objects.get(pk=inbox.pk).config["secret_token"] == "tg-rotating-secret"
        assert Inbox.objects.get(pk=inbox.pk).config["bot_token"] == "7012345678:AAF-rotating-token"
    # and A alone no longer does: the secret reads empty (every check refuses it) and is kept as it was
    with override_settings(ENCRYPTION_KEYS=[KEY_A]):
        unread = Inbox.objects.get(pk=inbox.pk)
        assert unread.config["secret_token"] == ""
        unread.save()
        with pytest.raises(Exception, match="could not be decrypted"):
            call_command("rotate-secrets", stdout=io.StringIO())
    assert raw_config(inbox) == after
    with override_settings(ENCRYPTION_KEYS=[KEY_B]):
        assert Inbox.objects.get(pk=inbox.pk).config["secret_token"] == "tg-rotating-secret"


def test_a_secret_under_an_unknown_key_refuses_every_webhook(client, make_inbox):
    # given a Telegram inbox whose secret was written under a key the server no longer has
    with override_settings(ENCRYPTION_KEYS=[KEY_A]):
        inbox = make_inbox("telegram", bot_token="7012345678:AAF-test-token", secret_token="tg-secret-123")
    # when a delivery carries the right secret, or an empty one
    with override_settings(ENCRYPTION_KEYS=[KEY_B]):
        right = client.post(f"/webhooks/telegram/{inbox.public_id}", testing.fixture("telegram/text.json"),
                            content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="tg-secret-123")
        empty = client.post(f"/webhooks/telegram/{inbox.public_id}", testing.fixture("telegram/text.json"),
                            content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=" ")
    # then both are refused: nothing reads as a usable secret
    assert right.status_code == 403 and empty.status_code in (401, 403)


def test_the_admin_and_the_console_never_show_a_secret(client, make_inbox):
    from omnicanal.core.services import do_create_staff_user

    # given an inbox with secrets and an admin signed in
    inbox = make_inbox("whatsapp", name="WA", access_token="EAAG-secret-access", app_secret="app-secret-value",
                       verify_token="verify-secret-value", phone_number_id="106540352242922")
    client.force_login(do_create_staff_user(username="root", password="secret-pass", role="admin"))
    # when the admin opens the inbox in /admin and the channels page
    pages = [client.get(f"/admin/channel_adapters/inbox/{inbox.pk}/change/"), client.get("/console/channels/")]
    # then neither the secrets nor their stored tokens are in the pages
    stored = json.loads(raw_config(inbox))
    for page in pages:
        assert page.status_code == 200
        for key in ("access_token", "app_secret", "verify_token"):
            assert inbox.config[key].encode() not in page.content
            assert stored[key].encode() not in page.content


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_in_plain_text_and_back():
    from django.db.migrations.executor import MigrationExecutor

    # given the schema before encryption, with an inbox whose secret is stored in plain text
    executor = MigrationExecutor(connection)
    before, after = [("channel_adapters", "0001_initial")], [("channel_adapters", "0002_encrypt_inbox_secrets")]
    executor.migrate(before)
    executor.loader.build_graph()
    OldInbox = executor.loader.project_state(before).apps.get_model("channel_adapters", "Inbox")
    old = OldInbox.objects.create(channel="voice", name="Voz", config={"webhook_secret": "plain-voice-secret",
                                                                      "from_number": "+56229401234"},
                                  created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z")
    try:
        # when the migration runs
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # then the raw column holds a token, and the model reads the same secret
        inbox = Inbox.objects.get(pk=old.pk)
        assert "plain-voice-secret" not in raw_config(inbox) and "fernet:" in raw_config(inbox)
        assert inbox.config == {"webhook_secret": "plain-voice-secret", "from_number": "+56229401234"}
        # and back: the secret is plain text again
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert "plain-voice-secret" in raw_config(inbox)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

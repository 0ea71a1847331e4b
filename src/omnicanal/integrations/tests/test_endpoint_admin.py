"""Editing, deleting and rotating the signing secret of webhook endpoints; rotate-secrets covering
the endpoint secrets (encrypted by hand, not in an encrypted JSON field)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from omnicanal.core import clock, crypto
from omnicanal.core.models import AuditEntry
from omnicanal.integrations import services, signing
from omnicanal.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from omnicanal.integrations.tests import test_webhooks
from omnicanal.integrations.tests.test_webhooks import emit_each, paid, register

receiver = test_webhooks.receiver  # the loopback receiver fixture, shared

KEY_A = crypto.new_key()
KEY_B = crypto.new_key()


def actions(target_id: str) -> list[str]:
    return list(AuditEntry.objects.filter(target_id=target_id).order_by("pk").values_list("action", flat=True))


def test_an_endpoint_is_edited_field_by_field_and_validated_like_creation(db, api, issue_key):
    created = register(api, "https://erp.example/hooks", ["order.paid"])
    # when its events, scopes and description change (the URL left as it was)
    answer = api.patch(f"/webhook-endpoints/{created['id']}",
                       {"events": ["order.placed", "order.paid", "order.paid"], "scopes": ["pii"],
                        "description": "ERP orders"})
    # then only those changed, and the audit log keeps before and after
    assert answer.status_code == 200, answer.content
    edited = answer.json()
    assert edited["url"] == "https://erp.example/hooks" and edited["events"] == ["order.paid", "order.placed"]
    assert edited["scopes"] == ["pii"] and edited["description"] == "ERP orders"
    entry = AuditEntry.objects.get(action="webhook.update", target_id=created["id"])
    assert entry.before["events"] == ["order.paid"] and entry.after["scopes"] == ["pii"]

    # and bad input is refused field by field (problem+json 422), changing nothing
    for body, field in (({"url": "ftp://x.example"}, "url"), ({"events": ["order.teleported"]}, "events.0"),
                        ({"events": []}, "events"), ({"scopes": ["all"]}, "scopes.0"),
                        ({"description": "x" * 201}, "description")):
        bad = api.patch(f"/webhook-endpoints/{created['id']}", body)
        assert bad.status_code == 422, body
        assert bad["Content-Type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["field"] == field, body
    assert api.get(f"/webhook-endpoints/{created['id']}").json() == edited
    # and only admins and integration keys edit; an unknown endpoint is a 404
    agent = api.as_(issue_key("agent"))
    assert agent.patch(f"/webhook-endpoints/{created['id']}", {"description": "x"}).status_code == 403
    assert api.patch("/webhook-endpoints/whe_nope", {"description": "x"}).status_code == 404


def test_deleting_an_endpoint_cancels_its_pending_deliveries_and_removes_its_log(transactional_db, api, receiver):
    hook = receiver(always_fail=True)
    created = register(api, hook.url, ["order.paid"])
    hook.secret = created["secret"]
    emit_each(paid("ord_D01"), paid("ord_D02"))
    assert WebhookDelivery.objects.filter(status="pending").count() == 2 and WebhookAttempt.objects.exists()

    answer = api.delete(f"/webhook-endpoints/{created['id']}")

    assert answer.status_code == 204
    assert api.get(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert not WebhookDelivery.objects.exists() and not WebhookAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="webhook.delete", target_id=created["id"])
    assert entry.before["url"] == hook.url and entry.after == {"deliveries_removed": 2, "pending_cancelled": 2}
    # and further events are not queued for it
    failed_before = len(hook.failed_ids)
    emit_each(paid("ord_D03"))
    assert not WebhookDelivery.objects.exists() and len(hook.failed_ids) == failed_before
    assert api.delete(f"/webhook-endpoints/{created['id']}").status_code == 404


def test_during_the_grace_period_deliveries_verify_under_both_secrets_then_only_the_new(
        transactional_db, api, receiver, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBHOOK_SECRET_GRACE_HOURS": 24}
    old_receiver, new_receiver = receiver(), receiver()
    created = register(api, old_receiver.url, ["order.paid"])
    old_receiver.secret = created["secret"]

    # when the secret is rotated
    rotated = api.post(f"/webhook-endpoints/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.content
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != created["secret"]
    until = dt.datetime.fromisoformat(rotated.json()["previous_valid_until"])
    assert dt.timedelta(hours=23) < until - clock.now() <= dt.timedelta(hours=24)
    assert api.get(f"/webhook-endpoints/{created['id']}").json()["previous_secret_until"] is not None
    assert "webhook.rotate_secret" in actions(created["id"])

    # then a delivery inside the grace period verifies for a receiver still on the old secret
    emit_each(paid("ord_R01"))
    assert len(old_receiver.accepted) == 1 and old_receiver.bad_signatures == 0
    # and for one already on the new secret (same endpoint URL: point it at the second receiver)
    new_receiver.secret = new_secret
    api.patch(f"/webhook-endpoints/{created['id']}", {"url": new_receiver.url})
    emit_each(paid("ord_R02"))
    assert len(new_receiver.accepted) == 1 and new_receiver.bad_signatures == 0

    # and after the grace period only the new secret signs: the old one no longer verifies
    later = clock.now() + dt.timedelta(hours=25)
    with clock.frozen(later):
        assert api.get(f"/webhook-endpoints/{created['id']}").json()["previous_secret_until"] is None
        endpoint = WebhookEndpoint.objects.get(public_id=created["id"])
        current = services.signing_secrets(endpoint, later)
    assert current == (new_secret,)
    body = b'{"x":1}'
    header = signing.headers(current[0], "msg_1", 1, body)["webhook-signature"]
    assert " " not in header
    assert signing.verify(new_secret, "msg_1", "1", header, body)
    assert not signing.verify(created["secret"], "msg_1", "1", header, body)


def test_both_signatures_are_space_separated_v1_entries():
    old, new = signing.new_secret(), signing.new_secret()
    header = signing.headers(new, "msg_2", 1700000000, b"{}", also=(old,))["webhook-signature"]
    entries = header.split(" ")
    assert len(entries) == 2 and all(e.startswith("v1,") for e in entries)
    assert signing.verify(old, "msg_2", "1700000000", header, b"{}")
    assert signing.verify(new, "msg_2", "1700000000", header, b"{}")


def test_rotating_is_for_admins_and_integrations(db, api, issue_key):
    created = register(api, "https://erp.example/hooks", ["order.paid"])
    agent = api.as_(issue_key("agent"))
    assert agent.post(f"/webhook-endpoints/{created['id']}/rotate-secret").status_code == 403
    assert agent.delete(f"/webhook-endpoints/{created['id']}").status_code == 403
    assert api.post("/webhook-endpoints/whe_nope/rotate-secret").status_code == 404


def test_rotate_secrets_reencrypts_endpoint_secrets_under_the_new_key(db, api):
    with override_settings(ENCRYPTION_KEYS=[KEY_A]):
        created = register(api, "https://erp.example/hooks", ["order.paid"])
        api.post(f"/webhook-endpoints/{created['id']}/rotate-secret")
    raw = WebhookEndpoint.objects.get(public_id=created["id"])
    before = (raw.secret, raw.previous_secret)
    with override_settings(ENCRYPTION_KEYS=[KEY_A]):
        plain = (crypto.decrypt(raw.secret), crypto.decrypt(raw.previous_secret))
    assert plain[1] == created["secret"]

    with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        call_command("rotate-secrets", stdout=io.StringIO())

    raw.refresh_from_db()
    assert (raw.secret, raw.previous_secret) != before
    with override_settings(ENCRYPTION_KEYS=[KEY_B]):  # B alone opens both now
        assert (crypto.decrypt(raw.secret), crypto.decrypt(raw.previous_secret)) == plain
    # and a secret no configured key opens is reported and left as it was
    with override_settings(ENCRYPTION_KEYS=[KEY_A]), pytest.raises(Exception, match="could not be decrypted"):
        call_command("rotate-secrets", stdout=io.StringIO())
    raw.refresh_from_db()
    with override_settings(ENCRYPTION_KEYS=[KEY_B]):
        assert crypto.decrypt(raw.secret) == plain[0]


def test_the_console_edits_rotates_and_deletes_an_endpoint(db, api, staff, client):
    created = register(api, "https://erp.example/hooks", ["order.paid"])
    client.force_login(staff("admin"))
    page = client.get("/console/integrations/webhooks/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'data-confirm-dialog="delete-{created["id"]}"' in page and f'id="delete-{created["id"]}"' in page

    base = f"/console/integrations/webhooks/{created['id']}"
    client.post(f"{base}/edit", {"url": "https://erp.example/v2", "events": ["order.placed"], "description": "v2"})
    state = api.get(f"/webhook-endpoints/{created['id']}").json()
    assert state["url"] == "https://erp.example/v2" and state["events"] == ["order.placed"] and state["scopes"] == []
    bad = client.post(f"{base}/edit", {"url": "https://erp.example/v2", "events": []}, follow=True)
    assert bad.status_code == 200 and api.get(f"/webhook-endpoints/{created['id']}").json() == state

    shown = client.post(f"{base}/rotate", HTTP_ACCEPT_LANGUAGE="es")
    html = shown.content.decode()
    secret = html.split('data-testid="new-secret" translate="no">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.get(public_id=created["id"])
    assert crypto.decrypt(endpoint.secret) == secret
    assert "Cópialo ahora" in html and "Copy it now" not in html  # in Spanish

    client.post(f"{base}/delete")
    assert api.get(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert actions(created["id"])[-3:] == ["webhook.update", "webhook.rotate_secret", "webhook.delete"]

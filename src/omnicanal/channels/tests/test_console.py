from omnicanal.channels.models import Inbox


def test_managers_see_inboxes_with_webhook_urls_and_masked_secrets(client, make_inbox):
    from omnicanal.core.services import do_create_staff_user

    inbox = make_inbox("telegram", bot_token="1:secret-bot-token", secret_token="tg-secret")
    client.force_login(do_create_staff_user(username="gerente", password="secret-pass", role="manager"))
    page = client.get("/console/channels/")
    assert page.status_code == 200
    assert f"/webhooks/telegram/{inbox.public_id}".encode() in page.content
    assert b"secret-bot-token" not in page.content and b"tg-secret" not in page.content
    client.post("/console/channels/new/", {"channel": "sms", "name": "SMS Valpo", "config_account_sid": "AC1",
                                           "config_auth_token": "tok", "config_from_number": "+56322000000"})
    created = Inbox.objects.get(channel="sms")
    assert created.config == {"account_sid": "AC1", "auth_token": "tok", "from_number": "+56322000000"}
    client.post(f"/console/channels/{created.public_id}/", {"config_auth_token": "", "active": "0"})
    created.refresh_from_db()
    assert created.config["auth_token"] == "tok" and created.active is False  # an empty secret keeps the stored one


def test_agents_may_not_see_channel_settings(client, agent):
    client.force_login(agent)
    assert client.get("/console/channels/").status_code == 403

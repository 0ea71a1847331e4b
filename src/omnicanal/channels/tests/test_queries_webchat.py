"""channels.queries.webchat_embed: which inbox the shop's widget names, and the HMAC it carries."""

from omnicanal.channels import queries
from omnicanal.channels.webchat import adapter as webchat


def test_the_shop_chats_on_the_oldest_active_web_chat_inbox_unless_one_is_configured(make_inbox, settings):
    assert queries.webchat_embed() is None  # no web chat inbox: no widget
    first = make_inbox("webchat", identity_secret="s1")
    second = make_inbox("webchat", identity_secret="s2")
    assert queries.webchat_embed().inbox_id == first.public_id
    settings.OMNICANAL = {**settings.OMNICANAL, "SHOP_WEBCHAT_INBOX": second.public_id}
    assert queries.webchat_embed().inbox_id == second.public_id
    second.active = False
    second.save()
    assert queries.webchat_embed() is None  # a configured inbox that is off shows no widget


def test_a_signed_in_email_is_vouched_with_the_inbox_hmac_and_never_the_secret(make_inbox):
    make_inbox("webchat", identity_secret="shop-secret")
    embed = queries.webchat_embed(email=" Ana@Example.cl ")
    assert embed.email == "ana@example.cl"
    assert embed.user_hash == webchat.shopper_hash("shop-secret", "ana@example.cl")
    assert "shop-secret" not in repr(embed)
    assert queries.webchat_embed().email == queries.webchat_embed().user_hash == ""


def test_an_inbox_without_an_identity_secret_names_nobody(make_inbox):
    make_inbox("webchat")
    embed = queries.webchat_embed(email="ana@example.cl")
    assert embed.email == embed.user_hash == ""

"""The demo turns the bot on for its messaging inboxes (not email) with articles in es and en."""

import io
import random

import pytest

from omnicanal.bot import demo, queries
from omnicanal.channels import demo as channels_demo
from omnicanal.channels import queries as channels

pytestmark = pytest.mark.django_db


def test_the_demo_bot_is_on_for_messaging_inboxes_with_faq_in_both_languages():
    channels_demo.load(seed=1, rng=random.Random(1), out=io.StringIO())
    demo.load(seed=1, rng=random.Random(1), out=io.StringIO())
    states = {i.channel: queries.settings_for(i.inbox_id).enabled for i in channels.inboxes()}
    assert states["whatsapp"] and states["telegram"] and states["webchat"] and not states["email"]
    assert {a.language for a in queries.articles()} == {"es", "en"}
    assert queries.match_article("¿despachan a regiones?", "es").article.question == "¿Hacen envíos a regiones?"
    assert queries.match_article("how much is shipping", "en").article.question == "How much is shipping?"

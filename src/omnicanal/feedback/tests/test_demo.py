"""The demo loads reviews of what demo orders handed over, some held for moderation, and a survey."""

import random

from django.db import transaction

from omnicanal.feedback import demo
from omnicanal.feedback.models import Feedback, Review, SurveySend
from omnicanal.feedback.tests.conftest import place


def test_the_demo_reviews_received_lines_and_holds_the_rude_ones(ana, bea):
    for _ in range(2):
        place(ana)
        place(bea)

    class Out:
        text = ""

        def write(self, text):
            self.text += text

    out = Out()
    with transaction.atomic():
        demo.load(seed=1, rng=random.Random(1), out=out)
    assert Review.objects.count() >= 1 and "reviews" in out.text
    assert all(r.verified_buyer for r in Review.objects.all())
    held = Review.objects.filter(status="pending")
    assert all(r.flags for r in held)
    assert SurveySend.objects.count() >= 1
    assert Feedback.objects.filter(source__in=["social", "app_store"]).count() == len(demo.MENTIONS)

"""Reviews and the survey budget follow the person: a merge moves them to the survivor, erasure
removes them (through customers.registry), export lists them."""

from django.db import transaction

from omnicanal.customers import services as customers
from omnicanal.feedback import queries
from omnicanal.feedback.models import Review, SurveyContact
from omnicanal.feedback.services import budget
from omnicanal.feedback.tests.test_shop_page import review


def test_a_merge_moves_reviews_and_the_budget_to_the_survivor(ana, bea):
    review(bea, 5, "Muy buenos")
    with transaction.atomic():
        budget.do_claim_contact(customer_id=bea, kind="survey", ref="s1")
        customers.do_merge_customers(survivor=ana, other=bea, reason="test")
    assert Review.objects.get().customer_id == ana
    assert not queries.eligibility(ana).eligible  # Bea was just asked: so was the person


def test_erasure_removes_reviews_the_ledger_and_survey_answers(ana):
    from omnicanal.feedback.models import SurveySend
    from omnicanal.feedback.services import surveys

    review(ana, 4, "Buenos")
    with transaction.atomic():
        survey = surveys.do_create_survey(name="x", kind="csat")
        sent = surveys.do_send_survey(survey_id=survey.public_id, customer_id=ana)
        surveys.do_answer(send_id=sent.public_id, answers={"csat": 2})
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert not Review.objects.exists() and not SurveyContact.objects.exists()
    assert SurveySend.objects.get().customer_id == "" and SurveySend.objects.get().answers == {}
    assert queries.rating("calcetin").count == 0


def test_export_lists_the_persons_reviews(ana):
    from omnicanal.customers import queries as customer_queries

    review(ana, 4, "Buenos")
    data = customer_queries.export_data(customer_queries.get_customer(ana))
    assert data["domains"]["feedback"]["reviews"][0]["text"] == "Buenos"


def _mention(customer_id, text):
    from omnicanal.feedback.services import unsolicited

    with transaction.atomic():
        return unsolicited.do_record_feedback(item=unsolicited.FeedbackIn(
            source="social", text=text, author="@ana_p", customer_id=customer_id, url="https://social.example/p/7"))[0]


def test_unsolicited_feedback_follows_the_person_through_merge_export_and_erasure(ana, bea):
    from omnicanal.customers import queries as customer_queries
    from omnicanal.feedback.models import Feedback

    _mention(bea, "me encantó la tienda de Viña")
    with transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=bea, reason="test")
    assert Feedback.objects.get().customer_id == ana
    exported = customer_queries.export_data(customer_queries.get_customer(ana))["domains"]["feedback"]
    assert exported["unsolicited_feedback"][0]["text"] == "me encantó la tienda de Viña"
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    row = Feedback.objects.get()
    assert (row.customer_id, row.text, row.author, row.url) == ("", "", "", "")
    assert row.sentiment == "positive"  # the counts behind the trends stay


def test_erasure_scrubs_someone_elses_feedback_that_quotes_the_person(ana, bea):

    # an anonymous visitor (no customer link to Bea) typed Bea's email; Ana's own post names nobody
    quoting = _mention("", "¿Me responden a bea@example.cl? Soy Bea Soto")
    kept = _mention(ana, "me encantó la tienda de Viña")
    with transaction.atomic():
        customers.do_erase_customer(customer=bea)
    quoting.refresh_from_db()
    kept.refresh_from_db()
    assert quoting.text == "" and quoting.sentiment  # the words go, the label behind the trends stays
    assert (kept.text, kept.customer_id, kept.author) == ("me encantó la tienda de Viña", ana, "@ana_p")

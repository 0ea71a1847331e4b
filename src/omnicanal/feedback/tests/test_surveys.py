"""Surveys (minimal): a send only when the customer's budget allows, a public page with one
question a screen that keeps partial answers, one response per send, and the reward granted once."""

import re

from django.db import transaction

from omnicanal.feedback.models import SurveySend
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.models import Coupon
from omnicanal.loyalty.services import program

QUESTIONS = [
    {"id": "nps", "kind": "scale", "min": 0, "max": 10,
     "text": {"es": "¿Nos recomendarías?", "en": "Would you recommend us?"}},
    {"id": "canal", "kind": "single", "text": {"es": "¿Por dónde compraste?", "en": "Where did you buy?"},
     "options": [{"value": "web", "es": "En la web", "en": "Online"}, {"value": "tienda", "es": "En tienda", "en": "In store"}]},
    {"id": "comentario", "kind": "text", "required": False, "text": {"es": "¿Algo más?", "en": "Anything else?"}},
]


def points_rule(reward=200):
    with transaction.atomic():
        program.do_add_rule(kind="activity", name="Encuesta", activity="survey", reward=reward)


def make_survey(api, reward=None, questions=QUESTIONS):
    response = api.post("/surveys", {"name": "Postventa", "kind": "custom", "questions": questions,
                                     "reward": reward or {"kind": "points", "value": 200}})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def send(api, survey_id, customer_id):
    return api.post(f"/surveys/{survey_id}/sends", {"customer_id": customer_id, "trigger": "pickup"})


def path_of(link):
    return re.sub(r"^https?://[^/]+", "", link)


def test_a_send_consults_the_governor(ana, api):
    survey_id = make_survey(api)
    first = send(api, survey_id, ana)
    assert first.status_code == 201 and "/s/" in first.json()["link"]
    again = send(api, survey_id, ana)
    assert again.status_code == 409 and again.json()["reason"] == "too_soon" and again.json()["next_eligible_at"]
    assert SurveySend.objects.count() == 1


def test_answering_on_the_page_one_question_at_a_time_keeps_partial_answers_and_rewards_once(ana, api, client):
    points_rule()
    link = path_of(send(api, make_survey(api), ana).json()["link"])
    # the first screen asks the first question only
    page = client.get(link).content.decode()
    assert "¿Nos recomendarías?" in page and "¿Por dónde compraste?" not in page
    # answering it moves to the second, and the answer is kept
    response = client.post(link, {"q": "0", "answer": "9"})
    assert response.status_code == 302
    assert SurveySend.objects.get().status == "partial" and SurveySend.objects.get().answers == {"nps": 9}
    # coming back later opens where she left off
    assert "¿Por dónde compraste?" in client.get(link).content.decode()
    # a bad answer is a clear error, nothing is lost
    assert client.post(link, {"q": "1", "answer": "marte"}).status_code == 422
    # the last required answer completes it: the reward is granted
    client.post(link, {"q": "1", "answer": "tienda"})
    done = SurveySend.objects.get()
    assert done.status == "completed" and done.reward_ref
    assert loyalty.summary(ana).points == 200
    thanks = client.get(link).content.decode()
    assert "200" in thanks
    # answering again changes nothing and earns nothing
    client.post(link, {"q": "0", "answer": "1"})
    assert SurveySend.objects.get().answers["nps"] == 9 and loyalty.summary(ana).points == 200


def test_an_incomplete_response_earns_nothing(ana, api):
    points_rule()
    body = send(api, make_survey(api), ana).json()
    partial = api.post(f"/survey-sends/{body['id']}/answers", {"answers": {"nps": 7}}).json()
    assert partial["status"] == "partial" and partial["reward_ref"] == ""
    assert loyalty.summary(ana).points == 0
    complete = api.post(f"/survey-sends/{body['id']}/answers", {"answers": {"canal": "web"}}).json()
    assert complete["status"] == "completed" and loyalty.summary(ana).points == 200
    assert api.post(f"/survey-sends/{body['id']}/answers", {"answers": {"nps": 1}}).status_code == 409


def test_a_coupon_reward_is_unique_and_hers(ana, bea, api):
    survey_id = make_survey(api, reward={"kind": "coupon", "value": 15})
    codes = []
    for customer in (ana, bea):
        sent = send(api, survey_id, customer).json()
        codes.append(api.post(f"/survey-sends/{sent['id']}/answers",
                              {"answers": {"nps": 10, "canal": "web"}}).json()["reward_ref"])
    assert len(set(codes)) == 2
    coupon = Coupon.objects.get(code=codes[0])
    assert coupon.owner_id == ana and coupon.max_uses == 1


def test_a_tampered_link_is_not_found(ana, api, client):
    link = path_of(send(api, make_survey(api), ana).json()["link"])
    assert client.get(link[:-2] + "xx").status_code == 404


def test_survey_questions_need_both_languages(api):
    bad = [{"id": "q", "kind": "scale", "text": {"es": "¿Qué tal?"}}]
    response = api.post("/surveys", {"name": "x", "kind": "custom", "questions": bad})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "questions[0].text"


def test_the_standard_kinds_bring_their_question(api):
    body = api.post("/surveys", {"name": "NPS", "kind": "nps"}).json()
    assert body["questions"][0]["max"] == 10 and body["questions"][0]["text"]["en"]

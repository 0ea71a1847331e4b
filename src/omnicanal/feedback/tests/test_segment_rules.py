"""Survey answers as marketing segment rules (feedback.segment_rules, registered in marketing's
registry from feedback's side): a saved segment built with them counts the right customers."""

import datetime as dt

import pytest

from omnicanal.core import clock
from omnicanal.feedback import segment_rules
from omnicanal.feedback.tests.test_surveys import make_survey
from omnicanal.orders.tests.conftest import make_customer

NOW = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def registered():
    segment_rules.register()  # as FeedbackConfig.ready() does (another test may have unregistered one)


def answer(api, survey_id, customer_id, answers, *, days_ago):
    with clock.frozen(NOW - dt.timedelta(days=days_ago)):
        sent = api.post(f"/surveys/{survey_id}/sends", {"customer_id": customer_id})
        assert sent.status_code == 201, sent.content
        done = api.post(f"/survey-sends/{sent.json()['id']}/answers", {"answers": answers})
    assert done.json()["status"] == "completed", done.content


@pytest.fixture
def answered(ana, bea, api):
    """Ana: NPS 3 ten days ago (a detractor), Bea: 9 (a promoter), Carla: 5 sixty days ago; only Ana also
    answered the custom survey, with 4 on its scale."""
    carla = make_customer(phone="+56987651234", name="Carla Díaz", email="carla@example.cl")
    nps = api.post("/surveys", {"name": "NPS", "kind": "nps"}).json()["id"]
    custom = make_survey(api, reward={"kind": ""})
    answer(api, nps, ana, {"nps": 3}, days_ago=10)
    answer(api, nps, bea, {"nps": 9}, days_ago=20)
    answer(api, nps, carla, {"nps": 5}, days_ago=60)
    answer(api, custom, ana, {"nps": 4, "canal": "web"}, days_ago=200)  # past the governor's interval
    return {"nps": nps, "custom": custom, "ana": ana, "bea": bea, "carla": carla}


def members(api, *rules):
    from omnicanal.marketing import queries as marketing

    with clock.frozen(NOW):
        made = api.post("/segments", {"name": "Encuestas", "rules": list(rules)})
        assert made.status_code == 201, made.content
        return made.json()["size"], set(marketing.segment_members(marketing.segment_rules(made.json()["id"]), at=NOW))


def test_nps_detractors_in_the_last_n_days(api, answered):
    size, found = members(api, {"field": "survey.days_since_detractor", "op": "lte", "value": 30})
    assert size == 1 and found == {answered["ana"]}  # Carla was a detractor, but 60 days ago
    assert members(api, {"field": "survey.days_since_detractor", "op": "lte", "value": 90})[1] == {
        answered["ana"], answered["carla"]}


def test_answered_survey_x_with_a_score_at_most_n(api, answered):
    nps = answered["nps"]
    assert members(api, {"field": "survey.score_at_most", "op": "any_of", "value": [f"{nps}:6"]})[1] == {
        answered["ana"], answered["carla"]}
    assert members(api, {"field": "survey.score_at_most", "op": "any_of", "value": [f"{nps}:4"]})[1] == {answered["ana"]}
    # the custom survey's score is its first scale question: Ana's 4 there
    assert members(api, {"field": "survey.score_at_most", "op": "any_of", "value": [f"{answered['custom']}:4"]})[1] == {
        answered["ana"]}
    assert members(api, {"field": "survey.answered", "op": "any_of", "value": [answered["custom"]]})[0] == 1
    # combined with another rule: answered the NPS survey, and never the custom one
    assert members(api, {"field": "survey.answered", "op": "any_of", "value": [nps]},
                   {"field": "survey.answered", "op": "none_of", "value": [answered["custom"]]})[1] == {
        answered["bea"], answered["carla"]}


def test_the_latest_nps_answer_as_a_number(api, answered):
    assert members(api, {"field": "survey.nps", "op": "gte", "value": 9})[1] == {answered["bea"]}
    assert members(api, {"field": "survey.csat", "op": "gte", "value": 0})[0] == 0  # nobody answered a CSAT


def test_a_bad_survey_rule_is_a_field_error(api, answered):
    response = api.post("/segments/count", {"rules": [{"field": "survey.nps", "op": "any_of", "value": ["x"]}]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "rules.0.op"

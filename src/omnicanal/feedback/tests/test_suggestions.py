"""The suggestions box: proposing (with the author's vote), one vote per customer, merging duplicates
without counting anyone twice, statuses with a reply that tell the author and the voters on their
consented channel once; the staff API, the Store API, the shop's page without JavaScript, the console
board, and the customers registry (merge, export, erasure)."""

import pytest
from django.db import transaction
from django.urls import reverse

from omnicanal.channels.tests.plugin import EMAIL, SMS, deliver, make_inbox, smtp_server, twilio_server  # noqa: F401
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.customers import services as customer_services
from omnicanal.feedback import queries
from omnicanal.feedback.models import Suggestion, SuggestionVote
from omnicanal.feedback.services import suggestions
from omnicanal.feedback.tests.test_shop_page import signed_in_client
from omnicanal.orders.tests.conftest import make_customer


@pytest.fixture
def cata(world):
    return make_customer(phone="+56987651111", name="Cata Rojas", email="cata@example.cl")


def propose(customer_id, title="Zapatillas de trail para niños", **kw):
    with transaction.atomic():
        return suggestions.do_propose(customer_id=customer_id, title=title, **kw)


def vote(suggestion, customer_id):
    with transaction.atomic():
        return suggestions.do_vote(suggestion_id=suggestion.public_id, customer_id=customer_id)


def votes(suggestion) -> int:
    suggestion.refresh_from_db()
    assert suggestion.votes == SuggestionVote.objects.filter(suggestion=suggestion).count()
    return suggestion.votes


def test_a_proposal_counts_its_author_s_vote_and_a_customer_votes_once(ana, bea):
    idea = propose(ana, text="Tallas 28 a 34")
    assert idea.status == "open" and votes(idea) == 1
    vote(idea, bea)
    vote(idea, bea)  # again: nothing changes
    vote(idea, ana)
    assert votes(idea) == 2
    with transaction.atomic():
        suggestions.do_unvote(suggestion_id=idea.public_id, customer_id=bea)
    assert votes(idea) == 1


def test_bad_proposals_are_refused_field_by_field(ana):
    with pytest.raises(ValidationFailed) as caught:
        propose(ana, title="  ", kind="spaceship")
    assert {e.field for e in caught.value.errors} == {"title", "kind"}


def test_a_closed_suggestion_takes_no_more_votes(ana, bea):
    idea = propose(ana)
    with transaction.atomic():
        suggestions.do_set_status(suggestion_id=idea.public_id, status="declined", actor=SYSTEM)
    with pytest.raises(Conflict):
        vote(idea, bea)


def test_merging_moves_the_votes_and_counts_a_customer_who_voted_both_once(ana, bea, cata):
    kept, dup = propose(ana, "Carpas para 6 personas"), propose(bea, "Carpa familiar grande")
    vote(kept, cata)
    vote(dup, cata)  # cata voted both
    with transaction.atomic():
        survivor = suggestions.do_merge(suggestion_id=dup.public_id, into_id=kept.public_id, actor=SYSTEM)
    assert survivor.public_id == kept.public_id
    assert votes(kept) == 3  # ana, cata, and bea's vote moved; cata counted once
    dup.refresh_from_db()
    assert dup.status == "merged" and dup.merged_into_id == kept.pk and votes(dup) == 0
    # a vote on the merged one lands on the survivor
    dora = make_customer(phone="+56987652222", name="Dora", email="dora@example.cl")
    vote(dup, dora)
    assert votes(kept) == 4
    with pytest.raises(ValidationFailed):
        with transaction.atomic():
            suggestions.do_merge(suggestion_id=kept.public_id, into_id=dup.public_id, actor=SYSTEM)


def test_a_status_change_tells_the_author_and_the_voters_on_their_consented_channel_once(
        ana, bea, cata, make_inbox, smtp_server, twilio_server, deliver):  # noqa: F811
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    make_inbox("sms", base_url=twilio_server.url, **SMS)
    idea = propose(ana)
    vote(idea, bea)
    vote(idea, cata)
    with transaction.atomic():  # cata withdrew email for transactional messages: SMS then
        customer_services.do_withdraw_consent(customer_id=cata, channel="email", purpose="transactional", source="test")
        customer_services.do_withdraw_consent(customer_id=cata, channel="whatsapp", purpose="transactional",
                                              source="test")

    def set_planned():
        with transaction.atomic():
            suggestions.do_set_status(suggestion_id=idea.public_id, status="planned", actor=SYSTEM,
                                      reply="Llegan en marzo.")

    deliver(set_planned)
    told = queries.suggestion_notices(idea.public_id)
    assert sorted((who, status) for who, status, _ in told) == sorted([(ana, "planned"), (bea, "planned"),
                                                                       (cata, "planned")])
    assert {who: channel for who, _, channel in told}[cata] == "sms"
    recipients = sorted(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert recipients == ["ana@example.cl", "bea@example.cl"]
    content = smtp_server.messages[0].content.decode("utf-8", "replace")
    assert "planificada" in content.lower() or "Planificada" in content
    sms = twilio_server.posts("/Messages.json")[0].form()["Body"]
    assert "Llegan en marzo." in sms
    # the handler running again (the worker's relay) tells nobody twice
    change = queries.suggestion_history(idea.public_id)[-1]
    assert change.to_status == "planned" and change.reply == "Llegan en marzo."
    from omnicanal.feedback.models import SuggestionChange

    assert suggestions.notify_status_change(change_id=SuggestionChange.objects.get().pk) == 0
    assert len(smtp_server.messages) == 2


def test_the_staff_api_lists_sets_status_merges_replies_and_files_for_a_customer(ana, bea, api):
    idea, dup = propose(ana, "Bicicletas eléctricas"), propose(bea, "E-bikes")
    listed = api.get("/suggestions").json()
    assert {s["id"] for s in listed} == {idea.public_id, dup.public_id}
    answer = api.post(f"/suggestions/{idea.public_id}/status", {"status": "under_review", "reply": "Lo vemos"})
    assert answer.status_code == 200 and answer.json()["status"] == "under_review"
    assert api.post(f"/suggestions/{idea.public_id}/status", {"status": "merged"}).status_code == 422
    merged = api.post(f"/suggestions/{dup.public_id}/merge", {"into": idea.public_id})
    assert merged.status_code == 200 and merged.json()["votes"] == 2
    assert api.post(f"/suggestions/{dup.public_id}/merge", {"into": "sug_nope"}).status_code == 422
    assert api.post(f"/suggestions/{idea.public_id}/reply", {"text": "Planificado para 2027"}).json()["reply"] \
        == "Planificado para 2027"
    filed = api.post(f"/customers/{ana}/suggestions", {"title": "Arriendo de kayaks", "kind": "feature",
                                                       "conversation_id": "cnv_x"})
    assert filed.status_code == 201 and filed.json()["customer_id"] == ana and filed.json()["source"] == "chat"
    assert api.get("/suggestions?status=merged").json()[0]["merged_into"] == idea.public_id


def test_the_store_api_proposes_and_votes_for_a_signed_in_shopper_only(ana, bea, shopper, client):
    from omnicanal.storefront.tests.conftest import Device

    device = shopper(ana)
    created = device.post("/suggestions", {"title": "Mochilas de 60 litros", "kind": "product"})
    assert created.status_code == 201 and created.json()["votes"] == 1 and created.json()["voted"]
    idea = created.json()["id"]
    other = shopper(bea)
    assert other.post(f"/suggestions/{idea}/vote").json()["votes"] == 2
    assert other.send("delete", f"/suggestions/{idea}/vote").json()["votes"] == 1
    anonymous = Device(client)
    assert anonymous.post("/suggestions", {"title": "x"}).status_code == 401
    assert anonymous.post(f"/suggestions/{idea}/vote").status_code == 401
    board = anonymous.get("/suggestions").json()
    assert board[0]["id"] == idea and board[0]["voted"] is False
    assert device.post("/suggestions", {"title": ""}).status_code == 422


def test_the_shop_board_works_without_javascript(ana, bea, shopper, client):
    browser = signed_in_client(shopper, ana)
    page = browser.get(reverse("shop-suggestions"))
    assert page.status_code == 200 and "Propón" in page.content.decode()
    sent = browser.post(reverse("shop-suggestions"), {"action": "propose", "title": "Ropa de lluvia infantil",
                                                      "kind": "product", "text": ""})
    assert sent.status_code == 302 and "sent=1" in sent["Location"]
    idea = Suggestion.objects.get()
    assert idea.source == "shop" and idea.votes == 1
    refused = browser.post(reverse("shop-suggestions"), {"action": "propose", "title": "", "kind": "product"})
    assert refused.status_code == 422
    bea_browser = signed_in_client(shopper, bea)
    assert bea_browser.post(reverse("shop-suggestions"), {"action": "vote", "suggestion": idea.public_id}).status_code \
        == 302
    idea.refresh_from_db()
    assert idea.votes == 2
    # an anonymous visitor reads the board and is asked to sign in to act
    page = client.get(reverse("shop-suggestions")).content.decode()
    assert "Ropa de lluvia infantil" in page and "Inicia sesión" in page
    answer = client.post(reverse("shop-suggestions"), {"action": "vote", "suggestion": idea.public_id})
    assert answer.status_code == 302 and reverse("shop-sign-in") in answer["Location"]
    # the account links to the board
    assert f'href="{reverse("shop-suggestions")}"' in browser.get(reverse("shop-account")).content.decode()


def test_the_console_board_sets_a_status_merges_and_files_for_a_customer(ana, bea, client):
    from omnicanal.core.services import do_create_staff_user

    idea, dup = propose(ana, "Bicicletas eléctricas"), propose(bea, "E-bikes")
    client.force_login(do_create_staff_user(username="ag", password="secret-pass", role="agent", locations=[]))
    board = client.get("/console/feedback/suggestions/").content.decode()
    assert idea.public_id in board and "Nueva" in board
    base = "/console/feedback/suggestions"
    assert client.post(f"{base}/{idea.public_id}/status/", {"status": "planned", "reply": "Sí"}).status_code == 302
    assert client.post(f"{base}/{dup.public_id}/merge/", {"into": idea.public_id}).status_code == 302
    idea.refresh_from_db()
    assert idea.status == "planned" and idea.votes == 2 and idea.reply == "Sí"
    assert client.post(f"{base}/file/", {"customer_id": bea, "title": "Kayaks", "kind": "feature"}).status_code == 302
    assert Suggestion.objects.filter(title="Kayaks", customer_id=bea, source="chat").exists()
    planned = client.get(f"{base}/?status=planned").content.decode()
    assert "Bicicletas eléctricas" in planned and "E-bikes" not in planned


def test_a_reader_sees_the_board_but_may_not_triage(ana, client):
    from omnicanal.core.services import do_create_staff_user

    idea = propose(ana)
    client.force_login(do_create_staff_user(username="int", password="secret-pass", role="manager", locations=[]))
    assert client.get("/console/feedback/suggestions/").status_code == 200
    client.logout()
    client.force_login(do_create_staff_user(username="clerk", password="secret-pass", role="store_staff",
                                            locations=["SCL"]))
    assert client.post(f"/console/feedback/suggestions/{idea.public_id}/status/", {"status": "done"}).status_code \
        in (302, 403)
    idea.refresh_from_db()
    assert idea.status == "open"


def test_customer_merge_export_and_erasure(ana, bea, cata):
    idea = propose(ana)
    vote(idea, bea)
    mine = propose(bea, "Algo de bea")
    with transaction.atomic():
        suggestions.do_move_suggestions(survivor_id=ana, merged_id=bea)
    assert votes(idea) == 1 and Suggestion.objects.get(pk=mine.pk).customer_id == ana
    from omnicanal.feedback import hooks

    exported = hooks.export_suggestions(ana)
    assert {s["title"] for s in exported["suggestions"]} == {idea.title, "Algo de bea"}
    vote(idea, cata)
    with transaction.atomic():
        suggestions.do_erase_suggestions(customer_id=ana)
    idea.refresh_from_db()
    assert idea.customer_id == "" and idea.text == "" and votes(idea) == 1  # cata's vote stays

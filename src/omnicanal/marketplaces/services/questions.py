"""Buyer questions into the inbox, agents' answers back to the marketplace.

A question (GET /questions/{id}) becomes an inbound message of channel `marketplace` through
conversations' channel contract: the buyer is the customer with the `marketplace` identity, the
message's external id is the question's (a replay is stored once) and its address is the question
id, so the agent's reply (a `pull` channel for conversations: stored as sent, MessageSent emitted)
carries it back here, and we POST /answers {"question_id", "text"} through the call queue."""

from __future__ import annotations

from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import services as conversations
from omnicanal.conversations.contract import IdentityRef, InboundMessage
from omnicanal.core import clock
from omnicanal.marketplaces.models import MarketplaceAccount, MarketplaceQuestion
from omnicanal.marketplaces.services import calls
from omnicanal.marketplaces.services.orders import CHANNEL, buyer_identity


def do_import_question(*, account: MarketplaceAccount, data: dict) -> MarketplaceQuestion | None:
    """Store a buyer's question as an inbound message (once); answered ones we did not see are skipped."""
    question_id = str(data["id"])
    known = MarketplaceQuestion.objects.filter(account=account, question_id=question_id).first()
    if known is not None:
        return known
    if str(data.get("status") or "").upper() != "UNANSWERED" or not (data.get("text") or "").strip():
        return None
    buyer = (data.get("from") or {}).get("id")
    received = conversations.do_receive_message(inbound=InboundMessage(
        channel=CHANNEL, identities=(IdentityRef("marketplace", buyer_identity(account, buyer)),),
        text=str(data["text"]).strip(), external_id=f"mlq-{question_id}", address=question_id,
        meta={"marketplace": "mercadolibre", "question_id": question_id, "item_id": data.get("item_id") or ""},
    ))
    return MarketplaceQuestion.objects.create(
        account=account, question_id=question_id, item_id=str(data.get("item_id") or ""),
        message_id=received.message.public_id, received_at=clock.now())


def do_queue_answer(*, message_id: str) -> int | None:
    """An agent's reply on the marketplace channel: queue its POST /answers; answers the account's
    row id (the worker's handle), None when the message is not an answer to a question of ours."""
    outbound = conversations_queries.outbound(message_id)
    if outbound is None or outbound.channel != CHANNEL or not outbound.text:
        return None
    question = MarketplaceQuestion.objects.filter(question_id=outbound.address).order_by("pk").first()
    if question is None:
        return None
    calls.do_enqueue(account_pk=question.account_id, key=f"answer:{message_id}", method="POST", path="/answers",
                     body={"question_id": int(question.question_id), "text": outbound.text})
    MarketplaceQuestion.objects.filter(pk=question.pk).update(answer_message_id=message_id, answered_at=clock.now())
    return question.account_id

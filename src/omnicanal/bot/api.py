"""The bot API (../shared/API.md, Bot): what the bot understands of a sentence."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from omnicanal.bot import nlu, roles
from omnicanal.core.auth import require_role
from omnicanal.core.errors import ValidationFailed

router = Router(tags=["bot"])


class ParseIn(Schema):
    text: str = Field(min_length=1, max_length=nlu.MAX_TEXT)
    language: Literal["es", "en"] | None = None


class EntityOut(Schema):
    kind: str
    value: str


class ParseOut(Schema):
    language: str
    intent: str
    confidence: float
    entities: list[EntityOut]
    sentiment: float


@router.post("/bot/parse", response=ParseOut, summary="Language, intent, confidence and entities of a sentence")
def parse(request, body: ParseIn):
    """Reads a customer's sentence as the bot does: its language (es or en), the intent with a confidence
    between 0 and 1, and the entities found (order numbers, SKUs, products, stores, sizes, emails, phones).
    Nothing is stored."""
    require_role(request, *roles.PARSE)
    if not body.text.strip():
        raise ValidationFailed.on("text", _("Write a sentence to understand."))
    found = nlu.parse(body.text, body.language)
    return {"language": found.language, "intent": found.intent, "confidence": found.confidence,
            "entities": [{"kind": e.kind, "value": e.value} for e in found.entities], "sentiment": found.sentiment}

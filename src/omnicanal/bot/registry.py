"""The bot's extension point for domains above it: answers to a question another domain asked.

A domain that sent the customer a message they may answer in words (a subscription's reminder:
"reply SKIP or PAUSE") registers a claimer. Every inbound customer message is offered to the
claimers first, whether or not the inbox's bot is on; the first that recognises it as its answer acts
on it and gives back the confirmation, which the bot sends through conversations' reply path; the
dialogue does not run for that message. So one owner reads each inbound message.

    from omnicanal.bot import registry

    @registry.reply_claimer
    def claim(*, customer_id: str, channel: str, text: str, language: str) -> str | None: ...

A claimer runs inside the bot's transaction for that message; it returns None to let it pass.
"""

from __future__ import annotations

from collections.abc import Callable

ReplyClaimer = Callable[..., "str | None"]

_claimers: dict[str, ReplyClaimer] = {}


def reply_claimer(func: ReplyClaimer) -> ReplyClaimer:
    _claimers[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def claim(*, customer_id: str, channel: str, text: str, language: str) -> str | None:
    """The first claimer's confirmation, or None when no claimer takes the message."""
    for claimer in _claimers.values():
        answer = claimer(customer_id=customer_id, channel=channel, text=text, language=language)
        if answer:
            return answer
    return None

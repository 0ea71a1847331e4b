"""Assignment: to a team (by store, skill or language, else the inbox's or the default team), then
round robin among the team's available agents who speak the conversation's language and have its
skill (least recently assigned first). A manual assignment always wins."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks, roles
from omnicanal.conversations.events import ConversationAssigned
from omnicanal.conversations.models import AgentProfile, Conversation, Team
from omnicanal.conversations.services.common import assignee_key, conversation_of, team_key
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal, holders
from omnicanal.core.errors import ValidationFailed

ANSWERING_ROLES = holders(roles.ANSWER)  # a database filter: admin named too


# Set by routing_batch(): the teams, read once, and those locked so far in the caller's transaction.
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("routing_batch", default=None)


@contextlib.contextmanager
def routing_batch() -> Iterator[None]:
    """Many assignments in one transaction with no savepoint that could roll one back (the worker's
    batch of inbound messages): the teams are read once, a team's row is locked once (held to the
    commit, as before) and its available agents read once under that lock, as of the batch's first
    assignment there; round robin then turns through them in memory, and each agent's last turn is
    written once when the batch ends."""
    batch: dict = {"teams": None, "locked": set(), "turns": {}}
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    # the agents' turns, one UPDATE per agent (the last turn's time, as one UPDATE a turn left it),
    # after the teams' locks and in primary-key order, as locks.py orders profiles
    for pk, at in sorted(batch["turns"].items()):
        AgentProfile.objects.filter(pk=pk).update(last_assigned_at=at)


def _teams() -> list[Team]:
    batch = _batch.get()
    if batch is None:
        return list(Team.objects.all())
    if batch["teams"] is None:
        batch["teams"] = list(Team.objects.all())
    return batch["teams"]


def _lock_team(team: Team) -> None:
    batch = _batch.get()
    if batch is None or team.pk not in batch["locked"]:
        locks.lock_team(team.pk)  # one round-robin turn at a time per team
        if batch is not None:
            batch["locked"].add(team.pk)


def pick_team(conversation: Conversation, team_hint: str = "") -> Team | None:
    teams = _teams()
    if conversation.store:
        for team in teams:
            if conversation.store in (team.store_codes or []):
                return team
    if conversation.skill:
        for team in teams:
            if conversation.skill in (team.skills or []):
                return team
    if team_hint:
        for team in teams:
            if team.slug == team_hint:
                return team
    if conversation.language:
        for team in teams:
            if conversation.language in (team.languages or []) and not team.store_codes:
                return team
    return next((team for team in teams if team.is_default), None)


def _team_agents(team: Team | None) -> list[AgentProfile]:
    """The team's available agents; in a routing_batch() read once per team, under its lock, their
    turns then kept here as the batch takes them."""
    batch = _batch.get()
    key = ("agents", team.pk if team is not None else None)
    if batch is not None and key in batch:
        return batch[key]
    profiles = AgentProfile.objects.select_related("user").filter(
        available=True, user__is_active=True, user__role__in=ANSWERING_ROLES
    )
    if team is not None:
        profiles = profiles.filter(teams=team)
    agents = list(profiles)
    if batch is not None:
        batch[key] = agents
    return agents


def _candidates(conversation: Conversation, team: Team | None) -> list[AgentProfile]:
    profiles = _team_agents(team)
    for wanted, attribute in ((conversation.language, "languages"), (conversation.skill, "skills")):
        if wanted:
            matching = [p for p in profiles if wanted in (getattr(p, attribute) or [])]
            profiles = matching or profiles  # nobody matches: anyone of the team rather than nobody
    return profiles


def do_auto_assign(*, conversation: Conversation, team_hint: str = "") -> Conversation:
    previous = assignee_key(conversation)
    assigned = choose_assignee(conversation, team_hint)
    conversation.save(update_fields=["team", "assignee"])
    if assigned:
        emit_assigned(conversation, previous)
    return conversation


def choose_assignee(conversation: Conversation, team_hint: str = "") -> bool:
    """Round robin's choice, set on `conversation` (not saved): its team, then the team's agent
    least recently assigned (that turn recorded). True when there is an assignment to tell. A new
    customer's conversation is routed before its row is written, so the row is written once
    (services/receive.py): nobody else can see it, so its lock's place in locks.py's order is moot."""
    team = conversation.team or pick_team(conversation, team_hint)
    if team is not None:
        _lock_team(team)  # one round-robin turn at a time per team
    candidates = _candidates(conversation, team)
    chosen = None
    if candidates:
        chosen = min(candidates, key=lambda p: (p.last_assigned_at is not None, p.last_assigned_at or clock.now(), p.pk))
        chosen.last_assigned_at = clock.now()
        batch = _batch.get()
        if batch is not None:  # written when the batch ends (routing_batch)
            batch["turns"][chosen.pk] = chosen.last_assigned_at
        else:  # the UPDATE locks the profile's row (after the team's, as locks.py orders them)
            AgentProfile.objects.filter(pk=chosen.pk).update(last_assigned_at=chosen.last_assigned_at)
    conversation.team = team
    conversation.assignee = chosen.user if chosen else None
    return chosen is not None or team is not None


def emit_assigned(conversation: Conversation, previous: str) -> None:
    outbox.emit(ConversationAssigned(conversation_id=conversation.public_id, assignee_id=assignee_key(conversation),
                                     previous_assignee_id=previous, team=team_key(conversation), by="round_robin"))


def do_assign(*, conversation: Conversation | str, actor: Principal, assignee_id: int | None = None,
              team_slug: str | None = None) -> Conversation:
    """Assign by hand (assignee_id None: unassign). A team change alone re-runs round robin in it."""
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    previous = assignee_key(conversation)
    if team_slug is not None:
        team = Team.objects.filter(slug=team_slug).first() if team_slug else None
        if team_slug and team is None:
            raise ValidationFailed.on("team", _("unknown team"))
        conversation.team = team
    if assignee_id is not None:
        user = get_user_model().objects.filter(pk=assignee_id, is_active=True, role__in=ANSWERING_ROLES).first()
        if user is None:
            raise ValidationFailed.on("assignee", _("not a staff member who answers conversations"))
        conversation.assignee = user
        AgentProfile.objects.get_or_create(user=user)
        AgentProfile.objects.filter(user=user).update(last_assigned_at=clock.now())
    elif team_slug is None:
        conversation.assignee = None
    conversation.updated_at = clock.now()
    conversation.save(update_fields=["team", "assignee", "updated_at"])
    if assignee_id is None and team_slug:
        return do_auto_assign(conversation=conversation)
    outbox.emit(ConversationAssigned(conversation_id=conversation.public_id, assignee_id=assignee_key(conversation),
                                     previous_assignee_id=previous, team=team_key(conversation), by=actor.name))
    return conversation

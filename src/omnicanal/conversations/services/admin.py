"""Settings of the inbox workspace: agents' availability and skills, teams, canned replies."""

from __future__ import annotations

import re

from django.template import Context, Template
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations.models import AgentProfile, CannedReply, Team
from omnicanal.core import clock, hours
from omnicanal.core.auth import Principal
from omnicanal.core.errors import ValidationFailed

VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
ALLOWED_VARIABLES = {"customer.name", "customer.first_name", "agent.name", "agent.first_name", "ticket.number",
                     "business.name", "conversation.id"}


def do_set_availability(*, user, available: bool) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    profile.available = available
    profile.last_seen_at = clock.now()
    profile.save(update_fields=["available", "last_seen_at"])
    return profile


def do_touch_presence(*, user) -> None:
    """The agent has the console open (page load or WebSocket): counts as online for a while."""
    updated = AgentProfile.objects.filter(user=user).update(last_seen_at=clock.now())
    if not updated:
        AgentProfile.objects.get_or_create(user=user, defaults={"last_seen_at": clock.now()})


def do_save_agent(*, user, languages: list[str], skills: list[str], teams: list[str], phone: str = "",
                  available: bool | None = None) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    profile.languages = sorted({x.strip().lower() for x in languages if x.strip()})
    profile.skills = sorted({x.strip().lower() for x in skills if x.strip()})
    profile.phone = phone.strip()[:32]
    if available is not None:
        profile.available = available
    profile.save()
    profile.teams.set(Team.objects.filter(slug__in=teams))
    return profile


def do_save_team(*, slug: str, name: str, languages=(), skills=(), store_codes=(), business_hours=None,
                 time_zone: str = "America/Santiago", is_default: bool = False, sla_policy=None) -> Team:
    hours.parse(business_hours or {}, field="business_hours")
    team, _created = Team.objects.update_or_create(slug=slug, defaults={
        "name": name, "languages": list(languages), "skills": list(skills), "store_codes": list(store_codes),
        "business_hours": business_hours or {}, "time_zone": time_zone, "is_default": is_default, "sla_policy": sla_policy,
    })
    if is_default:
        Team.objects.exclude(pk=team.pk).update(is_default=False)
    return team


def check_canned_body(body: str) -> str:
    unknown = sorted({v for v in VARIABLE.findall(body or "")} - ALLOWED_VARIABLES)
    if unknown:
        raise ValidationFailed.on("body", _("unknown variables: %(names)s") % {"names": ", ".join(unknown)})
    if "{%" in (body or ""):
        raise ValidationFailed.on("body", _("only {{ variables }} are allowed"))
    return body.strip()


def do_save_canned_reply(*, shortcut: str, title: str, body: str, language: str = "es", actor: Principal) -> CannedReply:
    if not re.fullmatch(r"[a-z0-9-_]{1,40}", shortcut or ""):
        raise ValidationFailed.on("shortcut", _("letters, digits, - and _ only"))
    reply, _created = CannedReply.objects.update_or_create(
        shortcut=shortcut, language=language, defaults={"title": title.strip()[:100], "body": check_canned_body(body)}
    )
    return reply


def render_canned(body: str, variables: dict) -> str:
    """Fill {{ customer.name }} and friends; unknown variables were refused when saved."""
    return Template(check_canned_body(body)).render(Context(variables, autoescape=False))

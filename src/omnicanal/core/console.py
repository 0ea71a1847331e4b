"""Helpers every domain's console views share: who may see a page, and problems as messages.

Importable from an AppConfig module (NavItem): nothing here touches models at import time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import Promise

from omnicanal.core.errors import Problem

if TYPE_CHECKING:
    from omnicanal.core.auth import Principal


@dataclass(frozen=True)
class NavItem:
    """An entry of the console's top navigation, declared as `console_nav` on a domain's AppConfig."""

    url_name: str
    label: str | Promise  # a lazy translation
    roles: tuple[str, ...] = ()  # a domain's roles.py tuple (admins always see it); empty: every staff role
    order: int = 100
    # Items of one group share a single entry in the top bar (the first one the reader may see);
    # inside the group, all of them show as tabs under it.
    group: str = ""


def staff_required(*roles: str):
    """Sign-in required; with roles (a domain's roles.py tuple), only those (admins always pass,
    core.auth.role_allows). Sets request.principal."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            from omnicanal.core.auth import principal_for_user, role_allows

            if roles and not role_allows(user, roles):
                raise PermissionDenied

            request.principal = principal_for_user(user)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def principal(request: HttpRequest) -> Principal:
    from omnicanal.core.auth import principal_for_user

    return getattr(request, "principal", None) or principal_for_user(request.user)


def problem_text(problem: Problem) -> str:
    """A problem as one line for a console page, each thing said once: its detail (else title),
    unless the detail only repeats the field errors (the API's "lines.0.sku: …" summary), then
    each field error with the field in words (core.labels.field: "Identidad 1: …")."""
    from omnicanal.core.labels import field

    detail = str(problem.detail or "")
    messages_said = {str(e.message) for e in problem.errors}
    repeats = detail in messages_said or any(f"{e.field}: " in detail for e in problem.errors)
    parts = [] if (repeats and problem.errors) else [detail or str(problem.title)]
    parts += [f"{field(e.field)}: {e.message}" for e in problem.errors]
    return " — ".join(p for p in parts if p)


def show_problem(request: HttpRequest, problem: Problem) -> None:
    text = problem_text(problem)
    title = str(problem.title)
    messages.error(request, title if text in ("", title) else f"{title}: {text}")

"""Helpers every domain's console views share: who may see a page, and problems as messages.

Importable from an AppConfig module (NavItem): nothing here touches models at import time.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from omnicanal.core.errors import NotFound, Problem

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
    """Sign-in required, never an integration account; with roles (a domain's roles.py tuple), only
    those (admins always pass, core.auth.role_allows). Sets request.principal."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            from omnicanal.core.auth import principal_for_user, role_allows

            who = principal_for_user(user)
            # Integration accounts speak the API with their scopes; none of them works in the console,
            # whatever right a domain shares with its API.
            if who.is_integration or (roles and not role_allows(user, roles)):
                raise PermissionDenied

            request.principal = who  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:  # a domain's "no such object" is the console's 404 page, never a 500
                raise Http404(str(exc)) from exc

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


def _input_name(path: str, fields: Mapping[str, str]) -> str:
    """The form input a problem's field path belongs to: `fields` by the exact path, else by the
    path without its indexes ("lines.sku" names every line's SKU), else the path itself."""
    if path in fields:
        return fields[path]
    indexless = ".".join(p for p in str(path).split(".") if not p.isdigit())
    return fields.get(indexless, path)


def problem_message(problem: Problem, fields: Mapping[str, str] | None = None, form: str = "") -> SafeString:
    """A problem as a console message whose field errors can travel to their boxes.

    Reads as problem_text does ("Title: Identidad 1: …"), but each field error is a
    `<span class="field-error" data-field="<input name>">` (the name from `fields`, a problem path →
    form input name mapping, else the path itself): console.js moves each one beside the input of
    that name, so it is said once, there, and stays in this message when no such box is on the page
    (and always without JavaScript). `form`, the path the form posted to, is `data-form`: of a page's
    many forms with a box of that name (one reply box per review), the one that was sent is chosen.
    Everything is escaped: messages may carry what a person typed."""
    from omnicanal.core.labels import field

    fields = fields or {}
    title = str(problem.title)
    detail = str(problem.detail or "")
    messages_said = {str(e.message) for e in problem.errors}
    repeats = detail in messages_said or any(f"{e.field}: " in detail for e in problem.errors)
    parts: list[SafeString] = []
    if detail and detail != title and not (repeats and problem.errors):
        parts.append(format_html('<span class="problem-detail">{}</span>', detail))
    for error in problem.errors:
        name = _input_name(error.field, fields)
        said = format_html("{}: {}", field(error.field), error.message)
        parts.append(format_html('<span class="field-error" data-field="{}" data-form="{}">{}</span>', name, form, said)
                     if name
                     else format_html('<span class="field-error">{}</span>', said))
    if not parts:
        return format_html('<span class="problem-title">{}</span>', title)
    joined = mark_safe('<span class="problem-sep"> — </span>'.join(parts))  # noqa: S308 (each part escaped)
    return format_html('<span class="problem-title">{}</span><span class="problem-rest">: {}</span>', title, joined)


def show_problem(request: HttpRequest, problem: Problem, fields: Mapping[str, str] | None = None) -> None:
    """Flash a problem on the next console page, field errors beside their boxes (problem_message).

    `fields` maps a problem's field path to the form's input name where they differ
    (`{"identities.0.value": "phone"}`); to "" when no box of this form holds it (the error stays in
    the message rather than land beside another form's box of that name)."""
    form = request.path if request.method == "POST" else ""
    messages.error(request, problem_message(problem, fields, form))

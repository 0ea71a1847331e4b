"""The composition root's own pages: health, console sign-in and home, my preferences, problem type docs."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from omnicanal.core import clock, local_time, queries, throttle
from omnicanal.core import metrics as prometheus
from omnicanal.core.backends import login_pairs
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import (
    PROBLEM_CLASSES,
    NotFound,
    Problem,
    ServerError,
    TooManyRequests,
    Unauthorized,
)
from omnicanal.core.middleware import problem_response
from omnicanal.core.services import WEEKLY_SUMMARY_ROLES, do_set_staff_preferences


@never_cache
def health(request: HttpRequest):
    state = queries.health()
    body = {
        "status": "ok" if state.ok else "unavailable",
        # Which process answered: behind a load balancer, the node a probe (or a person) reached.
        "node": settings.OMNICANAL_NODE,
        "database": "ok" if state.database else "unreachable",
        "migrations": "ok" if state.migrations else f"{state.pending_migrations} pending",
        "worker": {
            "status": "ok" if state.worker_alive else "not seen",
            "last_seen": state.worker_seen_at.isoformat() if state.worker_seen_at else None,
        },
    }
    response = JsonResponse(body, status=200 if state.ok else 503)
    response["X-Omnicanal-Node"] = settings.OMNICANAL_NODE
    return response


@never_cache
def metrics(request: HttpRequest):
    """Prometheus's scrape (core/metrics.py): a bearer token (METRICS_TOKEN) or an allowed address."""
    refused = prometheus.refusal(request, throttle.client_address(request))
    if refused == 404:
        return problem_response(NotFound(detail="Metrics are off (METRICS_ENABLED)."), request)
    if refused is not None:
        response = problem_response(Unauthorized(detail="Send the metrics bearer token."), request)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = prometheus.render()
    return HttpResponse(body, content_type=content_type)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        """A locked account or address (core.throttle) gets the form back with a message, HTTP 429;
        the authentication backend refuses it too, wherever a password is checked."""
        try:
            throttle.check(*login_pairs(request, request.POST.get("username")))
        except TooManyRequests as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            locked = _("Too many failed sign-ins. Try again in %(minutes)d min.") % {"minutes": minutes}
            response = self.render_to_response(self.get_context_data(form=form, locked=locked), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().post(request, *args, **kwargs)


@staff_required()
def home(request: HttpRequest):
    state = queries.health()
    return render(
        request,
        "web/home.html",
        {"health": state, "outbox": queries.outbox_counts(), "title": _("Home")},
    )


def _zone_groups() -> list[tuple[str, list[str]]]:
    """Every IANA zone name grouped by region, America first (the business sells in the Americas)."""
    groups: dict[str, list[str]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        region = name.split("/", 1)[0] if "/" in name else _("Other")
        groups.setdefault(str(region), []).append(name)
    return sorted(groups.items(), key=lambda item: (item[0] != "America", item[0]))


@staff_required()
def preferences(request: HttpRequest):
    """My preferences: the staff member's own time zone and console language (User.time_zone,
    User.language; core.local_time and core.console_language read them on every request) and, for
    those who read the KPIs, the weekly summary by email (User.weekly_summary, analytics.weekly)."""
    if request.method == "POST":
        try:
            # The weekly summary's box is on the page only for those who may have it (else left as is).
            weekly = request.POST.get("weekly_summary") == "on" if request.user.role in WEEKLY_SUMMARY_ROLES else None
            do_set_staff_preferences(user=request.user, time_zone=request.POST.get("time_zone", ""),
                                     language=request.POST.get("language", ""), weekly_summary=weekly)
        except Problem as problem:
            show_problem(request, problem)
            return redirect("web:preferences")
        # Said in the language just chosen (the message store keeps text, not a lazy translation).
        with translation.override(request.user.language or settings.LANGUAGE_CODE):
            messages.success(request, str(_("Your preferences are saved.")))
        response = redirect("web:preferences")
        # The language menu's cookie wins over User.language (core.console_language): set it to the
        # choice, so the next page speaks it at once, or drop it for the business's language.
        if request.user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax")
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(request, "web/preferences.html", {
        "title": _("My preferences"), "zones": _zone_groups(), "business_zone": local_time.business_zone_name(),
        "languages": settings.LANGUAGES, "now": clock.now(),
        "weekly_summary_offered": request.user.role in WEEKLY_SUMMARY_ROLES,
    })


def problem_type(request: HttpRequest, slug: str):
    for cls in PROBLEM_CLASSES:
        if cls.slug == slug:
            return render(request, "web/problem.html", {"problem": cls, "slug": slug})
    raise Http404


def not_found(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(NotFound(detail=f"No such resource: {request.path}"), request)
    return render(request, "web/error.html", {"status": 404, "message": _("This page does not exist.")}, status=404)


def server_error(request: HttpRequest):
    # The API and the providers' webhooks (lean routes, core/lean.py: no session or user for a page) get problem+json.
    if request.path.startswith(("/api/", *settings.LEAN_ROUTE_PREFIXES)):
        return problem_response(ServerError(detail="An unexpected error occurred; it has been logged."), request)
    return render(request, "web/error.html", {"status": 500, "message": _("Something went wrong on our side.")}, status=500)


def forbidden(request: HttpRequest, exception=None):
    return render(request, "web/error.html", {"status": 403, "message": _("You may not see this page.")}, status=403)

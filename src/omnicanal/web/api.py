"""The HTTP API root: /api/v1/..., OpenAPI at /api/openapi.json, docs at /api/docs."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router, Schema

from omnicanal import __version__
from omnicanal.core import problems
from omnicanal.core.auth import ApiKeyAuth, current_principal
from omnicanal.core.request_limits import JsonParser
from omnicanal.web.discovery import api_routers

api = NinjaAPI(
    title="omnicanal API",
    version=f"v1 ({__version__})",
    description=str(
        _(
            "One customer, one stock, one order book, one conversation and one loyalty ledger behind every "
            "channel. Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem+json. "
            "Every POST that creates something accepts an `Idempotency-Key`."
        )
    ),
    auth=ApiKeyAuth(),
    parser=JsonParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)

v1 = Router()


class MeOut(Schema):
    kind: str
    id: str
    name: str
    role: str
    locations: list[str] | None
    scopes: list[str] | None = None  # an integration key's scopes; null for other credentials


@v1.get("/me", response=MeOut, tags=["platform"], summary="Who this credential is")
def me(request):
    """Who the credential in `Authorization` is: a staff member or an API key, its role, its locations (store
    staff) and an integration key's scopes."""
    principal = current_principal(request)
    return MeOut(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        role=principal.role,
        locations=sorted(principal.locations) if principal.locations is not None else None,
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


for _label, router in api_routers():
    v1.add_router("", router)

api.add_router("/v1/", v1)

"""A tiny API used only by core's tests: the machinery (auth, problems, idempotency, atomic
writes, location scope) is proven on it before any domain exists."""

from dataclasses import dataclass

from django.urls import path
from ninja import File, NinjaAPI, Schema, Status, UploadedFile
from pydantic import Field

from omnicanal.core import audit, outbox, problems
from omnicanal.core.auth import ApiKeyAuth, current_principal, require_location, require_role
from omnicanal.core.errors import InsufficientStock, NotFound, ValidationFailed
from omnicanal.core.request_limits import JsonParser

api = NinjaAPI(urls_namespace="testapi", auth=ApiKeyAuth(), parser=JsonParser(), docs_url=None)
problems.install(api)


@dataclass(frozen=True)
class ThingMade:
    name: str
    quantity: int


class ThingIn(Schema):
    name: str = Field(min_length=1, max_length=20)
    quantity: int = Field(gt=0)


@api.post("/v1/things", response={201: dict})
def make_thing(request, body: ThingIn):
    principal = current_principal(request)
    audit.record(actor=principal, action="thing.make", target_type="thing", target_id=body.name, after=body.dict())
    outbox.emit(ThingMade(name=body.name, quantity=body.quantity))
    import time

    time.sleep(float(request.GET.get("slow") or request.headers.get("X-Test-Slow") or "0"))
    return Status(201, {"name": body.name, "quantity": body.quantity, "entries": audit_count(body.name)})


@api.post("/v1/things/half")
def half_write(request, body: ThingIn):
    """Writes, then finds a problem: nothing of it may remain."""
    audit.record(actor=current_principal(request), action="thing.make", target_type="thing", target_id=body.name)
    if body.quantity > 5:
        raise InsufficientStock(detail="Only 5 left.", extra={"lines": [{"sku": body.name, "available": 5}]})
    raise ValidationFailed.on("name", "is taken")


@api.post("/v1/things/last", response={201: dict})
def last_write(request, body: ThingIn):
    """Writes, answers, and defers its hot write to the transaction's last statement (core.laststep),
    which refuses more than 5: the answer is then that 409 and nothing of the request remains."""
    from django.db import transaction

    from omnicanal.core import laststep
    from omnicanal.core.models import IdempotencyRecord

    principal = current_principal(request)
    audit.record(actor=principal, action="thing.make", target_type="thing", target_id=body.name)

    def hot_write() -> None:
        # what the deferred write saw: whether the answer was already stored for replay
        seen["completed"] = list(IdempotencyRecord.objects.values_list("completed", flat=True))
        if body.quantity > 5:
            raise InsufficientStock(detail="Only 5 left.", extra={"lines": [{"sku": body.name, "available": 5}]})
        audit.record(actor=principal, action="thing.hot", target_type="thing", target_id=body.name)

    if request.headers.get("X-Test-Dropped"):  # deferred inside a savepoint that rolls back: never runs
        try:
            with transaction.atomic():
                laststep.defer(hot_write)
                raise ValueError("undo")
        except ValueError:
            pass
    elif not laststep.defer(hot_write):
        hot_write()
    return Status(201, {"name": body.name})


seen: dict = {}


@api.post("/v1/things/crash")
def crash(request, body: ThingIn):
    audit.record(actor=current_principal(request), action="thing.make", target_type="thing", target_id=body.name)
    raise RuntimeError("a bug")


@api.post("/v1/things/unknown-currency")
def unknown_currency(request):
    from omnicanal.core.money import Money

    Money.of(1, "XQZ")


@api.post("/v1/things/broken-rule")
def broken_rule(request):
    from django.db import IntegrityError

    audit.record(actor=current_principal(request), action="thing.make", target_type="thing", target_id="rule")
    raise IntegrityError("NOT NULL constraint failed: thing.name")


@api.post("/v1/things/huge")
def huge(request):
    raise OverflowError("Python int too large to convert to SQLite INTEGER")


@api.post("/v1/things/file")
def upload_thing(request, file: File[UploadedFile]):
    return {"name": file.name, "size": file.size}


@api.get("/v1/things/{name}")
def get_thing(request, name: str):
    if not audit_count(name):
        raise NotFound(detail=f"No thing {name}.")
    return {"name": name}


@api.post("/v1/locations/{code}/count")
def count_at(request, code: str):
    principal = require_role(request, "manager", "store_staff")
    require_location(principal, code)
    return {"location": code}


def audit_count(name: str) -> int:
    from omnicanal.core.models import AuditEntry

    return AuditEntry.objects.filter(action="thing.make", target_id=name).count()


urlpatterns = [path("api/", api.urls)]

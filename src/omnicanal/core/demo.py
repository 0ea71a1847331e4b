"""The demo business, "Andes Sport", shared by every domain's demo loader.

Deterministic from a seed. Each installed app may ship `demo.py` with `load(*, seed, rng, out)`;
`omnicanal demo` calls them in INSTALLED_APPS order, once each (core.DemoStep remembers).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from omnicanal.core.models import Role

BUSINESS = {"name": "Andes Sport", "currency": "CLP", "country": "CL", "time_zone": "America/Santiago"}
DEMO_PASSWORD = "andes-demo"  # noqa: S105 (printed on purpose: demo logins)


@dataclass(frozen=True)
class DemoLocation:
    code: str
    name: str
    kind: str  # warehouse, store, dark_store, supplier, pickup_point
    city: str
    region: str
    line1: str
    lat: float
    lon: float
    capabilities: tuple[str, ...]
    hours: dict[str, str] = field(default_factory=dict)


_STORE_HOURS = {"mon-fri": "10:00-20:00", "sat": "10:00-21:00", "sun": "11:00-19:00"}

LOCATIONS: list[DemoLocation] = [
    DemoLocation("SCL-CENTRO", "Andes Sport Santiago Centro", "store", "Santiago", "RM", "Av. Libertador Bernardo O'Higgins 1302",
                 -33.4429, -70.6539, ("ship", "pickup", "curbside", "returns"), _STORE_HOURS),
    DemoLocation("VAP-PLAZA", "Andes Sport Valparaíso", "store", "Valparaíso", "V", "Av. Pedro Montt 2150",
                 -33.0472, -71.6127, ("ship", "pickup", "curbside", "returns"), _STORE_HOURS),
    DemoLocation("CCP-MALL", "Andes Sport Concepción", "store", "Concepción", "VIII", "Av. Jorge Alessandri 3177",
                 -36.7950, -73.0630, ("ship", "pickup", "returns"), _STORE_HOURS),
    DemoLocation("WH-CENTRAL", "Bodega Central Pudahuel", "warehouse", "Pudahuel", "RM", "Camino Lo Boza 120",
                 -33.3890, -70.7750, ("ship", "returns"), {"mon-sat": "07:00-22:00"}),
    DemoLocation("DS-PROVI", "Dark store Providencia", "dark_store", "Providencia", "RM", "Av. Providencia 1650",
                 -33.4263, -70.6147, ("ship",), {"mon-sun": "08:00-23:00"}),
    DemoLocation("SUP-MONTANA", "Montaña Outdoor (drop-ship)", "supplier", "Puerto Montt", "X", "Ruta 5 Sur km 1020",
                 -41.4693, -72.9424, ("ship",), {}),
    DemoLocation("LOCKER-LOSLEONES", "Locker Metro Los Leones", "pickup_point", "Providencia", "RM", "Av. Providencia 2124",
                 -33.4220, -70.6080, ("pickup",), {"mon-sun": "06:00-23:00"}),
]


@dataclass(frozen=True)
class DemoStaff:
    username: str
    first_name: str
    last_name: str
    role: str
    locations: tuple[str, ...] = ()


STAFF: list[DemoStaff] = [
    DemoStaff("admin", "Catalina", "Rojas", Role.ADMIN),
    DemoStaff("gerente", "Matías", "González", Role.MANAGER),
    DemoStaff("agente", "Valentina", "Muñoz", Role.AGENT),
    DemoStaff("tienda.santiago", "Benjamín", "Soto", Role.STORE_STAFF, ("SCL-CENTRO",)),
    DemoStaff("tienda.valparaiso", "Isidora", "Contreras", Role.STORE_STAFF, ("VAP-PLAZA",)),
    DemoStaff("tienda.concepcion", "Vicente", "Silva", Role.STORE_STAFF, ("CCP-MALL",)),
    DemoStaff("marketing", "Florencia", "Morales", Role.MARKETER),
]


def demo_api_secret(seed: int) -> str:
    """The demo's admin API key secret: derived from the seed, so it is the same on every run."""
    return hashlib.sha256(f"andes-sport-demo-{seed}".encode()).hexdigest()[:40]


def rng_for(app: str, seed: int) -> random.Random:
    return random.Random(f"{seed}:{app}")  # noqa: S311 (demo data, not secrets)


def load(*, seed: int, rng: random.Random, out) -> None:
    """Staff for every role and the demo API key."""
    from omnicanal.core.models import ApiKey
    from omnicanal.core.services import do_create_api_key, do_create_staff_user

    for person in STAFF:
        do_create_staff_user(
            username=person.username,
            password=DEMO_PASSWORD,
            role=person.role,
            locations=list(person.locations),
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.username}@andessport.cl",
        )
    secret = demo_api_secret(seed)
    if not ApiKey.objects.filter(name="demo").exists():
        do_create_api_key(role=Role.ADMIN, name="demo", secret=secret)


def credentials(seed: int) -> list[str]:
    lines = [f"  {p.username:<20} {DEMO_PASSWORD:<12} {p.role}{' ' + ','.join(p.locations) if p.locations else ''}" for p in STAFF]
    secret = demo_api_secret(seed)
    from omnicanal.core.auth import KEY_PREFIX, hash_secret

    lines.append(f"  API key (admin): {KEY_PREFIX}_{hash_secret(secret)[:8]}_{secret}")
    return lines

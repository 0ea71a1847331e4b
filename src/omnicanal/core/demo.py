"""The demo business, "Andes Sport", shared by every domain's demo loader.

Deterministic from a seed, except its secrets. Each installed app may ship `demo.py` with
`load(*, seed, rng, out)`; `omnicanal demo` calls them in INSTALLED_APPS order, once each
(core.DemoStep remembers), and `rotate_secrets(*, out)` for `omnicanal demo --rotate-secrets`.

The secrets are random on every install: the staff passwords and the admin API key are generated at
the first load, printed, and kept in settings.DEMO_LOGINS_FILE (var/demo-logins.txt, mode 0600) so
that `omnicanal demo` prints working logins again on every later run (the database keeps only hashes).
"""

from __future__ import annotations

import os
import random
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from omnicanal.core.models import Role

BUSINESS = {"name": "Andes Sport", "currency": "CLP", "country": "CL", "time_zone": "America/Santiago"}
API_KEY_NAME = "demo"
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: typed from a terminal


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


def new_password() -> str:
    """A random demo password: three groups of four, about 59 bits."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def rng_for(app: str, seed: int) -> random.Random:
    return random.Random(f"{seed}:{app}")  # noqa: S311 (demo data, not secrets)


def load(*, seed: int, rng: random.Random, out) -> None:
    """Staff for every role, with random passwords, and a random admin API key."""
    from django.contrib.auth.hashers import make_password

    from omnicanal.core.services import do_create_staff_user

    passwords = {person.username: new_password() for person in STAFF}
    # PBKDF2 releases the GIL: the hashes (about half a second each, by design) side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = dict(zip(passwords, pool.map(make_password, passwords.values()), strict=True))
    for person in STAFF:
        do_create_staff_user(
            username=person.username,
            password=passwords[person.username],
            password_hash=hashes[person.username],
            role=person.role,
            locations=list(person.locations),
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.username}@andessport.cl",
        )
    _keep_logins(passwords, _issue_api_key())


def rotate_secrets(*, out) -> None:
    """New passwords for the demo staff and a new admin API key (the old demo key is revoked)."""
    from omnicanal.core.models import ApiKey, User
    from omnicanal.core.services import do_revoke_api_key, do_set_staff_password

    passwords = {}
    present = set(User.objects.filter(username__in=[p.username for p in STAFF]).values_list("username", flat=True))
    for person in STAFF:
        if person.username not in present:  # a demo login removed since: stays removed
            continue
        passwords[person.username] = new_password()
        do_set_staff_password(username=person.username, password=passwords[person.username])
    for prefix in ApiKey.objects.filter(name=API_KEY_NAME, revoked_at__isnull=True).values_list("prefix", flat=True):
        do_revoke_api_key(prefix=prefix)
    _keep_logins(passwords, _issue_api_key())
    out.write("  new passwords for the demo staff and a new admin API key (the old one is revoked)\n")


def _issue_api_key() -> str:
    from omnicanal.core.services import do_create_api_key

    return do_create_api_key(role=Role.ADMIN, name=API_KEY_NAME).secret


def logins_file() -> Path:
    return Path(settings.DEMO_LOGINS_FILE)


def _lines(passwords: dict[str, str], api_key: str) -> list[str]:
    lines = [f"  {p.username:<20} {passwords[p.username]:<16} {p.role}{' ' + ','.join(p.locations) if p.locations else ''}"
             for p in STAFF if p.username in passwords]
    lines.append(f"  API key (admin): {api_key}")
    return lines


def _keep_logins(passwords: dict[str, str], api_key: str) -> None:
    """Write the logins file with owner-only permissions (created 0600, never readable by others)."""
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(_lines(passwords, api_key)) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


_KEY = re.compile(r"\bok_[0-9a-f]+_[A-Za-z0-9]+\b")


def credentials() -> list[str] | None:
    """The demo logins kept at the first load, or None when the file is missing or does not match
    this database (another database's file, or secrets rotated elsewhere)."""
    from omnicanal.core.auth import hash_secret, split_key
    from omnicanal.core.models import ApiKey

    path = logins_file()
    if not path.is_file():
        return None
    lines = path.read_text().splitlines()
    found = _KEY.search("\n".join(lines))
    parts = split_key(found.group(0)) if found else None
    if parts is None:
        return None
    prefix, secret = parts
    if not ApiKey.objects.filter(prefix=prefix, secret_hash=hash_secret(secret), revoked_at__isnull=True).exists():
        return None
    return lines

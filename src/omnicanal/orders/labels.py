"""Return labels for returns by mail: the tracking number we generate, the customer's signed link
and the barcode printed on the label.

The link carries the return's id and the label's creation time signed with django.core.signing
(the age is measured with core.clock, so tests can age a link); it works for settings.OMNICANAL["RETURN_LABEL_DAYS"]. A
tampered link names no return (404); an expired one is refused (403) — the console can always print
the label, and staff can send the customer a fresh link.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from omnicanal.core import clock

SALT = "omnicanal.orders.return-label"
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class LabelExpired(Exception):
    pass


class LabelInvalid(Exception):
    pass


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def valid_days() -> int:
    days: int = settings.OMNICANAL.get("RETURN_LABEL_DAYS", 30)
    return int(days)


def carrier() -> str:
    return str(settings.OMNICANAL.get("RETURN_CARRIER") or "Correos de Chile")


def tracking_number(country: str = "CL") -> str:
    """A UPU S10 number (as Correos de Chile and most posts print them): two letters, eight digits,
    the check digit, the country — "RT12345678 5CL" without the space."""
    digits = f"{secrets.randbelow(10**8):08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, S10_WEIGHTS, strict=True)) % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"RT{digits}{check}{country[:2].upper()}"


def make_token(return_id: str, issued: dt.datetime) -> str:
    """The same link for the life of a label: it is signed with the label's creation time (not the
    time it is shown), so reading the return again never extends it."""
    return _signer().sign(f"{return_id}:{signing.b62_encode(int(issued.timestamp()))}")


def read_token(token: str) -> str:
    """The return id in a genuine, unexpired link; LabelInvalid or LabelExpired otherwise."""
    try:
        return_id, stamp = _signer().unsign(token.strip()).rsplit(":", 1)
        age = clock.now().timestamp() - signing.b62_decode(stamp)
    except (signing.BadSignature, ValueError):
        raise LabelInvalid from None
    if age > valid_days() * 86400:
        raise LabelExpired
    return return_id


def path_for(return_id: str, issued: dt.datetime) -> str:
    return reverse("orders-return-label", kwargs={"token": make_token(return_id, issued)})


def url_for(return_id: str, issued: dt.datetime, request=None) -> str:
    """The customer's link: absolute from PUBLIC_URL, else from the request, else the path."""
    path = path_for(return_id, issued)
    base = settings.OMNICANAL.get("PUBLIC_URL") or ""
    if base:
        return f"{base}{path}"
    return request.build_absolute_uri(path) if request is not None else path


def expires_at(created: dt.datetime) -> dt.datetime:
    return created + dt.timedelta(days=valid_days())


def barcode_svg(text: str) -> str | None:
    """The return number as an inline SVG QR code (segno: pure Python, no CDN); None without it."""
    try:
        import segno
    except ImportError:
        return None
    return segno.make(text, error="m").svg_inline(scale=4, dark="#000")

"""The one place a code becomes words: each domain's vocabularies of codes and their translated labels.

A status, a method, a reason, a channel, an event type or a field name is stored and sent as a code
(`carry_out`, `captured`, `order.placed`); staff never read one. Each domain names its own
vocabularies in `<app>/wording.py` (autodiscovered at start-up, like handlers.py), from the labels
of its model choices or a mapping of lazy translations:

    from omnicanal.core import labels
    labels.register("orders.payment_method", PaymentMethod.choices)
    labels.register("loyalty.reason", {"earn": _("Earned on a purchase"), ...})

and everyone else reads them by name: `labels.label("orders.payment_method", "store_credit")` in
Python, `{% load labels %}{{ p.method|label:"orders.payment_method" }}` in a template (the filter is
web.templatetags.labels). Nobody imports another domain's wording.py: the name is the contract.

An unknown code falls back to a humanised form ("drop_ship" → "Drop ship") so a new code never
breaks a page, but the console walker (web/tests/test_loaded_demo.py, its rules in test_console_labels.py) reads every registered code
and fails when one shows raw on a page, in Spanish or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

Label = str | Promise

_vocabularies: dict[str, dict[str, Label]] = {}
_free_text: set[str] = set()


def register(name: str, entries: Mapping[str, Label] | Iterable[tuple[str, Label]], *, free_text: bool = False) -> None:
    """Add (or extend) the vocabulary `name` ("<app>.<what>"); later entries override earlier.
    `free_text`: the field holds either one of these codes or words a person typed (a refund's
    reason), so an unknown value is shown as it is, never humanised."""
    if "." not in name:
        raise ValueError(f"a vocabulary is named '<app>.<what>', not {name!r}")
    pairs = entries.items() if isinstance(entries, Mapping) else entries
    _vocabularies.setdefault(name, {}).update({str(code): text for code, text in pairs})
    if free_text:
        _free_text.add(name)


def humanise(code: str) -> str:
    """The fallback for a code no vocabulary names: words, not underscores or dots."""
    text = str(code).replace("_", " ").replace(".", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def label(name: str, code: Any) -> str:
    """The code's label in the active language; "" for an empty code. `name` may list several
    vocabularies ("catalog.channel,conversations.channel": a timeline's channel is a sales or a
    messaging one): the first that knows the code answers; at least one must be registered."""
    if code is None or code == "":
        return ""
    wanted = [n.strip() for n in name.split(",")]
    present = [n for n in wanted if n in _vocabularies]
    if not present:
        raise LookupError(f"no vocabulary named {name!r} (is it registered in <app>/wording.py?)")
    for vocabulary in present:
        text = _vocabularies[vocabulary].get(str(code))
        if text is not None:
            return str(text)
    return str(code) if any(n in _free_text for n in present) else humanise(str(code))


def actor(who: Any) -> str:
    """Who did it, as histories store it ("user:ana", "apikey:erp", "system:system", "demo"): the
    name, or "System" for the system itself."""
    from django.utils.translation import gettext

    kind, sep, name = str(who or "").partition(":")
    if not sep:
        return gettext("System") if kind == "system" else kind
    return gettext("System") if kind == "system" else name


# A channel as the customer's timeline and the reports name it: a sales channel (catalog), a
# messaging channel (conversations) or a contact channel (customers).
ANY_CHANNEL = "catalog.channel,conversations.channel,customers.contact_channel"


def field(path: str) -> str:
    """A field path as staff read it: "identities.0.value" -> "Identity 1", "lines.2.sku" -> "SKU
    (line 3)"… Each domain names its fields in a vocabulary "<app>.field", keyed by the path
    without its indexes ("identities.value") or by the last name alone ("sku"); the first index
    shows as a position (1-based). An unnamed field reads humanised."""
    parts = str(path).split(".")
    positions = [int(p) + 1 for p in parts if p.isdigit()]
    names = [p for p in parts if not p.isdigit()]
    vocabularies = [n for n in _vocabularies if n.endswith(".field")]
    text = None
    for key in (".".join(names), names[-1] if names else ""):
        text = next((_vocabularies[v][key] for v in vocabularies if key in _vocabularies[v]), None)
        if text is not None:
            break
    words = str(text) if text is not None else humanise(names[-1] if names else path)
    return f"{words} {positions[0]}" if positions else words


def field_named(path: str) -> bool:
    """Whether some domain's "<app>.field" vocabulary names this field (by its path without indexes
    or its last name): the guard that every field an API takes reads as words, never humanised."""
    names = [p for p in str(path).split(".") if not p.isdigit()]
    keys = {".".join(names), names[-1] if names else ""}
    return any(key in _vocabularies[v] for v in _vocabularies if v.endswith(".field") for key in keys)


def known(name: str) -> bool:
    return name in _vocabularies


def vocabulary(name: str) -> dict[str, Label]:
    return dict(_vocabularies[name])


def names() -> list[str]:
    return sorted(_vocabularies)


def codes() -> set[str]:
    """Every registered code of every vocabulary (the walker's list of words never to show). Field
    names are left out: they are input names ("max", "payment"), never a value a page shows."""
    return {code for name, entries in _vocabularies.items() if not name.endswith(".field") for code in entries}


def choices(name: str) -> list[tuple[str, str]]:
    """(code, label) pairs for a <select>, in the active language."""
    return [(code, str(text)) for code, text in _vocabularies[name].items()]


def autodiscover() -> None:
    autodiscover_modules("wording")

"""Pure functions that tell whether two profiles may be one person (no database here).

Signals, each explainable to a reviewer:
- name: accents, case, word order and Chilean nicknames ("Pancho" is Francisco) do not matter;
- email written differently: dots and "+tags" in the local part, googlemail = gmail;
- phone written differently: the same number stored under another kind (phone vs WhatsApp);
- address: the same street and number in the same city, however typed (rapidfuzz).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

NICKNAMES = {
    "pancho": "francisco", "panchito": "francisco", "fran": "francisca", "panchita": "francisca",
    "nacho": "ignacio", "pepe": "jose", "chepe": "jose", "cote": "maria jose", "coni": "constanza",
    "cata": "catalina", "vale": "valentina", "seba": "sebastian", "benja": "benjamin", "maca": "macarena",
    "fefa": "fernanda", "fer": "fernanda", "feña": "fernanda", "lucho": "luis", "memo": "guillermo",
    "chelo": "marcelo", "cris": "cristian", "rodri": "rodrigo", "nico": "nicolas", "gonza": "gonzalo",
    "javi": "javiera", "dani": "daniela", "caro": "carolina", "pauli": "paulina", "isi": "isidora",
    "tere": "teresa", "lore": "lorena", "moni": "monica", "juanca": "juan carlos", "manolo": "manuel",
    "pato": "patricio", "tito": "alberto", "kike": "enrique", "quique": "enrique", "toño": "antonio",
    "anto": "antonia", "flo": "florencia", "jose": "jose", "marce": "marcela", "sole": "soledad",
}
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'José  PÉREZ' -> 'jose perez'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", plain)).strip()


def name_key(name: str) -> str:
    return fold(name)


def name_tokens(name: str) -> list[str]:
    tokens: list[str] = []
    for token in fold(name).split():
        # Nicknames are looked up with their accents folded too ("feña" -> "fena").
        tokens.extend(_NICKNAMES_FOLDED.get(token, token).split())
    return tokens


_NICKNAMES_FOLDED = {fold(k): v for k, v in NICKNAMES.items()}


def name_similarity(a: str, b: str) -> int:
    """0..100, word by word in any order: every word of the shorter name must match a word of the
    longer one ("Pancho Pérez" ~ "Francisco Javier Pérez Soto"), with room for a typo in long words
    but not for another name ("Francisco" is not "Francisca")."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    unused = list(long)
    total = matched = 0
    for token in short:
        scores = [(fuzz.ratio(token, other), i) for i, other in enumerate(unused)]
        best, index = max(scores) if scores else (0, -1)
        if best >= 90:
            matched += 1
            total += best
            unused.pop(index)
    if matched < len(short):
        return int(80 * matched / len(short))
    return int(total / len(short))


def email_key(email: str) -> str:
    """The mailbox an address reaches: no +tag, and for Gmail no dots ('j.perez+x@gmail.com')."""
    local, _, domain = email.lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


_STREET_WORDS = {"avenida": "av", "av.": "av", "calle": "", "pasaje": "pje", "psje": "pje", "numero": "", "n": "",
                 "depto": "dpto", "departamento": "dpto", "dto": "dpto"}


def address_key(line1: str, city: str = "") -> str:
    words = [_STREET_WORDS.get(w, w) for w in fold(f"{line1} {city}").split()]
    return " ".join(w for w in words if w)


def address_similarity(a: str, b: str) -> int:
    if not a or not b:
        return 0
    # The house number must agree: "Los Leones 120" and "Los Leones 1200" are other houses.
    if re.findall(r"\d+", a) != re.findall(r"\d+", b):
        return 0
    return int(fuzz.token_sort_ratio(a, b))


@dataclass
class Profile:
    """What the duplicate finder compares; built by queries from the database."""

    pk: int
    name: str = ""
    address: str = ""
    emails: set[str] = field(default_factory=set)
    phones: dict[str, set[str]] = field(default_factory=dict)  # E.164 -> kinds


@dataclass(frozen=True)
class Verdict:
    score: int
    reasons: list[dict]


NAME_STRONG = 90
ADDRESS_SAME = 88


def compare(a: Profile, b: Profile) -> Verdict | None:
    """A reviewer-ready verdict when the pair looks like one person; None otherwise."""
    reasons: list[dict] = []
    score = 0
    shared_email_keys = {email_key(e) for e in a.emails} & {email_key(e) for e in b.emails}
    if shared_email_keys:
        reasons.append({"code": "email_variant"})
        score = max(score, 90)
    if set(a.phones) & set(b.phones):
        reasons.append({"code": "phone_variant"})
        score = max(score, 90)
    name = name_similarity(a.name, b.name) if a.name and b.name else 0
    address = address_similarity(a.address, b.address)
    if name >= NAME_STRONG:
        reasons.append({"code": "similar_name", "score": name})
    if address >= ADDRESS_SAME:
        reasons.append({"code": "same_address", "score": address})
    if name >= NAME_STRONG and address >= ADDRESS_SAME:
        score = max(score, 80 + (name + address) // 20)
    elif name >= NAME_STRONG and (shared_email_keys or set(a.phones) & set(b.phones)):
        score = max(score, 95)
    if score == 0:
        return None
    return Verdict(score=min(score, 100), reasons=reasons)

"""How variant attribute values read in the reader's language.

Attribute values are data (`{"size": "42", "color": "negro"}`), written in whatever language the
business types them (the demo: Spanish). Colours are a small shared vocabulary, so the catalog owns
their names here, through gettext: a value in Spanish or English, with or without accents or
capitals, reads as the colour's name in the reader's language. A value outside the vocabulary
("arena/coral") is shown as typed. Filters and the Store API keep the stored value.
"""

from __future__ import annotations

import unicodedata

from django.utils import translation
from django.utils.translation import gettext_lazy as _

_COLORS = {
    ("negro", "black"): _("black"),
    ("blanco", "white"): _("white"),
    ("azul", "blue"): _("blue"),
    ("rojo", "red"): _("red"),
    ("verde", "green"): _("green"),
    ("amarillo", "yellow"): _("yellow"),
    ("gris", "grey", "gray"): _("grey"),
    ("rosado", "rosa", "pink"): _("pink"),
    ("morado", "violeta", "purple"): _("purple"),
    ("naranja", "naranjo", "orange"): _("orange"),
    ("cafe", "marron", "brown"): _("brown"),
    ("beige",): _("beige"),
    ("celeste", "light blue"): _("light blue"),
    ("azul marino", "marino", "navy"): _("navy"),
    ("plateado", "silver"): _("silver"),
    ("dorado", "gold"): _("gold"),
    ("multicolor",): _("multicolour"),
}
COLOR_NAMES = {word: label for words, label in _COLORS.items() for word in words}


def _fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def color_label(value: str, language: str | None = None) -> str:
    """The colour's name in `language` (default: the active one); the value itself when unknown."""
    label = COLOR_NAMES.get(_fold(str(value)))
    if label is None:
        return str(value)
    if language is None:
        return str(label)
    with translation.override(language):
        return str(label)


def attribute_label(name: str, value, language: str | None = None) -> str:
    """One attribute value as the shop shows it: colours translated, anything else as stored."""
    return color_label(value, language) if name == "color" else str(value)

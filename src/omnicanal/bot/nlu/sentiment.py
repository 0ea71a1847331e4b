"""Sentiment of a customer's message, -1 (angry) .. 1 (delighted), Spanish and English.

A lexicon with negation ("no está bien", "not good") and intensifiers ("muy", "so", "!!", capitals),
plus emoji. The bot hands a conversation to a person below HANDOFF_SENTIMENT (bot dialogue).
Words are matched accent-free and lower case (text.fold), so "pésimo" and "pesimo" are one word.
"""

from __future__ import annotations

import math
import re

from omnicanal.bot.nlu.text import fold

NEGATIVE_THRESHOLD = -0.4  # at or below: clearly unhappy (the dialogue's hand-off rule reads this)

_POSITIVE = {
    # es
    "gracias": 1, "bueno": 1, "buena": 1, "buenisimo": 2, "buenisima": 2, "excelente": 2, "genial": 2,
    "perfecto": 1.5, "bacan": 2, "feliz": 2, "encanta": 2, "encanto": 2, "gusta": 1, "gusto": 1,
    "rapido": 1, "rapida": 1, "amable": 1.5, "amables": 1.5, "maravilla": 2, "lindo": 1, "linda": 1,
    "impeque": 2, "joya": 2, "contento": 2, "contenta": 2, "satisfecho": 2, "satisfecha": 2, "super": 1,
    "recomiendo": 2, "raja": 1.5, "increible": 2, "agradezco": 1.5, "pasaste": 1.5,
    # en
    "thanks": 1, "thank": 1, "good": 1, "great": 2, "excellent": 2, "awesome": 2, "perfect": 1.5,
    "love": 2, "loved": 2, "happy": 2, "nice": 1, "fast": 1, "kind": 1, "amazing": 2, "wonderful": 2,
    "helpful": 1.5, "pleased": 2, "recommend": 2, "appreciate": 1.5, "fantastic": 2, "best": 1.5,
}
_NEGATIVE = {
    # es
    "malo": -1.5, "mala": -1.5, "pesimo": -2.5, "pesima": -2.5, "horrible": -2.5, "terrible": -2.5,
    "enojado": -2, "enojada": -2, "molesto": -2, "molesta": -2, "furioso": -2.5, "furiosa": -2.5,
    "estafa": -3, "estafadores": -3, "ladrones": -3, "reclamo": -1.5, "reclamar": -1.5, "denuncia": -2,
    "sernac": -2.5, "verguenza": -2.5, "decepcionado": -2, "decepcionada": -2, "decepcion": -2,
    "nunca": -1, "roto": -1.5, "rota": -1.5, "defectuoso": -1.5, "atrasado": -1, "tarde": -0.5,
    "harto": -0.5, "cansado": -1.5, "cansada": -1.5, "odio": -2.5, "asco": -2.5, "mierda": -3,
    "chucha": -2.5, "weon": -1, "wn": -1, "fome": -1, "peor": -2, "incompetentes": -2.5, "lento": -1,
    "burla": -2.5, "inaceptable": -2.5, "frustrado": -2, "frustrada": -2, "desastre": -2.5,
    # en
    "bad": -1.5, "worst": -2.5, "awful": -2.5, "angry": -2, "upset": -2, "furious": -2.5, "scam": -3,
    "fraud": -3, "complaint": -1.5, "complain": -1.5, "disappointed": -2, "disappointing": -2,
    "never": -1, "broken": -1.5, "damaged": -1.5, "late": -1, "hate": -2.5, "useless": -2.5,
    "ridiculous": -2, "unacceptable": -2.5, "shit": -3, "crap": -2.5, "slow": -1, "frustrated": -2,
    "annoyed": -2, "joke": -1, "disgrace": -2.5, "incompetent": -2.5, "rude": -2, "sucks": -2.5,
}
_EMOJI = {"😡": -2.5, "🤬": -3, "😠": -2, "😤": -2, "😞": -1.5, "😢": -1.5, "😭": -1.5, "👎": -2,
          "🙏": 1, "😊": 1.5, "😀": 1.5, "😃": 1.5, "😍": 2, "❤": 2, "👍": 1.5, "🥰": 2, "🙌": 1.5}
_NEGATIONS = {"no", "nunca", "ni", "tampoco", "not", "never", "no one", "dont", "don't", "isnt", "isn't",
              "wasnt", "nothing", "nada", "sin", "without"}
_INTENSIFIERS = {"muy": 1.5, "super": 1.5, "re": 1.3, "tan": 1.4, "demasiado": 1.5, "extremadamente": 2,
                 "so": 1.5, "very": 1.5, "really": 1.4, "extremely": 2, "totally": 1.5, "too": 1.3,
                 "realmente": 1.4, "absolutamente": 1.8, "completely": 1.5}
_WORD = re.compile(r"[a-zñ']+")


def score(text: str) -> float:
    """-1 .. 1; 0 when nothing in the message says how the customer feels."""
    total = 0.0
    for char, value in _EMOJI.items():
        total += value * text.count(char)
    words = _WORD.findall(fold(text).replace("’", "'"))
    for i, word in enumerate(words):
        value = _POSITIVE.get(word) or _NEGATIVE.get(word)
        if value is None:
            continue
        window = words[max(0, i - 3):i]
        if any(w in _INTENSIFIERS for w in window[-2:]):
            value *= max(_INTENSIFIERS[w] for w in window[-2:] if w in _INTENSIFIERS)
        if any(w in _NEGATIONS for w in window):
            value = -value * 0.75  # "no está malo" is mildly good; "not great" is mildly bad
        total += value
    if total:
        shouting = sum(1 for w in re.findall(r"[A-ZÑ]{3,}", text)) > 0 or "!!" in text
        if shouting:
            total *= 1.3
    return round(math.tanh(total / 3.0), 3)

"""Small placeholder images made locally (nothing is downloaded): an SVG card per product."""

from __future__ import annotations

from xml.sax.saxutils import escape

PALETTE = ["#0f6e5c", "#1d4ed8", "#b54708", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#374151"]
# Plain shapes, not emoji: the fonts of a server or a CI browser may have no emoji.
SHAPES = {
    "running": '<path d="M30 120 q40 -70 90 -30 l40 10 q20 5 20 20 l-150 0 z" fill="#fff" opacity=".9"/>',
    "ciclismo": '<circle cx="60" cy="100" r="32" stroke="#fff" stroke-width="8" fill="none"/>'
                '<circle cx="150" cy="100" r="32" stroke="#fff" stroke-width="8" fill="none"/>'
                '<path d="M60 100 L95 55 L150 100 M95 55 L130 55" stroke="#fff" stroke-width="8" fill="none"/>',
    "nutricion": '<path d="M100 30 L60 110 L95 110 L80 160 L140 80 L105 80 L120 30 z" fill="#fff" opacity=".9"/>',
    "outdoor": '<path d="M20 150 L90 50 L130 100 L160 70 L220 150 z" fill="#fff" opacity=".9"/>',
    "accesorios": '<circle cx="100" cy="95" r="45" stroke="#fff" stroke-width="10" fill="none"/>'
                  '<path d="M100 95 L100 70 M100 95 L118 105" stroke="#fff" stroke-width="8"/>',
}


def svg_card(*, title: str, subtitle: str, family: str, seed: int) -> bytes:
    color = PALETTE[seed % len(PALETTE)]
    words = title.split()
    lines = [" ".join(words[:3]), " ".join(words[3:6])]
    text = "".join(
        f'<text x="20" y="{190 + i * 26}" font-size="20" fill="#fff" font-family="sans-serif">{escape(line)}</text>'
        for i, line in enumerate(lines) if line
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320" viewBox="0 0 320 320">'
        f'<rect width="320" height="320" rx="18" fill="{color}"/>'
        f'<circle cx="250" cy="80" r="120" fill="#ffffff" opacity=".08"/>'
        f'{SHAPES.get(family, "")}'
        f"{text}"
        f'<text x="20" y="290" font-size="14" fill="#d1fae5" font-family="sans-serif">{escape(subtitle)}</text>'
        "</svg>"
    ).encode()

"""Email bodies as plain text: HTML to text (stdlib parser), and the quoted history cut off."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "hr"}
_SKIP = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag):
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and not self.quote_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "On Tue, 3 Jun 2025, Ana <ana@x.cl> wrote:", "El mar, 3 jun 2025 a las 10:12, Ana escribió:"
_ATTRIBUTION = re.compile(r"^(on\b.*\bwrote:|el\b.*\bescribi[oó]:|-----\s*original message\s*-----|de:\s.*)$", re.I)


def strip_quoted(text: str) -> str:
    """The new part of a reply: stop at the attribution line or at the first run of '>' lines."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _ATTRIBUTION.match(stripped) or stripped.startswith(">"):
            break
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or text.strip()

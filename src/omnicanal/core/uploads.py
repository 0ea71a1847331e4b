"""Files people send us: which kinds we keep, told by their content, and how large they may be.

Every attachment, whichever way it arrives (web chat upload, email, WhatsApp or Telegram media, an
agent's outbound file), passes `check_file` before it is stored. The type is read from the bytes
(magic numbers), never from the sender's claim or the file name; only the kinds in `ALLOWED` are
kept, and the stored content type is the detected one. Markup (HTML, SVG, XML) is never kept: a
browser would run its scripts. Size limits are per channel (`settings.UPLOAD_MAX_BYTES`).

How a stored file is served (inline or as a download, and with which headers) is `serving_headers`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from omnicanal.core.errors import FileTooLarge, FileTypeRefused

# Detected type -> (extensions a file of that type may keep, the one added when its name has none of them).
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".csv", ".log", ".md", ".text"),
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "video/ogg": (".ogv", ".ogg"),
    "audio/mpeg": (".mp3",),
    "audio/aac": (".aac",),
    "audio/amr": (".amr",),
    "audio/wav": (".wav",),
    "audio/mp4": (".m4a", ".mp4"),
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov",),
    "video/3gpp": (".3gp",),
    "video/webm": (".webm",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
}

# Served inline (shown in the browser); everything else is a download. Never markup.
INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})

# What the browser may do with a served file: nothing (no scripts, no requests, a unique origin).
SANDBOX_CSP = "default-src 'none'; sandbox"
# Chromium refuses to start its PDF viewer in a sandboxed document, so an inline PDF (checked to be a
# PDF by its bytes) gets no sandbox; its viewer runs in a process of its own, away from our pages.
PDF_CSP = "default-src 'none'; frame-ancestors 'self'"

_MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe",
                  b"<object", b"<embed", b"<style", b"<title", b"<a ", b"<img", b"<div", b"<table", b"<p>",
                  b"<p ", b"<br", b"<h1", b"<font", b"<b>", b"<!--", b"<meta", b"<link", b"<form", b"<math",
                  b"<xml", b"<?xml-stylesheet", b"<rdf", b"<feed", b"<rss")
_MARKUP_INSIDE = (b"<script", b"<svg", b"<html", b"<iframe", b"javascript:", b"<object", b"<embed")
_ODF_TYPES = {"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str  # detected from the bytes
    filename: str  # safe to store and to offer for download (its extension matches the type)


def sniff(content: bytes) -> str:
    """The type the bytes really are: one of ALLOWED, or text/html, image/svg+xml, application/zip,
    application/octet-stream (unknown) for what we refuse."""
    head = content[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in content[:512] else "audio/ogg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # an MPEG audio frame's sync bits
        layer = (head[1] >> 1) & 3
        if layer == 1:
            return "audio/mpeg"  # layer III
        if layer == 0 and head[1] & 0xF0 == 0xF0:
            return "audio/aac"  # ADTS
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return _text_kind(content)


def _zip_kind(content: bytes) -> str:
    """Office documents are ZIP files of a known layout; any other archive is refused (it could hold anything)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in _ODF_TYPES else "application/zip"
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, RuntimeError, NotImplementedError):
        return "application/octet-stream"
    if "[Content_Types].xml" not in names:
        return "application/zip"
    if any(name.startswith("word/") for name in names):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if any(name.startswith("xl/") for name in names):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if any(name.startswith("ppt/") for name in names):
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return "application/zip"


def _text_kind(content: bytes) -> str:
    sample = content[:8192]
    if not sample or b"\x00" in sample:
        return "application/octet-stream"
    for bom in (b"\xef\xbb\xbf",):
        if sample.startswith(bom):
            sample = sample[len(bom):]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            return "application/octet-stream"
        text = sample[:exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f\x1b" for c in text):
        return "application/octet-stream"
    lowered = text.lstrip().lower().encode()
    if lowered.startswith(_MARKUP_STARTS) or any(tag in lowered for tag in _MARKUP_INSIDE):
        return "image/svg+xml" if b"<svg" in lowered else "text/html"
    return "text/plain"


def max_bytes(channel: str) -> int:
    limits = settings.UPLOAD_MAX_BYTES
    return int(limits.get(channel, limits["default"]))


def check_size(size: int, *, channel: str, field: str = "file") -> None:
    limit = max_bytes(channel)
    if size > limit:
        raise FileTooLarge.on(field, _("The file is larger than %(limit)s, the most this channel takes.")
                              % {"limit": filesizeformat(limit)}, limit=limit)


def check_file(*, filename: str, content: bytes, channel: str, field: str = "file") -> CheckedFile:
    """The one gate for a file we are about to keep: its size for the channel and its type by content.
    Raises FileTooLarge (413) or FileTypeRefused (422); answers the detected type and a safe name."""
    check_size(len(content), channel=channel, field=field)
    detected = sniff(content)
    if detected not in ALLOWED:
        raise FileTypeRefused.on(field, _("Files of this kind are not accepted (%(type)s). Send a picture, a PDF, a "
                                          "text or office document, audio or video.") % {"type": detected},
                                 detected=detected)
    return CheckedFile(content_type=detected, filename=safe_filename(filename, detected))


def safe_filename(filename: str, content_type: str) -> str:
    """No path separators or control characters; an extension that matches the real type."""
    name = "".join(c for c in (filename or "") if c.isprintable() and c not in '/\\"<>:|?*').strip(" .") or "file"
    extensions = ALLOWED.get(content_type, ())
    if extensions and not name.lower().endswith(extensions):
        name = f"{name}{extensions[0]}"
    return name[-200:]


def serving_headers(content_type: str, head: bytes) -> tuple[str, bool, dict[str, str]]:
    """(content type to send, inline?, extra headers) for a stored file whose first bytes are `head`.
    Inline only for the raster images and PDF, and only when the bytes agree with the stored type
    (rows stored before the content check carry the sender's claim)."""
    inline = content_type in INLINE and sniff(head) == content_type
    if content_type in INLINE:
        sent_type = content_type if inline else "application/octet-stream"
    elif content_type == "text/plain":
        sent_type = "text/plain; charset=utf-8"
    else:
        sent_type = content_type if content_type in ALLOWED else "application/octet-stream"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": PDF_CSP if inline and content_type == "application/pdf" else SANDBOX_CSP,
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, no-store",
    }
    return sent_type, inline, headers

"""Files are judged by their bytes: the allow-list, the markup refusal, the size per channel, safe names."""

import io
import zipfile

import pytest

from omnicanal.core import uploads
from omnicanal.core.errors import FileTooLarge, FileTypeRefused

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?'+document.cookie)</script></body></html>"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "expected"), [
    (PNG, "image/png"),
    (JPEG, "image/jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
    (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x13OpusHead", "audio/ogg"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00", "audio/mp4"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
    (b"#!AMR\n", "audio/amr"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/webm"),
    ("Hola, adjunto la lista de precios:\nzapatillas, 2 × 49.990\n".encode(), "text/plain"),
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_kinds_are_told_by_their_bytes(content, expected):
    # given the bytes of a file, whatever its name claims / when it is checked / then its real type is kept
    checked = uploads.check_file(filename="anything", content=content, channel="email")
    assert checked.content_type == expected


@pytest.mark.parametrize(("content", "detected"), [
    (SVG, "image/svg+xml"),
    (HTML, "text/html"),
    (b"   \n<html><body>hi</body></html>", "text/html"),
    (b"\xef\xbb\xbf<svg onload=alert(1)>", "image/svg+xml"),
    (b"<?xml version='1.0'?><root/>", "text/html"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream"),  # a Windows program
    (b"\x7fELF\x02\x01\x01", "application/octet-stream"),
    (_zip({"evil.exe": b"MZ"}), "application/zip"),  # archives could hold anything
    (b"", "application/octet-stream"),
])
def test_markup_programs_and_archives_are_refused_whatever_they_claim(content, detected):
    # given a file named and announced as a picture
    # when it is checked / then it is refused with the type it really is
    with pytest.raises(FileTypeRefused) as refused:
        uploads.check_file(filename="foto.png", content=content, channel="webchat")
    assert refused.value.status == 422 and refused.value.extra["detected"] == detected
    assert refused.value.errors[0].field == "file"


def test_size_limits_are_per_channel(settings):
    # given the web chat's 5 MB and email's 20 MB
    settings.UPLOAD_MAX_BYTES = {"default": 16 * 2**20, "webchat": 5 * 2**20, "email": 20 * 2**20}
    big = PNG + b"\x00" * (6 * 2**20)
    # when a 6 MB picture comes by web chat / then 413
    with pytest.raises(FileTooLarge) as too_large:
        uploads.check_file(filename="a.png", content=big, channel="webchat")
    assert too_large.value.status == 413 and too_large.value.extra["limit"] == 5 * 2**20
    # and by email it is kept; an unknown channel takes the default
    assert uploads.check_file(filename="a.png", content=big, channel="email").content_type == "image/png"
    assert uploads.max_bytes("instagram") == 16 * 2**20


def test_a_name_keeps_no_path_and_its_extension_matches_the_real_type():
    # given names that lie or climb directories / then the kept name is flat and honest
    assert uploads.safe_filename("../../etc/passwd", "text/plain") == "etcpasswd.txt"
    assert uploads.safe_filename("notes.html", "text/plain") == "notes.html.txt"
    assert uploads.safe_filename("Foto.JPG", "image/jpeg") == "Foto.JPG"
    assert uploads.safe_filename("", "application/pdf") == "file.pdf"


def test_only_raster_images_and_pdf_are_served_inline_and_every_answer_is_sandboxed():
    # given stored files / when their serving headers are decided
    png_type, png_inline, png_headers = uploads.serving_headers("image/png", PNG)
    svg_type, svg_inline, svg_headers = uploads.serving_headers("image/svg+xml", SVG)
    lying_type, lying_inline, _h = uploads.serving_headers("image/png", HTML)  # a row stored before the check
    text_type, text_inline, _h = uploads.serving_headers("text/plain", b"hola")
    # then
    assert (png_type, png_inline) == ("image/png", True)
    assert (svg_type, svg_inline) == ("application/octet-stream", False)
    assert (lying_type, lying_inline) == ("application/octet-stream", False)
    assert (text_type, text_inline) == ("text/plain; charset=utf-8", False)
    for headers in (png_headers, svg_headers):
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

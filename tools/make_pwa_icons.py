"""Draw the shop's PWA icons (PNG 192, 512 and a maskable 512) and the favicons (a 32 px PNG
fallback beside the SVG, for the shop and the console) from the brand's logo.svg.

    python tools/make_pwa_icons.py [logo.svg] [out_dir]

Pure Python (zlib + struct, no Pillow): the logo's filled <path>s — absolute or relative M, L, H, V
and Z commands, which is what a flat logo such as storefront/brand/logo.svg uses — are rasterised
with 4×4 supersampling on a white square. The "any" icons leave a tenth of the side as margin; the
maskable one keeps the logo inside the central 60 % (the safe zone every launcher mask leaves
visible). A business with its own logo runs this again and commits the PNGs: nothing is drawn at
run time.
"""

from __future__ import annotations

import re
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src/omnicanal/storefront/static/storefront"
CONSOLE = ROOT / "src/omnicanal/web/static/web"
SAMPLES = 4
Point = tuple[float, float]


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def parse_path(d: str) -> list[list[Point]]:
    """The polygons of an SVG path made of straight segments."""
    tokens = re.findall(r"[MmLlHhVvZz]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?", d)
    polygons: list[list[Point]] = []
    current: list[Point] = []
    x = y = 0.0
    command = "M"
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                if current:
                    polygons.append(current)
                    x, y = current[0]
                current = []
            continue
        if command in "Mm":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            if current:
                polygons.append(current)
            current = [(x, y)]
            command = "l" if command == "m" else "L"  # later pairs are implicit line-tos
        elif command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + dx, y + dy) if command == "l" else (dx, dy)
            current.append((x, y))
        elif command in "Hh":
            value = float(tokens[i])
            i += 1
            x = x + value if command == "h" else value
            current.append((x, y))
        elif command in "Vv":
            value = float(tokens[i])
            i += 1
            y = y + value if command == "v" else value
            current.append((x, y))
        else:
            raise ValueError(f"unsupported path command {command!r}: draw the icons by hand")
    if current:
        polygons.append(current)
    return polygons


def read_logo(path: Path) -> tuple[tuple[float, float, float, float], list[tuple[tuple[int, int, int], list[list[Point]]]]]:
    text = path.read_text()
    box = tuple(float(v) for v in re.search(r'viewBox="([^"]+)"', text).group(1).split())
    shapes = []
    for attrs in re.findall(r"<path\b([^>]*)/?>", text):
        fill = re.search(r'fill="(#[0-9a-fA-F]{3,6})"', attrs)
        d = re.search(r'\bd="([^"]+)"', attrs)
        if d:
            shapes.append((_hex(fill.group(1) if fill else "#000"), parse_path(d.group(1))))
    return box, shapes  # type: ignore[return-value]


def coverage(polygons: list[list[Point]], size: int) -> list[bytearray]:
    """Per pixel, how many of its SAMPLES×SAMPLES sub-pixels the polygons cover (even-odd)."""
    rows = [bytearray(size) for _ in range(size)]
    edges = []
    for poly in polygons:
        for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
            if y1 != y2:
                edges.append((x1, y1, x2, y2))
    fine = size * SAMPLES
    for sub in range(fine):
        y = (sub + 0.5) / SAMPLES
        xs = sorted(x1 + (y - y1) * (x2 - x1) / (y2 - y1) for x1, y1, x2, y2 in edges
                    if (y1 <= y < y2) or (y2 <= y < y1))
        row = rows[sub // SAMPLES]
        for a, b in zip(xs[::2], xs[1::2], strict=False):
            start, end = max(0, round(a * SAMPLES)), min(fine, round(b * SAMPLES))
            for s in range(start, end):
                row[s // SAMPLES] += 1
    return rows


def draw(box, shapes, size: int, logo_share: float) -> bytes:
    """RGB pixels: the logo scaled to `logo_share` of the side, centred on white."""
    bx, by, bw, bh = box
    scale = size * logo_share / max(bw, bh)
    ox, oy = (size - bw * scale) / 2 - bx * scale, (size - bh * scale) / 2 - by * scale
    pixels = bytearray(b"\xff" * (size * size * 3))
    full = SAMPLES * SAMPLES
    for color, polygons in shapes:
        placed = [[(ox + x * scale, oy + y * scale) for x, y in poly] for poly in polygons]
        for j, row in enumerate(coverage(placed, size)):
            for i, hits in enumerate(row):
                if hits:
                    k = (j * size + i) * 3
                    for c in range(3):
                        pixels[k + c] = round(pixels[k + c] + (color[c] - pixels[k + c]) * min(hits, full) / full)
    return bytes(pixels)


def png(pixels: bytes, size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixels[y * size * 3:(y + 1) * size * 3] for y in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(argv: list[str]) -> int:
    logo = Path(argv[1]) if len(argv) > 1 else STATIC / "brand/logo.svg"
    out = Path(argv[2]) if len(argv) > 2 else STATIC / "icons"
    out.mkdir(parents=True, exist_ok=True)
    box, shapes = read_logo(logo)
    for name, size, share in (("icon-192.png", 192, 0.8), ("icon-512.png", 512, 0.8), ("maskable-512.png", 512, 0.6),
                              ("favicon-32.png", 32, 0.9)):
        (out / name).write_bytes(png(draw(box, shapes, size, share), size))
        sys.stdout.write(f"wrote {out / name}\n")
    if len(argv) <= 2:  # the console's favicon: the same logo, SVG with a PNG fallback (web/base.html)
        (CONSOLE / "favicon.svg").write_text(logo.read_text())
        (CONSOLE / "favicon-32.png").write_bytes(png(draw(box, shapes, 32, 0.9), 32))
        sys.stdout.write(f"wrote {CONSOLE / 'favicon.svg'} and favicon-32.png\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

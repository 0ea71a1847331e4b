"""Compile every gettext catalogue under the package with Babel, so no GNU gettext is needed.

    python -m omnicanal.core.i18n compile   # .po -> .mo, for every app's locale/ folder
    python -m omnicanal.core.i18n check     # every catalogue complete and compiling (used in tests)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent


def catalogues() -> list[Path]:
    return sorted(PACKAGE.glob("**/locale/*/LC_MESSAGES/django.po"))


def untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    # A fuzzy entry is msgmerge's guess (often wrong) and is not compiled: it is not translated.
    return [
        str(m.id)
        for m in catalog
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def compile_all() -> int:
    count = 0
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        # Written aside and renamed: a server or test process loading the catalogue meanwhile reads
        # the old file or the new one, never a half-written one (which it would keep, untranslated).
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, mo_path)
        count += 1
    return count


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        compile_all()
        return 0
    if command == "check":
        missing = {str(p.relative_to(PACKAGE)): untranslated(p) for p in catalogues() if "/es/" in str(p)}
        missing = {k: v for k, v in missing.items() if v}
        for path, ids in missing.items():
            print(f"{path}: {len(ids)} untranslated: {ids[:5]}")  # noqa: T201
        return 1 if missing else 0
    print(__doc__)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Every string a person reads is in the Spanish catalogue of its app, translated."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

PACKAGE = Path(__file__).resolve().parents[2]


def app_dirs():
    return [PACKAGE / name.rsplit(".", 1)[-1] for name in [*settings.OMNICANAL_APPS, "omnicanal.web"]]


def msgids(po_path: Path) -> set[str]:
    with po_path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


# makemessages in one process for every app: a process each spent ~3 s of CPU starting Django for
# ~0.2 s of extraction (16 apps: ~50 s of the SQLite pass). Each app is still extracted from a copy
# of its own folder, from that folder, as a developer would; -P: the app folder must not shadow the
# standard library (channels/email vs email).
EXTRACT_EACH = """
import os, sys
import django
from django.core.management import call_command

django.setup()
for folder in sys.argv[1:]:
    os.chdir(folder)
    call_command("makemessages", locale=["es"], verbosity=0)
"""


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """{app folder name: the Spanish catalogue's path} extracted afresh from a copy of each app."""
    root = tmp_path_factory.mktemp("extracted")
    copies = []
    for app_dir in app_dirs():
        copy = root / app_dir.name
        shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo", "var"))
        shutil.rmtree(copy / "locale", ignore_errors=True)
        (copy / "locale").mkdir()
        copies.append(copy)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings"}
    subprocess.run([sys.executable, "-P", "-c", EXTRACT_EACH, *map(str, copies)], cwd=root, env=env, check=True,
                   capture_output=True)
    return {copy.name: copy / "locale/es/LC_MESSAGES/django.po" for copy in copies}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is needed to extract strings")
@pytest.mark.database_free
@pytest.mark.parametrize("app_dir", app_dirs(), ids=lambda p: p.name)
def test_the_catalogue_holds_every_string_of_its_app(app_dir, fresh_catalogues):
    # given the app's strings extracted afresh as a developer would (fresh_catalogues)
    fresh = msgids(fresh_catalogues[app_dir.name])
    # then the committed catalogue already has every one of them
    missing = fresh - msgids(app_dir / "locale/es/LC_MESSAGES/django.po")
    assert not missing, (
        f"run `cd src/omnicanal/{app_dir.name} && ../../../.venv/bin/omnicanal makemessages -l es -l en "
        f"--no-obsolete` and translate: {sorted(missing)[:10]}"
    )


def _translated_entries(po_path: Path):
    with po_path.open("rb") as handle:
        for message in read_po(handle):
            if message.id and message.string and not message.fuzzy and all(message.string):
                yield message


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_app_reads_its_own_translation_at_run_time(language):
    """Django merges every app's catalogue into one: a msgid two apps translate differently shows only
    one of the translations everywhere ("Cancelled" a transfer or a return, masculine or feminine).
    Such words need a context (pgettext / {% translate "All" context "feminine" %})."""
    from django.utils import translation

    clashes = []
    with translation.override(language):
        for app_dir in app_dirs():
            po_path = app_dir / f"locale/{language}/LC_MESSAGES/django.po"
            for message in _translated_entries(po_path) if po_path.exists() else ():
                if isinstance(message.id, tuple):
                    shown = translation.npgettext(message.context, *message.id, 1) if message.context \
                        else translation.ngettext(*message.id, 1)
                    wanted = message.string[0]
                else:
                    shown = translation.pgettext(message.context, message.id) if message.context \
                        else translation.gettext(message.id)
                    wanted = message.string
                if shown != wanted:
                    clashes.append(f"{app_dir.name}: {message.id!r} shows {shown!r}, not {wanted!r}")
    assert not clashes, "\n".join(clashes)


@pytest.mark.database_free
@pytest.mark.parametrize("app_dir", app_dirs(), ids=lambda p: p.name)
def test_every_catalogue_declares_its_plural_forms(app_dir):
    """A catalogue with plural translations needs its header's Plural-Forms (GNU msgfmt -c refuses it
    otherwise, and a translator's tool cannot tell how many forms to offer); two forms as in English,
    the rule the project's Spanish catalogues follow."""
    for po_path in sorted(app_dir.glob("locale/*/LC_MESSAGES/django.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        raw = po_path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        assert '"Plural-Forms: nplurals=' in raw, f"{po_path}: its header lacks Plural-Forms"
        widths = {len(m.string) for m in catalog if m.id and isinstance(m.id, tuple | list) and m.string}
        declared = int(raw.split('"Plural-Forms: nplurals=', 1)[1].split(";", 1)[0])
        assert widths <= {declared}, f"{po_path}: plural entries with {widths} forms, header says {declared}"

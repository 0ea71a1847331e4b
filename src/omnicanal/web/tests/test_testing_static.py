"""The harness's shared static-files scan (web/testing_static.py): the same table WhiteNoise builds,
built once for the same files and settings, and afresh when a file or a setting changes."""

import os

import pytest
from django.test import override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.database_free


def middleware():
    return WhiteNoiseMiddleware(lambda request: None)


def served(files):
    """{url: (path, headers)}: what the table answers for each file."""
    return {url: [(path, sorted(headers)) for _, path, headers in found.alternatives] for url, found in files.items()}


def unshared_scan():
    """The table as WhiteNoise alone builds it (the harness's wrapper bypassed)."""
    scanned = middleware()
    scanned.files = {}
    WhiteNoiseMiddleware.add_files_from_finders.original(scanned)
    return scanned.files


def test_a_second_client_gets_the_table_the_first_built():
    first, second = middleware(), middleware()
    assert first.files and set(first.files) == set(second.files)
    assert all(second.files[url] is found for url, found in first.files.items())  # built once
    assert served(second.files) == served(unshared_scan())  # and what WhiteNoise itself builds


def test_a_changed_static_file_is_scanned_afresh(tmp_path):
    (tmp_path / "probe.css").write_text("a{}")
    with override_settings(STATICFILES_DIRS=[str(tmp_path)]):
        before = middleware().files["/static/probe.css"]
        (tmp_path / "probe.css").write_text("a{color:red}")
        os.utime(tmp_path / "probe.css", ns=(1, 10**18))
        after = middleware().files["/static/probe.css"]
        (tmp_path / "added.js").write_text("1")
        added = middleware().files
    assert after is not before
    assert dict(after.alternatives[0][2])["Content-Length"] == str(len("a{color:red}"))
    assert dict(before.alternatives[0][2])["Content-Length"] == "3"
    assert "/static/added.js" in added


def test_an_overridden_setting_builds_its_own_table():
    plain = middleware().files
    with override_settings(WHITENOISE_MAX_AGE=7):
        tuned = middleware().files
    url = next(iter(plain))
    assert tuned[url] is not plain[url]
    assert dict(tuned[url].alternatives[0][2])["Cache-Control"] == "max-age=7, public"

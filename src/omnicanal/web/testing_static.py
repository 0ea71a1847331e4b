"""The test harness's one scan of the static files a process makes (conftest.py installs it).

Django's test `Client` builds its own middleware chain on its first request, and WhiteNoise's
middleware (WHITENOISE_USE_FINDERS, no autorefresh) then walks every app's static folder and builds a
response for each of its ~220 files: about 12 ms of CPU for every client. The suite makes thousands
of clients (one a test, and one a case in the permission matrices: 1,582 in the console's alone), so
a pass spent about a minute of CPU rebuilding the same table; a server process builds it once.

`share_the_finder_scan()` keeps what one middleware built and hands it to the next whose inputs are
the same: every setting WhiteNoise reads for it, and each file's path, size and modification time
(a changed, added or removed static file, or an overridden setting, builds afresh). The objects are
WhiteNoise's own and are never changed once built, so sharing them serves the same bytes and headers.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.contrib.staticfiles import finders

_scans: dict[tuple, dict] = {}
# Settings WhiteNoise's middleware reads while building the table (beside its own attributes).
READ = ("STATIC_URL", "STATIC_ROOT", "STATICFILES_DIRS", "STATICFILES_FINDERS", "STORAGES", "INSTALLED_APPS",
        "FORCE_SCRIPT_NAME", "WHITENOISE_MIMETYPES", "WHITENOISE_IMMUTABLE_FILE_TEST", "WHITENOISE_INDEX_FILE",
        "WHITENOISE_ADD_HEADERS_FUNCTION", "WHITENOISE_STATIC_PREFIX", "WHITENOISE_MAX_AGE", "WHITENOISE_CHARSET")


def _listing(middleware) -> dict[str, str]:
    """{url: path} as WhiteNoise's add_files_from_finders lists them (the first finder's file wins)."""
    files: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(None):
            prefix = (getattr(storage, "prefix", None) or "").strip("/")
            url = "".join((middleware.static_prefix, prefix, "/" if prefix else "", path.replace("\\", "/")))
            files.setdefault(url, storage.path(path))
    return files


def _inputs(middleware, files: dict[str, str], stats: dict[str, os.stat_result]) -> tuple:
    own = (type(middleware), middleware.static_prefix, middleware.max_age, middleware.allow_all_origins,
           middleware.charset, middleware.index_file, middleware.add_headers_function, middleware.use_finders)
    read = tuple(repr(getattr(settings, name, None)) for name in READ)
    on_disk = tuple((url, path, stats[path].st_size, stats[path].st_mtime_ns) for url, path in files.items())
    return own, read, on_disk


def shared_finder_scan(original: Callable) -> Callable:
    def add_files_from_finders(self) -> None:
        files = _listing(self)
        stats = {path: os.stat(path) for path in files.values()}
        key = _inputs(self, files, stats)
        built = _scans.get(key)
        if built is None:
            before = dict(self.files)
            original(self)
            built = _scans[key] = {url: found for url, found in self.files.items() if before.get(url) is not found}
        self.files.update(built)

    add_files_from_finders.original = original  # type: ignore[attr-defined]
    return add_files_from_finders


def share_the_finder_scan() -> None:
    from whitenoise.middleware import WhiteNoiseMiddleware

    if not hasattr(WhiteNoiseMiddleware.add_files_from_finders, "original"):
        WhiteNoiseMiddleware.add_files_from_finders = shared_finder_scan(WhiteNoiseMiddleware.add_files_from_finders)

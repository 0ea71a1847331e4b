"""Static files as served: hashed names, gzip copies and far-future caching once `collectstatic` ran.

WhiteNoise's CompressedManifestStaticFilesStorage writes, at `omnicanal collectstatic`, each file
under a name carrying a digest of its content (shop.3f1c….css) with a gzip copy beside it and a
manifest; `{% static %}` then names the hashed file, and WhiteNoise serves it compressed to whoever
accepts gzip, with `Cache-Control: max-age=315360000, public, immutable` (a new version is a new
name). Before any collectstatic (development, the tests, a bench without it), or for a file added
since, the plain name is used and served from the app's folder (WHITENOISE_USE_FINDERS), as before.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # never collected: the plain name
            return name
        try:
            return super().stored_name(name)
        except ValueError:  # collected before this file existed
            return name

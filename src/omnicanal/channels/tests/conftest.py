"""The channels tests' fixtures live in plugin.py, shared with other domains' tests (the bot's)."""

import pytest

from omnicanal.channels.tests.plugin import *  # noqa: F403  (the shared fixtures and constants, __all__)
from omnicanal.channels.tests.plugin import EMAIL, IG, META, SMS, TG, VOICE, WA, free_port  # noqa: F401  (imported from here)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")

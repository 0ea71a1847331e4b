"""The week's rows (conftest.py: `world`, `ana`, `bea`, `scenario`) built once for a test module
that imports these fixtures, instead of once per test (core/testing_db.py, SharedRows): each test
starts from them as built, its own changes rolled back after it. For modules whose tests read the
week and have no transactional test.

    from omnicanal.analytics.tests.shared_week import _week  # noqa: F401
    from omnicanal.analytics.tests.shared_week import world as _shared_world  # noqa: F401  (and ana, bea, scenario)
"""

import pytest

from omnicanal.analytics.tests.conftest import make_week
from omnicanal.core.testing_db import SharedRows


@pytest.fixture(scope="module")
def _week(django_db_setup, django_db_blocker):
    yield from SharedRows(django_db_blocker).around(make_week)


@pytest.fixture
def world(db, _week):
    return _week["world"]


@pytest.fixture
def ana(db, _week):
    return _week["ana"]


@pytest.fixture
def bea(db, _week):
    return _week["bea"]


@pytest.fixture
def scenario(db, _week):
    return _week["scenario"]

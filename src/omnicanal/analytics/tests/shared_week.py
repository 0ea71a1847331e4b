"""The week's rows (conftest.py: `world`, `ana`, `bea`, `scenario`) built once for a test module
that imports these fixtures, instead of once per test (core/testing_db.py, SharedRows): each test
starts from them as built, its own changes rolled back after it. For modules whose tests read the
week and have no transactional test.

    from omnicanal.analytics.tests.shared_week import (  # noqa: F401  (fixtures: world, ana, bea, scenario)
        _week, shared_ana, shared_bea, shared_scenario, shared_world)
"""

import pytest

from omnicanal.analytics.tests.conftest import make_week
from omnicanal.core.testing_db import SharedRows


@pytest.fixture(scope="module")
def _week(django_db_setup, django_db_blocker):
    yield from SharedRows(django_db_blocker).around(make_week)


@pytest.fixture(name="world")
def shared_world(db, _week):
    return _week["world"]


@pytest.fixture(name="ana")
def shared_ana(db, _week):
    return _week["ana"]


@pytest.fixture(name="bea")
def shared_bea(db, _week):
    return _week["bea"]


@pytest.fixture(name="scenario")
def shared_scenario(db, _week):
    return _week["scenario"]

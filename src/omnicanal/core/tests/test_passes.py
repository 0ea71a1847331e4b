"""Which pass runs a test (conftest.py, touches_no_database): a test that cannot reach the database
runs once, in the SQLite pass; anything that may reach it runs in both (docs/operations.md)."""

from types import SimpleNamespace

import pytest
from conftest import touches_no_database


def _item(*marks: str, fixtures: tuple[str, ...] = ()):
    markers = {name: getattr(pytest.mark, name).mark for name in marks}
    return SimpleNamespace(fixturenames=list(fixtures), get_closest_marker=markers.get)


def test_a_test_without_the_mark_or_a_database_fixture_runs_once(request):
    assert touches_no_database(request.node)  # this very test: no mark, no database fixture
    assert touches_no_database(_item(fixtures=("settings", "tmp_path")))


@pytest.mark.parametrize("item", [
    _item("django_db"),
    _item(fixtures=("db",)),
    _item(fixtures=("transactional_db",)),
    _item(fixtures=("live_server",)),
    _item(fixtures=("django_db_setup",)),  # a module's rows built once (SharedRows) reach the database
    _item("postgres"),
    _item("postgres", "database_free"),
], ids=["mark", "db", "transactional_db", "live_server", "shared_rows", "marked_pg", "marked_pg_and_free"])
def test_a_test_that_may_reach_the_database_runs_on_both(item):
    assert not touches_no_database(item)


def test_database_free_says_it_explicitly():
    assert touches_no_database(_item("database_free", fixtures=("settings",)))


def test_a_database_test_here_is_not_taken_for_one_that_touches_none(request, db):
    assert not touches_no_database(request.node)

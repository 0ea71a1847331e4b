"""core.testing's child processes: forked from a fork server that set Django up once, each still a
process of its own, on its own connection to this test's database, seeing what the test committed
and writing what the test then reads."""

import os

import pytest
from django.db import connection

from omnicanal.core import testing
from omnicanal.core.models import User


def child_facts(username: str) -> dict:
    """In a child: who it is, what it was set up from, what it reads and writes."""
    import sys

    from django.conf import settings
    from django.db import connection as child_connection

    from omnicanal.core.services import do_create_staff_user

    sees = User.objects.filter(username=username).exists()
    do_create_staff_user(username=f"{username}-{os.getpid()}", password="child-pass-1", role="agent", locations=[])
    with child_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"pid": os.getpid(), "database": str(settings.DATABASES["default"]["NAME"]), "sees": sees,
            "forked": testing.PRELOAD in sys.modules}


@pytest.mark.django_db(transaction=True)
def test_children_fork_from_the_set_up_server_and_work_on_the_test_database(monkeypatch):
    from omnicanal.core.services import do_create_staff_user

    monkeypatch.delenv("TEST_CHILD_START", raising=False)  # the default, whatever the run asked for

    # given a row the test committed
    do_create_staff_user(username="parent", password="parent-pass-1", role="agent", locations=[])
    # when three children run at once
    facts = testing.run_in_processes(f"{__name__}:child_facts", [("parent",)] * 3)
    # then each is a process of its own, forked from the fork server, on this test's database
    assert len({fact["pid"] for fact in facts} | {os.getpid()}) == 4
    assert all(fact["forked"] for fact in facts)
    assert {fact["database"] for fact in facts} == {str(connection.settings_dict["NAME"])}
    assert all(fact["sees"] for fact in facts)
    # and what they wrote is committed, for the test to read
    assert User.objects.filter(username__startswith="parent-").count() == 3
    # a second call reuses the fork server: still forked, still fresh processes
    again = testing.run_in_processes(f"{__name__}:child_facts", [("parent",)])
    assert again[0]["forked"] and again[0]["pid"] not in {fact["pid"] for fact in facts}


@pytest.mark.django_db(transaction=True)
def test_test_child_start_spawn_starts_fresh_interpreters(monkeypatch):
    monkeypatch.setenv("TEST_CHILD_START", "spawn")
    [fact] = testing.run_in_processes(f"{__name__}:child_facts", [("nobody",)])
    assert not fact["forked"] and not fact["sees"]
    assert User.objects.filter(username__startswith="nobody-").count() == 1

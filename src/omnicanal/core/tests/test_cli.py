import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from omnicanal.core.auth import authenticate_key

pytestmark = pytest.mark.django_db


def test_apikey_create_prints_a_working_key_as_the_last_line(capsys):
    call_command("apikey", "create", "--role", "store_staff", "--location", "SCL-CENTRO", "--name", "pos-1")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    principal = authenticate_key(key)
    assert principal is not None
    assert principal.role == "store_staff" and principal.locations == frozenset({"SCL-CENTRO"})


def test_apikey_create_refuses_an_unknown_role():
    with pytest.raises((CommandError, SystemExit)):
        call_command("apikey", "create", "--role", "emperor")


def test_demo_loads_once_and_reruns_harmlessly(capsys):
    from omnicanal.core.models import DemoStep, User

    call_command("demo", "--quiet")
    users = User.objects.count()
    call_command("demo")
    assert User.objects.count() == users >= 7
    assert set(User.objects.values_list("role", flat=True)) >= {"admin", "manager", "agent", "store_staff", "marketer"}
    assert DemoStep.objects.filter(app="core").count() == 1
    # the re-run prints the logins generated at the first load, and they work
    printed = capsys.readouterr().out
    key = next(word for line in printed.splitlines() if "API key" in line for word in line.split() if word.startswith("ok_"))
    assert authenticate_key(key) is not None

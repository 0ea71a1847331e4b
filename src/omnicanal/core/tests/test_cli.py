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

"""Issue 13, least privilege: integration keys carry scopes (orders, catalog, stock, customers-pii,
conversations); the rule lives in core.auth (Principal.scopes, require_scope, require_role(scope=))."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from omnicanal.core.auth import authenticate_key, require_role, require_scope
from omnicanal.core.errors import Forbidden, ValidationFailed
from omnicanal.core.models import ApiKey, AuditEntry
from omnicanal.core.services import do_create_api_key, do_set_api_key_scopes

pytestmark = pytest.mark.django_db


def _created_key(capsys):
    return authenticate_key(capsys.readouterr().out.strip().splitlines()[-1])


def test_apikey_create_with_scopes_gives_a_key_that_reaches_only_them(capsys):
    # when an operator creates an integration key for orders and stock
    call_command("apikey", "create", "--role", "integration", "--scope", "orders", "--scope", "stock")
    principal = _created_key(capsys)
    # then it holds exactly those scopes, and the rule refuses the others
    assert principal.scopes == frozenset({"orders", "stock"})
    assert require_role(principal, "integration", scope="orders") is principal
    for scope in ("catalog", "customers-pii", "conversations"):
        with pytest.raises(Forbidden):
            require_scope(principal, scope)
    assert not principal.sees_pii


def test_an_integration_key_without_scopes_gets_the_safe_default(capsys):
    call_command("apikey", "create", "--role", "integration")
    assert _created_key(capsys).scopes == frozenset({"orders", "catalog", "stock"})


def test_other_roles_are_not_scoped_and_unknown_scopes_are_refused(capsys):
    call_command("apikey", "create", "--role", "agent")
    agent = _created_key(capsys)
    assert agent.scopes is None and agent.sees_pii and require_scope(agent, "conversations") is agent
    with pytest.raises(ValidationFailed):
        do_create_api_key(role="agent", scopes=["orders"])
    with pytest.raises(ValidationFailed):
        do_create_api_key(role="integration", scopes=["everything"])
    with pytest.raises((CommandError, SystemExit)):
        call_command("apikey", "create", "--role", "integration", "--scope", "everything")


def test_scopes_can_be_changed_and_the_change_is_audited(capsys):
    issued = do_create_api_key(role="integration", name="erp")
    call_command("apikey", "scopes", issued.key.prefix, "--scope", "orders", "--scope", "customers-pii")
    assert authenticate_key(issued.secret).scopes == frozenset({"orders", "customers-pii"})
    entry = AuditEntry.objects.get(action="apikey.scopes")
    assert entry.after == {"scopes": ["customers-pii", "orders"]}
    with pytest.raises(ValidationFailed):
        do_set_api_key_scopes(prefix=do_create_api_key(role="manager").key.prefix, scopes=["orders"])


def test_the_migration_gives_existing_integration_keys_orders_catalog_and_stock_only():
    # given keys as they were before scopes (none recorded)
    integration = do_create_api_key(role="integration").key
    manager = do_create_api_key(role="manager").key
    ApiKey.objects.filter(pk__in=[integration.pk, manager.pk]).update(scopes=[])
    # when the data step of core/0005 runs
    migration = importlib.import_module("omnicanal.core.migrations.0005_apikey_scopes")
    migration.existing_integration_keys(apps, None)
    # then the integration key reaches no personal data and no conversations; other roles are unscoped
    integration.refresh_from_db()
    manager.refresh_from_db()
    assert sorted(integration.scopes) == ["catalog", "orders", "stock"]
    assert manager.scopes == []


def test_me_tells_a_key_its_scopes(api, issue_key):
    me = api.as_(issue_key("integration", scopes=["catalog"])).get("/me").json()
    assert me["scopes"] == ["catalog"]
    assert api.get("/me").json()["scopes"] is None

"""Issue 14 item 6: customers' rights live in customers/roles.py only; the API and the console read
the same tuples, so a role a right leaves out gets 403 from the API and no such action in the console."""


import pytest
from django.db import transaction

from omnicanal.core.services import do_create_staff_user
from omnicanal.core.testing import role_literals
from omnicanal.customers import roles

pytestmark = pytest.mark.django_db

DOMAIN = "customers"


def sign_in(client, role, locations=()):
    with transaction.atomic():
        user = do_create_staff_user(username=f"{role}-roles", password="secret-pass", role=role,
                                    locations=list(locations))
    client.force_login(user)


def test_a_role_privacy_leaves_out_gets_403_and_no_export_link(api, client, issue_key, customer):
    assert "agent" not in roles.PRIVACY and "agent" in roles.READ
    export = f"/console/customers/{customer.public_id}/export/"
    assert api.as_(issue_key("agent")).get(f"/customers/{customer.public_id}/export").status_code == 403
    sign_in(client, "agent")
    page = client.get(f"/console/customers/{customer.public_id}/")
    assert page.status_code == 200 and export not in page.content.decode()
    assert client.get(export).status_code == 403

    sign_in(client, "manager")  # the tuple's role: offered and allowed
    assert export in client.get(f"/console/customers/{customer.public_id}/").content.decode()
    assert api.get(f"/customers/{customer.public_id}/export").status_code == 200


def test_a_role_merging_leaves_out_gets_403_and_no_merge_form(api, client, issue_key, identify, customer):
    other = identify("web", ("email", "otra@example.cl"), name="Otra").customer
    assert "store_staff" not in roles.MERGE
    clerk = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    assert clerk.post(f"/customers/{customer.public_id}/merge", {"other_id": other.public_id}).status_code == 403
    sign_in(client, "store_staff", ["SCL-CENTRO"])
    page = client.get(f"/console/customers/{customer.public_id}/").content.decode()
    assert f"/console/customers/{customer.public_id}/merge/" not in page
    sign_in(client, "agent")  # the tuple's role: offered
    assert f"/console/customers/{customer.public_id}/merge/" in \
        client.get(f"/console/customers/{customer.public_id}/").content.decode()


def test_allows_is_the_tuple_plus_admins():
    assert roles.allows("admin", roles.PRIVACY) and roles.allows("manager", roles.PRIVACY)
    assert not roles.allows("marketer", roles.WRITE)


def test_no_role_name_is_written_outside_roles_py():
    assert role_literals(DOMAIN) == []

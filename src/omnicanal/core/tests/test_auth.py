import pytest

from omnicanal.core.models import ApiKey
from omnicanal.core.services import do_create_api_key, do_revoke_api_key

pytestmark = [pytest.mark.django_db, pytest.mark.urls("omnicanal.core.tests.testapi")]


def test_keys_are_hashed_at_rest():
    issued = do_create_api_key(role="integration", name="erp")
    stored = ApiKey.objects.get(pk=issued.key.pk)
    secret = issued.secret.split("_")[2]
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64


def test_store_staff_key_acts_on_its_own_locations_only(api, issue_key):
    clerk = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    assert clerk.post("/v1/locations/SCL-CENTRO/count").status_code == 200
    response = clerk.post("/v1/locations/VAP-PLAZA/count")
    assert response.status_code == 403
    assert response.json()["type"].endswith("forbidden")


def test_a_manager_acts_on_every_location(api, issue_key):
    assert api.as_(issue_key("manager")).post("/v1/locations/VAP-PLAZA/count").status_code == 200


def test_a_role_without_the_right_gets_403(api, issue_key):
    response = api.as_(issue_key("marketer")).post("/v1/locations/SCL-CENTRO/count")
    assert response.status_code == 403


def test_a_revoked_key_is_refused(api):
    issued = do_create_api_key(role="admin")
    do_revoke_api_key(prefix=issued.key.prefix)
    response = api.as_({"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}).post("/v1/locations/X/count")
    assert response.status_code == 401


def test_a_key_with_a_wrong_secret_is_refused(api):
    issued = do_create_api_key(role="admin")
    forged = issued.secret[:-1] + ("a" if issued.secret[-1] != "a" else "b")
    assert api.as_({"HTTP_AUTHORIZATION": f"Bearer {forged}"}).post("/v1/locations/X/count").status_code == 401


def test_store_staff_need_a_location():
    from omnicanal.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        do_create_api_key(role="store_staff")
    assert caught.value.errors[0].field == "locations"

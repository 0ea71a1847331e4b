import pytest
from django.core.management import call_command

from omnicanal.core import i18n

pytestmark = pytest.mark.django_db


def test_health_reports_database_migrations_and_worker(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["migrations"]) == ("ok", "ok", "ok")
    assert body["worker"]["status"] == "not seen"


def test_health_names_the_node_that_answered(client, settings):
    settings.OMNICANAL_NODE = "web2"
    response = client.get("/health")
    assert response.json()["node"] == "web2"
    assert response["X-Omnicanal-Node"] == "web2"


def test_health_sees_the_worker_heartbeat(client):
    from omnicanal.core.services import do_record_heartbeat

    do_record_heartbeat(name="worker")
    assert client.get("/health").json()["worker"]["status"] == "ok"


def test_api_docs_and_openapi_are_served(client):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me" in schema["paths"]


def test_me_tells_the_credential_and_its_scope(api, issue_key):
    clerk = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    assert clerk.get("/me").json() == {
        "kind": "apikey", "id": clerk.get("/me").json()["id"], "name": "test", "role": "store_staff", "locations": ["SCL-CENTRO"],
        "scopes": None,  # only integration keys have scopes (issue 13)
    }


def test_unknown_api_paths_answer_a_404_problem(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"


def test_problem_types_document_themselves(client):
    response = client.get("/problems/insufficient-stock")
    assert response.status_code == 200
    assert b"409" in response.content
    assert client.get("/problems/no-such-problem").status_code == 404


def test_the_console_asks_to_sign_in(client):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_a_clerk_signs_in_and_sees_the_home_in_spanish(client):
    from omnicanal.core.services import do_create_staff_user

    do_create_staff_user(username="clerk", password="secret-pass", role="store_staff", locations=["SCL-CENTRO"], first_name="Ana")
    response = client.post("/console/login/", {"username": "clerk", "password": "secret-pass"}, follow=True)
    assert response.status_code == 200
    assert b"Hola, Ana" in response.content
    assert b"Estado del sistema" in response.content


def test_the_language_switch_turns_the_console_english(client):
    from omnicanal.core.services import do_create_staff_user

    user = do_create_staff_user(username="m", password="secret-pass", role="manager", first_name="Ana")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert b"Hello, Ana" in client.get("/console/").content


def test_wrong_password_is_refused_in_the_reader_s_language(client):
    response = client.post("/console/login/", {"username": "nobody", "password": "wrong-pass"})
    assert "Usuario o contraseña incorrectos".encode() in response.content


def test_only_admins_enter_the_django_admin(client):
    from omnicanal.core.services import do_create_staff_user

    manager = do_create_staff_user(username="m", password="secret-pass", role="manager")
    admin = do_create_staff_user(username="a", password="secret-pass", role="admin")
    client.force_login(manager)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_every_spanish_catalogue_is_complete():
    missing = {str(p): i18n.untranslated(p) for p in i18n.catalogues() if "/es/" in str(p)}
    assert {path: ids for path, ids in missing.items() if ids} == {}


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_settings_need_a_secret_key_outside_the_embedded_default(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PYTEST_VERSION", "OMNICANAL_TESTING"}}
    env.update(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", OMNICANAL_VAR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", "import omnicanal.web.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_the_embedded_default_generates_and_keeps_a_secret_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "PYTEST_VERSION", "OMNICANAL_TESTING"}}
    env["OMNICANAL_VAR"] = str(tmp_path)
    code = "from omnicanal.web import settings; print(settings.SECRET_KEY)"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert first == again and len(first.strip()) > 40
    assert (tmp_path / "secret_key").exists()


def test_every_admin_list_page_opens_for_an_admin(client):
    from django.contrib import admin as django_admin
    from django.urls import reverse

    from omnicanal.core.services import do_create_staff_user

    client.force_login(do_create_staff_user(username="a", password="secret-pass", role="admin"))
    for model in django_admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url

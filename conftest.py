"""Test harness shared by every domain's tests (fixtures documented in docs/architecture.md)."""

import os
from pathlib import Path

os.environ.setdefault("OMNICANAL_TESTING", "1")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-000000")

import pytest  # noqa: E402

# The rows data migrations seed, put back after each flush of a transactional test (core/testing_db.py):
# {app label: ["module:function"]}, the function the migration's RunPython calls.
MIGRATION_SEEDS = {"catalog": ["omnicanal.catalog.migrations.0001_initial:create_default_channels"]}


def pytest_configure(config):
    from django.db.models.signals import post_migrate
    from hypothesis import HealthCheck, settings

    # Property tests assert rules, never speed: no per-example deadline and no "too slow" health check
    # (CI runs both database passes side by side on two cores; a loaded example is not a failure).
    # A test's own @settings still sets its examples.
    settings.register_profile("omnicanal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("omnicanal")

    from omnicanal.core import i18n, testing_db
    from omnicanal.web import testing_static

    # Empty the PostgreSQL tables between transactional tests with DELETE, not TRUNCATE (seconds each).
    # TEST_FLUSH=truncate keeps Django's TRUNCATE (to compare, or to rule the harness out).
    if os.environ.get("TEST_FLUSH") != "truncate":
        testing_db.install_row_flush()
    # COMMIT without waiting for the disk (PostgreSQL; core/testing_db.py). TEST_SYNC_COMMIT=1: wait.
    if os.environ.get("TEST_SYNC_COMMIT") != "1":
        testing_db.commits_skip_the_disk_wait()
    post_migrate.connect(testing_db.reseed(MIGRATION_SEEDS), weak=False, dispatch_uid="omnicanal_test_reseed")
    # Each test client's WhiteNoise reuses the static files' table the last one built from the same
    # files and settings (web/testing_static.py): ~12 ms of CPU a client, thousands of clients a pass.
    testing_static.share_the_finder_scan()

    if i18n.compile_all():
        # Django was set up before this hook and may have cached catalogues without the new .mo files.
        from django.utils.translation import trans_real

        trans_real._translations.clear()
        trans_real._default = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with later sessions' commits not waiting for the disk either
    (the worker subprocesses of the multi-process tests; core/testing_db.py)."""
    from django.db import connections

    from omnicanal.core import testing_db

    if os.environ.get("TEST_SYNC_COMMIT") != "1":
        with django_db_blocker.unblock():
            for alias in connections:
                if not connections[alias].settings_dict.get("TEST", {}).get("MIRROR"):
                    testing_db.database_skips_the_disk_wait(connections[alias])


def chromium_path() -> str:
    """Debian's chromium: CHROMIUM_PATH when set (only there), else `chromium` on the PATH."""
    import shutil

    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


NO_BROWSER = "no chromium at {path}: the browser tests are skipped (REQUIRE_BROWSER=1 makes this a failure)"


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    # Without Debian's chromium the browser tests skip, loudly (see pytest_terminal_summary), unless
    # REQUIRE_BROWSER=1 (CI), where the `_chromium` fixture fails them.
    path = chromium_path()
    if os.environ.get("REQUIRE_BROWSER") != "1" and not os.path.exists(path):
        skip_browser = pytest.mark.skip(reason=NO_BROWSER.format(path=path))
        for item in items:
            if "browser" in item.keywords or "_chromium" in getattr(item, "fixturenames", ()):
                item.add_marker(skip_browser)
    if connection.vendor == "postgresql":
        # A test that touches no database proves the same thing on both passes: the SQLite pass runs it.
        once = pytest.mark.skip(reason="touches no database: runs once, in the SQLite pass")
        for item in items:
            if touches_no_database(item):
                item.add_marker(once)
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass (make test-postgres)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# pytest-django's fixtures that open the test database to a test (directly or through the test's own
# fixtures: a module's SharedRows fixture asks for django_db_setup).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_setup", "django_db_reset_sequences",
                               "django_db_serialized_rollback"})


def touches_no_database(item) -> bool:
    """The PostgreSQL pass's rule (docs/operations.md, "The test run"): a test that neither carries the
    django_db mark nor asks for a database fixture cannot reach the database (pytest-django refuses
    it the connection), so it proves the same thing on both passes and runs once, in the SQLite pass.
    `database_free` says it of a test explicitly; `postgres` keeps a test in the PostgreSQL pass."""
    if item.get_closest_marker("postgres"):
        return False
    if item.get_closest_marker("database_free"):
        return True
    return item.get_closest_marker("django_db") is None and not DATABASE_FIXTURES & set(
        getattr(item, "fixturenames", ()))


REPORT = "ci_report"  # a user property: crosses from pytest-xdist's workers to the run's summary


@pytest.fixture
def ci_report(request):
    """ci_report(text): a figure or report that belongs in `make test`'s output, passed or not (the
    invariant report, the fuzzing and permission counts). Printed in the run's summary: output a
    test prints itself is captured, and lost under pytest-xdist's workers."""

    def add(text: str) -> None:
        request.node.user_properties.append((REPORT, text))

    return add


def pytest_terminal_summary(terminalreporter):
    reports = [(r.nodeid, value) for r in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []) if r.when == "call" for key, value in r.user_properties if key == REPORT]
    if reports:
        terminalreporter.section("reports")
        for nodeid, text in reports:
            terminalreporter.write_line(f"{nodeid}:")
            terminalreporter.write_line(text)
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "no chromium at" in str(r.longrepr)]
    if skipped:
        bar = "!" * 76
        terminalreporter.write_line("")
        terminalreporter.write_line(bar)
        terminalreporter.write_line(f"!!  SKIPPED: {len(skipped)} browser tests. No chromium at {chromium_path()}")
        terminalreporter.write_line("!!  Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.")
        terminalreporter.write_line("!!  The console's pages are unproven in a browser.")
        terminalreporter.write_line(bar)


def pytest_report_header(config):
    from django.db import connection

    return f"omnicanal database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(autouse=True)
def _audit_purge_for_flush():
    """Transactional tests flush tables between tests; only then may the audit log be emptied."""
    from omnicanal.core import audit

    audit.allow_purge_for_tests(True)
    yield
    audit.allow_purge_for_tests(True)


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Per-process memos (core/memo.py) start empty in every test: a rolled back or flushed database
    sends no signal to forget what the last test read."""
    from omnicanal.core import memo

    memo.forget_all()
    yield
    memo.forget_all()


@pytest.fixture
def issue_key(db):
    """issue_key(role, locations=(), scopes=None) -> a Bearer header dict for a fresh API key
    (integration keys: `scopes`, default orders, catalog and stock)."""
    from omnicanal.core.services import do_create_api_key

    def issue(role="admin", locations=(), name="test", scopes=None):
        issued = do_create_api_key(role=role, locations=list(locations), name=name,
                                   scopes=list(scopes) if scopes is not None else None)
        return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}

    return issue


@pytest.fixture
def api(client, issue_key):
    """A JSON client for /api/v1 authenticated as an admin key: api.post("/path", {...})."""
    return ApiClient(client, issue_key("admin"))


class ApiClient:
    def __init__(self, client, auth):
        self.client = client
        self.auth = auth

    def as_(self, auth):
        return ApiClient(self.client, auth)

    def _url(self, path):
        if path.startswith("/api/"):
            return path
        return f"/api{path}" if path.startswith("/v1/") else f"/api/v1{path}"

    def _send(self, method, path, body=None, headers=None, raw=None):
        import json

        extra = {**self.auth, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}}
        call = getattr(self.client, method)
        if method in {"get", "delete"} and body is None and raw is None:
            return call(self._url(path), **extra)
        # No body means an empty one, as an HTTP client sends it (not Django's empty multipart form).
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return call(self._url(path), data, content_type="application/json", **extra)

    def get(self, path, **kw):
        return self._send("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self._send("delete", path, **kw)


@pytest.fixture(scope="session")
def _chromium():
    """One headless Debian chromium for the session, driven by Playwright (never its own browser)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not os.path.exists(executable):
        pytest.fail(f"Debian's chromium is needed for browser tests (apt-get install -y chromium); not at {executable}")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium):
    context = _chromium.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def staff(transactional_db):
    """staff(role, locations=(), username=None) -> a console user whose password is 'secret-pass'."""
    from omnicanal.core.services import do_create_staff_user

    def make(role="admin", locations=(), username=None):
        return do_create_staff_user(
            username=username or f"{role}-user", password="secret-pass", role=role, locations=list(locations),
            first_name=role.title(),
        )

    return make


@pytest.fixture
def console_login(page, live_server):
    """console_login(user) signs a user into the console in the browser page and returns the page."""

    def login(user, password="secret-pass"):
        page.goto(f"{live_server.url}/console/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/console/**")
        return page

    return login


AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """axe(page) -> the serious and critical accessibility violations on the page (vendored axe-core,
    evaluated through the DevTools protocol, so the page's CSP does not block it)."""

    def run(page, *, impacts=("serious", "critical")) -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        result = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts
        ]

    return run

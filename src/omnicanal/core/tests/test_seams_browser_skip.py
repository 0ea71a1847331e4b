"""`make test` on a machine without chromium: the browser tests skip with a banner, and fail instead
when REQUIRE_BROWSER=1 (CI). Run in a child pytest, as the Makefile runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
BROWSER_TEST = "src/omnicanal/inventory/tests/test_browser.py"


def run_browser_tests(**env) -> subprocess.CompletedProcess:
    child_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DB_NAME", "REQUIRE_BROWSER")}
    child_env.update(PYTHONPATH=str(ROOT / "src"), CHROMIUM_PATH="/nonexistent/chromium", **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", BROWSER_TEST], cwd=ROOT,
                          env=child_env, capture_output=True, text=True, timeout=300)


@pytest.mark.database_free
def test_without_chromium_the_browser_tests_skip_with_a_banner():
    # Given no chromium where the tests look for it
    # When the browser tests run
    result = run_browser_tests()
    # Then they pass as skipped, and the run says so loudly
    assert result.returncode == 0, result.stdout[-2000:]
    assert "skipped" in result.stdout and "passed" not in result.stdout
    assert "!!  SKIPPED:" in result.stdout and "browser tests. No chromium at /nonexistent/chromium" in result.stdout


@pytest.mark.database_free
def test_without_chromium_the_browser_tests_fail_when_required():
    # Given no chromium, and REQUIRE_BROWSER=1 as CI sets it
    # When the browser tests run
    result = run_browser_tests(REQUIRE_BROWSER="1")
    # Then the run fails, naming what is missing
    assert result.returncode != 0
    assert "chromium is needed for browser tests" in result.stdout

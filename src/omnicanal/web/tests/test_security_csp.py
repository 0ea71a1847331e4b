"""Every HTML page carries a strict Content-Security-Policy with a fresh nonce; templates hold no inline
script nor inline event handler; the site-wide security headers are set."""

import re
from pathlib import Path

import pytest

from omnicanal.core.services import do_create_staff_user

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.fixture
def agent_client(client, db):
    client.force_login(do_create_staff_user(username="agente", password="secret-pass", role="agent"))
    return client


def _directives(header: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in header.split(";") if part.strip()}


def test_console_pages_carry_a_strict_policy_with_a_fresh_nonce(agent_client):
    # given a signed-in agent / when they open the inbox twice
    first = agent_client.get("/console/conversations/")
    second = agent_client.get("/console/conversations/")
    # then each answer has a policy allowing only our scripts and that request's nonce
    policy = _directives(first["Content-Security-Policy"])
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert policy["img-src"] == "'self' data:" and policy["connect-src"].startswith("'self' ")
    assert nonce not in second["Content-Security-Policy"]
    # and every script tag of the page is one of ours (a src) carrying the nonce or loaded from 'self'
    html = first.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert f'nonce="{nonce}"' in html  # htmx's tag carries it


def test_the_login_page_and_errors_carry_the_policy_too(client, db):
    # given nobody signed in / when the login page and a missing page are asked for
    for path, status in (("/console/login/", 200), ("/console/no-such-page/", 404)):
        answer = client.get(path)
        # then both are HTML under the policy, with the site-wide headers
        assert answer.status_code == status
        assert "script-src 'self' 'nonce-" in answer["Content-Security-Policy"]
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["Referrer-Policy"] == "same-origin"


def test_templates_hold_no_inline_script_nor_event_handler():
    # given every template of every domain
    offenders = []
    for template in PACKAGE.glob("*/templates/**/*.html"):
        text = template.read_text()
        # then scripts come from files (src=) and no element has an on...= handler or a javascript: URL
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{template.name}: {tag}")
        offenders += [f"{template.name}: {m}" for m in re.findall(r"<[^>]*\son[a-z]+\s*=[^>]*>", text)]
        offenders += [f"{template.name}: javascript:" for _m in re.findall(r"javascript:", text, re.I)]
        # and a <style> element carries the nonce
        offenders += [f"{template.name}: {tag}" for tag in re.findall(r"<style\b[^>]*>", text) if "csp_nonce" not in tag]
    assert offenders == []

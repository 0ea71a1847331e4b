"""First start (issue 23 item 3): the installer maps pip's configuration to uv, and `prepare` (what
`make run` runs before serving) migrates and loads only what is not done yet."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[4]


def _install_tool():
    spec = importlib.util.spec_from_file_location("install_tool", ROOT / "tools" / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pip_config_later_scopes_win_and_values_are_unquoted(monkeypatch):
    tool = _install_tool()
    listed = ("global.find-links='/opt/wheels'\n"
              "global.extra-index-url='file:///a/simple file:///b/simple'\n"
              ":env:.find-links='/srv/wheels'\n"
              "user.index-url='https://mirror.example/simple'\n"
              "not a setting\n")

    class Done:
        stdout = listed

    monkeypatch.setattr(tool.subprocess, "run", lambda *a, **k: Done())
    config = tool.pip_config("python")
    assert config == {"find-links": "/srv/wheels", "extra-index-url": "file:///a/simple file:///b/simple",
                      "index-url": "https://mirror.example/simple"}


def test_uv_gets_pips_indexes_find_links_constraints_and_certificate(tmp_path, monkeypatch):
    tool = _install_tool()
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    caps = tmp_path / "caps.txt"
    caps.write_text("torch<=2\n")
    args, env = tool.uv_options({
        "index-url": "https://mirror.example/simple",
        "extra-index-url": "file:///a/simple file:///b/simple",
        "find-links": "/opt/wheels",
        "constraint": f"{caps} {tmp_path / 'missing.txt'}",
        "cert": "/etc/ssl/certs/ca.crt",
        "default-timeout": "180",
    })
    assert args == ["--index-url", "https://mirror.example/simple",
                    "--extra-index-url", "file:///a/simple", "--extra-index-url", "file:///b/simple",
                    "--find-links", "/opt/wheels", "--constraint", str(caps),
                    "--index-strategy", "unsafe-best-match"]
    assert env == {"SSL_CERT_FILE": "/etc/ssl/certs/ca.crt", "UV_HTTP_TIMEOUT": "180"}


def test_no_pip_configuration_means_plain_uv():
    assert _install_tool().uv_options({}) == ([], {})


def test_uv_failing_falls_back_to_pip(monkeypatch):
    tool = _install_tool()
    calls = []
    monkeypatch.setattr(tool, "with_uv", lambda python, reqs: calls.append("uv") or False)
    monkeypatch.setattr(tool, "with_pip", lambda python, reqs: calls.append("pip") or True)
    monkeypatch.delenv("INSTALLER", raising=False)
    assert tool.main(["python"]) == 0
    assert calls == ["uv", "pip"]


@pytest.mark.django_db
def test_prepare_on_a_prepared_database_migrates_and_loads_nothing(monkeypatch):
    from omnicanal.core import clock
    from omnicanal.core.management.commands import prepare
    from omnicanal.core.models import DemoStep

    for app_name in settings.OMNICANAL_APPS:
        label = next(c.label for c in apps.get_app_configs() if c.name == app_name)
        DemoStep.objects.create(app=label, seed=2026, loaded_at=clock.now())
    monkeypatch.setattr(prepare, "call_command", _refuse_migrate(prepare.call_command))
    out = io.StringIO()
    call_command("prepare", stdout=out)
    printed = out.getvalue()
    assert "no migration to apply" in printed
    assert "Demo already loaded: nothing to do." in printed
    assert "Loading demo data" not in printed
    assert DemoStep.objects.count() == len(settings.OMNICANAL_APPS)


def _refuse_migrate(real):
    def call(name, *args, **kwargs):
        assert name != "migrate", "a migrated database is not migrated again"
        return real(name, *args, **kwargs)
    return call


@pytest.mark.django_db
def test_prepare_loads_only_the_apps_whose_demo_is_missing():
    from omnicanal.core import clock
    from omnicanal.core.models import DemoStep, User

    for app_name in settings.OMNICANAL_APPS:
        label = next(c.label for c in apps.get_app_configs() if c.name == app_name)
        if label != "core":
            DemoStep.objects.create(app=label, seed=2026, loaded_at=clock.now())
    out = io.StringIO()
    call_command("prepare", stdout=out)
    printed = out.getvalue()
    assert "Loading demo data: core..." in printed and printed.count("Loading demo data") == 1
    assert "Demo loaded in" in printed
    assert User.objects.filter(role="admin").exists()
    assert DemoStep.objects.filter(app="core").count() == 1

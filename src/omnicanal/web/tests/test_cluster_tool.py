"""deploy/cluster.py's own promises that need no cluster: it refuses loudly without HAProxy, and the
cluster's processes never inherit the test runner's test mode."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def tool():
    spec = importlib.util.spec_from_file_location("omnicanal_deploy_cluster", ROOT / "deploy" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_haproxy_and_without_root_it_fails_saying_why(tool, monkeypatch):
    monkeypatch.setattr(tool.shutil, "which", lambda name: None)
    monkeypatch.setattr(tool.os.path, "exists", lambda path: False)
    monkeypatch.setattr(tool.os, "geteuid", lambda: 1000)
    with pytest.raises(tool.ClusterError, match="HAProxy is not installed"):
        tool.haproxy_binary()


def test_the_cluster_processes_do_not_run_in_test_mode(tool, monkeypatch):
    monkeypatch.setenv("OMNICANAL_TESTING", "1")
    monkeypatch.setenv("PYTEST_VERSION", "8")
    monkeypatch.setenv("TEST_DB_NAME", "test_x")
    state = {"env": {"DATABASE_URL": "postgres://db/omnicanal_cluster", "REDIS_URL": "redis://r/12"}}
    env = tool.process_env(state, "web2")
    assert not {"OMNICANAL_TESTING", "PYTEST_VERSION", "TEST_DB_NAME"} & set(env)
    assert (env["DATABASE_URL"], env["REDIS_URL"], env["OMNICANAL_NODE"]) == (
        "postgres://db/omnicanal_cluster", "redis://r/12", "web2")
    assert env["PYTHONPATH"].split(":")[0] == str(ROOT / "src")


def test_the_balancer_config_checks_and_pins_nodes(tool):
    import shutil
    import subprocess

    cfg = tool.HAPROXY_CFG.read_text()
    assert "use-server web1 if { req.hdr(x-omnicanal-node) -m str web1 }" in cfg
    assert "http-check expect status 200" in cfg and "timeout tunnel" in cfg
    binary = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if not binary:  # never installed from here: the PostgreSQL pass installs it, or fails loudly
        pytest.skip("no haproxy here: the cluster tests (PostgreSQL pass) install it or fail")
    assert subprocess.run([binary, "-c", "-q", "-f", str(tool.HAPROXY_CFG)]).returncode == 0


@pytest.mark.database_free
def test_only_an_own_postgresql_is_ever_restarted_and_it_keeps_commits_it_answered(tool):
    # the machine's server is shared: a cluster on it refuses the drill's restart
    with pytest.raises(tool.ClusterError, match="never restarted"):
        tool.restart_postgres({"database": "omnicanal_cluster"})
    # speed, but no answered commit lost to a crash of the server (synchronous_commit off would)
    assert tool.PG_SETTINGS["fsync"] == "off" and "synchronous_commit" not in tool.PG_SETTINGS
    assert tool._ports(18200)["postgres"] == 18205
    assert tool._database_urls("omnicanal_cluster", "postgres://postgres@127.0.0.1:18205/postgres") == (
        "postgres://postgres@127.0.0.1:18205/postgres", "postgres://postgres@127.0.0.1:18205/omnicanal_cluster")

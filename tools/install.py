"""Install the project into a virtualenv with uv, falling back to pip: `make install` runs it.

    python tools/install.py VENV_PYTHON [requirement ...]   (default requirement: -e .[dev])

uv (pinned in constraints.txt, itself installed from PyPI by pip) resolves and installs the pinned
constraints several times faster than pip. uv does not read pip's configuration, so the indexes,
find-links, constraints and certificate that pip would use on this machine (`pip config list`:
its files and PIP_* variables) are handed to uv as options. When uv cannot be installed or fails,
pip installs as before: the install never depends on uv. INSTALLER=pip forces pip.
"""

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
# pip's scopes, lowest precedence first: a later scope's value wins, as in pip.
SCOPES = ("global", "user", "site", ":env:")


def pip_config(python: str) -> dict[str, str]:
    """pip's effective settings (`pip config list`), keyed by option name without the scope."""
    try:
        listed = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    by_scope: dict[str, dict[str, str]] = {}
    for line in listed.splitlines():
        key, sep, value = line.partition("=")
        scope, dot, name = key.rpartition(".")
        if not sep or not dot:
            continue
        by_scope.setdefault(scope, {})[name] = value.strip().strip("'\"")
    merged: dict[str, str] = {}
    for scope in SCOPES:
        merged.update(by_scope.get(scope, {}))
    return merged


def uv_options(config: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """pip's settings as uv's command-line options and environment."""
    args: list[str] = []
    env: dict[str, str] = {}
    if url := config.get("index-url"):
        args += ["--index-url", url]
    for url in config.get("extra-index-url", "").split():
        args += ["--extra-index-url", url]
    for place in config.get("find-links", "").split():
        args += ["--find-links", place]
    for path in config.get("constraint", "").split():
        if Path(path).exists():
            args += ["--constraint", path]
    if "extra-index-url" in config or "find-links" in config:
        # pip picks the best version across every index; uv by default stops at the first index
        # that knows a name, which may be a local mirror without the pinned version.
        args += ["--index-strategy", "unsafe-best-match"]
    if (cert := config.get("cert")) and "SSL_CERT_FILE" not in os.environ:
        env["SSL_CERT_FILE"] = cert
    if timeout := config.get("timeout") or config.get("default-timeout"):
        env["UV_HTTP_TIMEOUT"] = timeout.split(".")[0]
    return args, env


def run(cmd: list[str], env: dict[str, str] | None = None) -> bool:
    print("   ", shlex.join(cmd), flush=True)
    return subprocess.run(cmd, env={**os.environ, **(env or {})}).returncode == 0


def with_uv(python: str, requirements: list[str]) -> bool:
    uv = Path(python).parent / "uv"
    if not uv.exists() and not run([python, "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), "uv"]):
        return False
    args, env = uv_options(pip_config(python))
    return run([str(uv), "pip", "install", "--quiet", "--python", python, "-c", str(CONSTRAINTS), *args,
                *requirements], env)


def with_pip(python: str, requirements: list[str]) -> bool:
    return (run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
            and run([python, "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), *requirements]))


def main(argv: list[str]) -> int:
    python, requirements = argv[0], argv[1:] or ["-e", f"{ROOT}[dev]"]
    started = time.monotonic()
    installer = os.environ.get("INSTALLER", "uv")
    ok = False
    if installer == "uv":
        print("==> installing with uv (pinned: constraints.txt)", flush=True)
        ok = with_uv(python, requirements)
        if not ok:
            print("==> uv failed: installing with pip instead", flush=True)
    if not ok:
        print("==> installing with pip (pinned: constraints.txt)", flush=True)
        ok = with_pip(python, requirements)
    print(f"==> installed in {time.monotonic() - started:.1f} s" if ok else "==> install failed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

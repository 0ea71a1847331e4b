"""Lighthouse on the shop's home, a product page and the cart (phone profile), against Debian chromium.

    .venv/bin/python bench/lighthouse_shop.py            # prints the four scores per page
    .venv/bin/python bench/lighthouse_shop.py --audits   # and what each page loses points on

Goals (issue 15): performance >= 90, accessibility >= 95, best practices >= 95, SEO >= 95.

Lighthouse comes from npm, pinned in bench/lighthouse/package.json and installed by this script into
bench/lighthouse/node_modules the first time (the only moment anything is fetched: the shop itself
never loads it). Chromium is Debian's (/usr/bin/chromium, or CHROME_PATH). The shop is the demo
(`omnicanal demo`) on a fresh SQLite in a temporary folder, served by uvicorn on a free port
(DEBUG off, as in production, static files through WhiteNoise). The cart is measured with one line
in it (the script adds it over HTTP and hands Lighthouse the session cookie). Not part of `make test`
nor of `make bench` (bench/run.py runs bench_*.py only).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_DIR = HERE / "lighthouse"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
GOALS = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 95}


def _install() -> None:
    if LIGHTHOUSE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed once to install Lighthouse (apt-get install npm)")
    print("installing Lighthouse (npm, once) into bench/lighthouse/node_modules ...", flush=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update({"OMNICANAL_VAR": str(var), "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings",
                "OMNICANAL_ENV": "development", "LOG_LEVEL": "WARNING"})
    env.setdefault("SECRET_KEY", "lighthouse-only-secret-key-000000000000000000000000")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    return env


def _demo(env: dict) -> None:
    omnicanal = Path(sys.executable).with_name("omnicanal")
    for args in (["migrate", "--noinput", "-v", "0"], ["demo"]):
        subprocess.run([str(omnicanal), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def _serve(env: dict) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("uvicorn")), "omnicanal.web.asgi:application",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                               "--no-access-log"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            httpx.get(f"{base}/health", timeout=2)
            return server, base
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("uvicorn did not start")


def _pages(base: str) -> tuple[list[tuple[str, str]], str]:
    """(label, url) of home, a product page and the cart, and the Cookie header of a device with a
    line in its cart (added as a shopper would, through the product page's form)."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        home = client.get("/")
        handle = re.search(r'href="/p/([^/"]+)/"', home.text).group(1)
        product = client.get(f"/p/{handle}/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', product.text).group(1)
        sku = re.search(r'name="sku" value="([^"]+)"', product.text).group(1)
        added = client.post("/cart/lines/", data={"csrfmiddlewaretoken": token, "sku": sku, "quantity": "1",
                                                  "next": "/cart/"}, headers={"Referer": f"{base}/p/{handle}/"})
        assert added.status_code in (302, 303), added.status_code
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return [("home", f"{base}/"), ("product", f"{base}/p/{handle}/"), ("cart", f"{base}/cart/")], cookie


def _lighthouse(url: str, cookie: str, out: Path) -> dict:
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    args = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
            "--only-categories=performance,accessibility,best-practices,seo", "--form-factor=mobile",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
    if cookie:
        args.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    subprocess.run(args, check=True, env={**os.environ, "CHROME_PATH": chrome})
    return json.loads(out.read_text())


def _lost(report: dict) -> list[str]:
    """The audits a category loses points on (weighted, not passed)."""
    out = []
    for key, category in report["categories"].items():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                value = audit.get("displayValue", "")
                out.append(f"{key}: {ref['id']} ({audit['score']:.2f}{', ' + value if value else ''})")
    return out


def main(argv: list[str]) -> None:
    _install()
    var = Path(tempfile.mkdtemp(prefix="omnicanal-lighthouse-"))
    env = _env(var)
    _demo(env)
    server, base = _serve(env)
    try:
        pages, cookie = _pages(base)
        print(f"Lighthouse {_version()} on the phone profile (simulated slow 4G, 4x CPU slowdown), Debian chromium;"
              f" goals: {', '.join(f'{k} >= {v}' for k, v in GOALS.items())}")
        print(f"  {'page':<10} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  LCP      TBT     CLS")
        for label, url in pages:
            report = _lighthouse(url, cookie if label == "cart" else "", var / f"{label}.json")
            scores = {k: round(100 * (report["categories"][k]["score"] or 0)) for k in GOALS}
            metric = report["audits"]
            print(f"  {label:<10} {scores['performance']:>5} {scores['accessibility']:>5} "
                  f"{scores['best-practices']:>5} {scores['seo']:>5}  "
                  f"{metric['largest-contentful-paint']['displayValue']:<8} "
                  f"{metric['total-blocking-time']['displayValue']:<7} "
                  f"{metric['cumulative-layout-shift']['displayValue']}", flush=True)
            if "--audits" in argv:
                for line in _lost(report):
                    print(f"      {line}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var, ignore_errors=True)


def _version() -> str:
    return json.loads((NODE_DIR / "node_modules" / "lighthouse" / "package.json").read_text())["version"]


if __name__ == "__main__":
    main(sys.argv[1:])

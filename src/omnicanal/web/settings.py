"""Settings, all from the environment (docs/operations.md lists every variable).

The embedded default needs none: a SQLite file and a generated secret key under var/.
"""

import os
import secrets
import socket
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("OMNICANAL_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("OMNICANAL_VAR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = os.environ.get("OMNICANAL_TESTING") == "1" or "PYTEST_VERSION" in os.environ


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED = not DATABASE_URL


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not EMBEDDED and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY is required when DATABASE_URL is set.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

# The domains in dependency order (ARCHITECTURE.md); an app is installed when its package exists,
# so a new domain needs no edit here. The composition root (web) discovers their edges from this list.
DOMAIN_ORDER = [
    "core", "customers", "catalog", "inventory", "loyalty", "orders",
    "conversations", "channels", "storefront", "bot", "marketing", "feedback", "analytics", "integrations",
    "marketplaces",
]
OMNICANAL_APPS = [f"omnicanal.{name}" for name in DOMAIN_ORDER if (PACKAGE_DIR / name / "apps.py").exists()]
# Our apps come first: Django merges every app's translation catalogue and the earliest app wins a
# msgid, so "All", "Filter" or "Email" read as we translated them, not as django.contrib.admin did
# (web/tests/test_i18n.py, test_every_app_reads_its_own_translation_at_run_time).
INSTALLED_APPS = [
    *OMNICANAL_APPS,
    "omnicanal.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "huey.contrib.djhuey",
    "ninja",
]

MIDDLEWARE = [
    "omnicanal.core.requestid.RequestIdMiddleware",  # first: every later log line carries the id
    "omnicanal.core.metrics.MetricsMiddleware",  # times the whole chain, redirects and refusals too
    "django.middleware.security.SecurityMiddleware",
    "omnicanal.core.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "omnicanal.core.request_limits.RequestLimitsMiddleware",
    # A provider's signed webhook (a view marked @lean_route) and an API-key request leave the chain
    # here (core/lean.py: LEAN_ROUTE_MIDDLEWARE, LEAN_API_MIDDLEWARE)
    "omnicanal.core.lean.LeanRouteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "omnicanal.core.local_time.LocalTimeMiddleware",  # every page in the reader's zone (core/local_time.py)
    "omnicanal.core.console_language.ConsoleLanguageMiddleware",  # the business's language unless chosen
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "omnicanal.core.throttle.ThrottleMiddleware",  # outside the API's transaction (core/throttle.py)
    "omnicanal.core.middleware.ApiTransactionMiddleware",
]

# core/lean.py: where lean views may be (signed provider webhooks: no session, user, CSRF, locale,
# page) and the only middleware they still go through after LeanRouteMiddleware.
LEAN_ROUTE_PREFIXES = ("/webhooks/",)
LEAN_ROUTE_MIDDLEWARE = [
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "omnicanal.core.throttle.ThrottleMiddleware",
]
# core/lean.py: an API request with an API key and no session cookie leaves the chain at the same
# place and goes through these only (the reader's language, the throttle, the API's transaction).
LEAN_API_PREFIX = "/api/"
LEAN_API_MIDDLEWARE = [
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "omnicanal.core.throttle.ThrottleMiddleware",
    "omnicanal.core.middleware.ApiTransactionMiddleware",
]

ROOT_URLCONF = "omnicanal.web.urls"
ASGI_APPLICATION = "omnicanal.web.asgi.application"
AUTH_USER_MODEL = "core.User"
# Refuses a locked account or address (core.throttle) wherever a password is checked: console, admin.
AUTHENTICATION_BACKENDS = ["omnicanal.core.backends.ThrottledModelBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omnicanal.web.context.console",
                "omnicanal.core.security_headers.csp_nonce",
            ],
        },
    }
]


def _database(url: str = "") -> dict:
    if EMBEDDED and not url:
        sqlite_path = Path(os.environ.get("SQLITE_PATH", VAR_DIR / "omnicanal.sqlite3"))
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    else:
        config = dj_database_url.parse(url or DATABASE_URL)
    if config["ENGINE"].endswith("sqlite3"):
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so
        # the server and the worker queue on the busy timeout instead of failing with "locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        test_name = os.environ.get("TEST_DB_NAME") or str(
            Path(tempfile.gettempdir()) / f"omnicanal-test-{os.getpid()}.sqlite3"
        )
        config["TEST"] = {"NAME": test_name}
    else:
        # Django's backend with its transaction edges through libpq (core/postgresql/base.py, issue 23).
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["ENGINE"] = "omnicanal.core.postgresql"
        config.setdefault("OPTIONS", {})
        # Django binds parameters on the client and never prepares (its ClientCursor cannot). The few
        # hot statements (core.libpq.HotStatement: inventory's reservation and its candidates read)
        # are prepared once per connection through libpq; their plans do not depend on their
        # parameters, so one generic plan per connection saves re-planning them on every call.
        # DB_PREPARE=0 turns preparing off (for a PgBouncer in transaction mode older than 1.21):
        # HotStatement reads psycopg's prepare_threshold as the switch.
        if os.environ.get("DB_PREPARE", "1") != "0":
            config["OPTIONS"].setdefault("prepare_threshold", 5)
            config["OPTIONS"].setdefault("options", "-c plan_cache_mode=force_generic_plan")
        # Under ASGI every request runs in a thread of its own, so Django's persistent connections
        # (CONN_MAX_AGE) would pile up one per thread; psycopg's pool shares them instead.
        pool_size = int(os.environ.get("DB_POOL_SIZE", "10"))
        config["CONN_MAX_AGE"] = 0
        if pool_size > 0 and not TESTING:
            config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 10}
        # A pooled connection is checked (an empty query) when a request takes it: after PostgreSQL
        # restarts, or drops connections, a dead one is replaced instead of answering a 500 (one per
        # pooled connection, seen on the cluster: docs/scaling.md). DB_HEALTH_CHECKS=0 saves the round trip.
        config["CONN_HEALTH_CHECKS"] = _env_bool("DB_HEALTH_CHECKS", True)
        if test_name := os.environ.get("TEST_DB_NAME"):
            config["TEST"] = {"NAME": test_name}
    return config


DATABASES = {"default": _database()}
# A read replica for analytics' reads (the dashboard, the KPI API, drill-downs, the journey:
# analytics/replica.py); unset, they read `default`. Under pytest the alias mirrors the test database
# (TEST MIRROR) and is used only where a test turns ANALYTICS_READ_REPLICA on (analytics/tests/test_replica.py).
ANALYTICS_DATABASE_URL = os.environ.get("ANALYTICS_DATABASE_URL", "")
ANALYTICS_READ_REPLICA = bool(ANALYTICS_DATABASE_URL) and not TESTING
if ANALYTICS_READ_REPLICA:
    DATABASES["analytics"] = _database(ANALYTICS_DATABASE_URL)
elif TESTING:
    DATABASES["analytics"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["omnicanal.analytics.replica.ReadRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The business's language: the console speaks it unless a staff member chose another
# (core/console_language.py); the shop and the API follow the reader's Accept-Language.
LANGUAGE_CODE = os.environ.get("BUSINESS_LANGUAGE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "web" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "omnicanal_language"

# Email to staff (channels.staff_mail: the weekly KPI summary). Customers are written through the
# email inbox's own SMTP settings instead (channels/email/adapter.py).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "yes")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "omnicanal@localhost")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies (core.request_limits): larger ones answer 413 before they are read.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 2 * 1024 * 1024))
WEBHOOK_MAX_BODY_BYTES = int(os.environ.get("WEBHOOK_MAX_BODY_BYTES", 25 * 1024 * 1024))  # raw MIME email
UPLOAD_MAX_BODY_BYTES = int(os.environ.get("UPLOAD_MAX_BODY_BYTES", 25 * 1024 * 1024))  # any multipart body
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", 2_621_440))  # console forms, web chat
# Django's own check, a backstop behind the middleware's per-path limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, WEBHOOK_MAX_BODY_BYTES, MAX_BODY_BYTES)

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

REDIS_URL = os.environ.get("REDIS_URL", "")
# This process's name in a cluster (/health says it, deploy/cluster.py sets web1, web2…): the host by default.
OMNICANAL_NODE = os.environ.get("OMNICANAL_NODE") or socket.gethostname()

# The cache every process shares when there are several (Redis), else each process's own memory.
if REDIS_URL and not TESTING:
    CACHES = {
        "default": {"BACKEND": "omnicanal.core.redis_cache.RedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "omnicanal")}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The payment sandboxes' state (Webpay Plus's and Oneclick's stand-ins: transactions, saved cards)
# must be seen by the worker and every web process and outlive a restart, or the demo's saved card
# is unknown to the worker that charges it: the shared cache, else files next to the database.
CACHES["sandbox"] = (CACHES["default"] if REDIS_URL or TESTING else
                     {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": str(VAR_DIR / "sandbox-cache")})

# Background work: huey in a file next to the database by default; Redis at scale.
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "omnicanal", "url": REDIS_URL, "immediate": TESTING}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "omnicanal",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }
HUEY["consumer"] = {"workers": int(os.environ.get("WORKER_THREADS", "2")), "worker_type": "thread", "verbose": False}

if REDIS_URL:
    # socket_timeout: channels_redis waits for a console's next message with BZPOPMIN for 5 s
    # (brpop_timeout), and redis-py (since 6) gives every socket read a 5 s timeout by default: a
    # console idle for 5 s lost the race, its receive raised `TimeoutError: Timeout reading from …`
    # and the socket died (issue 23: a third of the pushes never arrived). capacity: a console's
    # channel holds 100 messages by default; a burst beyond it was dropped without a word.
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "capacity": 1000}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The business this installation serves.
OMNICANAL: dict[str, Any] = {
    "BUSINESS_NAME": os.environ.get("BUSINESS_NAME", "Andes Sport"),
    # The shop's brand (docs/storefront.md, "Theming"): a logo under static files, two colours.
    "BRAND_LOGO": os.environ.get("BRAND_LOGO", "storefront/brand/logo.svg"),
    "BRAND_COLOR": os.environ.get("BRAND_COLOR", "#0b5d3b"),
    "BRAND_ACCENT": os.environ.get("BRAND_ACCENT", "#f2a900"),
    "CURRENCY": os.environ.get("BUSINESS_CURRENCY", "CLP"),
    "COUNTRY": os.environ.get("BUSINESS_COUNTRY", "CL"),
    "TIME_ZONE": os.environ.get("BUSINESS_TIME_ZONE", "America/Santiago"),
    "IDEMPOTENCY_TTL_HOURS": 24,
    # An unfinished Idempotency-Key claim whose owner cannot be checked (SQLite, another host) is
    # taken over after this many seconds; a dead owner is detected at once (core.claims).
    "IDEMPOTENCY_LEASE_SECONDS": int(os.environ.get("IDEMPOTENCY_LEASE_SECONDS", "10")),
    "OUTBOX_MAX_ATTEMPTS": 10,
    # A batch topic's worker wake-ups, coalesced per process: one per topic per this many ms
    # (core.wakes, core.outbox._wakes; docs/catalog-inventory.md, "After the commit"). Each is a huey enqueue
    # (~240 µs of CPU): at 20 ms a busy process sent one per one or two hot-SKU reservations, a
    # third of their client CPU; a batch handler's events waiting 0.1 s more costs nothing.
    "OUTBOX_BATCH_WAKE_MS": int(os.environ.get("OUTBOX_BATCH_WAKE_MS", "100")),
    # The worker's priority lane (core.priority: storing inbound messages, which the agents' push
    # follows): on with Redis (several processes; the embedded install stores a webhook's message in
    # its request and would only poll an empty queue); its wake-ups' window; and how much lower the CPU
    # priority of the main consumer (the bot's turn, sentiment, analytics) is than the lane's, so a
    # burst delays those, not the push.
    "OUTBOX_PRIORITY_LANE": _env_bool("OUTBOX_PRIORITY_LANE", bool(REDIS_URL) or TESTING),
    "OUTBOX_PRIORITY_WAKE_MS": int(os.environ.get("OUTBOX_PRIORITY_WAKE_MS", "10")),
    "OUTBOX_REACTIONS_NICE": int(os.environ.get("OUTBOX_REACTIONS_NICE", "5")),
    # The main consumer's tasks wait while the other processes keep the cores busier than this share
    # (0..1), at most this long (core.busy: a flash sale's buyers get the cores, the reactions drain
    # after). Off under tests: their workers share the cores with the suite itself.
    "OUTBOX_REACTIONS_YIELD_MS": int(os.environ.get("OUTBOX_REACTIONS_YIELD_MS", "0" if TESTING else "5000")),
    "OUTBOX_REACTIONS_YIELD_BUSY": float(os.environ.get("OUTBOX_REACTIONS_YIELD_BUSY", "0.8")),
    # The inbound store step's lanes (core.lanes, docs/inbox.md "Two lanes"): its events split by sender
    # into this many partitions, each drained by one lane process at a time, in order; two let the
    # two workers' lanes store at once instead of one waiting for the other's batch.
    "INBOUND_LANES": int(os.environ.get("INBOUND_LANES", "2")),
    # The event stream (docs/integrations.md): every outbox event published to NATS JetStream, one
    # stream per domain (<PREFIX>_<DOMAIN>, subjects <prefix>.<domain>.<Event>). Off by default: the
    # embedded install needs no NATS. The worker runs the relay when on; `omnicanal relay` runs it alone.
    "STREAM": {
        "ENABLED": _env_bool("STREAM_ENABLED", False),
        "NATS_URL": os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        "PREFIX": os.environ.get("STREAM_PREFIX", "omnicanal"),
        "BATCH": int(os.environ.get("STREAM_BATCH", "5000")),
        # JetStream forgets a Nats-Msg-Id after this long: a relay down longer than this between
        # publishing a batch and recording it could publish that batch twice.
        "DUPLICATE_WINDOW_SECONDS": int(os.environ.get("STREAM_DUPLICATE_WINDOW_SECONDS", "600")),
        "MAX_AGE_DAYS": int(os.environ.get("STREAM_MAX_AGE_DAYS", "30")),
    },
    # The Mercado Libre connector (marketplaces app, docs/integrations.md): the API's base URL (the
    # loopback sandbox in tests and the demo), the application's credentials, how long stock changes
    # gather before one push, and the in-place retries (seconds) of a 429 or 5xx before the queue waits.
    "MERCADOLIBRE": {
        "API_URL": os.environ.get("MERCADOLIBRE_API_URL", "https://api.mercadolibre.com"),
        # The seller's consent page of the site (auth.mercadolibre.com.ar, .com.mx…; Chile's here).
        "AUTH_URL": os.environ.get("MERCADOLIBRE_AUTH_URL", "https://auth.mercadolibre.cl/authorization"),
        "CLIENT_ID": os.environ.get("MERCADOLIBRE_CLIENT_ID", ""),
        "CLIENT_SECRET": os.environ.get("MERCADOLIBRE_CLIENT_SECRET", ""),
        "DEBOUNCE_SECONDS": float(os.environ.get("MERCADOLIBRE_DEBOUNCE_SECONDS", "10")),
        "RETRY_DELAYS": [float(x) for x in _env_list("MERCADOLIBRE_RETRY_DELAYS", "1,4")],
        "TIMEOUT_SECONDS": float(os.environ.get("MERCADOLIBRE_TIMEOUT_SECONDS", "10")),
    },
    # Outbound webhooks (integrations app, docs/integrations.md).
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
    "WEBHOOK_DISABLE_AFTER_FAILURES": int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "30")),
    # After a signing secret is rotated, deliveries carry signatures under both secrets this long.
    "WEBHOOK_SECRET_GRACE_HOURS": float(os.environ.get("WEBHOOK_SECRET_GRACE_HOURS", "24")),
    # Webhook URLs resolving to loopback, private, link-local or reserved addresses (SSRF): refused
    # outside the embedded demo and the tests unless allowed here.
    "WEBHOOK_ALLOW_PRIVATE_URLS": _env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", EMBEDDED or TESTING),
    # Returns by mail: the carrier on our prepaid labels, how long the customer's signed label link
    # works, and the address the customer's links start with (empty: links are relative paths).
    "RETURN_CARRIER": os.environ.get("RETURN_CARRIER", "Correos de Chile"),
    "RETURN_LABEL_DAYS": int(os.environ.get("RETURN_LABEL_DAYS", "30")),
    "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").rstrip("/"),
    # Orders: the prefix of every order number (AS-100123; numbers are the primary key + 100000),
    # and the return window in days of a category that sets none of its own (Category.return_window_days).
    "ORDER_NUMBER_PREFIX": os.environ.get("ORDER_NUMBER_PREFIX", "AS-"),
    "RETURN_WINDOW_DAYS": int(os.environ.get("RETURN_WINDOW_DAYS", "30")),
    # Card payments online (docs/orders.md, "Card payments: Webpay Plus"): testpay (signed webhook) or
    # webpay (Transbank Webpay Plus's hosted page). WEBPAY_BASE_URL: "sandbox" (in-process, nothing
    # leaves the machine), https://webpay3gint.transbank.cl (integration) or https://webpay3g.transbank.cl
    # (production, with the commerce code and secret key Transbank gives you, from the environment).
    # The demo pays by card through Webpay's in-process sandbox; the tests choose their provider
    # (testpay by default, webpay where they exercise it).
    "CARD_PROVIDER": os.environ.get("CARD_PROVIDER", "testpay" if TESTING else "webpay"),
    "WEBPAY": {
        "BASE_URL": os.environ.get("WEBPAY_BASE_URL", "sandbox"),
        "COMMERCE_CODE": os.environ.get("WEBPAY_COMMERCE_CODE", "597055555532"),  # Transbank's integration code
        "API_KEY": os.environ.get("WEBPAY_API_KEY", ""),  # secret; empty: Transbank's public integration key
        "RETURN_URL": os.environ.get("WEBPAY_RETURN_URL", "").rstrip("/"),  # https://shop.example; empty: PUBLIC_URL
        "TIMEOUT_SECONDS": float(os.environ.get("WEBPAY_TIMEOUT_SECONDS", "10")),
        "ABANDON_MINUTES": int(os.environ.get("WEBPAY_ABANDON_MINUTES", "30")),
    },
    # Where an address is when it gives no lat/lon (sourcing's "nearest"): the business's cities, lower case.
    "CITY_POINTS": {
        "santiago": (-33.4489, -70.6693), "providencia": (-33.4263, -70.6147), "las condes": (-33.4080, -70.5670),
        "ñuñoa": (-33.4569, -70.5977), "nunoa": (-33.4569, -70.5977), "maipu": (-33.5110, -70.7580),
        "maipú": (-33.5110, -70.7580), "pudahuel": (-33.4400, -70.7500), "puente alto": (-33.6110, -70.5750),
        "valparaíso": (-33.0472, -71.6127), "valparaiso": (-33.0472, -71.6127), "viña del mar": (-33.0245, -71.5518),
        "vina del mar": (-33.0245, -71.5518), "concepción": (-36.8201, -73.0444), "concepcion": (-36.8201, -73.0444),
        "talcahuano": (-36.7249, -73.1168), "temuco": (-38.7359, -72.5904), "puerto montt": (-41.4693, -72.9424),
        "la serena": (-29.9027, -71.2519), "antofagasta": (-23.6509, -70.3975), "rancagua": (-34.1708, -70.7444),
        "talca": (-35.4264, -71.6554),
    },
    # Web chat visitor tokens (docs/channels.md, "Web chat"): a token lives this many days from its
    # issue; a resume with one older than ROTATE minutes gets a fresh one, and the replaced one keeps
    # working GRACE minutes more (tabs still holding it).
    "WEBCHAT_SESSION_DAYS": int(os.environ.get("WEBCHAT_SESSION_DAYS", "30")),
    "WEBCHAT_TOKEN_ROTATE_MINUTES": int(os.environ.get("WEBCHAT_TOKEN_ROTATE_MINUTES", "10")),
    "WEBCHAT_TOKEN_GRACE_MINUTES": int(os.environ.get("WEBCHAT_TOKEN_GRACE_MINUTES", "10")),
    # The shop's web chat widget: this web chat inbox's public id (empty: the oldest active web chat inbox).
    "SHOP_WEBCHAT_INBOX": os.environ.get("SHOP_WEBCHAT_INBOX", ""),
}

# --- Deployment: TLS, cookies, sessions, secrets at rest (docs/operations.md, "Production settings").
# OMNICANAL_ENV=production (the default whenever DATABASE_URL is set, outside the tests) turns on the
# production defaults below; the embedded demo on http://127.0.0.1 stays plain HTTP. Each setting
# can still be set on its own. `omnicanal check --deploy` is clean with the production defaults.
OMNICANAL_ENV = os.environ.get("OMNICANAL_ENV", "production" if not EMBEDDED and not TESTING else "development")
PRODUCTION = OMNICANAL_ENV.strip().lower() == "production"
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^metrics$"]  # a load balancer's health probe, Prometheus's scrape
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if PRODUCTION else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
# Behind the TLS proxy, which must set (overwrite) this header: "none" turns it off.
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if PRODUCTION else "none").strip()
SECURE_PROXY_SSL_HEADER = (
    None if _PROXY_SSL_HEADER.lower() in {"", "none"} else ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", _env_bool("SECURE_COOKIES", PRODUCTION))
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))  # a staff session: one working day
SECRET_KEY_FALLBACKS = _env_list("SECRET_KEY_FALLBACKS")
# After `omnicanal collectstatic`: hashed names, gzip copies, immutable caching (web/staticfiles.py).
# Production only by default: development keeps plain names (a stale collected copy never hides an edited file).
STATIC_HASHED = _env_bool("STATIC_HASHED", PRODUCTION and not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "omnicanal.web.staticfiles.StaticFilesStorage" if STATIC_HASHED
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Channel secrets and provider tokens at rest (core.crypto): the first key encrypts, all decrypt;
# none: keys derived from SECRET_KEY (then SECRET_KEY_FALLBACKS) with HKDF.
ENCRYPTION_KEYS = _env_list("OMNICANAL_ENCRYPTION_KEY")
# The demo's generated logins (0600), re-printed by `omnicanal demo --logins`.
DEMO_LOGINS_FILE = Path(os.environ.get("DEMO_LOGINS_FILE") or (
    Path(tempfile.gettempdir()) / f"omnicanal-test-{os.getpid()}-demo-logins.txt" if TESTING else VAR_DIR / "demo-logins.txt"))
# --- end of deployment settings

# Files and browser hardening (core/uploads.py, core/security_headers.py; docs/inbox.md, "Attachments").
# The largest file kept per channel (inbound and agents' outbound); web chat visitors are anonymous.
UPLOAD_MAX_BYTES = {
    "default": int(os.environ.get("UPLOAD_MAX_MB", "16")) * 1024 * 1024,
    "webchat": int(os.environ.get("WEBCHAT_UPLOAD_MAX_MB", "5")) * 1024 * 1024,
    "email": 20 * 1024 * 1024,
    "whatsapp": 16 * 1024 * 1024,
    "telegram": 20 * 1024 * 1024,
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSP_REPORT_ONLY = _env_bool("CSP_REPORT_ONLY")  # to try a stricter policy on a live site first
CSP_EXTRA_DIRECTIVES = [d.strip() for d in os.environ.get("CSP_EXTRA_DIRECTIVES", "").split(";") if d.strip()]

# Throttles (core/throttle.py; the table in docs/operations.md): per limit, at most `max` hits of one
# subject in `per` seconds; the hit that reaches `max` locks it for `lockout` seconds. Redis when
# REDIS_URL is set (the tests use the database unless a test opts in), else the database.
THROTTLE_BACKEND = os.environ.get("THROTTLE_BACKEND") or ("redis" if REDIS_URL and not TESTING else "database")
THROTTLE_REDIS_URL = os.environ.get("THROTTLE_REDIS_URL", REDIS_URL)
THROTTLE_KEY_PREFIX = os.environ.get("THROTTLE_KEY_PREFIX", "omnicanal:throttle:")
# Behind N reverse proxies that append to X-Forwarded-For, the client is the Nth address from the right.
THROTTLE_TRUSTED_PROXIES = int(os.environ.get("THROTTLE_TRUSTED_PROXIES", "0"))
THROTTLES = {
    # failures (wrong secrets)
    "login_account": {"max": 5, "per": 900, "lockout": 900},
    "login_address": {"max": 20, "per": 900, "lockout": 900},
    "api_key_address": {"max": 20, "per": 600, "lockout": 600},
    "gift_card": {"max": 5, "per": 3600, "lockout": 3600},
    "gift_card_address": {"max": 20, "per": 3600, "lockout": 3600},
    "pickup_code": {"max": 5, "per": 86400, "lockout": 86400},
    "coupon_address": {"max": 30, "per": 600, "lockout": 600},
    "coupon_credential": {"max": 30, "per": 600, "lockout": 600},
    "one_time_code": {"max": 5, "per": 900, "lockout": 900},
    # attempts (rate limits)
    "one_time_code_send": {"max": 5, "per": 3600, "lockout": 3600},
    "one_time_code_send_address": {"max": 30, "per": 3600, "lockout": 3600},  # per client address (storefront)
    "webhook": {"max": 600, "per": 60, "lockout": 60},
    "webchat_session": {"max": 30, "per": 600, "lockout": 600},
    "webchat_message": {"max": 120, "per": 60, "lockout": 60},
    "webchat_upload": {"max": 10, "per": 600, "lockout": 600},
    "webchat_email": {"max": 10, "per": 600, "lockout": 600},
    "track_arrived": {"max": 10, "per": 600, "lockout": 600},  # the tracking page's "I'm here"
}

# Metrics (core/metrics.py; docs/operations.md, "Metrics"): /metrics answers a bearer token or an
# allowed address. Development allows loopback; production allows no address unless told, so without
# METRICS_TOKEN or METRICS_ALLOWED_ADDRESSES nobody reads it there.
METRICS_ENABLED = _env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_ADDRESSES = _env_list("METRICS_ALLOWED_ADDRESSES", "" if PRODUCTION else "127.0.0.1,::1")

# Tracing (core/tracing.py): OpenTelemetry spans of requests and outbox handlers, off by default.
TRACING_ENABLED = _env_bool("TRACING_ENABLED", False)
TRACING_EXPORTER = os.environ.get("TRACING_EXPORTER", "console").strip().lower()  # console | otlp
# One log line per request (route template, status, milliseconds, request id) on "omnicanal.access".
ACCESS_LOG = _env_bool("ACCESS_LOG", False)

# Logs: human-readable lines by default, one JSON object a line with LOG_FORMAT=json (for a log
# shipper); both carry the request id (core/requestid.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "omnicanal.core.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "omnicanal.core.requestid.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain",
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}, "django.request": {"level": "ERROR"}},
}

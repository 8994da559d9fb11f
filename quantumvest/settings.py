"""QuantumVest settings, read from the environment (see .env.example).

Two ways to run:
- Development (``DJANGO_DEBUG=True``, which ``make run`` sets): anything unset falls back to an
  embedded default: SQLite file, local-memory cache, Celery tasks run eagerly, console e-mail.
- Production (``DJANGO_DEBUG`` false, the default): the secret key, allowed hosts, database,
  cache, broker and JWT key must be set, or start-up fails naming the missing variable.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from quantumvest import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("QV_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DJANGO_DEBUG", False)


def _development_secret() -> str:
    """A random key kept in var/ so development sessions survive restarts; never used in production."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.secret("DJANGO_SECRET_KEY", _development_secret() if DEBUG else env.REQUIRED)
ALLOWED_HOSTS = env.listing("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else env.REQUIRED)
CSRF_TRUSTED_ORIGINS = env.listing("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "apps.accounts",
    "apps.assets",
    "apps.predictions",
    "apps.portfolios",
    "apps.onchain",
    "apps.replay",
    "apps.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path, query or cookies into a query (NUL bytes answer 400, not 500).
    "quantumvest.input_hygiene.InputHygieneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching), before sessions and auth (it reads the user).
    "quantumvest.middleware.PrivateNoStoreMiddleware",
    # Before anything reads the body (CSRF, views): per-route upload limits, 413 unread.
    "quantumvest.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.HtmxLoginRedirectMiddleware",
    # Axes must come last: it turns a lockout flagged during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "quantumvest.urls"
WSGI_APPLICATION = "quantumvest.wsgi.application"
ASGI_APPLICATION = "quantumvest.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "apps.assets.context_processors.market",
                "apps.replay.context_processors.replay",
                "apps.home.context_processors.live",
            ],
            # One set of number filters (money, quantity, percent, ...) in every template.
            "builtins": ["quantumvest.templatetags.numbers"],
            "debug": DEBUG,
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
_database_url = env.string("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}" if DEBUG else env.REQUIRED)
if _database_url.startswith("sqlite:"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # No persistent connections by default: the web server is ASGI, where each request's
        # synchronous code runs in a thread of its own, so a connection kept per thread was left
        # behind by every request until the garbage collector found it, and under load PostgreSQL
        # refused new clients ("too many clients already", bench/prices_api.py --server asgi).
        # Django's documentation says the same for ASGI. A WSGI deployment may set it (seconds).
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 0),
        # Recover when PostgreSQL restarts: a dead persistent connection is replaced, not reused.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Development: the web server reads while a background market replay writes (apps/replay).
    # WAL lets readers and one writer work at once; a writer waits up to 20 s for another one
    # (IMMEDIATE takes the write lock at BEGIN, so a waiting transaction never fails half-way
    # with "database is locked"); synchronous=NORMAL is WAL's safe setting and spares an fsync per commit.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
REDIS_URL = env.string("REDIS_URL", "" if DEBUG else env.REQUIRED)
if REDIS_URL:
    # An accelerator, not a dependency: with Redis down reads miss and writes are dropped
    # (quantumvest/cache.py), after at most one short connection attempt per breaker period.
    CACHES = {
        "default": {
            "BACKEND": "quantumvest.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.string("CACHE_KEY_PREFIX", "qv"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env.integer("CACHE_CONNECT_TIMEOUT_MS", 250) / 1000,
                "SOCKET_TIMEOUT": env.integer("CACHE_SOCKET_TIMEOUT_MS", 500) / 1000,
                "BREAKER_SECONDS": env.integer("CACHE_BREAKER_SECONDS", 5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # That cache is each process's own: bars written by another process (the market replay,
    # `import_prices` from a shell) clear it through the database (apps/assets/coherence.py).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "apps.assets.coherence.LocalCacheCoherenceMiddleware",
    )

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.string("CELERY_BROKER_URL", "" if DEBUG else env.REQUIRED)
# Without a broker (development only) tasks run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.string("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.integer("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a job gives up after this many seconds (no retry): the request answers 503 broker_unavailable.
QV_BROKER_PUBLISH_TIMEOUT = env.integer("QV_BROKER_PUBLISH_TIMEOUT", 3)
CELERY_BROKER_CONNECTION_TIMEOUT = QV_BROKER_PUBLISH_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # How long an unacknowledged (acks_late) task waits before another worker gets it again.
    "visibility_timeout": env.integer("CELERY_BROKER_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300),
    # Look for such tasks every 10 s (kombu's default scans only every 10th sweep, ~100 s).
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": QV_BROKER_PUBLISH_TIMEOUT,
    "socket_timeout": QV_BROKER_PUBLISH_TIMEOUT + 2,  # above the worker's 1 s BRPOP
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = QV_BROKER_PUBLISH_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = QV_BROKER_PUBLISH_TIMEOUT + 2
CELERY_RESULT_BACKEND_ALWAYS_RETRY = False
# Deadlines the sweeper enforces (quantumvest.jobs.sweep, beat and `manage.py sweep_jobs`).
QV_JOB_QUEUE_TIMEOUT = env.integer("QV_JOB_QUEUE_TIMEOUT", 15 * 60)
QV_JOB_RUN_GRACE = env.integer("QV_JOB_RUN_GRACE", 5 * 60)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.string("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULE["jobs-sweep"] = {"task": "quantumvest.sweep_jobs", "schedule": timedelta(minutes=5)}
# Market-day tasks: what runs once a market day's bars are in, in this order (beat entry, task, time).
# Celery beat runs them nightly after the US close; a market replay (apps/replay) runs the same list,
# in-process and in this order, for every replayed day. A new nightly job that depends on the day's
# bars (alerts, notifications) is added here, once, and the replay runs it too.
QV_MARKET_DAY_TASKS = [
    # Score what matured, then issue tonight's forecasts (one task per active asset) ...
    ("predictions-score-matured", "apps.predictions.tasks.score_matured", crontab(hour=22, minute=15)),
    ("predictions-generate-nightly", "apps.predictions.tasks.generate_nightly", crontab(hour=22, minute=30)),
    # ... then notarise them: one transaction per batch of newly issued predictions.
    ("onchain-notarize-predictions", "onchain.notarize_predictions", crontab(hour=23, minute=15)),
    # ... and last, every alert against the day's state (events trigger them at once; this catches up).
    ("home-evaluate-alerts", "home.evaluate_alerts", crontab(hour=23, minute=30)),
]
for _entry, _task, _time in QV_MARKET_DAY_TASKS:
    CELERY_BEAT_SCHEDULE[_entry] = {"task": _task, "schedule": _time}

# --- Live updates (apps/home/realtime.py): Server-Sent Events, Redis between processes -----------
QV_STREAMS_PER_USER = env.integer("QV_STREAMS_PER_USER", 5)
QV_STREAM_HEARTBEAT = env.integer("QV_STREAM_HEARTBEAT", 15)
QV_STREAM_LIFETIME = env.integer("QV_STREAM_LIFETIME", 300)

# Notifications: absolute links in e-mails; the immediate e-mails' catch-up and the daily digest.
QV_SITE_URL = env.string("QV_SITE_URL", "http://127.0.0.1:8000")
CELERY_BEAT_SCHEDULE["home-send-pending-emails"] = {
    "task": "home.send_pending_emails",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["home-send-daily-digests"] = {
    "task": "home.send_daily_digests",
    "schedule": crontab(hour=7, minute=0),
}

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Lockout after repeated failed logins (site, admin and token endpoint alike).
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
# Failures are counted in the database (AccessAttempt), so lockout holds with the cache down. The
# handler also locks an address out after QV_LOGIN_ADDRESS_FAILURE_LIMIT failed logins across all
# usernames within the cool-off (password spraying).
AXES_HANDLER = "apps.accounts.lockout.AddressLimitedHandler"
QV_LOGIN_ADDRESS_FAILURE_LIMIT = env.integer("QV_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.username_from_request"
# Client address for lockout and throttling alike: REMOTE_ADDR, or the address that the last of
# DJANGO_PROXY_COUNT trusted proxies appended to X-Forwarded-For (anything before it is spoofable).
PROXY_COUNT = env.integer("DJANGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_ip"

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "quantumvest.api.Pagination",
    "DEFAULT_METADATA_CLASS": "quantumvest.api_metadata.Metadata",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "quantumvest.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "quantumvest.schema.AutoSchema",
    # Every API view, per user (per address for anonymous callers); auth endpoints use "auth".
    # Counters live in the cache: with Redis down they read as empty, so throttles fail open.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
        # Per minute, by subscription tier (apps/accounts/tiers.py), inside the hourly user cap.
        "apps.accounts.tiers.TierRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.string("API_AUTH_THROTTLE_RATE", "20/min"),
        "user": env.string("API_USER_THROTTLE_RATE", "2000/hour"),
        "anon": env.string("API_ANON_THROTTLE_RATE", "300/hour"),
        "tier": env.string("API_TIER_THROTTLE_RATE", "") or None,
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": PROXY_COUNT,
}

JWT_SIGNING_KEY = env.secret(
    "JWT_SIGNING_KEY",
    hashlib.sha256(f"jwt:{SECRET_KEY}".encode()).hexdigest() if DEBUG else env.REQUIRED,
)
if JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from DJANGO_SECRET_KEY.")
if not DEBUG and len(JWT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be at least 32 characters (HS256 needs a 256-bit key).")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.integer("JWT_ACCESS_MINUTES", 5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.integer("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 0,
    # Every token carries a hash of the password it was issued under: a password change
    # invalidates all earlier tokens (access tokens here, refresh tokens in apps.accounts.api.tokens).
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "QuantumVest API",
    "DESCRIPTION": "Assets, prices, forecasts with their track record, and portfolios.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets used by more than one field: one component name each.
    "ENUM_NAME_OVERRIDES": {
        "AssetTypeEnum": "apps.assets.models.AssetType",
        "AlertKindEnum": "apps.home.models.AlertKind",
        "AddressKindEnum": "apps.onchain.models.AddressKind",
    },
}

# --- E-mail ---------------------------------------------------------------------------------------
vars().update(env.email_backend(env.string("EMAIL_URL", "console://" if DEBUG else env.REQUIRED)))
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "QuantumVest <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env.string("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files over 256 kB spool to a temporary file while they stream in, never to memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Switch off only where a TLS-terminating proxy in front already redirects to HTTPS.
    SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", True)
if env.boolean("DJANGO_BEHIND_TLS_PROXY", False):
    # Trust X-Forwarded-Proto only when a proxy we control sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors": {"()": "quantumvest.log_filters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["client_errors"]},
        "cmdstanpy": {"level": "WARNING"},
        "prophet": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- QuantumVest ----------------------------------------------------------------------------------
QV_DEMO_MODE = env.boolean("QV_DEMO_MODE", DEBUG)
# Forecasting: where trained model artifacts (joblib) live, and which versions may be served.
QV_MODEL_STORE = Path(env.string("QV_MODEL_STORE", str(VAR_DIR / "models")))
QV_REQUIRE_APPROVED_MODEL = env.boolean("QV_REQUIRE_APPROVED_MODEL", False)
QV_AUTOTRAIN_MODELS = env.listing("QV_AUTOTRAIN_MODELS", ["naive", "drift"])
QV_AUTOTRAIN_ORIGINS = env.integer("QV_AUTOTRAIN_ORIGINS", 24)
# Optimisation: runs whose estimated work exceeds these budgets become Celery jobs (202).
# Optimise: assets × (1 + frontier points). Backtest: assets × rebalances.
QV_OPTIMIZE_SYNC_BUDGET = env.integer("QV_OPTIMIZE_SYNC_BUDGET", 3200)
QV_BACKTEST_SYNC_BUDGET = env.integer("QV_BACKTEST_SYNC_BUDGET", 1000)
# Market data: uploads over this size are refused before they are read whole.
QV_IMPORT_MAX_BYTES = env.integer("QV_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# API price imports up to this size run in the request (200 and the report); larger ones run as a
# job (202 and its URL), so no request approaches gunicorn's worker timeout (a dense 2 MB file
# took 11 s on 2 busy cores; 1 MB keeps a wide margin on the 30 s timeout).
QV_IMPORT_SYNC_MAX_BYTES = env.integer("QV_IMPORT_SYNC_MAX_BYTES", 1024 * 1024)
# Symbols (wide) or columns per price file: a 10,000-column file must not create 10,000 assets.
QV_IMPORT_MAX_COLUMNS = env.integer("QV_IMPORT_MAX_COLUMNS", 500)
# News CSV uploads (POST /api/v1/news/import/), and any other request body (quantumvest/uploads.py).
QV_NEWS_IMPORT_MAX_BYTES = env.integer("QV_NEWS_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
QV_UPLOAD_MAX_BYTES = env.integer("QV_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# Where new daily bars come from (apps/assets/providers/): "" (none, the default), "directory" or "stooq".
QV_PRICE_PROVIDER = env.string("QV_PRICE_PROVIDER", "")
QV_PRICE_PROVIDER_DIR = env.string("QV_PRICE_PROVIDER_DIR", "")
QV_PRICE_PROVIDER_URL = env.string("QV_PRICE_PROVIDER_URL", "https://stooq.com/q/d/l/")
QV_PRICE_PROVIDER_TIMEOUT = env.integer("QV_PRICE_PROVIDER_TIMEOUT", 10)
QV_PRICE_PROVIDER_BACKFILL_DAYS = env.integer("QV_PRICE_PROVIDER_BACKFILL_DAYS", 365)
if QV_PRICE_PROVIDER not in ("", "directory", "stooq"):
    raise ImproperlyConfigured(f"QV_PRICE_PROVIDER must be empty, directory or stooq, not {QV_PRICE_PROVIDER!r}.")
if QV_PRICE_PROVIDER == "directory" and not QV_PRICE_PROVIDER_DIR:
    raise ImproperlyConfigured("QV_PRICE_PROVIDER=directory needs QV_PRICE_PROVIDER_DIR.")
# News feeds (RSS/Atom URLs, comma-separated) fetched hourly when set; headlines are scored offline.
QV_NEWS_FEEDS = env.listing("QV_NEWS_FEEDS", [])
QV_NEWS_FEED_TIMEOUT = env.integer("QV_NEWS_FEED_TIMEOUT", 10)
if QV_NEWS_FEEDS:
    CELERY_BEAT_SCHEDULE["predictions-fetch-news"] = {
        "task": "apps.predictions.tasks.fetch_news",
        "schedule": crontab(minute=5),
    }
if QV_PRICE_PROVIDER:
    CELERY_BEAT_SCHEDULE["assets-refresh-prices"] = {
        "task": "assets.refresh_prices",
        # After the US close and before the nightly forecasts (22:15) score against new bars.
        "schedule": crontab(hour=21, minute=30),
    }

# --- On-chain (apps/onchain) ----------------------------------------------------------------------
# ONCHAIN_RPC_URL unset: the in-process chain (eth-tester on py-evm), its state journalled under
# var/chain so that what was notarised before a restart verifies after it. Set: any Ethereum JSON-RPC
# node (http(s):// or ws(s)://). ONCHAIN_CHAIN_ID, when set, must match the node's (checked on connect).
ONCHAIN_RPC_URL = env.string("ONCHAIN_RPC_URL", "")
ONCHAIN_CHAIN_ID = env.integer("ONCHAIN_CHAIN_ID", 0) or None
# The signing key (hex) for deployment and notarisation; never stored, logged or shown. Without one
# (and with a node configured) the product is read-only on chain and says so.
ONCHAIN_PRIVATE_KEY = env.secret("ONCHAIN_PRIVATE_KEY", "")
if ONCHAIN_PRIVATE_KEY and not re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", ONCHAIN_PRIVATE_KEY):
    # The value itself is never echoed.
    raise ImproperlyConfigured("ONCHAIN_PRIVATE_KEY (or the file ONCHAIN_PRIVATE_KEY_FILE) is not a 32-byte hex key.")
# Blocks a transfer or transaction needs behind it to be final; unset = the network's default.
ONCHAIN_CONFIRMATIONS = env.integer("ONCHAIN_CONFIRMATIONS", -1)
if ONCHAIN_CONFIRMATIONS < 0:
    ONCHAIN_CONFIRMATIONS = None
ONCHAIN_RPC_TIMEOUT = env.integer("ONCHAIN_RPC_TIMEOUT", 10)
ONCHAIN_CHAIN_DIR = Path(env.string("ONCHAIN_CHAIN_DIR", str(VAR_DIR / "chain")))
if ONCHAIN_RPC_URL and not ONCHAIN_RPC_URL.startswith(("http://", "https://", "ws://", "wss://")):
    raise ImproperlyConfigured(f"ONCHAIN_RPC_URL must start with http(s):// or ws(s)://, not {ONCHAIN_RPC_URL!r}.")
# Ingestion (sync_onchain, onchain.sync): blocks per eth_getLogs call (halved while a node refuses
# a range), how far back from the head a new chain or a newly tracked address is read, and how
# many requests go in one JSON-RPC batch (block scans for native transfers).
ONCHAIN_SYNC_BLOCK_RANGE = env.integer("ONCHAIN_SYNC_BLOCK_RANGE", 2000)
ONCHAIN_SYNC_LOOKBACK = env.integer("ONCHAIN_SYNC_LOOKBACK", 10_000)
ONCHAIN_RPC_BATCH_SIZE = env.integer("ONCHAIN_RPC_BATCH_SIZE", 100)
# onchain.sync retries a node that is down after this many seconds, doubling each time (5 tries).
ONCHAIN_SYNC_RETRY_BACKOFF = env.integer("ONCHAIN_SYNC_RETRY_BACKOFF", 5)
for _name in ("ONCHAIN_SYNC_BLOCK_RANGE", "ONCHAIN_SYNC_LOOKBACK", "ONCHAIN_RPC_BATCH_SIZE"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# Notarise predictions as soon as they are issued (a run after the generation commits). On by
# default in the embedded default (in-process chain, no broker); elsewhere the nightly beat entry does it.
ONCHAIN_NOTARIZE_ON_ISSUE = env.boolean("ONCHAIN_NOTARIZE_ON_ISSUE", not ONCHAIN_RPC_URL and CELERY_TASK_ALWAYS_EAGER)
# Periodic on-chain work (Celery beat); each task is idempotent and ends its own job.
CELERY_BEAT_SCHEDULE["onchain-sync"] = {"task": "onchain.sync", "schedule": timedelta(minutes=1)}
CELERY_BEAT_SCHEDULE["onchain-refresh-transactions"] = {
    "task": "onchain.refresh_transactions",
    "schedule": timedelta(seconds=30),
}
# Notarising the nightly forecasts (onchain-notarize-predictions) is a market-day task, above.
CELERY_BEAT_SCHEDULE["onchain-feed-trends"] = {"task": "onchain.feed_trends", "schedule": crontab(hour=22, minute=0)}

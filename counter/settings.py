"""Counter's one settings module, driven by the environment (see README "Configuration")."""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")  # the process environment wins

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and env.bool("COUNTER_REQUIRE_SECRET_KEY", default=False):
        raise environ.ImproperlyConfigured("SECRET_KEY must be set in production.")
    # A development key; `check --deploy` flags it, which is what it is for.
    SECRET_KEY = "django-insecure-counter-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "channels",
    "axes",
    "queueing",
    "notices",
    "supervision",
    "outreach",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "queueing.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its refusal.
    "axes.middleware.AxesMiddleware",
]
# API requests without a session cookie (kiosks, phones, displays, desk devices) take this
# shorter chain (counter.handlers): no static files, session, messages or sign-in lockout
# to look at; the request is anonymous. With a session cookie the API takes MIDDLEWARE.
COUNTER_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "queueing.middleware.ApiErrorMiddleware",
    "queueing.middleware.AnonymousApiMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "counter.urls"
ASGI_APPLICATION = "counter.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default; DATABASE_URL (postgres://…) for PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue up instead of
    # one failing with "database is locked" half-way through its transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # HTTP requests run on a few long-lived threads (counter.handlers), so their
    # connections can persist.
    _db["CONN_MAX_AGE"] = None
    _db["CONN_HEALTH_CHECKS"] = True
    # Tests run against a file so that daphne processes can share the database.
    # COUNTER_TEST_DB gives parallel runs in one checkout a file each.
    _db["TEST"] = {"NAME": env.str("COUNTER_TEST_DB", default=str(BASE_DIR / ".test-db.sqlite3"))}
elif _db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgis"):
    # Connections come from a pool per process and go back after each request
    # (persistent connections and the pool do not mix).
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
    # Prepared statements: parameters bound on the server, and a statement a connection has
    # run five times is prepared, its plan kept for the session (Django turns this off by
    # default). The queue's hot reads (the heads of ten queues, the locked ticket) take
    # 3–9 ms to plan and under 1 ms to run; the pool keeps connections, so plans outlive a
    # request. Behind PgBouncer: session pooling, or its max_prepared_statements (≥ 1.21),
    # or DATABASE_PREPARED_STATEMENTS=0.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _db["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ----------------------------------------------


def redis_channel_prefix(url: str) -> str:
    """The channel layer's prefix: COUNTER_CHANNEL_PREFIX, else one per Redis database of `url`.

    Redis publish/subscribe channels belong to the whole server, not to a database: two
    installations (or two test workers) on one Redis with different database numbers would
    otherwise hear each other's halls, whose sites are both numbered from 1.
    """
    return os.environ.get("COUNTER_CHANNEL_PREFIX") or f"counter.db{urlsplit(url).path.strip('/') or 0}."


def redis_channel_layer(url: str) -> dict[str, object]:
    """The channel layer on the Redis at `url`, as every process of one installation must have it."""
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [url], "prefix": redis_channel_prefix(url)},
    }


REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and (_worker := os.environ.get("PYTEST_XDIST_WORKER", "")).startswith("gw"):
    # Tests run in parallel workers (pytest-xdist: gw0, gw1, …), each on its own Redis database after
    # REDIS_URL's: every test empties its cache (FLUSHDB), and each worker's sites are numbered from 1,
    # so their channel groups would meet (the channel prefix follows the database: redis_channel_prefix).
    # Processes a test starts get the moved URL (tests/servers.py).
    _redis = urlsplit(REDIS_URL)
    _redis_db = int(_redis.path.strip("/") or 0) + int(_worker[2:]) + 1
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    # Room for every open phone's count (queueing.phones): the default 300 entries would cull
    # the counts of a busy day's phones, and their places would no longer be pushed.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100_000}}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "counter.layers.LobbyChannelLayer",
            # group_send drops messages for a full channel; leave room for bursts.
            "CONFIG": {"capacity": 1000},
        }
    }

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Overridable so that test servers can use a fast hasher; keep the default in production.
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)
AUTHENTICATION_BACKENDS = [
    "queueing.auth.SignInGuard",  # django-axes: refuses a locked-out sign-in before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: a username is locked from one address after this many
# failed sign-ins, for this long; other officers and other addresses sign in as usual.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "queueing.ratelimit.client_address"  # X-Forwarded-For only from COUNTER_TRUSTED_PROXIES
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed files once `collectstatic` has run (the run command does);
# a fresh checkout and the tests serve static/ as it is.
_collected = (STATIC_ROOT / "staticfiles.json").exists() and not DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _collected
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = not _collected

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security (TLS ends at the reverse proxy; see README "Deployment") ------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # SECURE_SSL_REDIRECT stays off by default (SPEC "Running it"): TLS ends at the
    # reverse proxy, which redirects plain HTTP itself; SECURE_SSL_REDIRECT=1 turns it on.
    "security.W008",
    # HSTS preload is for public names submitted to the browsers' preload list; a hall's
    # intranet name cannot be on it. SECURE_HSTS_PRELOAD=1 still sends `preload` where it can.
    "security.W021",
]
# Content-Security-Policy (django-csp): the pages carry no inline script or style.
# connect-src names ws:/wss: for the live sockets, which 'self' does not cover in every browser.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],  # the kiosk prints from a frame of its own origin
    },
}

# --- Counter --------------------------------------------------------------
# Kiosk issuance limit per client address and minute (0 turns it off).
COUNTER_KIOSK_RATE_LIMIT = env.int("COUNTER_KIOSK_RATE_LIMIT", default=30)
# Threads serving HTTP requests in one daphne process (counter.handlers); keep
# it below the PostgreSQL pool's DATABASE_POOL_MAX.
COUNTER_HTTP_THREADS = env.int("COUNTER_HTTP_THREADS", default=8)
# A screen not heard of for this long raises an alert on its site's desks
# (heartbeats come every 15 s).
COUNTER_SCREEN_STALE_SECONDS = env.int("COUNTER_SCREEN_STALE_SECONDS", default=60)
# Call acknowledgements each server process asks of a site's displays per call (a random sample).
COUNTER_ACK_SAMPLES = env.int("COUNTER_ACK_SAMPLES", default=50)
# Addresses of reverse proxies whose X-Forwarded-For is believed.
COUNTER_TRUSTED_PROXIES = env.list("COUNTER_TRUSTED_PROXIES", default=[])

# Keys that encrypt a citizen's personal data at rest (counter.crypto): Fernet keys, the first
# encrypts, all decrypt. Production refuses to start without one (a lost key loses the data;
# keep it outside the database's backups).
COUNTER_DATA_KEYS = env.list("COUNTER_DATA_KEYS", default=[])
if not COUNTER_DATA_KEYS and not DEBUG and env.bool("COUNTER_REQUIRE_SECRET_KEY", default=False):
    raise environ.ImproperlyConfigured("COUNTER_DATA_KEYS must be set in production.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redis_outage": {"()": "queueing.outage.RedisOutage"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # daphne logs every request itself; Django's per-request warnings repeat it.
        "django.request": {"level": "ERROR"},
        # While Redis is down: one line when it goes and one when it is back, not one a second.
        "channels_redis.pubsub": {"filters": ["redis_outage"]},
    },
}

# Appointments' notifier (webhook backend): attempts per message and the first backoff (doubling).
COUNTER_NOTIFY_ATTEMPTS = env.int("COUNTER_NOTIFY_ATTEMPTS", default=4)
COUNTER_NOTIFY_BACKOFF_SECONDS = env.float("COUNTER_NOTIFY_BACKOFF_SECONDS", default=2.0)

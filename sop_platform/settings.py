"""Settings of the S&OP inventory-optimization platform, read from the environment.

Embedded defaults run on one machine with no server: a SQLite file under ``var/`` and the
django-q2 ORM broker. Production sets ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY``,
``ALLOWED_HOSTS`` and, to spread workers over machines, ``Q_REDIS_URL``. See README.md.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from sop_platform.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed, clearly insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A CSRF failure answers JSON under /api/ (HTML elsewhere), like the other API errors.
CSRF_FAILURE_VIEW = "sop_platform.api.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # hashed API tokens; the token model is sop_platform.ApiToken
    "axes",  # failed-login throttling
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_q",
    "sop_platform",  # cross-app commands (load_csv)
    "inventory",
    "demand",
    "supply",
    "scenarios",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# A justification or an approval comment is kept whole as the history's change reason.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

ROOT_URLCONF = "sop_platform.urls"
WSGI_APPLICATION = "sop_platform.wsgi.application"

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
                "sop_platform.context_processors.navigation",
                "governance.context_processors.location_scope_notice",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sop.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the django-q2 worker share the file without lock errors.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and permissions ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses any login (right password or not) while the username or address is locked.
    "sop_platform.accounts.logins.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The front door sends each role to its page (executives to the scorecard).
LOGIN_REDIRECT_URL = "governance:home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object; anonymous means no access.

REST_FRAMEWORK = {
    # Token first, so an unauthenticated API call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sop_platform.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per token (or user): loads are heavy, reads are cheap.
        "bulk": env_str("API_BULK_RATE", "120/minute"),
        "read": env_str("API_READ_RATE", "1200/minute"),
    },
}
# Failed logins (django-axes): after AXES_FAILURE_LIMIT failures for one username, or from one
# address, every login of that username / from that address is refused (429) for the cool-off;
# admins unlock earlier by deleting the "Access attempts" rows in the admin.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "sop_platform.accounts.logins.lockout_response"
AXES_CLIENT_IP_CALLABLE = "sop_platform.accounts.logins.client_ip"
# Reverse proxies in front of Django that append the client to X-Forwarded-For (0: none, the
# client address is REMOTE_ADDR). Too low counts everyone as the proxy, too high lets clients
# pick their address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# API tokens (django-rest-knox, stored as SHA-512 digests): the validity offered when an admin
# issues one, and the longest allowed.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = 3650
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_DAYS), "AUTH_HEADER_PREFIX": "Token"}
KNOX_TOKEN_MODEL = "sop_platform.ApiToken"
# knox's migrations create its own token table even when the model is swapped (they do not
# mark it swappable); without them nothing of knox is created, and no orphan table refers to
# users (PostgreSQL test databases could not be flushed).
MIGRATION_MODULES = {"knox": None}
# Admin-issued password-reset links (no mail): valid until used once, or for this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600

SPECTACULAR_SETTINGS = {
    "TITLE": "S&OP inventory optimization API",
    "DESCRIPTION": "Bulk loads of input data (CSV or JSON, upsert by natural key) and reads.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and ReDoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Policies, proposals and publications share the policy values' service types.
    "ENUM_NAME_OVERRIDES": {
        "ServiceTypeEnum": "inventory.choices.ServiceType",
        "RunStatusEnum": "inventory.choices.RunStatus",
    },
    # 401/403/404/429 and filter 400s, which every endpoint can answer, declared once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sop_platform.api.schema.add_common_error_responses",
    ],
}

# Bulk loads: the most rows and bytes one request may carry (413 beyond), and the dates a
# load accepts (years back and ahead of today).
BULK_MAX_ROWS = env_int("BULK_MAX_ROWS", 2_000_000)
BULK_MAX_BODY_BYTES = env_int("BULK_MAX_BODY_BYTES", 256 * 1024 * 1024)
BULK_DATE_PAST_YEARS = env_int("BULK_DATE_PAST_YEARS", 20)
BULK_DATE_FUTURE_YEARS = env_int("BULK_DATE_FUTURE_YEARS", 5)
# Lead-time actuals per supplier lane (supply.services.lead_time_actuals_refresh): history
# window, days late still on time, what counts as a shift (relative, and at least this many
# days) and received PO lines needed before a lane's actuals are trusted.
LEAD_TIME_HISTORY_DAYS = env_int("LEAD_TIME_HISTORY_DAYS", 365)
LEAD_TIME_ON_TIME_TOLERANCE_DAYS = env_int("LEAD_TIME_ON_TIME_TOLERANCE_DAYS", 0)
LEAD_TIME_SHIFT_THRESHOLD = float(env_str("LEAD_TIME_SHIFT_THRESHOLD", "0.2"))
LEAD_TIME_SHIFT_MIN_DAYS = float(env_str("LEAD_TIME_SHIFT_MIN_DAYS", "1.0"))
LEAD_TIME_MIN_RECEIVED_LINES = env_int("LEAD_TIME_MIN_RECEIVED_LINES", 3)

# A CSV or JSON body is read whole; BULK_MAX_BODY_BYTES is checked first and answered with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = BULK_MAX_BODY_BYTES

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Planning periods: weeks by default. Lead times are stored in days and converted with this.
PLANNING_PERIOD = env_str("PLANNING_PERIOD", "week")
PLANNING_PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}.get(PLANNING_PERIOD)
if PLANNING_PERIOD_DAYS is None:
    raise ImproperlyConfigured(f"PLANNING_PERIOD={PLANNING_PERIOD!r}: use day, week or month.")

# --- Optimization runs ----------------------------------------------------------------------
# RUNS_SYNC executes run tasks in the calling process instead of the django-q2 queue.
RUNS_SYNC = env_bool("RUNS_SYNC", False)
# Optimized service levels: pass 1 keeps each batch's curves on the worker's local disk for
# pass 2 (inventory/runs/curves_cache.py; about 1.2 kB per SKU-location between the passes).
RUNS_CURVES_CACHE = env_bool("RUNS_CURVES_CACHE", True)
RUNS_CURVES_DIR = Path(env_str("RUNS_CURVES_DIR", str(VAR_DIR / "run-curves")))

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
if DEBUG:
    # whitenoise serves from the finders in development but warns when STATIC_ROOT is absent.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js comes from the pinned plotly package, never from a CDN.
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Caches ---------------------------------------------------------------------------------
# "default" is per process (throttle counts). "shared" holds what one process computes for the
# others: the scorecard's evidence, which a django-q2 worker refreshes for the web processes
# (governance.sop.tasks). A database table, so it needs no server (manage.py createcachetable).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sop_shared_cache",
        "TIMEOUT": 3600,
    },
}

# --- Background work (django-q2) ------------------------------------------------------------
Q_REDIS_URL = env_str("Q_REDIS_URL")
Q_CLUSTER = {
    "name": "sop",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT_SECONDS", 600),
    "retry": env_int("Q_RETRY_SECONDS", 660),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 3),
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background tasks",
}
if Q_REDIS_URL:
    Q_CLUSTER["redis"] = Q_REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Security (production values unless DEBUG) ----------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts only from our static files, never inline (chart
# figures travel as JSON in <script type="application/json">, which is data, not code).
# Styles: our stylesheets and two inline <style> elements of plotly.js, allowed by hash, so no
# 'unsafe-inline': the empty one plotly fills through the CSS object model (which CSP does not
# restrict), and the maplibre stylesheet bundled in plotly.min.js, which it adds on load. Any
# other <style>, an injected one included, is refused. tests/sop_platform/test_csp.py checks
# the hashes against the pinned plotly; tests/browser/test_csp.py checks the pages.
PLOTLY_INLINE_STYLES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (empty)
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # .maplibregl-map{...}
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *PLOTLY_INLINE_STYLES],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

"""Django settings for Javob, read from environment variables with safe defaults.

See docs/configuration.md for every variable. Nothing here opens a connection; the only
file work is the generated secret key of a local install and the static directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "javob"


def local_secret_key(data_dir: Path) -> str:
    """Generate a secret key once for a local install and keep it in the data directory."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JAVOB_DATA_DIR") or default_data_dir()).resolve()
DEBUG = env_bool("JAVOB_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key(DATA_DIR)
# Fernet keys for channel secrets at rest, newest first (comma-separated). When unset, a key
# is derived from SECRET_KEY; set this before rotating SECRET_KEY.
JAVOB_ENCRYPTION_KEYS = env_list("JAVOB_ENCRYPTION_KEYS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The public address of this install, used in webhook URLs given to providers.
JAVOB_PUBLIC_URL = os.environ.get("JAVOB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
REDIS_URL = os.environ.get("REDIS_URL", "")

INSTALLED_APPS = [
    "javob.web.settings_pages.admin_site.SuperuserAdminConfig",  # /admin/: superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_tasks_db",
    "javob.core",
    "javob.accounts",
    "javob.contacts",
    "javob.conversations",
    "javob.connectors",
    "javob.connectors.whatsapp",
    "javob.connectors.email",
    "javob.realtime",
    "javob.intelligence",
    "javob.connectors.webchat",
    "javob.sla",
    "javob.automation",
    "javob.routing",
    "javob.web",
    # After javob.web, so the app's templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "javob.web.middleware.AgentPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "javob.urls"
ASGI_APPLICATION = "javob.asgi.application"
WSGI_APPLICATION = None
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_settings() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'javob.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
            # the start of a transaction, so concurrent writers wait instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    elif env_bool("JAVOB_DB_POOL", False):
        # A psycopg connection pool per process (needs psycopg-pool): a request borrows a
        # connection instead of opening one, which costs more than the request itself.
        config["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 8, "timeout": 10}}
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_settings()}
# The webhook door's group commit on PostgreSQL (javob.connectors.groupcommit) uses prepared
# statements on a connection of its own; off for a pooler that cannot keep them (PgBouncer in
# transaction mode before 1.21).
WEBHOOK_GROUP_COMMIT = env_bool("JAVOB_WEBHOOK_GROUP_COMMIT", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("JAVOB_LANGUAGE", "en")
LANGUAGES = [
    ("en", "English"),
    ("uz", "Oʻzbekcha"),
    ("uz-cyrl", "Ўзбекча"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Static files are served from the installed package (WHITENOISE_USE_FINDERS); this
# directory only receives `collectstatic` output, but WhiteNoise wants it to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Sign-in (django-allauth): email and password, no username, no open sign-up (admins invite
# agents), optional TOTP two-factor with recovery codes. See docs/agent-ui.md.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "javob.web.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Javob: "
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Javob"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "inbox"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

SESSION_COOKIE_AGE = int(os.environ.get("JAVOB_SESSION_SECONDS", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere; email HTML renders in sandboxed frames, where remote images are
# blocked again by the frame's own policy until the agent asks for them.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "https:", "http:"],
    "connect-src": ["'self'", "ws:", "wss:"],
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS (the production default) cookies are secure and HTTP is redirected.
JAVOB_HTTPS = env_bool("JAVOB_HTTPS", not DEBUG and JAVOB_PUBLIC_URL.startswith("https://"))
if env_bool("JAVOB_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if JAVOB_HTTPS or os.environ.get("JAVOB_DEBUG") == "0":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("JAVOB_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("JAVOB_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("JAVOB_HSTS_PRELOAD", True)

# Background work: Django's Tasks API. The database engine needs no other server; with
# REDIS_URL the RQ engine lets any number of workers share the queue (docs/architecture.md).
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    # RQ must run jobs through django-tasks-rq's Job, which calls the Task's function.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    # Shared by every process: rate limits count across web nodes.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def mailer_settings(url: str) -> dict[str, Any]:
    """EMAIL_URL: smtp://user:password@host:587 (STARTTLS), smtps://...:465 (TLS), or unset
    to write mail as files under JAVOB_DATA_DIR/outbox (a local install; not for production)."""
    if not url:
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
        }
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"EMAIL_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    options: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (465 if parts.scheme == "smtps" else 587),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_ssl": parts.scheme == "smtps",
        "use_tls": parts.scheme == "smtp" and "tls=0" not in parts.query,
        "timeout": 30,
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


MAILERS = {"default": mailer_settings(os.environ.get("EMAIL_URL", ""))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "javob@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Outbound HTTP to user-supplied URLs refuses internal addresses unless listed here
# (comma-separated networks or host names, e.g. "10.0.0.0/8,hooks.internal").
JAVOB_OUTBOUND_ALLOW = env_list("JAVOB_OUTBOUND_ALLOW", [])
JAVOB_OUTBOUND_TIMEOUT = float(os.environ.get("JAVOB_OUTBOUND_TIMEOUT", "15"))
# Outbound delivery: attempts before a transient failure becomes final, and the lease a
# worker holds on a message while it sends it (a killed worker's lease simply runs out).
JAVOB_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("JAVOB_DELIVERY_MAX_ATTEMPTS", "8"))
JAVOB_DELIVERY_LEASE_SECONDS = int(os.environ.get("JAVOB_DELIVERY_LEASE_SECONDS", "120"))
JAVOB_RETRY_BASE_SECONDS = float(os.environ.get("JAVOB_RETRY_BASE_SECONDS", "10"))
JAVOB_SCHEDULER_INTERVAL = float(os.environ.get("JAVOB_SCHEDULER_INTERVAL", "5"))

# Seconds the database task worker waits between polls when its queue is empty: replies to
# web chat visitors wait for it, so keep it short (each poll is one indexed SELECT).
JAVOB_WORKER_INTERVAL = float(os.environ.get("JAVOB_WORKER_INTERVAL", "0.05"))

# Routing reads agents' shifts and rules read business hours from the SLA calendars.
JAVOB_ROUTING_ON_SHIFT = "javob.sla.queries.on_shift"
JAVOB_AUTOMATION_BUSINESS_HOURS = "javob.sla.queries.open_now"

# Web chat: rate limits per visitor and per client IP (many visitors may share one IP).
JAVOB_WIDGET_LIMITS = {
    "connects_per_ip_minute": int(os.environ.get("JAVOB_WIDGET_CONNECTS_PER_IP_MINUTE", "600")),
    "sessions_per_ip_minute": int(os.environ.get("JAVOB_WIDGET_SESSIONS_PER_IP_MINUTE", "300")),
    "messages_per_visitor_minute": 30,
    "messages_per_ip_minute": int(os.environ.get("JAVOB_WIDGET_MESSAGES_PER_IP_MINUTE", "600")),
    "transcripts_per_visitor_hour": 3,
}

# Language intelligence: each component is a class that an install may swap for a larger local
# model or an external service (javob/intelligence/providers.py); the defaults are offline.
JAVOB_AI_LANGUAGE_PROVIDER = os.environ.get(
    "JAVOB_AI_LANGUAGE_PROVIDER", "javob.intelligence.providers.OfflineLanguage"
)
JAVOB_AI_SENTIMENT_PROVIDER = os.environ.get(
    "JAVOB_AI_SENTIMENT_PROVIDER", "javob.intelligence.providers.OfflineSentiment"
)
JAVOB_AI_INTENT_PROVIDER = os.environ.get(
    "JAVOB_AI_INTENT_PROVIDER", "javob.intelligence.providers.OfflineIntent"
)
JAVOB_AI_TRANSLATION_PROVIDER = os.environ.get(
    "JAVOB_AI_TRANSLATION_PROVIDER", "javob.intelligence.providers.NoTranslation"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"mask_pii": {"()": "javob.intelligence.logfilter.MaskPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_pii"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("JAVOB_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task run is noise at INFO; failures still log as warnings and errors.
        "django.tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

"""Settings for Readinglog, read from the environment.

Every variable is documented in README.md ("Configuration"). Development needs
none of them: DEBUG defaults to on and the database to a SQLite file in the
project folder. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    """Read a boolean variable; anything but a clear yes or no is an error."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def env_list(name, default=()):
    """Read a comma-separated list."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    """Read a whole number."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "papers",
    "readinglog.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
]

MIDDLEWARE = [
    # First, so that its response is the one served: it sends the notification
    # emails a request made once that response has gone.
    "papers.mail.SendAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "papers.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "papers.middleware.VaryOnHtmxMiddleware",
    "papers.middleware.SecurityHeadersMiddleware",
    "papers.middleware.PrivateCacheMiddleware",
    "papers.middleware.DatabaseUnavailableMiddleware",
    # Last, as axes asks: turns a refused login into papers.views.auth.locked_out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "readinglog.urls"
WSGI_APPLICATION = "readinglog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Registered by hand (SimpleAppConfig) so that Django 6's built-in
            # partials replace these two lines later.
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

# Database: a SQLite file in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout keep concurrent writers from
    # failing with "database is locked"; WAL lets readers run beside a writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # Fail fast while PostgreSQL is away (issue #8): without a connect timeout a
    # black-holed database holds every worker in connect. Either error answers
    # the 503 page (papers/views/outage.py); 0 turns a timeout off.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 3),
        options=f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT', 30)}s",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "papers.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (issue #8, papers/throttle.py): django-axes counts failed
# logins in the database, so every worker and server sees them. An account is
# refused after 5 failures, an address after 30 (password-reset requests count
# too), until 15 minutes after the last one.
AUTHENTICATION_BACKENDS = [
    "papers.throttle.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "papers.throttle.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("READINGLOG_ACCOUNT_FAILURE_LIMIT", 5)
READINGLOG_ADDRESS_FAILURE_LIMIT = env_int("READINGLOG_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("READINGLOG_LOCKOUT_MINUTES", 15))
# A refused attempt does not start the 15 minutes again, so the page can say when
# logins resume. (AXES_RESET_ON_SUCCESS stays off: a login to one's own account
# would clear the address's count.)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "papers.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "papers.throttle.client_address"
# Throttling needs no record of successful logins (axes would keep one forever).
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "email"]
# papers/admin.py registers axes' admin pages itself, with the checks of ours (issue #8).
AXES_ENABLE_ADMIN = False
# Behind a reverse proxy, count failures against the address it appends to
# X-Forwarded-For; without one, anybody can write that header.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds to wait for the mail server before giving up (the batch is tried again later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "readinglog@localhost")
# Where the site is reached from outside: emails and feeds link to it (issue #10).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Behind a reverse proxy that terminates TLS, trust its X-Forwarded-Proto header
# (the proxy must set it and strip what clients send); never without a proxy.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Security: on by default in production; SECURE_SSL_REDIRECT=0 behind a proxy
# that terminates TLS and redirects by itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer probes /healthz over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Remote images in notes reveal each reader's address to their host, so images
# load only from the site and data: unless this allows them (issue #8);
# papers/markdown.py shows the others as their alt text.
READINGLOG_REMOTE_IMAGES = env_bool("READINGLOG_REMOTE_IMAGES", False)
# No inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *(["https:", "http:"] if READINGLOG_REMOTE_IMAGES else [])],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features the app never uses, all off (Permissions-Policy header).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer camera display-capture encrypted-media geolocation gyroscope hid "
        "magnetometer microphone midi payment publickey-credentials-get screen-wake-lock "
        "serial usb xr-spatial-tracking"
    ).split()
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Uploaded log files larger than this are refused (issue #3).
READINGLOG_MAX_IMPORT_BYTES = env_int("READINGLOG_MAX_IMPORT_BYTES", 20 * 1024 * 1024)
# At most this many markdown files in one import: a folder, a zip or a multiple
# upload (issue #9). The upload of more files at once is refused by Django too.
READINGLOG_MAX_IMPORT_FILES = env_int("READINGLOG_MAX_IMPORT_FILES", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = READINGLOG_MAX_IMPORT_FILES
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Where a pasted arXiv id or DOI is looked up (papers/metadata.py): tests and
# offline sites point these elsewhere (issue #11).
READINGLOG_ARXIV_API_URL = os.environ.get(
    "READINGLOG_ARXIV_API_URL", "http://export.arxiv.org/api/query"
)
READINGLOG_CROSSREF_API_URL = os.environ.get(
    "READINGLOG_CROSSREF_API_URL", "https://api.crossref.org/works"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

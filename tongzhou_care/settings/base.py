"""Settings shared by every environment. Values that differ per machine come from the
environment (django-environ); see docs/deploy.md for the full list."""

import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The role the web and worker processes connect as (docs/deploy.md "Database roles"): set when
# `migrate` runs as the owner role, which then grants this role its row privileges.
DATABASE_RUNTIME_ROLE = env("DATABASE_RUNTIME_ROLE", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_htmx",
    "csp",
    "import_export",
    "enrollment",
    "claims",
    "oversight",
    # Last: its post_migrate handler re-applies the role matrix once every app's
    # permissions exist.
    "tongzhou_care.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (issue 13 point 8).
    "csp.middleware.CSPMiddleware",
    "tongzhou_care.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tongzhou_care.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Logins and uploads per address and per user (core/ratelimit.py), before any work is done.
    "tongzhou_care.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tongzhou_care.core.middleware.SessionTimeoutMiddleware",
    "tongzhou_care.core.middleware.TwoFactorMiddleware",
    "tongzhou_care.core.middleware.PasswordExpiryMiddleware",
    "tongzhou_care.core.middleware.ReadOnlyRoleMiddleware",
    "tongzhou_care.core.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Puts the user and URL of every request into the audit context (docs/audit.md).
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by the auth backend into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tongzhou_care.urls"
WSGI_APPLICATION = "tongzhou_care.wsgi.application"

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
                "tongzhou_care.core.context_processors.navigation",
            ],
        },
    },
]

# --- Users, passwords, login (S2-S5) ------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses locked-out usernames and addresses.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# S2: Argon2 first; users with older hashes are upgraded at their next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# S3: 12 characters and 3 of 4 character classes (the documented compromise between 等保
# complexity and ASVS), not a common password, not like the user's own name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tongzhou_care.core.passwords.ChineseMinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tongzhou_care.core.passwords.CharacterClassValidator",
     "OPTIONS": {"min_classes": 3}},
]
# S3: 0 turns expiry off; otherwise users are sent to change their password after this many days.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)

# S4: django-axes locks a username and, separately, an address after 5 failures, for 15
# minutes (its defaults are 3 failures, by address only, until an admin resets).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Tries made while locked out are not counted: they would extend the lock of whatever username
# a locked-out address names, so one attacker could keep any user out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address, read from the trusted proxy's X-Forwarded-For (core/clientip.py).
AXES_CLIENT_IP_CALLABLE = "tongzhou_care.core.clientip.client_ip"
# Addresses (or networks) of the reverse proxies in front of gunicorn; empty: no proxy, the
# peer address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# S5: a new key at login and a flush at logout are Django's own behaviour; the idle and
# absolute limits are enforced by core.middleware.SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "tongzhou_care.core.views.csrf_failure"

# S7: two-factor login (core/twofactor.py). Days a user without a second factor may work after
# their first login before enrolment is required; 0 = enrol at the first login.
TWO_FACTOR_GRACE_DAYS = env.int("TWO_FACTOR_GRACE_DAYS", default=0)
# Insurer staff keep read-only access to the persons and claims of an ended contract for this
# many days after its coverage end, without unmasking (issue 13; docs/security.md "Insurer
# access after the contract"). The default covers the two-year claim time limit and the
# decision and payment deadlines of a claim reported on its last day.
INSURER_ACCESS_DAYS_AFTER_CONTRACT = env.int("INSURER_ACCESS_DAYS_AFTER_CONTRACT", default=760)
OTP_TOTP_ISSUER = "通州区住院护理补贴保险"
# A wrong code doubles the wait before the next try (1 s, 2 s, 4 s ...), per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Issue 13 point 5: (requests, seconds) per client address and per user (core/ratelimit.py).
RATE_LIMITS = {
    "login": {"per_address": (30, 60), "per_user": (10, 60)},
    "upload": {"per_address": (30, 60), "per_user": (10, 60)},
}

# --- Content security policy (django-csp) -------------------------------------------------
# Everything comes from this site (the intranet is offline, static/ is vendored): no inline
# script or style, no eval, no plugins, no framing, forms post only here. Bootstrap's CSS draws
# its form icons as data: SVG images, hence data: for images (never for scripts or frames).
# JS goes in static/js/*.js wired by data- attributes, CSS in static/css/*.css; the browser tests
# fail on any violation (tests/e2e/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
# Browser features no page of this system uses, denied to it and to anything it could embed.
PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
                      "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
                      "serial=(), hid=(), idle-detection=()")

# --- Language, time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded documents live outside static/ and are only served through scoped views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
# Where uploads wait while a request reads them (None: the system's temp folder).
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# --- Background jobs (core/jobs.py) -------------------------------------------------------
# A running job whose worker has not reported for this many seconds is taken over by another.
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=120)
# Workers queue the periodic jobs (core/jobs.py PERIODIC) that fall due; the nightly data checks
# are due at DATA_CHECKS_AT, local time.
PERIODIC_JOBS = env.bool("PERIODIC_JOBS", default=True)
DATA_CHECKS_AT = env("DATA_CHECKS_AT", default="02:00")
# Roster files larger than this are checked by a background job (the page shows progress and
# opens the preview when done); smaller ones, most district rosters, within the request.
ROSTER_BACKGROUND_BYTES = env.int("ROSTER_BACKGROUND_BYTES", default=2 * 1024 * 1024)
# Applying more rows than this runs as a background job (47,000 rows took 23 s in the request,
# against gunicorn's 60 s timeout).
ROSTER_BACKGROUND_APPLY_ROWS = env.int("ROSTER_BACKGROUND_APPLY_ROWS", default=5000)
# Payment files larger than this are checked by a background job (about 3,000 rows).
PAYMENT_BACKGROUND_BYTES = env.int("PAYMENT_BACKGROUND_BYTES", default=256 * 1024)

# --- Retention (docs/deploy.md "Retention"; core/retention.py purges what is due) ---------
RETENTION_CLAIM_DOCUMENT_YEARS = env.int("RETENTION_CLAIM_DOCUMENT_YEARS", default=5)
RETENTION_ACCESS_LOG_DAYS = env.int("RETENTION_ACCESS_LOG_DAYS", default=3 * 365)
RETENTION_JOB_FILE_DAYS = env.int("RETENTION_JOB_FILE_DAYS", default=30)
RETENTION_ROSTER_PREVIEW_DAYS = env.int("RETENTION_ROSTER_PREVIEW_DAYS", default=30)
RETENTION_ROSTER_ROWS_DAYS = env.int("RETENTION_ROSTER_ROWS_DAYS", default=2 * 365)

# --- Personal data at rest (core/crypto.py; docs/deploy.md "Keys of personal data") -------
# SM4 keys as "<id>:<base64 of 16 bytes>", comma-separated: every listed key opens, the one
# named by PERSONAL_DATA_KEY_ID (default: the highest id) seals. The HMAC-SM3 key of the blind
# indexes is separate (base64 of 32 bytes). Production must set them (settings/production.py);
# development keeps generated ones in .local/, tests derive fixed ones.
PERSONAL_DATA_KEYS = env("PERSONAL_DATA_KEYS", default="")
PERSONAL_DATA_KEY_ID = env("PERSONAL_DATA_KEY_ID", default="")
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default="")
# Processes the migration that seals an existing database spreads its sealing over (default:
# the machine's cores); the web and worker processes seal in-process.
PERSONAL_DATA_PROCESSES = env.int("PERSONAL_DATA_PROCESSES", default=os.cpu_count() or 1)

# --- Audit (S13) ---------------------------------------------------------------------------
PGHISTORY_APPEND_ONLY = True
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"

# --- Logging: no personal data; the request id ties a 500 page to its log line (S12) ------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tongzhou_care.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # Django's request logger prints the URL and, on errors, local variables.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

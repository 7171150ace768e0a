"""Settings for scripts/run on a developer's machine: DEBUG, local database from scripts/lib.sh."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# A fixed development key: dev data is demo data. Production refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production-8f3a")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# The demo_data command refuses to run unless this is set.
DEMO_DATA_ALLOWED = True
# The demo's users may work without a second factor for ten years after their first login (the
# page offers enrolment); production requires it at once (docs/security.md, S7).
TWO_FACTOR_GRACE_DAYS = env.int("TWO_FACTOR_GRACE_DAYS", default=3650)

# Whitenoise serves from STATIC_ROOT (filled by collectstatic in production) and warns when it
# does not exist; in development it finds files in static/ directly.
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No collectstatic in development: plain names, found in static/ (also with DEBUG off).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

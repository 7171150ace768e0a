"""Settings for scripts/test: the same stack as production, with fast password hashing."""

import os

# Rule tests run without any database (scripts/test --rules): a placeholder address lets the
# settings load; tests/conftest.py refuses to start a database test without a real one.
NO_DATABASE = "DATABASE_URL" not in os.environ
os.environ.setdefault("DATABASE_URL", "postgres://no-database@127.0.0.1:9/none")

from .dev import *  # noqa: E402,F401,F403

DEBUG = False
# Argon2 stays first (S2 is tested); tests create many users, so lower its cost there only.
PASSWORD_HASHERS = [
    "tongzhou_care.core.passwords.FastArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
ALLOWED_HOSTS = ["*"]
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# As in production: a second factor at the first login (tests enrol one, tests/two_factor.py).
TWO_FACTOR_GRACE_DAYS = 0
# Tests post far more than a person would; the limits themselves are tested with their own values.
RATE_LIMITS = {action: {scope: (10_000, 60) for scope in ("per_address", "per_user")}
               for action in ("login", "upload")}
# A test's worker runs only the jobs the test queued (tests of the schedule switch it on).
PERIODIC_JOBS = False

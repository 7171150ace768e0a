"""Settings for scripts/test: the same stack as production, with fast password hashing."""

from .dev import *  # noqa: F401,F403

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

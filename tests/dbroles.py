"""The runtime database role in tests (docs/deploy.md "Database roles")."""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection


def runtime_url() -> str:
    """The runtime role's URL for the database this test uses (scripts/lib.sh sets
    DATABASE_RUNTIME_URL for the project-local cluster; with your own server, set it too)."""
    url = os.environ.get("DATABASE_RUNTIME_URL")
    if not url:
        pytest.fail("DATABASE_RUNTIME_URL is not set: the app has no separate runtime database role")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))

"""Helpers for tests that run the project's scripts and servers as separate processes against
the test database."""

import os
import socket
import time
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str | None = None) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name or db['NAME']}"


def process_env(**extra) -> dict:
    """The environment of a script run by a test: the test database, no async shortcut."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test"}
    # Another database's address must not leak in (scripts/lib.sh exports the runtime role's).
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_RUNTIME_URL"):
        env.pop(name, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process, timeout: float = 60) -> None:
    """Until something listens on the port; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {timeout} s")


@pytest.fixture
def scratch_database():
    """scratch_database(suffix) returns the address of a new, empty database beside the test
    database (one per xdist worker); it is dropped afterwards."""
    made = []
    admin = psycopg2.connect(database_url("postgres"))
    admin.autocommit = True

    def drop(name):
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def make(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        drop(name)
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return database_url(name)

    yield make
    for name in made:
        drop(name)
    admin.close()

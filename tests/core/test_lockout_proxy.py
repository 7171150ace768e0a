"""Issue 13 point 1: behind the documented reverse proxy the lockout counts the real client
address, so failures from one client never lock anybody out at another one."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from tests.core.test_security import ROOT, production_env
from tests.factories import TEST_PASSWORD, make_user
from tongzhou_care.core.models import Role

# Logs in through Django's test client with the production settings, as the proxy would
# forward the requests: REMOTE_ADDR is the proxy, X-Forwarded-For carries the client.
SCRIPT = r"""
import json, sys
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings

# Only the static files differ from production: no collectstatic manifest in a test run.
override_settings(STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()

PROXY = "127.0.0.1"

def login(username, password, client_ip, remote=PROXY, forwarded=None):
    headers = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_PROTO": "https",
               "HTTP_X_FORWARDED_FOR": forwarded or client_ip}
    response = Client().post("/login/", {"username": username, "password": password},
                             secure=True, **headers)
    return response.status_code

out = {}
# 1. Five failures for unknown users from one client behind the proxy.
out["unknown"] = [login(f"guess{i}", "wrong-Passw0rd-1", "203.0.113.5") for i in range(5)]
# 2. The real user at another client still logs in.
out["real_elsewhere"] = login("officer_a", sys.argv[1], "198.51.100.7")
# 3. The attacker's address is locked; its further tries name the real user six times.
out["locked_again"] = [login("officer_a", "wrong-Passw0rd-1", "203.0.113.5") for _ in range(6)]
# 4. Those tries made while locked did not lock (or extend a lock on) the real user.
out["real_after"] = login("officer_a", sys.argv[1], "198.51.100.8")
# 5. A client talking to gunicorn directly cannot pick its address with the header.
out["spoofed"] = [login(f"spoof{i}", "wrong-Passw0rd-1", "", remote="192.0.2.9",
                        forwarded="198.51.100.7") for i in range(5)]
out["real_after_spoof"] = login("officer_a", sys.argv[1], "198.51.100.7")
print(json.dumps(out))
"""


@pytest.mark.django_db(transaction=True)
def test_lockout_counts_the_client_behind_the_proxy_not_the_proxy(street_a):
    make_user(Role.STREET_OFFICER, username="officer_a", street_obj=street_a)
    db = connection.settings_dict
    env = {**production_env(), "TRUSTED_PROXIES": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
           "ALLOWED_HOSTS": "testserver",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, TEST_PASSWORD], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["unknown"] == [200, 200, 200, 200, 429]
    assert out["real_elsewhere"] == 302, "failures at one client locked a user at another"
    assert out["locked_again"] == [429] * 6
    assert out["real_after"] == 302, "tries made while an address was locked counted against the user"
    assert out["spoofed"][-1] == 429             # counted against 192.0.2.9, the real peer
    assert out["real_after_spoof"] == 302        # not against the forged client address

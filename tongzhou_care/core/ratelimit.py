"""Rate limits on logins and uploads, per client address and per user (issue 13 point 5): a
client or an account that sends too many in a minute gets a Chinese page saying when to try
again (HTTP 429, Retry-After), before any password is checked or any file is read. django-axes
still locks after failed logins (S4); this also limits successful or mixed ones (credential
stuffing) and the uploads that cost the server most.

Counters live in PostgreSQL (one row per key and window, incremented by an upsert), so every
gunicorn worker and machine shares them; old windows are deleted as new ones come."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .clientip import client_ip


def hit(key: str, window_seconds: int) -> tuple[int, int]:
    """Count one request for `key` in the current window; (hits so far, seconds left)."""
    now = timezone.now()
    epoch = int(now.timestamp())
    start = epoch - epoch % window_seconds
    window_start = now.fromtimestamp(start, tz=now.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_ratelimitcounter (key, window_start, hits) VALUES (%s, %s, 1) "
            "ON CONFLICT (key, window_start) DO UPDATE SET hits = core_ratelimitcounter.hits + 1 "
            "RETURNING hits", [key[:200], window_start])
        hits = cursor.fetchone()[0]
        if random.random() < 0.01:          # now and then, forget windows long past
            cursor.execute("DELETE FROM core_ratelimitcounter WHERE window_start < %s",
                           [now - timedelta(days=1)])
    return hits, start + window_seconds - epoch


def _bucket(request) -> tuple[str, str | None] | None:
    """(action, user key) of a request that a limit applies to, or None."""
    if request.method != "POST":
        return None
    if request.path in (reverse("login"), reverse("admin:login"), reverse("two_factor_verify")):
        user = request.user.pk if request.user.is_authenticated else request.POST.get("username", "").strip().lower()
        return "login", str(user or "") or None
    if request.content_type == "multipart/form-data" and request.user.is_authenticated:
        return "upload", str(request.user.pk)
    return None


MESSAGES = {"login": "登录尝试过于频繁", "upload": "上传文件过于频繁"}


class RateLimitMiddleware:
    """RATE_LIMITS[action] = {"per_address": (requests, seconds), "per_user": (requests, seconds)}."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bucket = _bucket(request)
        if bucket is not None:
            action, user = bucket
            limits = settings.RATE_LIMITS[action]
            keys = [("per_address", f"{action}:ip:{client_ip(request)}")]
            if user:
                keys.append(("per_user", f"{action}:user:{user}"))
            for scope, key in keys:
                allowed, seconds = limits[scope]
                hits, wait = hit(key, seconds)
                if hits > allowed:
                    response = render(request, "429.html", {
                        "message": MESSAGES[action], "wait": max(1, wait),
                        "request_id": getattr(request, "request_id", "")}, status=429)
                    response["Retry-After"] = str(max(1, wait))
                    return response
        return self.get_response(request)

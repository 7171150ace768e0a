"""Request-wide policies: request ids (S12), session timeouts (S5), password expiry (S3),
no caching of pages with personal data (S11)."""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils import timezone

_local = threading.local()

SESSION_LOGIN_AT = "tz_login_at"
SESSION_SEEN_AT = "tz_seen_at"


class RequestIdMiddleware:
    """Gives each request an id, shown on the 500 page and in every log line of the request,
    so a user can quote it without anyone printing a traceback to them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .clientip import client_ip

        request.request_id = uuid.uuid4().hex[:12]
        _local.request_id = request.request_id
        _local.client_ip = client_ip(request)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            _local.request_id = "-"
            _local.client_ip = None


def current_client_ip() -> str | None:
    """The client address of the request this thread is serving (None outside a request)."""
    return getattr(_local, "client_ip", None)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = getattr(_local, "request_id", "-")
        return True


def mark_login(sender, request, user, **kwargs):
    """Receiver of user_logged_in: the absolute timeout counts from this moment."""
    now = time.time()
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Ends a session after 30 idle minutes or 12 hours after login, whichever comes first.
    Django itself keeps a session for two weeks by default and has no absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            login_at = request.session.get(SESSION_LOGIN_AT)
            seen_at = request.session.get(SESSION_SEEN_AT, login_at)
            if login_at is None:  # a session from before this middleware: start counting now
                request.session[SESSION_LOGIN_AT] = now
            elif (now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
                  or now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()):
                logout(request)
                messages.info(request, "登录已超时，请重新登录。")
                return redirect(f"{reverse('login')}?next={request.path}")
            request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """S7: after the password, every user proves a second factor before anything else: a code
    from their authenticator app, or enrolment when they have none yet (after the grace period
    of TWO_FACTOR_GRACE_DAYS, if any). The admin site is covered too. Runs after django-otp's
    OTPMiddleware, which tells whether the session is verified."""

    ALLOWED = ("two_factor_verify", "two_factor_setup", "two_factor_qr", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .twofactor import grace_until, has_second_factor

        user = request.user
        if (user.is_authenticated and not user.is_verified()
                and not request.path.startswith(settings.STATIC_URL)
                and request.path not in {reverse(name) for name in self.ALLOWED}):
            target = None
            if has_second_factor(user):
                target = "two_factor_verify"
            elif grace_until(user) is None:
                target = "two_factor_setup"
            if target:
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(target)
                    return response
                next_path = request.get_full_path() if request.method == "GET" else reverse("home")
                return redirect(f"{reverse(target)}?{urlencode({'next': next_path})}")
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """With PASSWORD_MAX_AGE_DAYS set, a user whose password is older is sent to change it
    before doing anything else (S3, optional)."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        user = request.user
        if max_age and user.is_authenticated:
            changed = user.password_changed_at or user.date_joined
            expired = (timezone.now() - changed).days >= max_age
            allowed = {reverse(name) for name in self.ALLOWED}
            if expired and request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                messages.warning(request, f"您的密码已超过 {max_age} 天未修改，请先修改密码。")
                return redirect("password_change")
        return self.get_response(request)


class ReadOnlyRoleMiddleware:
    """Finance reads and downloads but never writes (S9): every state-changing request by a
    read-only role is refused here, whatever view it reaches, except logging out and changing
    one's own password, proving or setting up the second factor, and submitting a filter bar
    (core/search.py, it writes nothing)."""

    ALLOWED = ("logout", "password_change", "search", "two_factor_verify", "two_factor_setup")
    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .roles import READ_ONLY_ROLES

        user = request.user
        if (request.method not in self.SAFE_METHODS and user.is_authenticated
                and user.role in READ_ONLY_ROLES
                and request.path not in {reverse(name) for name in self.ALLOWED}):
            raise PermissionDenied("只读角色不能修改数据")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and downloads for a logged-in user may carry personal data: no browser or proxy
    may keep a copy (S11)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY as the Permissions-Policy header (Django has no setting for it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
